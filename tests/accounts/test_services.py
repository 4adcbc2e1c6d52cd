"""Writes of the accounts app: permission, validation, one transaction and an audit event each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kechuang.accounts import services
from kechuang.accounts.enums import MembershipStatus, OrganizationStatus, Role, Visibility
from kechuang.accounts.models import AccessToken, ExpertProfile, Membership, Organization, User, Work
from kechuang.core.errors import DomainError, ErrorCode, PermissionDenied
from kechuang.core.models import AuditEvent
from tests.factories.accounts import (
    PASSWORD,
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    PlatformOfficeFactory,
    UserFactory,
    WorkFactory,
    make_operator,
    make_uscc,
)

NAME = {"zh-hans": "北京纳米运控科技有限公司", "en": "Beijing Nano Motion Co., Ltd."}


def verbs(obj: object | None = None) -> list[str]:
    """The audit verbs written so far, oldest first (for one object when given)."""
    events = AuditEvent.objects.order_by("id")
    if obj is not None:
        events = events.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))  # type: ignore[attr-defined]
    return list(events.values_list("verb", flat=True))


def domain_error(call: object, **kwargs: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


# ------------------------------------------------------------------ users


@pytest.mark.django_db
def test_register_user() -> None:
    user = services.register_user(username=" zhang ", email="Zhang@Example.CN", password=PASSWORD, display_name="张")
    assert (user.username, user.email, user.display_name) == ("zhang", "zhang@example.cn", "张")
    assert user.check_password(PASSWORD)
    assert verbs(user) == ["accounts:user:register"]


@pytest.mark.django_db
def test_register_user_refuses_taken_names_and_weak_passwords_and_saves_nothing() -> None:
    UserFactory(username="zhang", email="zhang@example.cn")
    error = domain_error(services.register_user, username="ZHANG", email="ZHANG@example.cn", password="12345678")
    assert error.code == ErrorCode.VALIDATION
    assert sorted(error.errors) == ["email", "password", "username"]
    assert User.objects.count() == 1
    assert verbs() == []


# ------------------------------------------------------------------ organisations


@pytest.mark.django_db
def test_operator_creates_an_active_organization_with_a_normalised_uscc() -> None:
    operator = make_operator()
    code = make_uscc(42)
    organization = services.create_organization(
        actor=operator, name=NAME, kind="enterprise", region="110108", uscc=f" {code[:9]} {code[9:].lower()} "
    )
    assert (organization.status, organization.uscc, organization.sort_name) == ("active", code, NAME["zh-hans"])
    assert verbs(organization) == ["accounts:organization:create"]
    event = AuditEvent.objects.get(verb="accounts:organization:create", object_id=str(organization.pk))
    assert event.actor == operator
    assert event.diff["uscc"] == [None, code]


@pytest.mark.django_db
def test_only_operators_create_organizations() -> None:
    with pytest.raises(PermissionDenied):
        services.create_organization(actor=UserFactory(), name=NAME, kind="enterprise", region="110108")
    assert not Organization.objects.filter(sort_name=NAME["zh-hans"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"uscc": "914403001922038217"}, "uscc"),
        ({"name": {"fr": "Société"}}, "name"),
        ({"sectors": ["no-such-sector"]}, "sectors"),
        ({"website": "not a url"}, "website"),
        ({"kind": "spaceship"}, "kind"),
    ],
)
def test_a_failing_validation_leaves_no_row_and_no_event(changes: dict[str, object], field: str) -> None:
    operator = make_operator()
    before = (Organization.objects.count(), AuditEvent.objects.count())
    values: dict[str, object] = {"name": NAME, "kind": "enterprise", "region": "110108", **changes}
    error = domain_error(services.create_organization, actor=operator, **values)
    assert (error.code, list(error.errors)) == (ErrorCode.VALIDATION, [field])
    assert (Organization.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_a_uscc_can_be_used_once() -> None:
    OrganizationFactory(uscc=make_uscc(7))
    error = domain_error(
        services.create_organization,
        actor=make_operator(),
        name=NAME,
        kind="enterprise",
        region="110108",
        uscc=make_uscc(7),
    )
    assert (error.code, list(error.errors)) == (ErrorCode.VALIDATION, ["uscc"])


@pytest.mark.django_db
def test_propose_then_approve_an_organization() -> None:
    proposer, operator = UserFactory(), make_operator()
    organization = services.propose_organization(actor=proposer, name=NAME, kind="enterprise", region="110108")
    assert organization.status == OrganizationStatus.PENDING
    admin = Membership.objects.get(organization=organization)
    assert (admin.user, admin.role, admin.status) == (proposer, Role.ADMIN, MembershipStatus.REQUESTED)
    assert verbs() == ["accounts:organization:propose"]

    with pytest.raises(PermissionDenied):
        services.approve_organization(actor=proposer, organization=organization)
    approved = services.approve_organization(actor=operator, organization=organization)
    assert approved.status == OrganizationStatus.ACTIVE
    admin.refresh_from_db()
    assert (admin.status, admin.decided_by) == (MembershipStatus.APPROVED, operator)
    assert verbs() == ["accounts:organization:propose", "accounts:membership:approve", "accounts:organization:approve"]

    again = domain_error(services.approve_organization, actor=operator, organization=organization)
    assert again.code == ErrorCode.INVALID_STATE
    assert len(verbs()) == 3


@pytest.mark.django_db
def test_a_failed_proposal_leaves_neither_organization_nor_membership() -> None:
    error = domain_error(
        services.propose_organization, actor=UserFactory(), name=NAME, kind="enterprise", region="110108", uscc="123"
    )
    assert (error.code, list(error.errors)) == (ErrorCode.VALIDATION, ["uscc"])
    assert (Organization.objects.count(), Membership.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_org_admin_updates_the_organization_with_a_diff() -> None:
    organization = OrganizationFactory(website="")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    services.update_organization(actor=admin, organization=organization, website="https://nano.example.cn")
    organization.refresh_from_db()
    assert organization.website == "https://nano.example.cn"
    event = AuditEvent.objects.get(verb="accounts:organization:update")
    assert event.diff == {"website": ["", "https://nano.example.cn"]}


@pytest.mark.django_db
def test_update_refuses_unknown_fields_others_and_bad_values() -> None:
    organization = OrganizationFactory(website="")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    assert domain_error(
        services.update_organization, actor=admin, organization=organization, operates_platform=True
    ).code == (ErrorCode.BAD_REQUEST)
    with pytest.raises(PermissionDenied):
        services.update_organization(actor=UserFactory(), organization=organization, website="https://x.cn")
    bad = domain_error(
        services.update_organization, actor=admin, organization=organization, website="https://x.cn", region="1"
    )
    assert list(bad.errors) == ["region"]
    organization.refresh_from_db()
    assert (organization.website, organization.operates_platform, verbs()) == ("", False, [])


# ------------------------------------------------------------------ memberships


@pytest.mark.django_db
def test_membership_lifecycle_with_audit() -> None:
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    member = UserFactory()
    membership = services.request_membership(actor=member, organization=organization, role=Role.REVIEWER, note=" 评审 ")
    assert (membership.status, membership.note) == (MembershipStatus.REQUESTED, "评审")
    services.approve_membership(actor=admin, membership=membership)
    services.revoke_membership(actor=admin, membership=membership)
    membership.refresh_from_db()
    assert (membership.status, membership.decided_by) == (MembershipStatus.REVOKED, admin)
    assert verbs(membership) == [
        "accounts:membership:request",
        "accounts:membership:approve",
        "accounts:membership:revoke",
    ]
    statuses = [e.diff.get("status") for e in AuditEvent.objects.filter(object_id=str(membership.pk)).order_by("id")]
    assert statuses == [None, ["requested", "approved"], ["approved", "revoked"]]


@pytest.mark.django_db
def test_a_member_may_leave() -> None:
    membership = MembershipFactory(status=MembershipStatus.APPROVED)
    services.revoke_membership(actor=membership.user, membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REVOKED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "action"),
    [
        (MembershipStatus.APPROVED, "approve"),
        (MembershipStatus.APPROVED, "reject"),
        (MembershipStatus.REQUESTED, "revoke"),
        (MembershipStatus.REJECTED, "approve"),
        (MembershipStatus.REJECTED, "revoke"),
        (MembershipStatus.REVOKED, "approve"),
        (MembershipStatus.REVOKED, "revoke"),
    ],
)
def test_invalid_edges_are_refused(status: str, action: str) -> None:
    membership = MembershipFactory(status=status)
    operator = make_operator()
    call = {
        "approve": services.approve_membership,
        "reject": services.reject_membership,
        "revoke": services.revoke_membership,
    }[action]
    error = domain_error(call, actor=operator, membership=membership)
    assert error.code == ErrorCode.INVALID_STATE
    membership.refresh_from_db()
    assert membership.status == status
    assert not AuditEvent.objects.filter(object_id=str(membership.pk), verb__startswith="accounts:membership").exists()


@pytest.mark.django_db
def test_reject_is_final_but_a_new_request_may_follow() -> None:
    organization = OrganizationFactory()
    operator, member = make_operator(), UserFactory()
    first = services.request_membership(actor=member, organization=organization, role=Role.MEMBER)
    services.reject_membership(actor=operator, membership=first)
    second = services.request_membership(actor=member, organization=organization, role=Role.MEMBER)
    assert second.pk != first.pk
    assert verbs(first) == ["accounts:membership:request", "accounts:membership:reject"]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [MembershipStatus.REQUESTED, MembershipStatus.APPROVED])
def test_a_second_live_request_is_a_duplicate(status: str) -> None:
    membership = MembershipFactory(status=status, role=Role.MEMBER)
    error = domain_error(
        services.request_membership, actor=membership.user, organization=membership.organization, role=Role.MEMBER
    )
    assert error.code == ErrorCode.DUPLICATE
    assert Membership.objects.count() == 1


@pytest.mark.django_db
def test_only_the_org_admin_or_an_operator_decides() -> None:
    membership = MembershipFactory(status=MembershipStatus.REQUESTED)
    admin_elsewhere = MembershipFactory(role=Role.ADMIN).user
    for actor in (membership.user, admin_elsewhere, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.approve_membership(actor=actor, membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REQUESTED


@pytest.mark.django_db
def test_the_operator_role_exists_only_in_the_platform_office() -> None:
    member = UserFactory()
    error = domain_error(services.request_membership, actor=member, organization=OrganizationFactory(), role="operator")
    assert (error.code, list(error.errors)) == (ErrorCode.VALIDATION, ["role"])
    operator = make_operator()
    office = Organization.objects.get(operates_platform=True)
    request = services.request_membership(actor=member, organization=office, role=Role.OPERATOR)
    assert not member.has_perm("accounts.view_audit")
    services.approve_membership(actor=operator, membership=request)
    assert User.objects.get(pk=member.pk).has_perm("accounts.view_audit")


@pytest.mark.django_db
def test_unknown_roles_and_pending_organizations_are_refused() -> None:
    member = UserFactory()
    error = domain_error(services.request_membership, actor=member, organization=OrganizationFactory(), role="king")
    assert (error.code, list(error.errors)) == (ErrorCode.VALIDATION, ["role"])
    with pytest.raises(PermissionDenied):
        services.request_membership(actor=member, organization=OrganizationFactory(status="pending"), role="member")
    assert Membership.objects.count() == 0


@pytest.mark.django_db
def test_grant_membership_requests_and_approves_once() -> None:
    operator, user, organization = make_operator(), UserFactory(), OrganizationFactory()
    granted = services.grant_membership(actor=operator, user=user, organization=organization, role=Role.FUND_MANAGER)
    again = services.grant_membership(actor=operator, user=user, organization=organization, role=Role.FUND_MANAGER)
    assert (granted.pk, granted.status) == (again.pk, MembershipStatus.APPROVED)
    assert verbs(granted) == ["accounts:membership:request", "accounts:membership:approve"]
    with pytest.raises(PermissionDenied):
        services.grant_membership(actor=user, user=user, organization=organization, role=Role.ADMIN)


@pytest.mark.django_db
def test_bootstrap_operator_only_in_the_platform_office() -> None:
    user = UserFactory()
    error = domain_error(services.bootstrap_operator, user=user, organization=OrganizationFactory())
    assert error.code == ErrorCode.VALIDATION
    office = PlatformOfficeFactory()
    membership = services.bootstrap_operator(user=user, organization=office)
    assert services.bootstrap_operator(user=user, organization=office) == membership
    user.refresh_from_db()
    assert (membership.role, membership.status, user.is_staff) == (Role.OPERATOR, MembershipStatus.APPROVED, True)
    event = AuditEvent.objects.get(verb="accounts:membership:bootstrap")
    assert event.actor is None


@pytest.mark.django_db
def test_create_platform_office_once() -> None:
    office = services.create_platform_office(name={"zh-hans": "北京市科学技术委员会"}, region="110000")
    again = services.create_platform_office(name={"zh-hans": "另一个"}, region="110000")
    assert (office.pk, office.operates_platform, office.status) == (again.pk, True, OrganizationStatus.ACTIVE)
    assert verbs() == ["accounts:organization:create"]


# ------------------------------------------------------------------ expert profiles


@pytest.mark.django_db
def test_save_expert_profile_creates_then_updates() -> None:
    user = UserFactory()
    profile = services.save_expert_profile(
        actor=user,
        name={"zh-hans": "李明"},
        orcid="https://orcid.org/0000-0002-1694-233x",
        keywords_zh="力控，手术机器人；力控",
        fields=[" 机器人学 ", ""],
    )
    assert (profile.orcid, profile.keywords_zh, profile.fields) == (
        "0000-0002-1694-233X",
        ["力控", "手术机器人"],
        ["机器人学"],
    )
    assert profile.visibility == Visibility.PUBLIC
    services.save_expert_profile(actor=user, visibility=Visibility.PRIVATE)
    assert ExpertProfile.objects.get(user=user).visibility == Visibility.PRIVATE
    assert verbs(profile) == ["accounts:expert_profile:create", "accounts:expert_profile:update"]
    update = AuditEvent.objects.get(verb="accounts:expert_profile:update")
    assert update.diff == {"visibility": ["public", "private"]}


@pytest.mark.django_db
def test_an_orcid_belongs_to_one_profile_and_a_refusal_saves_nothing() -> None:
    ExpertProfileFactory(orcid="0000-0002-1825-0097")
    user = UserFactory()
    events = AuditEvent.objects.count()
    error = domain_error(services.save_expert_profile, actor=user, name={"en": "Li"}, orcid="0000000218250097")
    assert (error.code, list(error.errors)) == (ErrorCode.VALIDATION, ["orcid"])
    bad = domain_error(services.save_expert_profile, actor=user, name={"en": "Li"}, orcid="0000-0002-1825-0098")
    assert list(bad.errors) == ["orcid"]
    assert not ExpertProfile.objects.filter(user=user).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_unknown_profile_fields_are_a_bad_request() -> None:
    error = domain_error(services.save_expert_profile, actor=UserFactory(), name={"en": "Li"}, user=UserFactory())
    assert error.code == ErrorCode.BAD_REQUEST


@pytest.mark.django_db
def test_works_belong_to_their_profile() -> None:
    profile = ExpertProfileFactory()
    work = services.add_work(actor=profile.user, profile=profile, kind="patent", title={"zh-hans": "力控机械臂"})
    assert (work.profile, work.kind) == (profile, "patent")
    with pytest.raises(PermissionDenied):
        services.add_work(actor=UserFactory(), profile=profile, kind="paper", title={"en": "Not mine"})
    bad = domain_error(services.add_work, actor=profile.user, profile=profile, kind="poem", title={"en": "x"})
    assert list(bad.errors) == ["kind"]
    with pytest.raises(PermissionDenied):
        services.delete_work(actor=UserFactory(), work=work)
    services.delete_work(actor=profile.user, work=work)
    assert Work.objects.count() == 0
    assert verbs() == ["accounts:work:create", "accounts:work:delete"]


@pytest.mark.django_db
def test_delete_work_keeps_others() -> None:
    kept = WorkFactory()
    gone = WorkFactory(profile=kept.profile)
    services.delete_work(actor=kept.profile.user, work=gone)
    assert list(Work.objects.all()) == [kept]


# ------------------------------------------------------------------ access tokens


@pytest.mark.django_db
def test_tokens_are_stored_as_digests_and_resolve_to_their_user() -> None:
    user = UserFactory()
    token, raw = services.create_access_token(actor=user, name=" 同步 ")
    assert (token.name, token.prefix, token.digest) == ("同步", raw[:9], services.token_digest(raw))
    assert raw not in str(list(AccessToken.objects.values()))
    assert services.user_for_token(raw) == user
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert verbs(token) == ["accounts:access_token:create"]


@pytest.mark.django_db
def test_dead_tokens_resolve_to_nobody() -> None:
    user = UserFactory()
    revoked, revoked_raw = services.create_access_token(actor=user, name="a")
    services.revoke_access_token(actor=user, token=revoked)
    services.revoke_access_token(actor=user, token=revoked)  # twice is harmless and audited once
    expiring, expiring_raw = services.create_access_token(
        actor=user, name="b", expires_at=timezone.now() + timedelta(minutes=1)
    )
    AccessToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    inactive = UserFactory(is_active=False)
    _token, inactive_raw = services.create_access_token(actor=inactive, name="c")
    for raw in (revoked_raw, expiring_raw, inactive_raw, "kc_unknown", "not-even-prefixed", ""):
        assert services.user_for_token(raw) is None
    assert verbs(revoked) == ["accounts:access_token:create", "accounts:access_token:revoke"]


@pytest.mark.django_db
def test_token_requests_are_validated_and_owned() -> None:
    user = UserFactory()
    assert list(domain_error(services.create_access_token, actor=user, name="  ").errors) == ["name"]
    past = timezone.now() - timedelta(days=1)
    assert list(domain_error(services.create_access_token, actor=user, name="x", expires_at=past).errors) == [
        "expires_at"
    ]
    token, _raw = services.create_access_token(actor=user, name="mine")
    with pytest.raises(PermissionDenied):
        services.revoke_access_token(actor=UserFactory(), token=token)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AccessToken.objects.count() == 1


@pytest.mark.django_db
def test_the_last_admin_cannot_leave_but_one_of_two_can() -> None:
    organization = OrganizationFactory()
    first = MembershipFactory(organization=organization, role=Role.ADMIN)
    with pytest.raises(DomainError) as refused:
        services.revoke_membership(actor=first.user, membership=first)
    assert refused.value.code == ErrorCode.INVALID_STATE
    first.refresh_from_db()
    assert first.status == MembershipStatus.APPROVED

    second = MembershipFactory(organization=organization, role=Role.ADMIN)
    services.revoke_membership(actor=first.user, membership=first)
    first.refresh_from_db()
    assert first.status == MembershipStatus.REVOKED
    with pytest.raises(DomainError):
        services.revoke_membership(actor=second.user, membership=second)


@pytest.mark.django_db
def test_a_stranger_cannot_revoke_someone_elses_membership() -> None:
    membership = MembershipFactory(role=Role.MEMBER)
    with pytest.raises(PermissionDenied):
        services.revoke_membership(actor=UserFactory(), membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPROVED
