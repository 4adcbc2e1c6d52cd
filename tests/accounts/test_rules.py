"""The named permission rules of the accounts app, asked the way services and views ask them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kechuang.accounts import services
from kechuang.accounts.enums import MembershipStatus, Role, Visibility
from kechuang.accounts.models import User
from kechuang.accounts.rules import is_operator
from tests.factories.accounts import (
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    PlatformOfficeFactory,
    UserFactory,
    make_operator,
)


def fresh(user: User) -> User:
    """The user as a new request would load it (no cached permissions)."""
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_an_operator_is_an_approved_operator_of_the_platform_office() -> None:
    office = PlatformOfficeFactory()
    operator = MembershipFactory(organization=office, role=Role.OPERATOR).user
    requested = MembershipFactory(organization=office, role=Role.OPERATOR, status=MembershipStatus.REQUESTED).user
    revoked = MembershipFactory(organization=office, role=Role.OPERATOR, status=MembershipStatus.REVOKED).user
    # An "operator" row in an ordinary organisation (only possible through the ORM) grants nothing.
    elsewhere = MembershipFactory(organization=OrganizationFactory(), role=Role.OPERATOR).user
    office_admin = MembershipFactory(organization=office, role=Role.ADMIN).user
    assert [is_operator(u) for u in (operator, requested, revoked, elsewhere, office_admin, AnonymousUser())] == [
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    assert [fresh(u).has_perm("accounts.view_audit") for u in (operator, elsewhere)] == [True, False]


@pytest.mark.django_db
def test_creating_and_approving_organizations_is_for_operators() -> None:
    operator, user = make_operator(), UserFactory()
    for permission in ("accounts.create_organization", "accounts.approve_organization"):
        assert (operator.has_perm(permission), user.has_perm(permission)) == (True, False)
    assert (
        user.has_perm("accounts.propose_organization"),
        AnonymousUser().has_perm("accounts.propose_organization"),
    ) == (
        True,
        False,
    )


@pytest.mark.django_db
def test_who_changes_and_sees_an_organization() -> None:
    organization = OrganizationFactory()
    pending = OrganizationFactory(status="pending")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    pending_admin = MembershipFactory(organization=pending, role=Role.ADMIN).user
    member = MembershipFactory(organization=organization, role=Role.MEMBER).user
    operator = make_operator()
    assert [u.has_perm("accounts.change_organization", organization) for u in (admin, member, operator)] == [
        True,
        False,
        True,
    ]
    assert admin.has_perm("accounts.change_organization", pending) is False
    viewers = (AnonymousUser(), member, pending_admin, operator)
    assert [u.has_perm("accounts.view_organization", organization) for u in viewers] == [True, True, True, True]
    assert [u.has_perm("accounts.view_organization", pending) for u in viewers] == [False, False, True, True]


@pytest.mark.django_db
def test_membership_requests_need_a_signed_in_user_and_an_active_organization() -> None:
    active, pending = OrganizationFactory(), OrganizationFactory(status="pending")
    user = UserFactory()
    assert [user.has_perm("accounts.request_membership", o) for o in (active, pending)] == [True, False]
    assert AnonymousUser().has_perm("accounts.request_membership", active) is False


@pytest.mark.django_db
def test_who_decides_a_membership() -> None:
    organization = OrganizationFactory()
    membership = MembershipFactory(organization=organization, status=MembershipStatus.REQUESTED)
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    admin_elsewhere = MembershipFactory(role=Role.ADMIN).user
    requested_admin = MembershipFactory(
        organization=organization, role=Role.ADMIN, status=MembershipStatus.REQUESTED
    ).user
    deciders = (admin, make_operator(), admin_elsewhere, requested_admin, membership.user)
    assert [u.has_perm("accounts.decide_membership", membership) for u in deciders] == [True, True, False, False, False]
    assert membership.user.has_perm("accounts.withdraw_membership", membership) is True
    assert admin.has_perm("accounts.withdraw_membership", membership) is False
    assert [u.has_perm("accounts.view_org_memberships", organization) for u in deciders] == [
        True,
        True,
        False,
        False,
        False,
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("visibility", "expected"),
    [
        # anonymous, another user, the owner, an operator
        (Visibility.PUBLIC, [True, True, True, True]),
        (Visibility.MEMBERS, [False, True, True, True]),
        (Visibility.PRIVATE, [False, False, True, True]),
    ],
)
def test_who_sees_an_expert_profile(visibility: str, expected: list[bool]) -> None:
    profile = ExpertProfileFactory(visibility=visibility)
    viewers = (AnonymousUser(), UserFactory(), profile.user, make_operator())
    assert [u.has_perm("accounts.view_expert_profile", profile) for u in viewers] == expected
    assert [u.has_perm("accounts.change_expert_profile", profile) for u in viewers] == [False, False, True, False]


@pytest.mark.django_db
def test_tokens_are_revoked_by_their_owner_or_an_operator() -> None:
    owner = UserFactory()
    token, _raw = services.create_access_token(actor=owner, name="t")
    # An operator may revoke any token, e.g. one that leaked.
    assert [u.has_perm("accounts.revoke_access_token", token) for u in (owner, UserFactory(), make_operator())] == [
        True,
        False,
        True,
    ]
    assert (
        owner.has_perm("accounts.create_access_token"),
        AnonymousUser().has_perm("accounts.create_access_token"),
    ) == (
        True,
        False,
    )


@pytest.mark.django_db
def test_a_membership_is_visible_to_its_holder_its_organizations_admins_and_operators() -> None:
    membership = MembershipFactory(role=Role.MEMBER)
    admin = MembershipFactory(organization=membership.organization, role=Role.ADMIN).user
    assert membership.user.has_perm("accounts.view_membership", membership)
    assert admin.has_perm("accounts.view_membership", membership)
    assert make_operator().has_perm("accounts.view_membership", membership)
    assert not UserFactory().has_perm("accounts.view_membership", membership)
