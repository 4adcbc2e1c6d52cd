"""The memberships page: asking for a role, and deciding as an organisation's admin or an operator."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kechuang.accounts.enums import MembershipStatus, OrganizationStatus, Role
from kechuang.accounts.models import Membership, Organization, User
from tests.factories.accounts import (
    MembershipFactory,
    OrganizationFactory,
    PlatformOfficeFactory,
    UserFactory,
    make_operator,
)

pytestmark = pytest.mark.django_db

PAGE = "/accounts/memberships/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_admin(organization: Organization | None = None) -> User:
    admin: User = UserFactory()
    MembershipFactory(user=admin, organization=organization or OrganizationFactory(), role=Role.ADMIN)
    return admin


def option_values(html: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(1))


# ---------------------------------------------------------------- asking


def test_ask_for_a_role_in_an_active_organization(client: Client) -> None:
    user = UserFactory()
    organization = OrganizationFactory()
    client.force_login(user)

    response = client.post(PAGE, {"organization": organization.pk, "role": Role.TTO_OFFICER, "note": "技术转移办公室"})

    assert response.headers["Location"] == PAGE
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role, membership.status, membership.note) == (
        organization,
        Role.TTO_OFFICER,
        MembershipStatus.REQUESTED,
        "技术转移办公室",
    )
    page = client.get(PAGE)
    assert [m.pk for m in page.context["mine"].items] == [membership.pk]
    assert '<span class="badge warn">Requested</span>' in page.text


def test_the_operator_role_is_offered_only_where_the_platform_is_run(client: Client) -> None:
    company = OrganizationFactory()
    office = PlatformOfficeFactory()
    client.force_login(UserFactory())

    assert "operator" not in option_values(client.get(PAGE).text, "id_role")
    assert "operator" not in client.get(f"/accounts/organizations/roles/?organization={company.pk}").text
    assert 'value="operator"' in client.get(f"/accounts/organizations/roles/?organization={office.pk}").text

    refused = client.post(PAGE, {"organization": company.pk, "role": Role.OPERATOR})

    assert list(refused.context["form"].errors) == ["role"]
    assert Membership.objects.count() == 0


def test_a_pending_organization_cannot_be_chosen(client: Client) -> None:
    pending = OrganizationFactory(status=OrganizationStatus.PENDING)
    client.force_login(UserFactory())

    response = client.post(PAGE, {"organization": pending.pk, "role": Role.MEMBER})

    assert list(response.context["form"].errors) == ["organization"]
    assert Membership.objects.count() == 0


def test_asking_twice_is_refused(client: Client) -> None:
    user = UserFactory()
    organization = OrganizationFactory()
    MembershipFactory(user=user, organization=organization, role=Role.MEMBER, status=MembershipStatus.REQUESTED)
    client.force_login(user)

    response = client.post(PAGE, {"organization": organization.pk, "role": Role.MEMBER})

    assert response.context["form"].non_field_errors() == ["You have already asked for or hold this role here."]
    assert Membership.objects.count() == 1


def test_find_narrows_the_organizations_and_keeps_the_values(client: Client) -> None:
    wanted = OrganizationFactory(name={"zh-hans": "北京手术机器人有限公司", "en": "Beijing Surgical Robots"})
    OrganizationFactory(name={"zh-hans": "天津新材料研究院", "en": "Tianjin New Materials Institute"})
    client.force_login(UserFactory())

    response = client.post(PAGE, {"organization_query": "机器人", "role": Role.MEMBER, "note": "研发部", "find": "1"})

    assert response.status_code == 200
    assert option_values(response.text, "id_organization") == ["", str(wanted.pk)]
    assert response.context["form"].errors == {}
    assert 'value="研发部"' in response.text
    assert Membership.objects.count() == 0


def test_the_options_endpoint_answers_htmx_with_matching_organizations(client: Client) -> None:
    wanted = OrganizationFactory(name={"zh-hans": "北京手术机器人有限公司", "en": "Beijing Surgical Robots"})
    OrganizationFactory(name={"zh-hans": "天津新材料研究院", "en": "Tianjin New Materials Institute"})
    OrganizationFactory(name={"zh-hans": "待审机器人公司"}, status=OrganizationStatus.PENDING)
    client.force_login(UserFactory())

    response = client.get("/accounts/organizations/options/?organization_query=robot", **HTMX)

    assert re.findall(r'<option value="([^"]*)"', response.text) == ["", str(wanted.pk)]


# ---------------------------------------------------------------- deciding


def test_an_admin_approves_a_request_without_javascript(client: Client) -> None:
    organization = OrganizationFactory()
    admin = make_admin(organization)
    request = MembershipFactory(organization=organization, status=MembershipStatus.REQUESTED)
    client.force_login(admin)

    page = client.get(PAGE)
    assert [m.pk for m in page.context["pending"].items] == [request.pk]
    response = client.post(f"/accounts/memberships/{request.pk}/approve/", follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert [str(m) for m in response.context["messages"]] == [f"{request.user} is now Member of {organization}."]
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (MembershipStatus.APPROVED, admin)
    assert client.get(PAGE).context["pending"].items == []


def test_an_admin_rejects_a_request_with_htmx_and_gets_the_row_back(client: Client) -> None:
    organization = OrganizationFactory()
    admin = make_admin(organization)
    request = MembershipFactory(organization=organization, status=MembershipStatus.REQUESTED)
    client.force_login(admin)

    response = client.post(f"/accounts/memberships/{request.pk}/reject/", **HTMX)

    assert response.status_code == 200
    assert response.text.strip().startswith(f'<tr id="membership-{request.pk}">')
    assert '<span class="badge muted">Rejected</span>' in response.text
    assert "<html" not in response.text
    request.refresh_from_db()
    assert request.status == MembershipStatus.REJECTED


def test_deciding_twice_shows_the_refusal(client: Client) -> None:
    organization = OrganizationFactory()
    admin = make_admin(organization)
    request = MembershipFactory(organization=organization, status=MembershipStatus.REJECTED)
    client.force_login(admin)

    response = client.post(f"/accounts/memberships/{request.pk}/approve/", follow=True)

    assert [str(m) for m in response.context["messages"]] == ["A membership that is Rejected cannot become Approved."]
    request.refresh_from_db()
    assert request.status == MembershipStatus.REJECTED


def test_an_operator_decides_in_any_organization(client: Client) -> None:
    operator = make_operator()
    request = MembershipFactory(status=MembershipStatus.REQUESTED)
    client.force_login(operator)

    assert [m.pk for m in client.get(PAGE).context["pending"].items] == [request.pk]
    client.post(f"/accounts/memberships/{request.pk}/approve/")

    request.refresh_from_db()
    assert request.status == MembershipStatus.APPROVED


@pytest.mark.parametrize("action", ["approve", "reject", "revoke"])
def test_someone_who_is_not_an_admin_there_gets_404_and_nothing_changes(client: Client, action: str) -> None:
    request = MembershipFactory(status=MembershipStatus.REQUESTED)
    member = MembershipFactory(organization=request.organization, status=MembershipStatus.APPROVED)
    client.force_login(make_admin())  # an admin, but of another organisation

    target = member if action == "revoke" else request
    response = client.post(f"/accounts/memberships/{target.pk}/{action}/")

    assert response.status_code == 404
    assert list(Membership.objects.order_by("pk").values_list("status", flat=True)) == [
        MembershipStatus.REQUESTED,
        MembershipStatus.APPROVED,
        MembershipStatus.APPROVED,
    ]
    assert client.get(PAGE).context["pending"].items == []


def test_the_requester_cannot_approve_their_own_request(client: Client) -> None:
    request = MembershipFactory(status=MembershipStatus.REQUESTED)
    client.force_login(request.user)

    response = client.post(f"/accounts/memberships/{request.pk}/approve/")

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED
    assert client.get(PAGE).context["decides"] is False


def test_an_admin_sees_and_revokes_members(client: Client) -> None:
    organization = OrganizationFactory()
    admin = make_admin(organization)
    member = MembershipFactory(organization=organization, user__username="zhang", status=MembershipStatus.APPROVED)
    MembershipFactory(status=MembershipStatus.APPROVED)  # elsewhere
    client.force_login(admin)

    page = client.get(PAGE)
    assert sorted(m.user.username for m in page.context["members"].items) == sorted([admin.username, "zhang"])
    client.post(f"/accounts/memberships/{member.pk}/revoke/")

    member.refresh_from_db()
    assert (member.status, member.decided_by) == (MembershipStatus.REVOKED, admin)


def test_a_member_gives_up_a_role(client: Client) -> None:
    membership = MembershipFactory(status=MembershipStatus.APPROVED)
    client.force_login(membership.user)

    client.post(f"/accounts/memberships/{membership.pk}/revoke/")

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REVOKED


def test_memberships_page_queries_do_not_grow_with_rows(client: Client) -> None:
    organization = OrganizationFactory()
    admin = make_admin(organization)
    client.force_login(admin)

    def add_rows(n: int) -> None:
        for _ in range(n):
            MembershipFactory(user=admin, role=Role.MEMBER)  # mine
            MembershipFactory(organization=organization, status=MembershipStatus.REQUESTED)  # pending
            MembershipFactory(organization=organization, status=MembershipStatus.APPROVED)  # members

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries.captured_queries)

    add_rows(1)
    one = count()
    add_rows(2)
    page = client.get(PAGE)
    assert (len(page.context["mine"].items), len(page.context["pending"].items)) == (4, 3)
    assert count() == one
