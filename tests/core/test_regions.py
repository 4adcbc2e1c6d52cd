"""Administrative regions (GB/T 2260) kept as data."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kechuang.core.regions import (
    all_regions,
    children,
    get_region,
    is_within,
    provinces,
    region_choices,
    validate_region,
)


def test_every_province_level_division() -> None:
    found = provinces()
    assert len(found) == 34
    assert len({r.code for r in found}) == 34
    assert {r.level for r in found} == {"province"}
    assert {r.parent for r in found} == {None}
    assert {"110000", "120000", "130000", "310000", "710000", "810000", "820000"} <= {r.code for r in found}


def test_beijing_has_sixteen_districts() -> None:
    districts = children("110000")
    assert len(districts) == 16
    assert {r.level for r in districts} == {"county"}
    assert get_region("110108").zh == "海淀区"
    assert get_region("110116").zh == "怀柔区"


def test_tianjin_has_sixteen_districts() -> None:
    districts = children("120000")
    assert len(districts) == 16
    assert get_region("120116").zh == "滨海新区"


def test_hebei_has_eleven_prefecture_cities() -> None:
    cities = children("130000")
    assert len(cities) == 11
    assert {r.level for r in cities} == {"prefecture"}
    assert get_region("130600").zh == "保定市"


def test_codes_are_consistent() -> None:
    for code, region in all_regions().items():
        assert code == region.code
        assert len(code) == 6
        assert code.isascii()
        assert code.isdigit()
        if region.parent is not None:
            assert region.parent in all_regions()
            assert code.startswith(region.parent[:2])
            assert region.province_code == region.parent[:2] + "0000"


def test_is_within() -> None:
    assert is_within("110108", "110000")
    assert is_within("110000", "110000")
    assert is_within("130600", "130000")
    assert not is_within("110108", "120000")
    assert not is_within("110000", "110108")
    assert not is_within("999999", "110000")


def test_unknown_code_refused() -> None:
    validate_region("110108")
    with pytest.raises(ValidationError) as caught:
        validate_region("999999")
    assert caught.value.code == "region_unknown"


def test_names_follow_the_language() -> None:
    with translation.override("en"):
        assert get_region("110108").name == "Haidian"
    with translation.override("zh-hans"):
        assert get_region("110108").name == "海淀区"


def test_choices_list_provinces_with_their_divisions() -> None:
    with translation.override("zh-hans"):
        choices = dict(region_choices())
    assert len(choices) == len(all_regions())
    assert choices["110108"] == "北京市 · 海淀区"
    assert choices["110000"] == "北京市"
