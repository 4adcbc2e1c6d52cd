"""``/api/v1/transfer``: achievement → card → answer → deal → signature through the API alone; refusals as
problem+json with stable codes, idempotent POSTs, and deals hidden from strangers."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kechuang.accounts import services as account_services
from kechuang.accounts.enums import OrganizationKind, Role
from kechuang.accounts.models import User
from kechuang.ledger.services import integrate_all
from kechuang.transfer.models import Achievement, Deal, DealStageChange
from tests.factories.accounts import MembershipFactory, OrganizationFactory
from tests.transfer import achievement_builders as build

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
BASE = "/api/v1/transfer"


TOKENS: dict[int, str] = {}


def bearer(user: User) -> dict[str, str]:
    """One token per user and test (a retried request must come from the same caller)."""
    if not user.access_tokens.filter(name="test").exists():
        TOKENS[user.pk] = account_services.create_access_token(actor=user, name="test")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKENS[user.pk]}"}


def call(client: Client, method: str, path: str, user: User, body: dict[str, Any] | None = None, **headers: str) -> Any:
    send = getattr(client, method)
    return send(path, body or {}, content_type="application/json", **bearer(user), **headers)


def achievement_body(people: build.Cast, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "owner": people.university.pk,
        "kind": "invention_patent",
        "title": {"zh-hans": "七自由度力控关节模组"},
        "summary": {"zh-hans": "串联弹性驱动的力控关节。"},
        "ip_status": "granted",
        "ip_number": build.patent("202210593271"),
        "trl": 6,
        "funding": [{"source": "国家自然科学基金", "number": "62171234"}],
        "sectors": ["sei-2"],
        "registered_on": str(timezone.localdate() - timedelta(days=10)),
        "completers": [
            {"username": people.lead.username, "contribution_bp": 7000, "is_lead": True},
            {"name": "王工", "contribution_bp": 3000},
        ],
    }
    body.update(overrides)
    return body


def deal_body(people: build.Cast, achievement_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "achievement": achievement_id,
        "seller": people.university.pk,
        "buyer": people.company.pk,
        "kind": "licence",
        "licence_scope": "exclusive",
        "pricing": "negotiated",
        "price_fen": 100_000_000,
    }
    body.update(overrides)
    return body


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


def test_the_whole_transfer_passes_through_the_api_alone(client: Client, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    people = build.cast()
    made = call(client, "post", f"{BASE}/achievements", people.tto, achievement_body(people))
    assert made.status_code == 201, made.content
    achievement = made.json()
    assert (achievement["ip_number"], achievement["private"]) == (build.patent("202210593271"), True)

    card = call(
        client,
        "post",
        f"{BASE}/opportunities",
        people.tto,
        {"achievement": achievement["id"], "problem": {"zh-hans": "依赖进口"}, "benefit": {"zh-hans": "精度更高"}},
    )
    assert card.status_code == 201, card.content
    answer = {"organization": people.company.pk, "kind": "interested", "comment": "希望独占许可"}
    url = f"{BASE}/opportunities/{card.json()['id']}/interest"
    first = call(client, "post", url, people.company_admin, answer, HTTP_IDEMPOTENCY_KEY="answer-1")
    again = call(client, "post", url, people.company_admin, answer, HTTP_IDEMPOTENCY_KEY="answer-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (200, 200, "true")
    feedback = call(client, "get", f"{url.rsplit('/', 1)[0]}/feedback", people.tto).json()
    assert (feedback["interested"], feedback["passed"], len(feedback["answers"])) == (1, 0, 1)

    body = deal_body(people, achievement["id"])
    opened = call(client, "post", f"{BASE}/deals", people.tto, body, HTTP_IDEMPOTENCY_KEY="deal-1")
    replay = call(client, "post", f"{BASE}/deals", people.tto, body, HTTP_IDEMPOTENCY_KEY="deal-1")
    assert (opened.status_code, replay.status_code, Deal.objects.count()) == (201, 201, 1)
    deal = opened.json()
    assert (deal["stage"], deal["path"], deal["allowed_next"]) == (
        "draft",
        ["draft", "publicity", "approval", "signed", "closed"],
        ["publicity", "abandoned"],
    )
    base = f"{BASE}/deals/{deal['id']}"
    diligence = dict.fromkeys(("technology", "buyer", "plan", "approvals"), "已核查")
    assert call(client, "put", f"{base}/diligence", people.tto, diligence).json()["diligence_missing"] == []
    moved = call(client, "post", f"{base}/transitions", people.tto, {"to": "publicity"}).json()
    assert moved["publicity_ends_on"] == str(timezone.localdate() + timedelta(days=14))
    assert "七自由度力控关节模组" in moved["publicity_text"]
    early = call(client, "post", f"{base}/transitions", people.tto, {"to": "approval"})
    assert list(problem_of(early, 409, "invalid_state")["errors"]) == ["publicity_ends_on"]
    build.end_publicity(Deal.objects.get(pk=deal["id"]))  # time passes: the notice is over
    assert call(client, "post", f"{base}/transitions", people.tto, {"to": "approval"}).json()["stage"] == "approval"

    upload = SimpleUploadedFile("contract.pdf", b"%PDF-1.7 contract", content_type="application/pdf")
    sent = client.post(f"{base}/documents", {"file": upload, "title": "许可合同"}, **bearer(people.tto))
    assert sent.status_code == 201, sent.content
    assert sent.json()["sha256"] == hashlib.sha256(b"%PDF-1.7 contract").hexdigest()

    sign = {"to": "signed", "contract_number": "JH-2026-009", "signed_on": str(timezone.localdate())}
    signed = call(client, "post", f"{base}/transitions", people.tto, sign, HTTP_IDEMPOTENCY_KEY="sign-1")
    assert signed.status_code == 200, signed.content
    assert signed.json()["stage"] == "signed"
    integrate_all()
    receipt = call(client, "get", base, people.company_admin).json()["receipt"]
    assert receipt["index"] is not None
    assert receipt["receipt_url"]
    public = client.get(f"{BASE}/achievements/{achievement['id']}").json()
    assert (public["status"], public["commercialised_on"]) == ("commercialised", str(timezone.localdate()))
    # The buyer sees the deal but not the seller's due-diligence record or notes.
    seen = call(client, "get", base, people.company_member).json()
    assert (seen["diligence"], seen["notes"]) == (None, None)


def test_contributions_not_adding_up_are_refused_with_their_own_code(client: Client) -> None:
    people = build.cast()
    body = achievement_body(people)
    body["completers"][1]["contribution_bp"] = 2999
    problem = problem_of(call(client, "post", f"{BASE}/achievements", people.tto, body), 422, "shares_not_100")
    assert list(problem["errors"]) == ["completers"]
    assert Achievement.objects.count() == 0


def test_an_invalid_patent_number_is_refused(client: Client) -> None:
    people = build.cast()
    body = achievement_body(people, ip_number="202210593271.1")
    assert list(
        problem_of(call(client, "post", f"{BASE}/achievements", people.tto, body), 422, "validation_error")["errors"]
    ) == ["ip_number"]
    assert Achievement.objects.count() == 0


def test_a_stranger_cannot_register_nor_see_private_facts(client: Client) -> None:
    people = build.cast()
    problem_of(
        call(client, "post", f"{BASE}/achievements", people.stranger, achievement_body(people)),
        403,
        "permission_denied",
    )
    achievement = build.register(people)
    seen = call(client, "get", f"{BASE}/achievements/{achievement.pk}", people.stranger).json()
    assert (seen["private"], seen["funding"]) == (False, None)
    assert call(client, "get", f"{BASE}/achievements", people.stranger).json()["count"] == 0


def test_a_deal_on_another_units_achievement_answers_not_owner(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    other = OrganizationFactory(kind=OrganizationKind.UNIVERSITY)
    other_tto = MembershipFactory(organization=other, role=Role.TTO_OFFICER).user
    body = deal_body(people, achievement.pk, seller=other.pk)
    problem = problem_of(call(client, "post", f"{BASE}/deals", other_tto, body), 403, "not_owner")
    assert problem["type"] == "urn:kechuang:problem:not_owner"
    assert Deal.objects.count() == 0


def test_a_negative_price_is_refused(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    body = deal_body(people, achievement.pk, price_fen=-100)
    problem_of(call(client, "post", f"{BASE}/deals", people.tto, body), 422, "validation_error")
    assert Deal.objects.count() == 0


def test_moves_out_of_order_answer_invalid_state_and_change_nothing(client: Client) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people), kind="assignment", licence_scope="")
    url = f"{BASE}/deals/{deal.pk}/transitions"
    for to in ("signed", "approval", "publicity"):
        problem_of(call(client, "post", url, people.tto, {"to": to}), 409, "invalid_state")
    deal.refresh_from_db()
    assert (deal.stage, DealStageChange.objects.count()) == ("draft", 0)


def test_deals_are_hidden_from_strangers(client: Client) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    problem_of(call(client, "get", f"{BASE}/deals/{deal.pk}", people.stranger), 404, "not_found")
    problem_of(
        call(client, "post", f"{BASE}/deals/{deal.pk}/transitions", people.stranger, {"to": "publicity"}),
        404,
        "not_found",
    )
    assert call(client, "get", f"{BASE}/deals", people.stranger).json()["count"] == 0
    assert call(client, "get", f"{BASE}/deals", people.lead).json()["count"] == 1  # a completer sees it
    assert call(client, "get", f"{BASE}/deals", people.company_member).json()["count"] == 1  # so does the buyer


def test_a_unit_sets_its_public_notice_period(client: Client) -> None:
    people = build.cast()
    url = f"{BASE}/deals/settings/{people.university.pk}"
    assert call(client, "get", url, people.tto).json() == {"organization": people.university.pk, "publicity_days": 15}
    assert call(client, "put", url, people.tto, {"publicity_days": 7}).json()["publicity_days"] == 7
    problem_of(call(client, "put", url, people.tto, {"publicity_days": 0}), 422, "validation_error")
    problem_of(call(client, "put", url, people.lead, {"publicity_days": 9}), 403, "permission_denied")
    assert build.open_deal(people, build.register(people)).publicity_days == 7
