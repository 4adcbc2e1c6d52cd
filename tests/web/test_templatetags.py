"""The shared template helpers: pager numbers and links, names of regions and sectors, DOI links."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.utils import translation

from kechuang.web.templatetags.kechuang import (
    doi_url,
    localized,
    other_language,
    page_numbers,
    page_url,
    region_name,
    sector_name,
    shown_keywords,
    text_in,
)
from tests.factories.accounts import ExpertProfileFactory


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
        (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
    ],
)
def test_page_numbers(current: int, last: int, expected: list[int | None]) -> None:
    assert page_numbers(current, last) == expected


def test_page_url_keeps_filters_drops_empty_values_and_page_one() -> None:
    query = QueryDict("q=%E6%9C%BA&kind=&region=110000&page=3")
    assert page_url(query, 2) == "?q=%E6%9C%BA&region=110000&page=2"
    assert page_url(query, 1) == "?q=%E6%9C%BA&region=110000"
    assert page_url(QueryDict(), 1) == "?"


def test_region_and_sector_names() -> None:
    with translation.override("zh-hans"):
        assert region_name("110108") == "北京市 · 海淀区"
        assert region_name("110000") == "北京市"
        assert sector_name("fut-health") == "未来健康"
    with translation.override("en"):
        assert sector_name("fut-health") == "Future health"
    assert region_name("999999") == "999999"
    assert sector_name("nope") == "nope"


def test_bilingual_filters() -> None:
    value = {"zh-hans": "北京", "en": "Beijing"}
    with translation.override("zh-hans"):
        assert localized(value) == "北京"
        assert other_language(value) == "Beijing"
        assert other_language({"zh-hans": "只有中文"}) == ""
    with translation.override("en"):
        assert localized(value) == "Beijing"
        assert other_language(value) == "北京"
        assert other_language({"zh-hans": "只有中文"}) == ""
    assert text_in(value, "zh-hans") == "北京"
    assert text_in(value, "fr") == ""


def test_shown_keywords_follow_the_language_and_fall_back_to_the_other() -> None:
    both = ExpertProfileFactory.build(keywords_zh=["力控"], keywords_en=["force control"])
    chinese_only = ExpertProfileFactory.build(keywords_zh=["力控"], keywords_en=[])
    none = ExpertProfileFactory.build(keywords_zh=[], keywords_en=[])
    with translation.override("en"):
        assert shown_keywords(both) == (["force control"], "en")
        assert shown_keywords(chinese_only) == (["力控"], "zh-Hans")
        assert shown_keywords(none).words == []
    with translation.override("zh-hans"):
        assert shown_keywords(both) == (["力控"], "zh-Hans")
        assert shown_keywords(ExpertProfileFactory.build(keywords_zh=[], keywords_en=["graphene"])) == (
            ["graphene"],
            "en",
        )


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("10.1000/182", "https://doi.org/10.1000/182"),
        ("doi:10.1000/182", "https://doi.org/10.1000/182"),
        ("https://doi.org/10.1000/182", "https://doi.org/10.1000/182"),
        ("202310123456.7", ""),
        ("", ""),
    ],
)
def test_doi_url(identifier: str, expected: str) -> None:
    assert doi_url(identifier) == expected
