"""The JSON API of the accounts app at /api/v1: authentication, errors, organisations, memberships, experts, tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from kechuang.accounts import services
from kechuang.accounts.enums import OrganizationKind, Role, Visibility
from kechuang.accounts.models import AccessToken, ExpertProfile, Membership, Organization, User
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

USCC_CHECK = "The check character of this unified social credit code is wrong; please check it for typos."
ORCID_CHECK = "The check digit of this ORCID iD is wrong; please check it for typos."
PROBLEM = "application/problem+json"


def bearer(user: User) -> dict[str, str]:
    _token, raw = services.create_access_token(actor=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


def organization_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": {"zh-hans": "北京力控机器人有限公司", "en": "Beijing Force Robotics Co., Ltd."},
        "kind": "enterprise",
        "region": "110108",
        "uscc": make_uscc(123),
        "sectors": ["sei-2"],
        **changes,
    }


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response["Content-Type"]) == (status, PROBLEM)
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"], body["type"]) == (status, code, f"urn:kechuang:problem:{code}")
    return body


# ------------------------------------------------------------------ schema


@pytest.mark.django_db
def test_openapi_schema_is_valid_openapi_3_1(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    validate(schema, cls=OpenAPIV31SpecValidator)
    assert {"/api/v1/me", "/api/v1/organizations", "/api/v1/experts", "/api/v1/tokens"} <= set(schema["paths"])


# ------------------------------------------------------------------ authentication


@pytest.mark.django_db
def test_me_with_a_personal_access_token(client: Client) -> None:
    user = UserFactory(username="wang", email="wang@example.cn", display_name="王工")
    response = client.get("/api/v1/me", headers=bearer(user))
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": "wang",
        "email": "wang@example.cn",
        "display_name": "王工",
        "is_operator": False,
        "roles": [],
        "memberships": [],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["revoked", "expired", "garbage", "missing", "inactive user", "not bearer"])
def test_me_refuses_a_bad_token_with_401(client: Client, state: str) -> None:
    user = UserFactory()
    token, raw = services.create_access_token(actor=user, name="ci", expires_at=timezone.now() + timedelta(days=1))
    headers = {"Authorization": f"Bearer {raw}"}
    if state == "revoked":
        services.revoke_access_token(actor=user, token=token)
    elif state == "expired":
        AccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "garbage":
        headers = {"Authorization": "Bearer kc_not-a-token"}
    elif state == "missing":
        headers = {}
    elif state == "inactive user":
        User.objects.filter(pk=user.pk).update(is_active=False)
    else:
        headers = {"Authorization": f"Token {raw}"}
    response = client.get("/api/v1/me", headers=headers)
    assert_problem(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_a_program_with_a_bad_token_hears_401_not_a_csrf_refusal() -> None:
    client = Client(enforce_csrf_checks=True)
    for headers in ({"Authorization": "Bearer kc_not-a-token"}, {}):
        response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json", headers=headers)
        assert_problem(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_session_auth_needs_the_csrf_token_for_unsafe_methods() -> None:
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 200  # safe methods need no token
    refused = client.post("/api/v1/tokens", {"name": "laptop"}, content_type="application/json")
    body = assert_problem(refused, 403, "permission_denied")
    with translation.override("zh-hans"):
        assert body["detail"] == gettext("CSRF check failed; send the X-CSRFToken header.")
    assert AccessToken.objects.count() == 0
    secret = "k" * 32
    client.cookies["csrftoken"] = secret
    accepted = client.post(
        "/api/v1/tokens", {"name": "laptop"}, content_type="application/json", headers={"X-CSRFToken": secret}
    )
    assert accepted.status_code == 201
    assert AccessToken.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_a_token_needs_no_csrf_token() -> None:
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/tokens", {"name": "ci"}, content_type="application/json", headers=bearer(user))
    assert response.status_code == 201


# ------------------------------------------------------------------ bad requests


@pytest.mark.django_db
def test_a_missing_field_is_a_validation_problem(client: Client) -> None:
    client.force_login(make_operator())
    body = organization_body()
    del body["region"]
    response = client.post("/api/v1/organizations", body, content_type="application/json")
    problem = assert_problem(response, 422, "validation_error")
    assert list(problem["errors"]) == ["region"]
    assert problem["instance"] == "/api/v1/organizations"


@pytest.mark.django_db
def test_a_non_integer_path_is_a_validation_problem(client: Client) -> None:
    response = client.get("/api/v1/organizations/abc")
    problem = assert_problem(response, 422, "validation_error")
    assert list(problem["errors"]) == ["organization_id"]


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_bad_request(client: Client) -> None:
    client.force_login(make_operator())
    response = client.post("/api/v1/organizations", "{not json", content_type="application/json")
    assert_problem(response, 400, "bad_request")


@pytest.mark.django_db
def test_missing_objects_are_404_problems(client: Client) -> None:
    assert_problem(client.get("/api/v1/organizations/999999"), 404, "not_found")
    assert_problem(client.get("/api/v1/experts/999999"), 404, "not_found")


# ------------------------------------------------------------------ organisations


@pytest.mark.django_db
def test_operator_creates_an_organization(client: Client) -> None:
    operator = make_operator()
    client.force_login(operator)
    response = client.post("/api/v1/organizations", organization_body(), content_type="application/json")
    assert response.status_code == 201
    created = Organization.objects.get(uscc=make_uscc(123))
    body = response.json()
    assert (body["id"], body["status"], body["display_name"], body["region"]) == (
        created.pk,
        "active",
        "北京力控机器人有限公司",
        {"code": "110108", "name": "海淀区"},
    )
    assert AuditEvent.objects.filter(verb="accounts:organization:create", object_id=str(created.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("accept_language", "language"), [("en", "en"), ("zh-CN,zh;q=0.9", "zh-hans")])
def test_an_invalid_uscc_is_refused_in_the_callers_language(
    client: Client, accept_language: str, language: str
) -> None:
    client.force_login(make_operator())
    before = Organization.objects.count()
    response = client.post(
        "/api/v1/organizations",
        organization_body(uscc="914403001922038217"),
        content_type="application/json",
        headers={"Accept-Language": accept_language},
    )
    problem = assert_problem(response, 422, "validation_error")
    with translation.override(language):
        expected = gettext(USCC_CHECK)
    assert problem["errors"] == {"uscc": [expected]}
    assert Organization.objects.count() == before
    assert not AuditEvent.objects.filter(verb="accounts:organization:create").exists()


@pytest.mark.django_db
def test_a_taken_uscc_is_refused(client: Client) -> None:
    OrganizationFactory(uscc=make_uscc(123))
    client.force_login(make_operator())
    response = client.post("/api/v1/organizations", organization_body(), content_type="application/json")
    problem = assert_problem(response, 422, "validation_error")
    assert list(problem["errors"]) == ["uscc"]


@pytest.mark.django_db
def test_only_operators_create_organizations(client: Client) -> None:
    admin = MembershipFactory(role=Role.ADMIN).user  # an admin elsewhere is no operator
    client.force_login(admin)
    before = Organization.objects.count()
    response = client.post("/api/v1/organizations", organization_body(), content_type="application/json")
    assert_problem(response, 403, "permission_denied")
    assert Organization.objects.count() == before


@pytest.mark.django_db
def test_organizations_page_and_filter(client: Client) -> None:
    OrganizationFactory(name={"zh-hans": "甲大学", "en": "A University"}, kind=OrganizationKind.UNIVERSITY)
    OrganizationFactory(name={"zh-hans": "乙公司", "en": "B Co."}, region="120116", sectors=["sei-4"])
    OrganizationFactory(name={"zh-hans": "丙公司", "en": "C Co."}, region="130600", sectors=["sei-4", "sei-1"])
    OrganizationFactory(name={"zh-hans": "丁公司", "en": "D Co."}, status="pending")

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/organizations{query}")
        assert response.status_code == 200
        return [item["name"]["zh-hans"] for item in response.json()["items"]]

    first = client.get("/api/v1/organizations?page_size=2").json()
    assert (first["count"], first["page"], first["pages"], first["page_size"], len(first["items"])) == (3, 1, 2, 2, 2)
    second = client.get("/api/v1/organizations?page_size=2&page=2").json()
    assert [i["id"] for i in first["items"] + second["items"]] == [
        o.pk for o in Organization.objects.filter(status="active")
    ]
    assert names("?kind=university") == ["甲大学"]
    assert sorted(names("?region=120000")) == ["乙公司"]
    assert names("?region=130600") == ["丙公司"]
    assert sorted(names("?sector=sei-4")) == sorted(["乙公司", "丙公司"])
    assert names("?q=丙") == ["丙公司"]
    assert names("?q=nothing-like-this") == []
    assert names("?page=99&page_size=2") == names("?page=2&page_size=2")


@pytest.mark.django_db
def test_a_pending_organization_is_hidden_from_the_public(client: Client) -> None:
    pending = OrganizationFactory(status="pending")
    assert_problem(client.get(f"/api/v1/organizations/{pending.pk}"), 404, "not_found")
    client.force_login(make_operator())
    assert client.get(f"/api/v1/organizations/{pending.pk}").status_code == 200


# ------------------------------------------------------------------ memberships


@pytest.mark.django_db
def test_membership_request_approved_by_the_org_admin_shows_in_me() -> None:
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    applicant = UserFactory()
    applicant_client, admin_client = Client(), Client()
    applicant_client.force_login(applicant)
    admin_client.force_login(admin)

    asked = applicant_client.post(
        "/api/v1/memberships",
        {"organization_id": organization.pk, "role": "tto_officer", "note": "成果转化办公室"},
        content_type="application/json",
    )
    assert asked.status_code == 201
    assert (asked.json()["status"], asked.json()["role"]) == ("requested", "tto_officer")
    assert applicant_client.get("/api/v1/me").json()["roles"] == []

    listed = admin_client.get(f"/api/v1/organizations/{organization.pk}/memberships").json()
    assert sorted((m["user"], m["status"]) for m in listed["items"]) == sorted(
        [(admin.username, "approved"), (applicant.username, "requested")]
    )
    approved = admin_client.post(f"/api/v1/memberships/{asked.json()['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"

    me = applicant_client.get("/api/v1/me").json()
    assert me["roles"] == ["tto_officer"]
    assert [(m["organization_id"], m["status"]) for m in me["memberships"]] == [(organization.pk, "approved")]
    assert applicant_client.get("/api/v1/memberships").json()[0]["status"] == "approved"


@pytest.mark.django_db
def test_a_member_cannot_approve_their_own_request(client: Client) -> None:
    membership = MembershipFactory(status="requested")
    client.force_login(membership.user)
    response = client.post(f"/api/v1/memberships/{membership.pk}/approve")
    assert_problem(response, 403, "permission_denied")
    membership.refresh_from_db()
    assert membership.status == "requested"


@pytest.mark.django_db
def test_others_cannot_see_a_membership(client: Client) -> None:
    membership = MembershipFactory(status="requested")
    client.force_login(UserFactory())
    assert_problem(client.post(f"/api/v1/memberships/{membership.pk}/approve"), 404, "not_found")
    assert_problem(client.get(f"/api/v1/organizations/{membership.organization_id}/memberships"), 404, "not_found")


@pytest.mark.django_db
def test_a_second_live_request_is_a_duplicate(client: Client) -> None:
    membership = MembershipFactory(status="requested", role=Role.MEMBER)
    client.force_login(membership.user)
    response = client.post(
        "/api/v1/memberships",
        {"organization_id": membership.organization_id, "role": "member"},
        content_type="application/json",
    )
    assert_problem(response, 409, "duplicate")


@pytest.mark.django_db
def test_approving_twice_is_an_invalid_state(client: Client) -> None:
    membership = MembershipFactory(status="approved")
    client.force_login(make_operator())
    assert_problem(client.post(f"/api/v1/memberships/{membership.pk}/approve"), 409, "invalid_state")


# ------------------------------------------------------------------ experts


def profile_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": {"zh-hans": "李明", "en": "Li Ming"},
        "fields": ["机器人学"],
        "keywords_zh": ["力控"],
        "keywords_en": ["force control"],
        "orcid": "https://orcid.org/0000-0002-1825-0097",
        **changes,
    }


@pytest.mark.django_db
def test_save_my_expert_profile(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.put("/api/v1/me/expert-profile", profile_body(), content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["orcid"], response.json()["display_name"]) == ("0000-0002-1825-0097", "李明")
    assert ExpertProfile.objects.get(user=user).orcid == "0000-0002-1825-0097"


@pytest.mark.django_db
@pytest.mark.parametrize(("accept_language", "language"), [("en", "en"), ("zh-hans", "zh-hans")])
def test_an_invalid_orcid_is_refused_in_the_callers_language(
    client: Client, accept_language: str, language: str
) -> None:
    client.force_login(UserFactory())
    response = client.put(
        "/api/v1/me/expert-profile",
        profile_body(orcid="0000-0002-1825-0098"),
        content_type="application/json",
        headers={"Accept-Language": accept_language},
    )
    problem = assert_problem(response, 422, "validation_error")
    with translation.override(language):
        expected = gettext(ORCID_CHECK)
    assert problem["errors"] == {"orcid": [expected]}
    assert ExpertProfile.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("visibility", "anonymous", "signed_in", "owner", "operator"),
    [
        (Visibility.PUBLIC, 200, 200, 200, 200),
        (Visibility.MEMBERS, 404, 200, 200, 200),
        (Visibility.PRIVATE, 404, 404, 200, 200),
    ],
)
def test_expert_profile_visibility(visibility: str, anonymous: int, signed_in: int, owner: int, operator: int) -> None:
    profile = ExpertProfileFactory(visibility=visibility)
    url = f"/api/v1/experts/{profile.pk}"
    seen: list[int] = []
    for user in (None, UserFactory(), profile.user, make_operator()):
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        seen.append(response.status_code)
        if response.status_code == 404:
            assert_problem(response, 404, "not_found")
        listed = [item["id"] for item in client.get("/api/v1/experts").json()["items"]]
        assert (profile.pk in listed) == (response.status_code == 200)  # the list and the detail agree
    assert seen == [anonymous, signed_in, owner, operator]


@pytest.mark.django_db
def test_hidden_works_and_email_stay_hidden(client: Client) -> None:
    profile = ExpertProfileFactory(show_email=False)
    WorkFactory(profile=profile, title={"zh-hans": "公开论文"})
    WorkFactory(profile=profile, title={"zh-hans": "未公开论文"}, is_public=False)
    body = client.get(f"/api/v1/experts/{profile.pk}").json()
    assert body["email"] is None
    assert [w["title"]["zh-hans"] for w in body["works"]] == ["公开论文"]
    client.force_login(profile.user)
    own = client.get(f"/api/v1/experts/{profile.pk}").json()
    assert sorted(w["title"]["zh-hans"] for w in own["works"]) == ["公开论文", "未公开论文"]


@pytest.mark.django_db
def test_experts_page_and_filter(client: Client) -> None:
    university = OrganizationFactory(kind=OrganizationKind.UNIVERSITY)
    ExpertProfileFactory(name={"zh-hans": "甲"}, fields=["材料科学"], keywords_zh=["钙钛矿"], affiliation=university)
    ExpertProfileFactory(name={"zh-hans": "乙"}, fields=["机器人学"], keywords_en=["haptics"])
    ExpertProfileFactory(name={"zh-hans": "丙"}, fields=["机器人学"])

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/experts{query}")
        assert response.status_code == 200
        return sorted(item["name"]["zh-hans"] for item in response.json()["items"])

    page = client.get("/api/v1/experts?page_size=2").json()
    assert (page["count"], page["pages"], len(page["items"])) == (3, 2, 2)
    assert names("?field=机器人学") == ["丙", "乙"]
    assert names("?q=钙钛矿") == ["甲"]
    assert names("?q=haptics") == ["乙"]
    assert names(f"?affiliation={university.pk}") == ["甲"]


# ------------------------------------------------------------------ tokens


@pytest.mark.django_db
def test_tokens_create_list_revoke(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    created = client.post(
        "/api/v1/tokens",
        {"name": "数据同步", "expires_at": (timezone.now() + timedelta(days=30)).isoformat()},
        content_type="application/json",
    )
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("kc_")
    assert created.json()["prefix"] == raw[:9]

    listed = client.get("/api/v1/tokens")
    assert [(t["name"], t["revoked_at"]) for t in listed.json()] == [("数据同步", None)]
    assert "token" not in listed.json()[0]
    assert raw not in listed.content.decode()
    assert raw not in str(list(AccessToken.objects.values()))  # only its digest is stored

    as_program = Client()
    assert as_program.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json()["id"] == user.pk
    assert client.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 204
    assert client.get("/api/v1/tokens").json()[0]["revoked_at"] is not None
    assert_problem(as_program.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401, "not_authenticated")


@pytest.mark.django_db
def test_tokens_of_others_are_not_found(client: Client) -> None:
    token, _raw = services.create_access_token(actor=UserFactory(), name="theirs")
    client.force_login(UserFactory())
    assert client.get("/api/v1/tokens").json() == []
    assert_problem(client.delete(f"/api/v1/tokens/{token.pk}"), 404, "not_found")
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_token_expiry_must_lie_in_the_future(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post(
        "/api/v1/tokens",
        {"name": "old", "expires_at": (timezone.now() - timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert list(assert_problem(response, 422, "validation_error")["errors"]) == ["expires_at"]
    assert AccessToken.objects.count() == 0


# ------------------------------------------------------------------ query counts


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_organizations_list_query_count_does_not_grow(client: Client) -> None:
    OrganizationFactory()
    one = queries_for(client, "/api/v1/organizations")
    OrganizationFactory.create_batch(2)
    assert len(client.get("/api/v1/organizations").json()["items"]) == 3
    assert queries_for(client, "/api/v1/organizations") == one


@pytest.mark.django_db
def test_experts_list_query_count_does_not_grow(client: Client) -> None:
    affiliation = OrganizationFactory()
    ExpertProfileFactory(affiliation=affiliation, show_email=True)
    one = queries_for(client, "/api/v1/experts")
    ExpertProfileFactory.create_batch(2, affiliation=affiliation, show_email=True)
    assert len(client.get("/api/v1/experts").json()["items"]) == 3
    assert queries_for(client, "/api/v1/experts") == one


@pytest.mark.django_db
def test_org_memberships_list_query_count_does_not_grow(client: Client) -> None:
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    client.force_login(admin)
    url = f"/api/v1/organizations/{organization.pk}/memberships"
    one = queries_for(client, url)
    MembershipFactory.create_batch(2, organization=organization)
    assert Membership.objects.filter(organization=organization).count() == 3
    assert queries_for(client, url) == one


@pytest.mark.django_db
def test_public_reads_still_use_a_token_when_one_is_sent(client: Client) -> None:
    members_only = ExpertProfileFactory(visibility="members")
    _, token = services.create_access_token(actor=UserFactory(), name="script")
    anonymous = client.get("/api/v1/experts").json()
    with_token = client.get("/api/v1/experts", headers={"authorization": f"Bearer {token}"}).json()
    assert [p["id"] for p in anonymous["items"]] == []
    assert [p["id"] for p in with_token["items"]] == [members_only.pk]
    detail = client.get(f"/api/v1/experts/{members_only.pk}", headers={"authorization": f"Bearer {token}"})
    assert detail.status_code == 200
