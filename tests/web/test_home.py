"""The home page: what the platform is, live figures, and a workspace that fits the user's roles."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kechuang.accounts.enums import MembershipStatus, OrganizationKind, OrganizationStatus, Role
from tests.factories.accounts import (
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    make_operator,
)
from tests.web.helpers import role_panels

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_sees_the_platform_and_no_workspace(client: Client) -> None:
    OrganizationFactory()
    OrganizationFactory(status=OrganizationStatus.PENDING)
    ExpertProfileFactory()
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert response.context["workspace"] is None
    assert response.context["counts"]["organizations"] == 1
    assert response.context["counts"]["experts"] == 1
    assert role_panels(response.content.decode()) == set()
    assert 'data-testid="count-organizations">1<' in response.content.decode()


def test_user_without_a_role_gets_the_guest_panel(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert role_panels(response.content.decode()) == {"guest"}


@pytest.mark.parametrize(
    "role",
    [Role.ADMIN, Role.MEMBER, Role.TTO_OFFICER, Role.FACILITY_MANAGER, Role.FUND_MANAGER, Role.REVIEWER],
)
def test_each_role_gets_its_panel(client: Client, role: Role) -> None:
    membership = MembershipFactory(role=role, organization=OrganizationFactory(kind=OrganizationKind.ENTERPRISE))
    client.force_login(membership.user)
    html = client.get(reverse("web:home")).content.decode()
    assert role_panels(html) == {role.value}
    assert reverse("web:organization", args=[membership.organization.pk]) in html


def test_operator_sees_pending_organizations_and_requests(client: Client) -> None:
    operator = make_operator()
    proposed = OrganizationFactory(status=OrganizationStatus.PENDING, name={"zh-hans": "待审机构"})
    MembershipFactory(status=MembershipStatus.REQUESTED)
    MembershipFactory(status=MembershipStatus.REQUESTED)
    client.force_login(operator)
    response = client.get(reverse("web:home"))
    html = response.content.decode()
    assert role_panels(html) == {"operator"}
    assert response.context["workspace"].pending_organizations == [proposed]
    assert 'data-testid="pending-organizations-count">1<' in html
    assert 'data-testid="pending-memberships-count">2<' in html
    assert reverse("admin:index") in html
    assert "待审机构" in html


def test_an_operator_row_outside_the_platform_office_grants_no_operator_panel(client: Client) -> None:
    membership = MembershipFactory(role=Role.OPERATOR)
    client.force_login(membership.user)
    assert role_panels(client.get(reverse("web:home")).content.decode()) == {"guest"}


def test_org_admin_sees_requests_to_their_organizations_only(client: Client) -> None:
    admin = MembershipFactory(role=Role.ADMIN)
    mine = MembershipFactory(
        organization=admin.organization, status=MembershipStatus.REQUESTED, user=UserFactory(display_name="申请人甲")
    )
    MembershipFactory(status=MembershipStatus.REQUESTED, user=UserFactory(display_name="别家申请人"))
    client.force_login(admin.user)
    response = client.get(reverse("web:home"))
    html = response.content.decode()
    assert response.context["workspace"].pending_memberships == [mine]
    assert 'data-testid="admin-pending-count">1<' in html
    assert "申请人甲" in html
    assert "别家申请人" not in html


def test_researcher_with_a_profile_gets_the_researcher_panel_and_profile_link(client: Client) -> None:
    profile = ExpertProfileFactory()
    client.force_login(profile.user)
    html = client.get(reverse("web:home")).content.decode()
    assert role_panels(html) == {"researcher"}
    assert reverse("web:expert", args=[profile.pk]) in html


def test_university_member_without_a_profile_is_prompted_to_create_one(client: Client) -> None:
    membership = MembershipFactory(role=Role.MEMBER, organization=OrganizationFactory(kind=OrganizationKind.UNIVERSITY))
    client.force_login(membership.user)
    response = client.get(reverse("web:home"))
    assert role_panels(response.content.decode()) == {"member", "researcher"}
    assert response.context["workspace"].expert_profile is None
    assert response.context["workspace"].research_organizations == [membership.organization]


def test_several_roles_give_several_panels_in_a_fixed_order(client: Client) -> None:
    user = make_operator()
    organization = OrganizationFactory()
    MembershipFactory(user=user, organization=organization, role=Role.ADMIN)
    MembershipFactory(user=user, organization=organization, role=Role.REVIEWER)
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert response.context["workspace"].panels == ["operator", "admin", "reviewer"]


def test_requested_and_rejected_memberships_grant_no_panel(client: Client) -> None:
    user = UserFactory()
    MembershipFactory(user=user, role=Role.ADMIN, status=MembershipStatus.REQUESTED)
    MembershipFactory(user=user, role=Role.TTO_OFFICER, status=MembershipStatus.REJECTED)
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert role_panels(response.content.decode()) == {"guest"}
    assert len(response.context["workspace"].own_requests) == 1
