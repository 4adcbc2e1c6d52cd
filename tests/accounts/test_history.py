"""Employment history, declared relations and shareholdings: services, rules, pages, API and privacy."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.accounts import services
from kechuang.accounts.enums import OrganizationStatus, RelationKind, Role, Visibility
from kechuang.accounts.models import Affiliation, ExpertProfile, Organization, Relation, Shareholding, User
from kechuang.core.errors import DomainError, ErrorCode, PermissionDenied
from kechuang.core.models import AuditEvent
from tests.factories.accounts import (
    AffiliationFactory,
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    RelationFactory,
    ShareholdingFactory,
    UserFactory,
    make_operator,
)

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
THIS_YEAR = timezone.localdate().year


@pytest.fixture
def robot_co() -> Organization:
    return OrganizationFactory(name={"zh-hans": "锐骨医疗机器人", "en": "Ruigu Robotics"})


@pytest.fixture
def me() -> ExpertProfile:
    return ExpertProfileFactory(name={"zh-hans": "王芳", "en": "Wang Fang"}, visibility=Visibility.PUBLIC)


@pytest.fixture
def other() -> ExpertProfile:
    return ExpertProfileFactory(name={"zh-hans": "张三", "en": "Zhang San"})


def org_admin(organization: Organization) -> User:
    user = UserFactory()
    MembershipFactory(user=user, organization=organization, role=Role.ADMIN)
    return user


def verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


def bearer(user: User) -> dict[str, str]:
    _token, raw = services.create_access_token(actor=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


# ---------------------------------------------------------------- services: employment history


def test_an_expert_adds_and_deletes_a_post(me: ExpertProfile, robot_co: Organization) -> None:
    row = services.add_affiliation(
        actor=me.user, profile=me, organization=robot_co, start_year=2015, end_year=2021, position=" 工程师 "
    )
    assert (row.organization, row.start_year, row.end_year, row.position) == (robot_co, 2015, 2021, "工程师")
    services.delete_affiliation(actor=me.user, affiliation=row)
    assert (Affiliation.objects.count(), verbs()) == (0, ["accounts:affiliation:create", "accounts:affiliation:delete"])


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(1899, None, "start_year"), (2020, 2019, "end_year"), (2020, THIS_YEAR + 2, "end_year")],
)
def test_bad_years_are_refused(
    me: ExpertProfile, robot_co: Organization, start: int, end: int | None, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        services.add_affiliation(actor=me.user, profile=me, organization=robot_co, start_year=start, end_year=end)
    assert (refused.value.code, list(refused.value.errors)) == (ErrorCode.VALIDATION, [field])
    assert Affiliation.objects.count() == 0


def test_a_pending_organization_is_refused(me: ExpertProfile) -> None:
    pending = OrganizationFactory(status=OrganizationStatus.PENDING)
    with pytest.raises(DomainError) as refused:
        services.add_affiliation(actor=me.user, profile=me, organization=pending, start_year=2020)
    assert list(refused.value.errors) == ["organization"]


def test_nobody_edits_another_experts_history(me: ExpertProfile, other: ExpertProfile, robot_co: Organization) -> None:
    row = AffiliationFactory(profile=me, organization=robot_co)
    with pytest.raises(PermissionDenied):
        services.add_affiliation(actor=other.user, profile=me, organization=robot_co, start_year=2020)
    with pytest.raises(PermissionDenied):
        services.delete_affiliation(actor=make_operator(), affiliation=row)
    assert Affiliation.objects.count() == 1


def test_the_database_refuses_an_end_before_the_start(me: ExpertProfile, robot_co: Organization) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Affiliation.objects.create(profile=me, organization=robot_co, start_year=2020, end_year=2019)


# ---------------------------------------------------------------- services: relations


def test_an_expert_declares_and_withdraws_a_relation(me: ExpertProfile, other: ExpertProfile) -> None:
    relation = services.declare_relation(
        actor=me.user, profile=me, other=other, kind=RelationKind.ADVISOR, start_year=2010, end_year=2015
    )
    assert (relation.from_profile, relation.to_profile, relation.kind) == (me, other, "advisor")
    assert relation.inverse_kind_display == "我的学生（指导对象）"
    with pytest.raises(DomainError) as twice:
        services.declare_relation(actor=me.user, profile=me, other=other, kind=RelationKind.ADVISOR)
    assert twice.value.code == ErrorCode.DUPLICATE
    with pytest.raises(PermissionDenied):  # the other side sees it but cannot withdraw it
        services.withdraw_relation(actor=other.user, relation=relation)
    services.withdraw_relation(actor=me.user, relation=relation)
    assert (Relation.objects.count(), verbs()) == (0, ["accounts:relation:create", "accounts:relation:delete"])


def test_relations_with_oneself_or_of_unknown_kind_are_refused(me: ExpertProfile, other: ExpertProfile) -> None:
    for target, kind, field in ((me, RelationKind.FAMILY, "other"), (other, "friend", "kind")):
        with pytest.raises(DomainError) as refused:
            services.declare_relation(actor=me.user, profile=me, other=target, kind=kind)
        assert list(refused.value.errors) == [field]
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(from_profile=me, to_profile=me, kind=RelationKind.FAMILY)


def test_an_operator_may_withdraw_a_relation(me: ExpertProfile, other: ExpertProfile) -> None:
    relation = RelationFactory(from_profile=me, to_profile=other)
    services.withdraw_relation(actor=make_operator(), relation=relation)
    assert Relation.objects.count() == 0


# ---------------------------------------------------------------- services: shareholdings


def test_an_org_admin_records_replaces_and_removes_a_shareholding(robot_co: Organization, me: ExpertProfile) -> None:
    admin = org_admin(robot_co)
    first = services.set_shareholding(
        actor=admin, organization=robot_co, holder_user=me.user, share_bp=1_250, as_of=date(2024, 1, 1)
    )
    again = services.set_shareholding(
        actor=admin, organization=robot_co, holder_user=me.user, share_bp=900, as_of=date(2025, 1, 1)
    )
    assert (again.pk, again.share_bp, again.share_percent, Shareholding.objects.count()) == (first.pk, 900, "9.00%", 1)
    services.remove_shareholding(actor=admin, shareholding=again)
    assert verbs()[-3:] == [
        "accounts:shareholding:create",
        "accounts:shareholding:update",
        "accounts:shareholding:delete",
    ]


def test_only_admins_and_operators_set_shareholdings(robot_co: Organization, me: ExpertProfile) -> None:
    with pytest.raises(PermissionDenied):
        services.set_shareholding(
            actor=me.user, organization=robot_co, holder_user=me.user, share_bp=100, as_of=date(2024, 1, 1)
        )
    held = services.set_shareholding(
        actor=make_operator(),
        organization=robot_co,
        holder_organization=OrganizationFactory(),
        share_bp=100,
        as_of=date(2024, 1, 1),
    )
    assert held.holder_user is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"share_bp": 0}, "share_bp"),
        ({"share_bp": 10_001}, "share_bp"),
        ({"as_of": "tomorrow"}, "as_of"),
        ({"holder_user": None}, "holder"),
        ({"holder_organization": "both"}, "holder"),
        ({"holder_user": None, "holder_organization": "itself"}, "holder"),
    ],
)
def test_bad_shareholdings_are_refused(
    robot_co: Organization, me: ExpertProfile, changes: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"holder_user": me.user, "share_bp": 100, "as_of": date(2024, 1, 1), **changes}
    if values["as_of"] == "tomorrow":
        values["as_of"] = timezone.localdate() + timedelta(days=1)
    if values.get("holder_organization") == "both":
        values["holder_organization"] = OrganizationFactory()
    if values.get("holder_organization") == "itself":
        values["holder_organization"] = robot_co
    with pytest.raises(DomainError) as refused:
        services.set_shareholding(actor=org_admin(robot_co), organization=robot_co, **values)
    assert list(refused.value.errors) == [field]
    assert Shareholding.objects.count() == 0


def test_the_database_wants_exactly_one_holder(robot_co: Organization, me: ExpertProfile) -> None:
    for holders in ({}, {"holder_user": me.user, "holder_organization": OrganizationFactory()}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Shareholding.objects.create(organization=robot_co, share_bp=5, as_of=date(2024, 1, 1), **holders)


# ---------------------------------------------------------------- privacy


@pytest.mark.parametrize(
    ("visibility", "anonymous", "member", "owner", "operator"),
    [
        (Visibility.PUBLIC, True, True, True, True),
        (Visibility.MEMBERS, False, False, True, True),
        (Visibility.PRIVATE, False, False, True, True),
    ],
)
def test_history_is_shown_only_on_a_public_profile(  # noqa: PLR0917 - one parameter per reader
    robot_co: Organization, visibility: str, anonymous: bool, member: bool, owner: bool, operator: bool
) -> None:
    profile = ExpertProfileFactory(visibility=visibility)
    AffiliationFactory(profile=profile, organization=robot_co, start_year=2011, end_year=2019)
    readers = [None, UserFactory(), profile.user, make_operator()]
    seen = []
    for reader in readers:
        client = Client()
        if reader is not None:
            client.force_login(reader)
        response = client.get(f"/experts/{profile.pk}/")
        text = response.content.decode() if response.status_code == 200 else ""
        seen.append('data-testid="expert-history"' in text and "2011–2019" in text)
    assert seen == [anonymous, member, owner, operator]


def test_relations_are_never_public(me: ExpertProfile, other: ExpertProfile, client: Client) -> None:
    relation = RelationFactory(from_profile=me, to_profile=other, kind=RelationKind.FAMILY)
    outsider = UserFactory()
    assert [
        outsider.has_perm("accounts.view_relation", relation),
        other.user.has_perm("accounts.view_relation", relation),
    ] == [False, True]
    page = client.get(f"/experts/{me.pk}/").content.decode()
    api = client.get(f"/api/v1/experts/{me.pk}").json()
    assert ("张三" in page, "relations" in api) == (False, False)


# ---------------------------------------------------------------- pages


@pytest.fixture
def signed_in(client: Client, me: ExpertProfile) -> Client:
    client.force_login(me.user)
    return client


def test_the_profile_page_adds_and_deletes_history(
    signed_in: Client, me: ExpertProfile, robot_co: Organization
) -> None:
    page = signed_in.get(PROFILE).content.decode()
    assert ('id="history"' in page, 'id="id_history_organization_query"' in page) == (True, True)
    data = {
        "organization_query": "",
        "organization": robot_co.pk,
        "position": "工程师",
        "start_year": 2016,
        "end_year": "",
    }
    response = signed_in.post("/accounts/profile/history/", data)
    assert (response.status_code, response["Location"]) == (302, f"{PROFILE}#history")
    row = Affiliation.objects.get()
    assert (row.profile, row.end_year, row.position) == (me, None, "工程师")
    page = signed_in.get(PROFILE).content.decode()
    assert "Ruigu Robotics" in page or "锐骨医疗机器人" in page
    assert signed_in.post(f"/accounts/profile/history/{row.pk}/delete/").status_code == 302
    assert Affiliation.objects.count() == 0


def test_a_refused_post_keeps_its_values(signed_in: Client, robot_co: Organization) -> None:
    data = {"organization_query": "", "organization": robot_co.pk, "position": "", "start_year": 2020, "end_year": 2018}
    response = signed_in.post("/accounts/profile/history/", data, headers={"Accept-Language": "en"})
    body = response.content.decode()
    assert (response.status_code, Affiliation.objects.count()) == (200, 0)
    assert "The end year cannot be before the start year." in body
    assert 'value="2018"' in body


def test_find_narrows_the_organization_options(signed_in: Client, robot_co: Organization) -> None:
    OrganizationFactory(name={"zh-hans": "京轨智联", "en": "Jinggui Rail"})
    data = {"find": "1", "organization_query": "锐骨", "organization": "", "start_year": "", "end_year": ""}
    body = signed_in.post("/accounts/profile/history/", data).content.decode()
    select = body.split('id="id_history_organization"', 1)[1].split("</select>", 1)[0]
    assert ("锐骨医疗机器人" in select, "京轨智联" in select, Affiliation.objects.count()) == (True, False, 0)


def test_another_experts_history_row_cannot_be_deleted(signed_in: Client, other: ExpertProfile) -> None:
    row = AffiliationFactory(profile=other)
    assert signed_in.post(f"/accounts/profile/history/{row.pk}/delete/").status_code == 404
    assert Affiliation.objects.count() == 1


def test_the_profile_page_declares_and_withdraws_relations(
    signed_in: Client, me: ExpertProfile, other: ExpertProfile
) -> None:
    options = signed_in.get("/accounts/experts/options/", {"expert_query": "张三"}).content.decode()
    assert (f'<option value="{other.pk}">张三' in options, "王芳" in options) == (True, False)
    data = {"expert_query": "", "other": other.pk, "kind": RelationKind.ADVISEE, "start_year": 2018, "end_year": ""}
    response = signed_in.post("/accounts/profile/relations/", data)
    assert (response.status_code, response["Location"]) == (302, f"{PROFILE}#relations")
    relation = Relation.objects.get()
    assert (relation.from_profile, relation.to_profile, relation.kind) == (me, other, "advisee")
    assert 'data-testid="relations-table"' in signed_in.get(PROFILE).content.decode()
    # The other side sees it, read from their side, and cannot withdraw it.
    theirs = Client()
    theirs.force_login(other.user)
    their_page = theirs.get(PROFILE, headers={"Accept-Language": "en"}).content.decode()
    assert ("My advisor" in their_page, f"/accounts/profile/relations/{relation.pk}/delete/" in their_page) == (
        True,
        False,
    )
    assert theirs.post(f"/accounts/profile/relations/{relation.pk}/delete/").status_code == 404
    assert signed_in.post(f"/accounts/profile/relations/{relation.pk}/delete/").status_code == 302
    assert Relation.objects.count() == 0


def test_history_and_relations_need_a_profile_first(client: Client) -> None:
    client.force_login(UserFactory())
    assert client.post("/accounts/profile/history/", {}).status_code == 404
    assert 'id="history"' not in client.get(PROFILE).content.decode()


def test_the_shareholdings_page_for_admins_only(client: Client, robot_co: Organization, me: ExpertProfile) -> None:
    url = f"/accounts/organizations/{robot_co.pk}/shareholdings/"
    client.force_login(me.user)
    assert client.get(url).status_code == 404
    admin = org_admin(robot_co)
    client.force_login(admin)
    data = {
        "holder_username": me.user.username,
        "organization_query": "",
        "holder_organization": "",
        "share_percent": "12.5",
        "as_of": "2024-06-30",
    }
    assert client.post(url, data).status_code == 302
    holding = Shareholding.objects.get()
    assert (holding.holder_user, holding.share_bp, holding.as_of) == (me.user, 1_250, date(2024, 6, 30))
    page = client.get(url).content.decode()
    assert ("12.50%" in page, 'data-testid="shareholdings-table"' in page) == (True, True)
    assert 'data-testid="manage-shareholdings"' in client.get(f"/organizations/{robot_co.pk}/").content.decode()
    refused = client.post(url, {**data, "holder_username": "nobody"}, headers={"Accept-Language": "en"})
    assert (refused.status_code, "No account has this user name." in refused.content.decode()) == (200, True)
    assert client.post(f"{url}{holding.pk}/delete/").status_code == 302
    assert Shareholding.objects.count() == 0


def test_the_shareholdings_page_reads_a_fixed_number_of_queries(client: Client, robot_co: Organization) -> None:
    admin = org_admin(robot_co)
    client.force_login(admin)
    url = f"/accounts/organizations/{robot_co.pk}/shareholdings/"
    ShareholdingFactory(organization=robot_co)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    ShareholdingFactory(organization=robot_co)
    ShareholdingFactory(organization=robot_co, holder_user=None, holder_organization=OrganizationFactory())
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    assert len(one.captured_queries) == len(three.captured_queries)


# ---------------------------------------------------------------- API


def test_api_history_round_trip(client: Client, me: ExpertProfile, robot_co: Organization) -> None:
    headers = bearer(me.user)
    created = client.post(
        "/api/v1/me/expert-profile/history",
        {"organization_id": robot_co.pk, "start_year": 2014, "end_year": 2020, "position": "工程师"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    row = created.json()
    assert {k: row[k] for k in ("organization_id", "start_year", "end_year", "position")} == {
        "organization_id": robot_co.pk,
        "start_year": 2014,
        "end_year": 2020,
        "position": "工程师",
    }
    assert [r["id"] for r in client.get("/api/v1/me/expert-profile/history", headers=headers).json()] == [row["id"]]
    public = client.get(f"/api/v1/experts/{me.pk}").json()
    assert [r["id"] for r in public["history"]] == [row["id"]]
    bad = client.post(
        "/api/v1/me/expert-profile/history",
        {"organization_id": robot_co.pk, "start_year": 2014, "end_year": 2010},
        content_type="application/json",
        headers=headers,
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_error")
    gone = client.delete(f"/api/v1/me/expert-profile/history/{row['id']}", headers=headers)
    assert (gone.status_code, Affiliation.objects.count()) == (204, 0)


def test_api_hides_the_history_of_a_members_only_profile(client: Client, robot_co: Organization) -> None:
    profile = ExpertProfileFactory(visibility=Visibility.MEMBERS)
    AffiliationFactory(profile=profile, organization=robot_co)
    body = client.get(f"/api/v1/experts/{profile.pk}", headers=bearer(UserFactory())).json()
    assert body["history"] == []


def test_api_relations(client: Client, me: ExpertProfile, other: ExpertProfile) -> None:
    headers = bearer(me.user)
    created = client.post(
        "/api/v1/me/expert-profile/relations",
        {"to_profile_id": other.pk, "kind": "collaborator", "start_year": 2019},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["declared_by_me"], body["to_name"], body["kind"]) == (True, "张三", "collaborator")
    theirs = client.get("/api/v1/me/expert-profile/relations", headers=bearer(other.user)).json()
    assert [(r["id"], r["declared_by_me"]) for r in theirs] == [(body["id"], False)]
    assert (
        client.delete(f"/api/v1/me/expert-profile/relations/{body['id']}", headers=bearer(other.user)).status_code
        == 404
    )
    assert client.delete(f"/api/v1/me/expert-profile/relations/{body['id']}", headers=headers).status_code == 204
    hidden = ExpertProfileFactory(visibility=Visibility.PRIVATE)
    refused = client.post(
        "/api/v1/me/expert-profile/relations",
        {"to_profile_id": hidden.pk, "kind": "family"},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 404


def test_api_shareholdings(client: Client, robot_co: Organization, me: ExpertProfile) -> None:
    url = f"/api/v1/organizations/{robot_co.pk}/shareholdings"
    assert client.get(url, headers=bearer(me.user)).status_code == 404
    headers = bearer(org_admin(robot_co))
    created = client.post(
        url,
        {"holder_user": me.user.username, "share_bp": 300, "as_of": "2024-12-31"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json() == {
        "id": Shareholding.objects.get().pk,
        "organization_id": robot_co.pk,
        "holder_user": me.user.username,
        "holder_organization_id": None,
        "holder_name": str(me.user),
        "share_bp": 300,
        "as_of": "2024-12-31",
    }
    assert [h["share_bp"] for h in client.get(url, headers=headers).json()] == [300]
    unknown = client.post(
        url,
        {"holder_user": "nobody", "share_bp": 300, "as_of": "2024-12-31"},
        content_type="application/json",
        headers=headers,
    )
    assert (unknown.status_code, list(unknown.json()["errors"])) == (422, ["holder_user"])
    assert client.delete(f"{url}/{created.json()['id']}", headers=headers).status_code == 204


def test_shareholdings_of_one_organization_cannot_pass_the_whole(robot_co: Organization, me: ExpertProfile) -> None:
    admin = org_admin(robot_co)
    other = UserFactory()
    services.set_shareholding(
        actor=admin, organization=robot_co, holder_user=me.user, share_bp=6_000, as_of=date(2024, 1, 1)
    )
    with pytest.raises(DomainError) as refused:
        services.set_shareholding(
            actor=admin, organization=robot_co, holder_user=other, share_bp=4_001, as_of=date(2024, 1, 1)
        )
    assert refused.value.errors == {"share_bp": ["其他持有人已持有 60%；此份额将使合计超过 100%。"]}
    services.set_shareholding(
        actor=admin, organization=robot_co, holder_user=other, share_bp=4_000, as_of=date(2024, 1, 1)
    )
    # Replacing a holder's own share counts the others only.
    services.set_shareholding(
        actor=admin, organization=robot_co, holder_user=me.user, share_bp=5_000, as_of=date(2025, 1, 1)
    )
    assert sorted(Shareholding.objects.values_list("share_bp", flat=True)) == [4_000, 5_000]
