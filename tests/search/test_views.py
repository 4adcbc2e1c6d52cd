"""The search page, the header box and the related items on detail pages, through Django's test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.accounts.enums import OrganizationKind, Visibility
from kechuang.search import lexicon
from kechuang.search.selectors import close_indexes
from kechuang.search.tasks import reindex
from tests.conftest import ARTIFACTS
from tests.factories.accounts import ExpertProfileFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
URL = reverse("search:search")

HIT = re.compile(
    r'<li class="hit" data-testid="search-hit" data-kind="([a-z_]+)">\s*<h3><a href="[^"]*"[^>]*>([^<]*)</a>'
)
TAB = re.compile(r'data-testid="search-tab" data-kind="([a-z_]+)" data-count="(\d+)"( aria-current="page")?')


@pytest.fixture
def index_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """An index of this test's own; the process's opened indexes are forgotten before and after."""
    close_indexes()
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    yield settings.SEARCH_INDEX_DIR
    close_indexes()


@pytest.fixture
def region(index_dir: Path) -> dict[str, Any]:
    """Three organisations and three experts, indexed."""
    ruigu = OrganizationFactory(
        name={"zh-hans": "北京锐骨医疗机器人有限公司", "en": "Beijing Ruigu Medical Robotics Co., Ltd."},
        description={"zh-hans": "骨科手术机器人企业，研发导航定位机器人。", "en": "Builds surgical robots."},
        region="110108",
        sectors=["sei-2", "fut-health"],
    )
    university = OrganizationFactory(
        name={"zh-hans": "怀柔理工大学", "en": "Huairou University of Technology"},
        description={"zh-hans": "研究机器人学与极低温物理。", "en": "Robotics and cryogenic physics."},
        kind=OrganizationKind.UNIVERSITY,
        region="110116",
        sectors=["sei-2"],
    )
    materials = OrganizationFactory(
        name={"zh-hans": "天津新材料研究院", "en": "Tianjin New Materials Institute"},
        description={"zh-hans": "研发碳纤维复合材料。", "en": "Carbon-fibre composites."},
        kind=OrganizationKind.INSTITUTE,
        region="120116",
        sectors=["sei-3"],
    )
    chen = ExpertProfileFactory(
        name={"zh-hans": "陈思远", "en": "Chen Siyuan"},
        title={"zh-hans": "教授", "en": "Professor"},
        affiliation=ruigu,
        fields=["机器人学"],
        keywords_zh=["力控", "手术机器人"],
        keywords_en=["force control", "surgical robotics"],
        bio={"zh-hans": "研究手术机器人的力控与安全。", "en": "Works on force control of surgical robots."},
    )
    wang = ExpertProfileFactory(
        name={"zh-hans": "王立群", "en": "Wang Liqun"},
        affiliation=university,
        fields=["机器人学"],
        keywords_zh=["人机协作"],
        keywords_en=["human-robot collaboration"],
    )
    zhao = ExpertProfileFactory(
        name={"zh-hans": "赵碳", "en": "Zhao Tan"},
        affiliation=materials,
        fields=["材料学"],
        keywords_zh=["碳纤维"],
        keywords_en=["carbon fibre"],
    )
    reindex()
    return {"ruigu": ruigu, "university": university, "materials": materials, "chen": chen, "wang": wang, "zhao": zhao}


def hits(response: Any) -> list[tuple[str, str]]:
    """(kind, title) of each result, in page order."""
    return HIT.findall(response.content.decode())


def tabs(response: Any) -> dict[str, tuple[int, bool]]:
    """Each kind tab's count and whether it is the current one."""
    return {kind: (int(count), bool(current)) for kind, count, current in TAB.findall(response.content.decode())}


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# ---------------------------------------------------------------- the page


def test_without_a_query_the_page_explains_what_can_be_searched(client: Client, region: dict[str, Any]) -> None:
    response = english(client).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="search-empty-query"' in html
    assert "You can search: Organizations · Experts · Challenge lists · Achievements." in html
    assert hits(response) == []
    assert tabs(response) == {}


def test_a_query_finds_every_kind_grouped_by_kind_with_a_count_per_tab(client: Client, region: dict[str, Any]) -> None:
    response = client.get(URL, {"q": "机器人"})
    assert response.status_code == 200
    assert tabs(response) == {
        "all": (4, True),
        "organization": (2, False),
        "expert": (2, False),
        "challenge": (0, False),
        "achievement": (0, False),
    }
    found = hits(response)
    assert sorted(found) == [
        ("expert", "王立群"),
        ("expert", "陈思远"),
        ("organization", "北京锐骨医疗机器人有限公司"),
        ("organization", "怀柔理工大学"),
    ]
    kinds = [kind for kind, _title in found]
    # Grouped: each kind's hits together, one group after the other.
    assert kinds == sorted(kinds, key=kinds.index)
    assert re.findall(r'data-testid="search-group" data-kind="([a-z]+)"', response.content.decode()) == list(
        dict.fromkeys(kinds)
    )


def test_a_kind_tab_shows_only_that_kind_and_keeps_the_other_counts(client: Client, region: dict[str, Any]) -> None:
    response = client.get(URL, {"q": "机器人", "kind": "expert"})
    assert tabs(response) == {
        "all": (4, False),
        "organization": (2, False),
        "expert": (2, True),
        "challenge": (0, False),
        "achievement": (0, False),
    }
    assert sorted(hits(response)) == [("expert", "王立群"), ("expert", "陈思远")]
    assert '<input type="hidden" name="kind" value="expert" form="search-form">' in response.content.decode()


def test_an_english_query_finds_the_chinese_documents_too(client: Client, region: dict[str, Any]) -> None:
    response = client.get(URL, {"q": "force control"})
    assert hits(response) == [("expert", "陈思远")]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"region": "110000"}, ["北京锐骨医疗机器人有限公司", "怀柔理工大学", "王立群", "陈思远"]),
        ({"region": "110116"}, ["怀柔理工大学", "王立群"]),
        ({"org_type": "university"}, ["怀柔理工大学", "王立群"]),
        ({"sector": "fut-health"}, ["北京锐骨医疗机器人有限公司", "陈思远"]),
        ({"region": "120000"}, []),
    ],
)
def test_filters_narrow_every_kind(
    client: Client, region: dict[str, Any], filters: dict[str, str], expected: list[str]
) -> None:
    response = client.get(URL, {"q": "机器人", **filters})
    assert response.status_code == 200
    assert sorted(title for _kind, title in hits(response)) == sorted(expected)
    assert f'<option value="{next(iter(filters.values()))}" selected>' in response.content.decode()


def test_filters_alone_browse(client: Client, region: dict[str, Any]) -> None:
    response = client.get(URL, {"region": "120000"})
    assert sorted(hits(response)) == [("expert", "赵碳"), ("organization", "天津新材料研究院")]


def test_hits_show_badge_subtitle_snippet_marks_and_where_they_matched(client: Client, region: dict[str, Any]) -> None:
    response = english(client).get(URL, {"q": "力控", "kind": "expert"})
    html = response.content.decode()
    assert '<span class="badge">Professor</span>' in html
    assert '<p class="hit-subtitle">Beijing Ruigu Medical Robotics Co., Ltd.</p>' in html
    assert "研究手术机器人的<mark>力控</mark>与安全。" in html
    assert '<p class="matched" data-testid="search-matched">Matched in: keywords, description</p>' in html


def test_snippets_escape_the_text_of_documents(client: Client, index_dir: Path) -> None:
    OrganizationFactory(
        name={"zh-hans": "脚本公司", "en": "Script Co."},
        description={"zh-hans": "", "en": 'A <script>alert("x")</script> robotics firm & <b>friends</b>.'},
    )
    reindex()
    html = client.get(URL, {"q": "robotics"}).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>robotics</mark> firm &amp; &lt;b&gt;friends" in html
    assert "<script>alert" not in html


def test_a_query_no_document_matches_entirely_says_the_results_are_relaxed(
    client: Client, region: dict[str, Any]
) -> None:
    response = client.get(URL, {"q": "碳纤维 量子"})
    assert sorted(hits(response)) == [("expert", "赵碳"), ("organization", "天津新材料研究院")]
    assert 'data-testid="search-relaxed"' in response.content.decode()
    assert 'data-testid="search-relaxed"' not in client.get(URL, {"q": "碳纤维"}).content.decode()


def test_no_results_suggest_what_to_try(client: Client, region: dict[str, Any]) -> None:
    response = english(client).get(URL, {"q": "量子", "kind": "expert", "region": "110000"})
    html = response.content.decode()
    assert 'data-testid="search-no-results"' in html
    assert "Nothing matches your search." in html
    assert f'<a href="{URL}?q=%E9%87%8F%E5%AD%90&amp;region=110000"' in html  # every kind, same filters
    assert f'<li><a href="{URL}?q=%E9%87%8F%E5%AD%90&amp;kind=expert">' in html  # without filters


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"(]:*'},
        {"q": "x" * 10_000},
        {"q": ""},
        {"q": "   "},
        {"q": "机器人\x00"},
        {"q": "AND OR NOT title:x* ~2 ^3 [a TO b] {}"},
        {"q": "机器人", "kind": "nonsense"},
        {"q": "机器人", "kind": ["organization", "expert"]},
        {"q": "机器人", "page": "-3"},
        {"q": "机器人", "page": "abc"},
        {"q": "机器人", "page": "9" * 40},
        {"q": "机器人", "region": "999999", "sector": "<b>", "org_type": "robot"},
    ],
)
def test_malformed_or_hostile_queries_get_a_page(
    client: Client, region: dict[str, Any], params: dict[str, Any]
) -> None:
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_punctuation_alone_finds_nothing_rather_than_everything(client: Client, region: dict[str, Any]) -> None:
    response = english(client).get(URL, {"q": '"(]:*', "kind": "expert"})
    assert hits(response) == []
    assert "There is nothing to search for in these words." in response.content.decode()


def test_a_long_query_is_cut_and_says_so(client: Client, region: dict[str, Any]) -> None:
    response = english(client).get(URL, {"q": "机器人 " + "x" * 10_000})
    html = response.content.decode()
    assert "only its first 200 characters were searched" in html
    assert len(hits(response)) == 4
    # The box and the links carry the words searched, not the whole input.
    searched = "机器人 " + "x" * 196
    assert f'name="q" id="id_q" value="{searched}"' in html
    assert set(re.findall(r'href="/search/\?q=([^"&]*)', html)) == {quote_plus(searched)}


def test_an_unknown_kind_is_ignored(client: Client, region: dict[str, Any]) -> None:
    response = client.get(URL, {"q": "机器人", "kind": "nonsense"})
    assert tabs(response)["all"] == (4, True)
    assert len(hits(response)) == 4


def test_results_page_and_a_page_past_the_end_shows_the_last(client: Client, index_dir: Path) -> None:
    for n in range(23):
        OrganizationFactory(name={"zh-hans": f"机器人实验室{n:02d}", "en": f"Robot Lab {n:02d}"})
    reindex()
    first = client.get(URL, {"q": "机器人"})
    assert len(hits(first)) == 10
    html = first.content.decode()
    assert f'href="{URL}?q=%E6%9C%BA%E5%99%A8%E4%BA%BA&amp;page=2" rel="next"' in html
    assert 'aria-label="第 3 页"' in html or 'aria-label="Page 3"' in html
    third = client.get(URL, {"q": "机器人", "page": "3"})
    assert len(hits(third)) == 3
    assert hits(client.get(URL, {"q": "机器人", "page": "40"})) == hits(third)
    assert set(hits(first)).isdisjoint(hits(third))


def test_htmx_requests_get_only_the_results(client: Client, region: dict[str, Any]) -> None:
    response = client.get(URL, {"q": "机器人", "kind": "organization"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<input type="hidden" name="kind"')
    assert len(hits(response)) == 2
    assert "HX-Request" in response.headers["Vary"]


def test_reading_results_costs_no_more_queries_for_more_of_them(client: Client, index_dir: Path) -> None:
    def queries(count: int) -> int:
        for n in range(count):
            OrganizationFactory(name={"zh-hans": f"量子{count}号{n}", "en": f"Quantum {count}-{n}"})
        reindex()
        # The analyzer checks the operators' lexicon once per CHECK_SECONDS: check it now, outside the count.
        lexicon.site_analyzer()
        with CaptureQueriesContext(connection) as captured:
            assert len(hits(client.get(URL, {"q": f"量子{count}号"}))) == count
        return len(captured)

    assert queries(1) == queries(3)


# ---------------------------------------------------------------- the header box


def test_every_page_has_the_search_box_in_its_header(client: Client, region: dict[str, Any]) -> None:
    for path in ("/", reverse("web:organizations"), reverse("web:expert", args=[region["chen"].pk])):
        html = client.get(path).content.decode()
        assert f'<form class="site-search" method="get" action="{URL}" role="search"' in html
        assert '<label class="visually-hidden" for="site-search-q">搜索</label>' in html
    english_html = english(client).get("/").content.decode()
    assert '<label class="visually-hidden" for="site-search-q">Search</label>' in english_html


def test_the_search_page_has_its_own_box_instead(client: Client, region: dict[str, Any]) -> None:
    html = client.get(URL, {"q": "机器人"}).content.decode()
    assert 'class="site-search"' not in html
    assert 'name="q" id="id_q" value="机器人"' in html


# ---------------------------------------------------------------- related items


def related(response: Any, testid: str) -> list[tuple[str, str]]:
    """(title, reasons) of the items of one related list."""
    html = response.content.decode()
    start = html.find(f'data-testid="{testid}"')
    if start < 0:
        return []
    section = html[start : html.index("</section>", start)]
    return re.findall(
        r'<li data-testid="related-item"[^>]*>\s*<a href="[^"]*">([^<]*)</a>.*?'
        r'<p class="why" data-testid="related-why">([^<]*)</p>',
        section,
        re.DOTALL,
    )


def test_an_organization_page_recommends_related_experts_with_reasons(client: Client, region: dict[str, Any]) -> None:
    response = english(client).get(reverse("web:organization", args=[region["ruigu"].pk]))
    found = related(response, "related-experts")
    assert [title for title, _why in found][:1] == ["Chen Siyuan"]
    assert {title for title, _why in found} <= {"Chen Siyuan", "Wang Liqun"}
    assert all(why.startswith("In common: ") for _title, why in found)
    assert "机器人" in found[0][1] or "robot" in found[0][1].lower()


def test_an_expert_page_recommends_organizations_and_similar_experts_but_not_the_expert(
    client: Client, region: dict[str, Any]
) -> None:
    response = english(client).get(reverse("web:expert", args=[region["chen"].pk]))
    organizations = [title for title, _why in related(response, "related-organizations")]
    experts = [title for title, _why in related(response, "similar-experts")]
    assert organizations[0] == "Beijing Ruigu Medical Robotics Co., Ltd."
    assert experts == ["Wang Liqun"]


def test_related_items_are_public_documents_only(client: Client, region: dict[str, Any]) -> None:
    hidden = region["wang"]
    hidden.visibility = Visibility.MEMBERS
    hidden.save()
    reindex()
    response = english(client).get(reverse("web:expert", args=[region["chen"].pk]))
    assert related(response, "similar-experts") == []


def test_without_an_index_the_detail_pages_show_no_related_items(client: Client, index_dir: Path) -> None:
    organization = OrganizationFactory(description={"zh-hans": "机器人", "en": "robots"})
    profile = ExpertProfileFactory(affiliation=organization)
    organization_html = client.get(reverse("web:organization", args=[organization.pk])).content.decode()
    expert_html = client.get(reverse("web:expert", args=[profile.pk])).content.decode()
    assert client.get(reverse("web:organization", args=[organization.pk])).status_code == 200
    assert 'data-testid="related-experts"' not in organization_html
    assert 'data-testid="related-organizations"' not in expert_html
    assert 'data-testid="similar-experts"' not in expert_html


# ---------------------------------------------------------------- in Chromium


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_from_the_header_on_a_phone(browser_page: Any, region: dict[str, Any]) -> None:
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/organizations/")
    page.get_by_role("search").get_by_label("搜索").fill("机器人")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("[data-testid=result-count]").get_attribute("data-count") == "4"
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(ARTIFACTS / "search-375.png"), full_page=True)

    page.evaluate("window.kechuangMarker = 1")  # survives only if htmx swapped the results in place
    page.click("[data-testid=search-tab][data-kind=expert]")
    page.wait_for_selector("[data-testid=search-tab][data-kind=expert][aria-current=page]")
    assert page.evaluate("window.kechuangMarker") == 1
    assert "kind=expert" in page.url
    assert page.locator("[data-testid=search-hit]").count() == 2
    assert page.locator("[data-testid=search-hit][data-kind=organization]").count() == 0

    # A filter changed now keeps the chosen tab.
    page.select_option("#id_region", "110116")
    page.wait_for_selector("[data-testid=result-count][data-count='1']")
    assert "kind=expert" in page.url

    page.click("[data-testid=search-hit-link]")
    page.wait_for_url(f"**/experts/{region['wang'].pk}/")
    assert page.locator("[data-testid=expert-name]").inner_text() == "王立群"
    assert problems == []
