"""The organisation directory and page: filters, paging, htmx partials, hidden organisations."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.accounts.enums import OrganizationKind, OrganizationStatus, Role, Visibility
from tests.factories.accounts import (
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    make_operator,
)

pytestmark = pytest.mark.django_db
URL = reverse("web:organizations")


def names(response: Any) -> list[str]:
    return [str(o) for o in response.context["page"].items]


def org(zh: str, **kwargs: Any) -> Any:
    return OrganizationFactory(name={"zh-hans": zh, "en": f"{zh} (en)"}, **kwargs)


def test_directory_renders_for_anonymous_and_signed_in_users(client: Client) -> None:
    org("甲公司")
    assert client.get(URL).status_code == 200
    client.force_login(UserFactory())
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["甲公司"]


def test_pending_organizations_are_not_listed(client: Client) -> None:
    org("在册机构")
    org("待审机构", status=OrganizationStatus.PENDING)
    assert names(client.get(URL)) == ["在册机构"]


def test_text_filter_matches_name_and_credit_code(client: Client) -> None:
    target = org("北京手术机器人有限公司")
    org("天津新材料研究院", kind=OrganizationKind.INSTITUTE)
    assert names(client.get(URL, {"q": "机器人"})) == ["北京手术机器人有限公司"]
    assert names(client.get(URL, {"q": target.uscc.lower()})) == ["北京手术机器人有限公司"]


def test_type_filter(client: Client) -> None:
    org("甲公司")
    org("乙大学", kind=OrganizationKind.UNIVERSITY)
    assert names(client.get(URL, {"kind": "university"})) == ["乙大学"]


def test_region_filter_takes_a_province_with_its_subdivisions_or_one_district(client: Client) -> None:
    org("海淀机构", region="110108")
    org("怀柔机构", region="110116")
    org("滨海机构", region="120116")
    assert sorted(names(client.get(URL, {"region": "110000"}))) == sorted(["海淀机构", "怀柔机构"])
    assert names(client.get(URL, {"region": "110116"})) == ["怀柔机构"]
    assert names(client.get(URL, {"region": "120000"})) == ["滨海机构"]


def test_sector_filter(client: Client) -> None:
    org("信息公司", sectors=["sei-1"])
    org("生物公司", sectors=["sei-4", "fut-health"])
    assert names(client.get(URL, {"sector": "fut-health"})) == ["生物公司"]


def test_filters_combine_and_unknown_values_are_ignored(client: Client) -> None:
    org("甲大学", kind=OrganizationKind.UNIVERSITY, region="110108")
    org("乙大学", kind=OrganizationKind.UNIVERSITY, region="120101")
    org("丙公司", region="110108")
    assert names(client.get(URL, {"kind": "university", "region": "110000"})) == ["甲大学"]
    response = client.get(URL, {"kind": "spaceship", "region": "999999", "sector": "nope"})
    assert response.status_code == 200
    assert response.context["page"].count == 3


def test_result_count_and_filter_state_are_shown(client: Client) -> None:
    org("甲大学", kind=OrganizationKind.UNIVERSITY)
    html = client.get(URL, {"kind": "university", "q": "甲"}).content.decode()
    assert 'data-count="1"' in html
    assert '<option value="university" selected>' in html
    assert 'value="甲"' in html


def test_paging_shows_twenty_a_page_and_keeps_the_filters(client: Client) -> None:
    for n in range(23):
        org(f"大学{n:02d}", kind=OrganizationKind.UNIVERSITY)
    org("不相干公司")
    first = client.get(URL, {"kind": "university"})
    assert len(first.context["page"].items) == 20
    assert first.context["page"].count == 23
    assert 'href="?kind=university&amp;page=2"' in first.content.decode()
    second = client.get(URL, {"kind": "university", "page": "2"})
    assert names(second) == ["大学20", "大学21", "大学22"]
    assert 'href="?kind=university" rel="prev"' in second.content.decode()


def test_htmx_request_gets_only_the_result_list(client: Client) -> None:
    org("甲公司")
    response = client.get(URL, {"q": "甲"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="organization-row"' in html
    assert 'data-testid="result-count"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client: Client) -> None:
    response = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_list_page_query_count_does_not_grow_with_rows(client: Client, signed_in: bool) -> None:
    if signed_in:
        client.force_login(UserFactory())
    org("甲公司", sectors=["sei-1", "sei-2"])
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    org("乙公司")
    org("丙公司", kind=OrganizationKind.UNIVERSITY)
    with CaptureQueriesContext(connection) as three:
        response = client.get(URL)
    assert response.context["page"].count == 3
    assert len(three) == len(one)


def test_organization_page_shows_its_registration(client: Client) -> None:
    organization = OrganizationFactory(
        name={"zh-hans": "北京手术机器人有限公司", "en": "Beijing Surgical Robotics Co."},
        kind=OrganizationKind.ENTERPRISE,
        region="110108",
        sectors=["sei-2", "fut-health"],
        description={"zh-hans": "力控机械臂。", "en": "Force-controlled arms."},
        website="https://robot.example.cn",
    )
    response = client.get(reverse("web:organization", args=[organization.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "北京手术机器人有限公司" in html
    assert "Beijing Surgical Robotics Co." in html
    assert organization.uscc in html
    assert "海淀区" in html
    assert "高端装备制造产业" in html
    assert "未来健康" in html
    assert "力控机械臂。" in html
    assert 'href="https://robot.example.cn"' in html
    assert 'data-testid="manage-members"' not in html


def test_organization_page_lists_its_visible_experts(client: Client) -> None:
    organization = OrganizationFactory()
    ExpertProfileFactory(affiliation=organization, name={"zh-hans": "公开专家"})
    ExpertProfileFactory(affiliation=organization, name={"zh-hans": "私密专家"}, visibility=Visibility.PRIVATE)
    ExpertProfileFactory(name={"zh-hans": "别家专家"})
    response = client.get(reverse("web:organization", args=[organization.pk]))
    assert [str(p) for p in response.context["experts"]] == ["公开专家"]


@pytest.mark.parametrize("status", [OrganizationStatus.PENDING, OrganizationStatus.SUSPENDED])
def test_hidden_organization_answers_404_to_the_public(client: Client, status: str) -> None:
    organization = OrganizationFactory(status=status)
    url = reverse("web:organization", args=[organization.pk])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_missing_organization_answers_404(client: Client) -> None:
    response = client.get(reverse("web:organization", args=[999_999]))
    assert response.status_code == 404
    assert 'data-testid="error-404"' in response.content.decode()


def test_pending_organization_is_visible_to_operators_and_its_admins_with_a_manage_link(client: Client) -> None:
    organization = OrganizationFactory(status=OrganizationStatus.PENDING)
    url = reverse("web:organization", args=[organization.pk])
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    for user in (make_operator(), admin):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert 'data-testid="manage-members"' in response.content.decode()
        assert 'data-testid="organization-status"' in response.content.decode()


def test_a_plain_member_gets_no_manage_link(client: Client) -> None:
    membership = MembershipFactory(role=Role.MEMBER)
    client.force_login(membership.user)
    html = client.get(reverse("web:organization", args=[membership.organization.pk])).content.decode()
    assert 'data-testid="manage-members"' not in html
