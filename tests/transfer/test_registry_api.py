"""``/api/v1/transfer/registrations``: the journey through the API alone, refusals as problem+json, and
retries answered from the first request."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kechuang.accounts import services as account_services
from kechuang.accounts.models import User
from kechuang.transfer.models import Registration, RegistryTally
from tests.counting import queries
from tests.factories.accounts import UserFactory, make_uscc
from tests.transfer import registry_builders as b
from tests.transfer.registry_builders import YUAN

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
BASE = "/api/v1/transfer/registrations"


def bearer(user: User) -> dict[str, str]:
    _token, raw = account_services.create_access_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, path: str, user: User, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(path, body or {}, content_type="application/json", **bearer(user), **headers)


@pytest.fixture
def people() -> b.Cast:
    return b.cast()


def contract_body(people: b.Cast, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "contract_type": "licence",
        "title": "手术机器人力控专利普通许可",
        "contract_number": "XK-001",
        "seller": {"name": str(people.seller), "uscc": people.seller.uscc, "region": b.HAIDIAN},
        "buyer": {"name": "河北冀研制造有限公司", "uscc": people.buyer_uscc, "region": b.SHIJIAZHUANG_CHANGAN},
        "field": "sei-4",
        "contract_amount_fen": 1_000_000 * YUAN,
        "non_technical": [{"kind": "materials", "label": "样品", "amount_fen": 50_000 * YUAN}],
        "signed_on": "2026-10-09",
        "effective_on": "2026-10-12",
    }
    body.update(overrides)
    return body


def test_the_whole_journey_through_the_api(client: Client, people: b.Cast) -> None:
    made = post(client, BASE, people.seller_member, {"organization": people.seller.pk, **contract_body(people)})
    assert made.status_code == 201, made.content
    application = made.json()
    rid = application["id"]
    assert (application["status"], application["technology_amount_fen"], application["buyer"]["province"]) == (
        "submitted",
        950_000 * YUAN,
        "130000",
    )
    assert application["possible_duplicates"] is None  # only registrars see them

    mine = client.get(BASE, **bearer(people.seller_member)).json()
    assert [(r["id"], r["status"]) for r in mine["items"]] == [(rid, "submitted")]
    queue = client.get(f"{BASE}/queue", **bearer(people.registrar)).json()
    assert [r["id"] for r in queue["items"]] == [rid]
    assert client.get(f"{BASE}/{rid}", **bearer(people.registrar)).json()["possible_duplicates"] == []

    returned = post(client, f"{BASE}/{rid}/return", people.registrar, {"reasons": "请补充样品清单"})
    assert (returned.status_code, returned.json()["status"]) == (200, "returned")
    resubmitted = post(
        client, f"{BASE}/{rid}/resubmit", people.seller_member, {**contract_body(people), "note": "已补"}
    )
    assert resubmitted.json()["status"] == "submitted"
    registered = post(client, f"{BASE}/{rid}/register", people.registrar).json()
    assert (registered["status"], registered["number"], registered["year"]) == ("registered", "11010820260000001", 2026)
    assert [e["to_status"] for e in registered["history"]] == ["submitted", "returned", "submitted", "registered"]
    assert [r["kind"] for r in registered["records"]][-2:] == [
        "transfer.registration_contract",
        "transfer.registration",
    ]

    amended = post(
        client,
        f"{BASE}/{rid}/amend",
        people.seller_member,
        {
            "contract": contract_body(people, contract_amount_fen=1_100_000 * YUAN),
            "reason": "增加许可地域",
            "benefits_claimed": ["vat_exemption"],
        },
    )
    assert amended.status_code == 201, amended.content
    new_id = amended.json()["id"]
    assert amended.json()["amends"] == {"id": rid, "number": "11010820260000001", "status": "registered"}
    post(client, f"{BASE}/{new_id}/register", people.registrar)
    old = client.get(f"{BASE}/{rid}", **bearer(people.seller_member)).json()
    assert (old["status"], [b["code"] for b in old["benefits_to_report"]]) == ("superseded", ["vat_exemption"])

    ended = post(
        client,
        f"{BASE}/{new_id}/terminate",
        people.seller_member,
        {"reason": "买方破产", "ended_on": "2026-11-20", "benefits_claimed": ["vat_exemption", "income_tax_relief"]},
    )
    assert (ended.status_code, ended.json()["status"]) == (200, "terminated")
    assert RegistryTally.objects.get().contracts == 0


def test_bad_input_is_problem_json_with_stable_codes(client: Client, people: b.Cast) -> None:
    def submit(**overrides: Any) -> Any:
        return post(
            client, BASE, people.seller_member, {"organization": people.seller.pk, **contract_body(people, **overrides)}
        )

    bad_uscc = submit(seller={"name": "x", "uscc": "91110108MA0000000X", "region": b.HAIDIAN})
    assert (bad_uscc.status_code, bad_uscc["Content-Type"], bad_uscc.json()["code"]) == (
        422,
        PROBLEM,
        "validation_error",
    )
    assert list(bad_uscc.json()["errors"]) == ["seller_uscc"]
    negative = submit(contract_amount_fen=-5, non_technical=[])
    assert (negative.status_code, list(negative.json()["errors"])) == (422, ["contract_amount_fen"])
    too_much = submit(non_technical=[{"kind": "equipment", "label": "设备", "amount_fen": 2_000_000 * YUAN}])
    assert (too_much.status_code, list(too_much.json()["errors"])) == (422, ["non_technical"])
    assert list(submit(contract_type="brokerage").json()["errors"]) == ["contract_type"]
    assert Registration.objects.count() == 0

    first = submit()
    assert first.status_code == 201
    duplicate = submit(title="另一标题")
    assert (duplicate.status_code, duplicate.json()["code"], duplicate.json()["errors"]) == (
        409,
        "duplicate",
        {"duplicate_of": [str(first.json()["id"])]},
    )
    rid = first.json()["id"]
    resubmit = post(client, f"{BASE}/{rid}/resubmit", people.seller_member, contract_body(people))
    assert (resubmit.status_code, resubmit.json()["code"]) == (409, "invalid_state")


def test_who_may_do_what(client: Client, people: b.Cast) -> None:
    rid = post(client, BASE, people.seller_member, {"organization": people.seller.pk, **contract_body(people)}).json()[
        "id"
    ]
    stranger = UserFactory()
    hidden = client.get(f"{BASE}/{rid}", **bearer(stranger))
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")
    assert post(client, f"{BASE}/{rid}/register", stranger).json()["code"] == "not_found"
    own = post(client, f"{BASE}/{rid}/register", people.seller_member)
    assert (own.status_code, own.json()["code"]) == (403, "permission_denied")
    assert client.get(f"{BASE}/queue", **bearer(people.seller_member)).json()["code"] == "permission_denied"
    cannot_apply = post(client, BASE, stranger, {"organization": people.seller.pk, **contract_body(people)})
    assert (cannot_apply.status_code, cannot_apply.json()["code"]) == (403, "permission_denied")
    assert client.get(BASE).status_code == 401


def test_a_retried_post_is_answered_from_the_first(client: Client, people: b.Cast) -> None:
    seller, registrar = bearer(people.seller_member), bearer(people.registrar)

    def send(path: str, headers: dict[str, str], body: dict[str, Any], key: str) -> Any:
        return client.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers)

    body = {"organization": people.seller.pk, **contract_body(people)}
    first = send(BASE, seller, body, "apply-1")
    again = send(BASE, seller, body, "apply-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json()["id"] == first.json()["id"]
    assert Registration.objects.count() == 1
    rid = first.json()["id"]
    registered = send(f"{BASE}/{rid}/register", registrar, {}, "reg-1")
    replay = send(f"{BASE}/{rid}/register", registrar, {}, "reg-1")
    assert (replay.status_code, replay.json()["number"]) == (200, registered.json()["number"])
    assert RegistryTally.objects.get().contracts == 1


def test_list_endpoints_read_as_many_queries_for_three_rows_as_for_one(client: Client, people: b.Cast) -> None:
    headers = bearer(people.seller_member)
    registrar = bearer(people.registrar)
    post(client, BASE, people.seller_member, {"organization": people.seller.pk, **contract_body(people)})
    one, one_queue = queries(client, BASE, **headers), queries(client, f"{BASE}/queue", **registrar)
    for n in range(2):
        buyer = {"name": f"买方{n}", "uscc": make_uscc(800 + n), "region": b.BINHAI}
        post(
            client, BASE, people.seller_member, {"organization": people.seller.pk, **contract_body(people, buyer=buyer)}
        )
    assert (queries(client, BASE, **headers), queries(client, f"{BASE}/queue", **registrar)) == (one, one_queue)
