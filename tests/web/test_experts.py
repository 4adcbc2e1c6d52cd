"""The expert directory and page: what an expert chose to make public, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.accounts.enums import OrganizationStatus, Visibility
from tests.factories.accounts import ExpertProfileFactory, OrganizationFactory, UserFactory, WorkFactory, make_operator

pytestmark = pytest.mark.django_db
URL = reverse("web:experts")


def names(response: Any) -> list[str]:
    return [str(p) for p in response.context["page"].items]


def expert(zh: str, **kwargs: Any) -> Any:
    return ExpertProfileFactory(name={"zh-hans": zh, "en": f"{zh} (en)"}, **kwargs)


def test_directory_renders_for_anonymous_and_signed_in_users(client: Client) -> None:
    expert("张工")
    assert names(client.get(URL)) == ["张工"]
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["张工"]


def test_visibility_decides_who_finds_a_profile(client: Client) -> None:
    expert("公开")
    expert("会员可见", visibility=Visibility.MEMBERS)
    own = expert("仅本人", visibility=Visibility.PRIVATE)
    assert names(client.get(URL)) == ["公开"]
    client.force_login(UserFactory())
    assert sorted(names(client.get(URL))) == sorted(["公开", "会员可见"])
    client.force_login(own.user)
    assert sorted(names(client.get(URL))) == sorted(["公开", "会员可见", "仅本人"])


def test_text_filter_matches_names_and_keywords(client: Client) -> None:
    expert("李力控", keywords_zh=["力控"], keywords_en=["force control"])
    expert("王材料", keywords_zh=["石墨烯"], keywords_en=["graphene"], fields=["材料科学"])
    assert names(client.get(URL, {"q": "王"})) == ["王材料"]
    assert names(client.get(URL, {"q": "石墨烯"})) == ["王材料"]
    assert names(client.get(URL, {"q": "force"})) == ["李力控"]


def test_field_filter(client: Client) -> None:
    expert("李", fields=["机器人学"])
    expert("王", fields=["材料科学", "化学"])
    response = client.get(URL, {"field": "材料"})
    assert names(response) == ["王"]
    assert 'data-count="1"' in response.content.decode()


def test_organization_filter_and_a_hidden_organization_is_ignored(client: Client) -> None:
    active = OrganizationFactory()
    hidden = OrganizationFactory(status=OrganizationStatus.PENDING)
    expert("甲", affiliation=active)
    expert("乙", affiliation=hidden)
    assert names(client.get(URL, {"org": str(active.pk)})) == ["甲"]
    assert sorted(names(client.get(URL, {"org": str(hidden.pk)}))) == sorted(["甲", "乙"])
    assert sorted(names(client.get(URL, {"org": "junk"}))) == sorted(["甲", "乙"])


def test_a_hidden_affiliation_is_not_named_in_the_directory(client: Client) -> None:
    expert("甲", affiliation=OrganizationFactory(status=OrganizationStatus.PENDING, name={"zh-hans": "待审机构"}))
    html = client.get(URL).content.decode()
    assert "甲" in html
    assert "待审机构" not in html


def test_paging_keeps_the_filters(client: Client) -> None:
    for n in range(21):
        expert(f"专家{n:02d}", fields=["机器人学"])
    expert("别的", fields=["化学"])
    first = client.get(URL, {"field": "机器人"})
    assert first.context["page"].count == 21
    assert 'href="?field=%E6%9C%BA%E5%99%A8%E4%BA%BA&amp;page=2"' in first.content.decode()
    assert names(client.get(URL, {"field": "机器人", "page": "2"})) == ["专家20"]


def test_htmx_request_gets_only_the_result_list(client: Client) -> None:
    expert("张工")
    html = client.get(URL, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html
    assert 'data-testid="expert-card"' in html


@pytest.mark.parametrize(
    ("language", "keywords_zh", "keywords_en", "expected"),
    [
        (
            "en",
            ["力控"],
            ["force control", "surgical robotics"],
            '<p class="small muted" lang="en">force control · surgical robotics</p>',
        ),
        (
            "zh-hans",
            ["力控", "手术机器人"],
            ["force control"],
            '<p class="small muted" lang="zh-Hans">力控 · 手术机器人</p>',
        ),
        ("en", ["力控", "手术机器人"], [], '<p class="small muted" lang="zh-Hans">力控 · 手术机器人</p>'),
        ("zh-hans", [], ["force control"], '<p class="small muted" lang="en">force control</p>'),
    ],
)
def test_a_card_shows_the_keywords_of_the_page_language_else_the_other_with_their_lang(
    client: Client, language: str, keywords_zh: list[str], keywords_en: list[str], expected: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    expert("李力控", keywords_zh=keywords_zh, keywords_en=keywords_en)

    html = client.get(URL).content.decode()

    assert [line.strip() for line in html.splitlines() if 'class="small muted"' in line] == [expected]


def test_a_card_without_keywords_shows_no_keyword_line(client: Client) -> None:
    expert("李", keywords_zh=[], keywords_en=[])

    html = client.get(URL).content.decode()

    assert 'data-testid="expert-card"' in html
    assert 'class="small muted"' not in html


@pytest.mark.parametrize("signed_in", [False, True])
def test_list_page_query_count_does_not_grow_with_rows(client: Client, signed_in: bool) -> None:
    if signed_in:
        client.force_login(UserFactory())
    expert("甲", affiliation=OrganizationFactory())
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    expert("乙", affiliation=OrganizationFactory())
    expert("丙")
    with CaptureQueriesContext(connection) as three:
        response = client.get(URL)
    assert response.context["page"].count == 3
    assert len(three) == len(one)


def test_expert_page_shows_what_is_public(client: Client) -> None:
    organization = OrganizationFactory(name={"zh-hans": "某大学"})
    profile = expert(
        "李教授",
        affiliation=organization,
        orcid="0000-0002-1825-0097",
        bio={"zh-hans": "研究力控。"},
        show_email=False,
    )
    WorkFactory(profile=profile, title={"zh-hans": "公开论文"}, identifier="10.1000/182")
    WorkFactory(profile=profile, title={"zh-hans": "未公开论文"}, is_public=False)
    response = client.get(reverse("web:expert", args=[profile.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in html
    assert 'href="https://doi.org/10.1000/182"' in html
    assert "公开论文" in html
    assert "未公开论文" not in html
    assert "某大学" in html
    assert "研究力控。" in html
    assert profile.user.email not in html


def test_email_is_shown_only_when_the_expert_allows_it(client: Client) -> None:
    profile = expert("李", show_email=True)
    html = client.get(reverse("web:expert", args=[profile.pk])).content.decode()
    assert f'href="mailto:{profile.user.email}"' in html


def test_works_are_hidden_when_the_expert_hides_them(client: Client) -> None:
    profile = expert("李", show_works=False)
    WorkFactory(profile=profile, title={"zh-hans": "某论文"})
    response = client.get(reverse("web:expert", args=[profile.pk]))
    assert response.context["works"] == []
    assert "某论文" not in response.content.decode()


def test_the_owner_sees_every_work_and_a_notice(client: Client) -> None:
    profile = expert("李", show_works=False)
    WorkFactory(profile=profile, title={"zh-hans": "私下论文"}, is_public=False)
    client.force_login(profile.user)
    html = client.get(reverse("web:expert", args=[profile.pk])).content.decode()
    assert "私下论文" in html
    assert 'data-testid="own-profile-notice"' in html


def test_private_profile_answers_404_to_others(client: Client) -> None:
    profile = expert("李", visibility=Visibility.PRIVATE)
    url = reverse("web:expert", args=[profile.pk])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(profile.user)
    assert client.get(url).status_code == 200
    client.force_login(make_operator())
    assert client.get(url).status_code == 200


def test_members_only_profile_answers_404_to_anonymous_visitors(client: Client) -> None:
    profile = expert("李", visibility=Visibility.MEMBERS)
    url = reverse("web:expert", args=[profile.pk])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 200


def test_a_hidden_affiliation_is_not_linked_from_the_expert_page(client: Client) -> None:
    hidden = OrganizationFactory(status=OrganizationStatus.PENDING, name={"zh-hans": "待审机构"})
    profile = expert("李", affiliation=hidden)
    html = client.get(reverse("web:expert", args=[profile.pk])).content.decode()
    assert "待审机构" not in html
