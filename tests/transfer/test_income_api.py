"""``/api/v1/transfer`` for income: policy → split → receipt → distribution → approval → statement through the
API alone; refusals as problem+json with stable codes; idempotent POSTs; the preview writes nothing; strangers
get 404; list endpoints read a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.accounts import services as account_services
from kechuang.accounts.models import User
from kechuang.ledger.models import Entry
from kechuang.ledger.selectors import published_size
from kechuang.transfer.models import Distribution, Policy, Receipt, TeamSplit
from tests.transfer import income_builders as build

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
BASE = "/api/v1/transfer"
TOKENS: dict[int, str] = {}


def bearer(user: User) -> dict[str, str]:
    if not user.access_tokens.filter(name="test").exists():
        TOKENS[user.pk] = account_services.create_access_token(actor=user, name="test")[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKENS[user.pk]}"}


def post(client: Client, path: str, user: User, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(BASE + path, body or {}, content_type="application/json", **bearer(user), **headers)


def get(client: Client, path: str, user: User) -> Any:
    return client.get(BASE + path, **bearer(user))


def _policy_body(setup: build.Income, **overrides: Any) -> dict[str, Any]:
    return {
        "institution": setup.people.university.pk,
        "name": "京华理工大学科技成果转化收益分配办法",
        "citation": "《京华理工大学促进科技成果转化管理办法》第二十条",
        "effective_from": "2024-01-01",
        "cash_bp": 9_700,
        "equity_bp": 9_000,
        "profit_bp": 500,
        "profit_years": 5,
        **overrides,
    }


def _shares(setup: build.Income, bps: tuple[int, int, int]) -> list[dict[str, int]]:
    completers = setup.achievement.completers.order_by("position", "id")
    return [{"completer": c.pk, "share_bp": bp} for c, bp in zip(completers, bps, strict=True)]


def test_from_policy_to_statement_through_the_api(client: Client) -> None:
    setup = build.setting()
    policy = post(client, "/policies", setup.tto, _policy_body(setup))
    assert (policy.status_code, policy.json()["version"], policy.json()["cash_bp"]) == (201, 1, 9_700)

    wrong = post(
        client,
        f"/achievements/{setup.achievement.pk}/splits",
        setup.lead,
        {"shares": _shares(setup, (5_000, 3_000, 1_000))},
    )
    assert (wrong.status_code, wrong["Content-Type"], wrong.json()["code"]) == (422, PROBLEM, "split_not_100")
    made = post(
        client,
        f"/achievements/{setup.achievement.pk}/splits",
        setup.lead,
        {"shares": _shares(setup, (5_000, 3_000, 2_000))},
    )
    assert (made.status_code, made.json()["status"], TeamSplit.objects.count()) == (201, "proposed", 1)
    signed = post(client, f"/splits/{made.json()['id']}/sign-off", setup.tto)
    assert (signed.status_code, signed.json()["status"]) == (200, "signed_off")

    today = timezone.localdate().isoformat()
    receipt = post(
        client,
        f"/deals/{setup.deal.pk}/receipts",
        setup.tto,
        {"kind": "upfront", "received_on": today, "gross_fen": 100_000_000, "deductions": [], "reference": "回单0001"},
    )
    assert (receipt.status_code, receipt.json()["net_fen"]) == (201, 100_000_000)
    proposed = post(client, f"/receipts/{receipt.json()['id']}/distribution", setup.tto)
    body = proposed.json()
    assert (proposed.status_code, body["status"], body["team"], [line["cash_fen"] for line in body["lines"]]) == (
        201,
        "proposed",
        97_000_000,
        [48_500_000, 29_100_000, 19_400_000],
    )
    assert body["lines"][0]["tax_tags"][0]["citation"] == "财税〔2018〕58号"

    mine = post(client, f"/distributions/{body['id']}/approval", setup.tto)
    assert (mine.status_code, mine["Content-Type"], mine.json()["code"]) == (403, PROBLEM, "permission_denied")
    approved = post(client, f"/distributions/{body['id']}/approval", setup.approver)
    assert (approved.status_code, approved.json()["status"], approved.json()["approved_by"]) == (
        200,
        "approved",
        setup.approver.display_name,
    )
    statement = get(client, "/statements/mine", setup.lead).json()
    row = statement["rows"][0]
    assert (
        statement["cash_fen"],
        row["cash_fen"],
        row["trace"]["contract_number"],
        row["trace"]["policy_version"],
    ) == (
        48_500_000,
        48_500_000,
        "JH-2026-001",
        1,
    )
    assert (row["trace"]["approved_by"], row["trace"]["receipt_id"]) == (
        setup.approver.display_name,
        receipt.json()["id"],
    )


def test_a_policy_below_the_floor_is_problem_json_citing_the_law_and_saves_nothing(client: Client) -> None:
    setup = build.setting()
    before = Policy.objects.count()
    response = post(client, "/policies", setup.tto, _policy_body(setup, cash_bp=4_000), HTTP_ACCEPT_LANGUAGE="zh-hans")
    problem = response.json()
    assert (response.status_code, response["Content-Type"], problem["code"], Policy.objects.count()) == (
        422,
        PROBLEM,
        "policy_below_floor",
        before,
    )
    assert "《促进科技成果转化法》第四十五条第一款第（一）项" in problem["detail"]
    assert list(problem["errors"]) == ["cash_bp"]


def test_bad_receipts_are_refused_and_nothing_is_saved(client: Client) -> None:
    setup = build.ready()
    today = timezone.localdate().isoformat()
    path = f"/deals/{setup.deal.pk}/receipts"
    negative = post(client, path, setup.tto, {"kind": "royalty", "received_on": today, "gross_fen": -100})
    too_much = post(
        client,
        path,
        setup.tto,
        {
            "kind": "royalty",
            "received_on": today,
            "gross_fen": 100,
            "deductions": [{"kind": "tax", "label": "税", "amount_fen": 101}],
        },
    )
    assert [(r.status_code, r.json()["code"]) for r in (negative, too_much)] == [
        (422, "validation_error"),
        (422, "validation_error"),
    ]
    assert Receipt.objects.count() == 0


def test_posts_are_idempotent(client: Client) -> None:
    setup = build.ready()
    body = {"kind": "milestone", "received_on": timezone.localdate().isoformat(), "gross_fen": 5_000_000}
    first = post(client, f"/deals/{setup.deal.pk}/receipts", setup.tto, body, HTTP_IDEMPOTENCY_KEY="r-1")
    again = post(client, f"/deals/{setup.deal.pk}/receipts", setup.tto, body, HTTP_IDEMPOTENCY_KEY="r-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"], Receipt.objects.count()) == (
        201,
        201,
        "true",
        1,
    )


def test_a_whole_reversal_through_the_api_mirrors_the_distribution(client: Client) -> None:
    setup = build.ready()
    receipt = build.cash(setup)
    build.distributed(setup, receipt)
    today = timezone.localdate().isoformat()
    back = post(
        client,
        f"/deals/{setup.deal.pk}/receipts",
        setup.tto,
        {"kind": "reversal", "received_on": today, "reverses": receipt.pk},
    )
    assert (back.status_code, back.json()["gross_fen"], back.json()["reverses"]) == (201, -100_000_000, receipt.pk)
    proposed = post(client, f"/receipts/{back.json()['id']}/distribution", setup.tto).json()
    assert [line["cash_fen"] for line in proposed["lines"]] == [-48_500_000, -29_100_000, -19_400_000]


# ---------------------------------------------------------------- preview


def _rows() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def _preview_body(setup: build.Income, **overrides: Any) -> dict[str, Any]:
    return {
        "institution": setup.people.university.pk,
        "terms": {"cash_bp": 9_700, "equity_bp": 9_000},
        "receipt": {"kind": "upfront", "received_on": "2026-06-01", "gross_fen": 100_000_000},
        "team": [
            {"key": "lead", "share_bp": 5_000},
            {"key": "postdoc", "share_bp": 3_000},
            {"key": "student", "share_bp": 2_000},
        ],
        **overrides,
    }


def test_the_preview_returns_the_lines_and_writes_nothing(client: Client) -> None:
    setup = build.setting()
    headers = bearer(setup.tto)
    rows, size = _rows(), published_size()
    response = client.post(
        f"{BASE}/distributions/preview", _preview_body(setup), content_type="application/json", **headers
    )
    body = response.json()
    assert (response.status_code, body["team"], body["unit"], [line["amount"] for line in body["lines"]]) == (
        200,
        97_000_000,
        3_000_000,
        [48_500_000, 29_100_000, 19_400_000],
    )
    assert (_rows(), published_size(), Entry.objects.count()) == (rows, size, rows["ledger.Entry"])


def test_the_preview_uses_a_stored_policy_or_the_one_that_applies_and_splits_shares_whole(client: Client) -> None:
    setup = build.setting()
    policy = build.policy(setup)
    equity = {"kind": "equity_grant", "received_on": "2026-06-01", "shares": 12_500_000}
    by_id = post(
        client, "/distributions/preview", setup.tto, _preview_body(setup, terms=None, policy=policy.pk, receipt=equity)
    )
    applies = post(client, "/distributions/preview", setup.tto, _preview_body(setup, terms=None, receipt=equity))
    assert [
        (r.status_code, r.json()["measure"], r.json()["team"], r.json()["policy"]["id"]) for r in (by_id, applies)
    ] == [
        (200, "share", 11_250_000, policy.pk),
        (200, "share", 11_250_000, policy.pk),
    ]
    assert [line["amount"] for line in by_id.json()["lines"]] == [5_625_000, 3_375_000, 2_250_000]


def test_a_preview_below_the_floor_or_not_adding_up_is_refused(client: Client) -> None:
    setup = build.setting()
    low = post(
        client, "/distributions/preview", setup.tto, _preview_body(setup, terms={"cash_bp": 4_000, "equity_bp": 9_000})
    )
    uneven = _preview_body(setup, team=[{"key": "a", "share_bp": 5_000}, {"key": "b", "share_bp": 4_000}])
    split = post(client, "/distributions/preview", setup.tto, uneven)
    assert [(r.status_code, r.json()["code"]) for r in (low, split)] == [
        (422, "policy_below_floor"),
        (422, "split_not_100"),
    ]
    assert "第四十五条" in low.json()["detail"]


# ---------------------------------------------------------------- who sees what


def test_strangers_get_404_for_a_deals_income_a_distribution_and_a_payout(client: Client) -> None:
    setup = build.ready()
    distribution = build.distributed(setup, build.cash(setup))
    payout = distribution.payouts.order_by("id").first()
    assert payout is not None
    stranger = setup.people.stranger
    answers = [
        get(client, f"/deals/{setup.deal.pk}/receipts", stranger).status_code,
        get(client, f"/distributions/{distribution.pk}", stranger).status_code,
        get(client, f"/payouts/{payout.pk}/disclosure", stranger).status_code,
        get(client, f"/payouts/{payout.pk}/disclosure", setup.people.member).status_code,
        get(client, f"/payouts/{payout.pk}/disclosure", setup.lead).status_code,
        get(client, f"/distributions/{distribution.pk}", setup.people.member).status_code,
    ]
    assert answers == [404, 404, 404, 404, 200, 200]
    assert get(client, "/statements/mine", stranger).json()["rows"] == []


def _distribute_times(setup: build.Income, n: int) -> None:
    for _ in range(n):
        build.distributed(setup, build.cash(setup, amount_yuan=1_000))


@pytest.mark.usefixtures("settled_lexicon")
def test_the_statement_and_the_receipts_list_read_a_fixed_number_of_queries(client: Client) -> None:
    counts = []
    for n in (1, 3):
        setup = build.ready()
        _distribute_times(setup, n)
        headers = bearer(setup.lead)
        officer = bearer(setup.tto)
        client.get(f"{BASE}/statements/mine", **headers)
        with CaptureQueriesContext(connection) as statement:
            rows = client.get(f"{BASE}/statements/mine", **headers).json()["rows"]
        with CaptureQueriesContext(connection) as receipts:
            listed = client.get(f"{BASE}/deals/{setup.deal.pk}/receipts", **officer).json()
        assert (len(rows), len(listed)) == (n, n)
        counts.append((len(statement), len(receipts)))
    assert counts[0] == counts[1]


def test_a_distribution_is_seen_by_the_completers_and_the_unit_only(client: Client) -> None:
    setup = build.ready()
    distribution = build.distributed(setup, build.cash(setup))
    assert (
        get(client, f"/distributions/{distribution.pk}", setup.people.company_member).status_code,
        get(client, f"/distributions/{distribution.pk}", setup.lead).json()["status"],
        Distribution.objects.count(),
    ) == (404, "approved", 1)
