"""The admin for operators: who gets in, what it shows, and that its writes go through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.accounts import services
from kechuang.accounts.enums import MembershipStatus, OrganizationStatus, Role
from kechuang.accounts.models import AccessToken, ExpertProfile, Membership, Organization, User
from kechuang.core.audit import record_event
from kechuang.core.models import AuditEvent
from tests.factories.accounts import (
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    WorkFactory,
    make_operator,
    make_uscc,
)

CHANGELISTS = {
    "organization": "admin:accounts_organization_changelist",
    "membership": "admin:accounts_membership_changelist",
    "user": "admin:accounts_user_changelist",
    "expertprofile": "admin:accounts_expertprofile_changelist",
    "accesstoken": "admin:accounts_accesstoken_changelist",
    "auditevent": "admin:core_auditevent_changelist",
}


@pytest.fixture
def operator() -> User:
    return make_operator(is_staff=True)


@pytest.fixture
def operator_client(client: Client, operator: User) -> Client:
    client.force_login(operator)
    return client


def one_of_each(operator: User) -> dict[str, Any]:
    """A row of every model the admin shows, keyed like :data:`CHANGELISTS`."""
    membership = MembershipFactory(status=MembershipStatus.REQUESTED)
    profile = ExpertProfileFactory(affiliation=membership.organization)
    WorkFactory(profile=profile)
    token, _raw = services.create_access_token(actor=membership.user, name="script")
    event = AuditEvent.objects.filter(verb="accounts:access_token:create").get()
    return {
        "organization": membership.organization, "membership": membership, "user": membership.user,
        "expertprofile": profile, "accesstoken": token, "auditevent": event,
    }  # fmt: skip


@pytest.mark.django_db
def test_every_admin_page_opens_for_an_operator(operator_client: Client, operator: User) -> None:
    rows = one_of_each(operator)
    index = operator_client.get(reverse("admin:index"))
    assert index.status_code == 200
    for name, url_name in CHANGELISTS.items():
        assert operator_client.get(reverse(url_name)).status_code == 200, name
        change = url_name.replace("_changelist", "_change")
        assert operator_client.get(reverse(change, args=[rows[name].pk])).status_code == 200, name
        assert f"/{name}/" in index.content.decode()
    assert operator_client.get(reverse("admin:accounts_organization_add")).status_code == 200
    # Searches and filters answer too.
    assert (
        operator_client.get(reverse(CHANGELISTS["organization"]), {"q": "测试", "region": "110000"}).status_code == 200
    )
    assert operator_client.get(reverse(CHANGELISTS["auditevent"]), {"q": "token"}).status_code == 200


@pytest.mark.django_db
def test_admin_is_refused_to_everyone_but_operators(client: Client, operator: User) -> None:
    rows = one_of_each(operator)
    office_admin = MembershipFactory(organization=rows["organization"], role=Role.ADMIN).user
    staff = UserFactory(is_staff=True)
    for user in (staff, office_admin):
        client.force_login(user)
        for name, url_name in CHANGELISTS.items():
            expected = 403 if user.is_staff else 302
            assert client.get(reverse(url_name)).status_code == expected, (user, name)
    client.force_login(staff)
    assert "/organization/" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_nothing_is_added_or_deleted_where_no_service_does_it(operator_client: Client, operator: User) -> None:
    rows = one_of_each(operator)
    for name in ("membership", "user", "expertprofile", "accesstoken", "auditevent"):
        app = "core" if name == "auditevent" else "accounts"
        assert operator_client.get(reverse(f"admin:{app}_{name}_add")).status_code == 403, name
        delete = operator_client.post(reverse(f"admin:{app}_{name}_delete", args=[rows[name].pk]), {"post": "yes"})
        assert delete.status_code == 403, name
    before = Membership.objects.get(pk=rows["membership"].pk).status
    operator_client.post(
        reverse("admin:accounts_membership_change", args=[rows["membership"].pk]), {"status": "approved"}
    )
    assert Membership.objects.get(pk=rows["membership"].pk).status == before


@pytest.mark.django_db
def test_approve_action_approves_pending_organizations_through_the_service(
    operator_client: Client, operator: User
) -> None:
    proposer = UserFactory()
    pending = services.propose_organization(
        actor=proposer, name={"zh-hans": "新公司"}, kind="enterprise", region="110108"
    )
    active = OrganizationFactory()
    response = operator_client.post(
        reverse(CHANGELISTS["organization"]),
        {"action": "approve_selected", "_selected_action": [pending.pk, active.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Organization.objects.get(pk=pending.pk).status == OrganizationStatus.ACTIVE
    assert Membership.objects.get(organization=pending, user=proposer).status == MembershipStatus.APPROVED
    assert AuditEvent.objects.filter(verb="accounts:organization:approve", actor=operator).count() == 1
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 2  # one refusal (already active) and one success


@pytest.mark.django_db
def test_membership_actions_approve_and_reject_through_the_service(operator_client: Client, operator: User) -> None:
    first, second = MembershipFactory.create_batch(2, status=MembershipStatus.REQUESTED)
    url = reverse(CHANGELISTS["membership"])
    operator_client.post(url, {"action": "approve_selected", "_selected_action": [first.pk]})
    operator_client.post(url, {"action": "reject_selected", "_selected_action": [second.pk]})
    assert [Membership.objects.get(pk=m.pk).status for m in (first, second)] == ["approved", "rejected"]
    assert sorted(AuditEvent.objects.filter(actor=operator).values_list("verb", flat=True)) == [
        "accounts:membership:approve", "accounts:membership:reject",
    ]  # fmt: skip


@pytest.mark.django_db
def test_revoke_action_revokes_any_users_token(operator_client: Client) -> None:
    token, raw = services.create_access_token(actor=UserFactory(), name="laptop")
    operator_client.post(
        reverse(CHANGELISTS["accesstoken"]), {"action": "revoke_selected", "_selected_action": [token.pk]}
    )
    assert AccessToken.objects.get(pk=token.pk).revoked_at is not None
    assert services.user_for_token(raw) is None


@pytest.mark.django_db
def test_organization_form_writes_through_the_services(operator_client: Client, operator: User) -> None:
    form = {
        "name_zh": "北京测试科技有限公司", "name_en": "Beijing Test Technology Co., Ltd.", "kind": "enterprise",
        "region": "110108", "uscc": make_uscc(424242), "sectors": ["sei-1", "fut-information"],
        "description_zh": "", "description_en": "A test company.", "website": "https://test.example",
    }  # fmt: skip
    added = operator_client.post(reverse("admin:accounts_organization_add"), form)
    assert added.status_code == 302
    organization = Organization.objects.get(uscc=form["uscc"])
    assert (organization.name, organization.sectors, organization.description) == (
        {"zh-hans": "北京测试科技有限公司", "en": "Beijing Test Technology Co., Ltd."},
        ["sei-1", "fut-information"],
        {"en": "A test company."},
    )
    changed = operator_client.post(
        reverse("admin:accounts_organization_change", args=[organization.pk]), {**form, "region": "120116"}
    )
    assert changed.status_code == 302
    assert Organization.objects.get(pk=organization.pk).region == "120116"
    assert list(
        AuditEvent.objects.filter(object_id=str(organization.pk), actor=operator)
        .order_by("id")
        .values_list("verb", "diff")
    ) == [
        ("accounts:organization:create", AuditEvent.objects.get(verb="accounts:organization:create").diff),
        ("accounts:organization:update", {"region": ["110108", "120116"]}),
    ]
    invalid = operator_client.post(reverse("admin:accounts_organization_add"), {**form, "uscc": "911101080000000000"})
    assert (invalid.status_code, "uscc" in invalid.context["adminform"].form.errors) == (200, True)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CHANGELISTS))
def test_changelists_take_as_many_queries_for_three_rows_as_for_one(
    operator_client: Client, operator: User, name: str
) -> None:
    makers: dict[str, Callable[[], object]] = {
        "organization": OrganizationFactory,
        "membership": MembershipFactory,
        "user": UserFactory,
        "expertprofile": lambda: ExpertProfileFactory(affiliation=OrganizationFactory()),
        "accesstoken": lambda: services.create_access_token(actor=UserFactory(), name="t"),
        "auditevent": lambda: record_event(actor=UserFactory(), verb="accounts:user:register", obj=operator),
    }
    url = reverse(CHANGELISTS[name])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert operator_client.get(url).status_code == 200
        return len(captured)

    makers[name]()
    one = queries()
    makers[name]()
    makers[name]()
    assert queries() == one


@pytest.mark.django_db
def test_expert_profile_page_lists_the_works(operator_client: Client) -> None:
    profile = ExpertProfileFactory()
    WorkFactory(profile=profile, title={"zh-hans": "力控论文", "en": "Force paper"})
    page = operator_client.get(reverse("admin:accounts_expertprofile_change", args=[profile.pk]))
    assert "力控论文" in page.content.decode()
    assert ExpertProfile.objects.count() == 1
