"""``/api/v1/ledger``: info, entries, proofs, receipts and notarising evidence."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kechuang.accounts import services as account_services
from kechuang.accounts.models import User
from kechuang.core.models import AuditEvent
from kechuang.ledger import kinds, services
from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Entry
from kechuang.ledger.tlog.merkle import verify_consistency, verify_inclusion
from kechuang.ledger.tlog.note import parse_vkey
from kechuang.ledger.tlog.proof import verify_receipt
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory, make_operator

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
PRIVATE = kinds.register(kinds.Kind(name="test.private_api", version=1, label="private", public=False))


def bearer(user: User) -> dict[str, str]:
    _token, raw = account_services.create_access_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


@pytest.fixture
def member() -> User:
    return MembershipFactory().user


def _notarise(client: Client, user: User, **body: Any) -> Any:
    document = {"title": "合作协议 v3", "sha256": hashlib.sha256(b"contract").hexdigest(), **body}
    return client.post("/api/v1/ledger/evidence", document, content_type="application/json", **bearer(user))


def test_a_member_notarises_and_gets_the_index_once_integrated(client: Client, member: User) -> None:
    response = _notarise(client, member)
    assert response.status_code == 202  # inside the test's transaction no sequencer can see it yet
    body = response.json()
    assert (body["status"], body["index"], body["receipt_url"]) == ("pending", None, None)
    services.integrate_pending()
    status = client.get(body["status_url"], **bearer(member)).json()
    assert (status["status"], status["index"]) == ("integrated", 0)
    assert status["receipt_url"] == "/api/v1/ledger/entries/0/receipt"

    entry = client.get("/api/v1/ledger/entries/0").json()
    assert entry["record"]["title"] == "合作协议 v3"
    assert entry["record"]["sha256"] == hashlib.sha256(b"contract").hexdigest()
    assert entry["commitment"] is None
    assert hashlib.sha256(b"\x00" + _b64(entry["body"])).digest() == _b64(entry["leaf_hash"])
    assert AuditEvent.objects.filter(verb="ledger:entry:notarise").count() == 1

    receipt = client.get("/api/v1/ledger/entries/0/receipt")
    assert receipt["Content-Type"] == "text/plain; charset=utf-8"
    check = verify_receipt(receipt.content.decode(), parse_vkey(log_signer().vkey))
    assert (check.index, check.checkpoint.size) == (0, 1)

    found = client.get("/api/v1/ledger/evidence", {"sha256": hashlib.sha256(b"contract").hexdigest().upper()}).json()
    assert [(item["index"], item["title"]) for item in found] == [(0, "合作协议 v3")]


def test_bad_digests_are_named_and_nothing_is_logged(client: Client, member: User) -> None:
    response = _notarise(client, member, sha256="abc", sm3="zz" * 32)
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert set(response.json()["errors"]) == {"sha256", "sm3"}
    assert not Entry.objects.exists()


def test_only_members_notarise(client: Client) -> None:
    outsider = UserFactory()
    response = _notarise(client, outsider)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    other = OrganizationFactory()
    member = MembershipFactory().user
    response = _notarise(client, member, organization=other.pk)
    assert response.status_code == 403
    assert client.post("/api/v1/ledger/evidence", {}, content_type="application/json").status_code == 401
    assert not Entry.objects.exists()


def test_several_organizations_must_be_named(client: Client) -> None:
    member = MembershipFactory().user
    second = MembershipFactory(user=member).organization
    response = _notarise(client, member)
    assert (response.status_code, list(response.json()["errors"])) == (422, ["organization"])
    assert _notarise(client, member, organization=second.pk).status_code == 202


def test_idempotent_notarising(client: Client, member: User) -> None:
    headers = {**bearer(member), "HTTP_IDEMPOTENCY_KEY": "evidence-1"}
    document = {"title": "t", "sha256": "ab" * 32}
    first = client.post("/api/v1/ledger/evidence", document, content_type="application/json", **headers)
    again = client.post("/api/v1/ledger/evidence", document, content_type="application/json", **headers)
    assert first.json() == again.json()
    assert Entry.objects.count() == 1


def test_info_and_proofs(client: Client, member: User) -> None:
    for number in range(5):
        _notarise(client, member, title=f"doc {number}")
    services.integrate_pending()
    first_root = _b64(client.get("/api/v1/ledger/info").json()["root_hash"])
    for number in range(5, 12):
        _notarise(client, member, title=f"doc {number}")
    services.integrate_pending()

    info = client.get("/api/v1/ledger/info").json()
    assert (info["origin"], info["tree_size"]) == ("test.kechuang.example/ledger", 12)
    assert info["vkey"] == log_signer().vkey
    assert info["checkpoint"].startswith("test.kechuang.example/ledger\n12\n")
    assert info["tiles_prefix"] == "http://testserver/ledger/"

    root = _b64(info["root_hash"])
    proof = client.get("/api/v1/ledger/proofs/inclusion", {"index": 7, "tree_size": 12}).json()
    verify_inclusion(7, 12, _b64(proof["leaf_hash"]), [_b64(h) for h in proof["hashes"]], root)
    consistency = client.get("/api/v1/ledger/proofs/consistency", {"first": 5, "second": 12}).json()
    verify_consistency(5, 12, first_root, root, [_b64(h) for h in consistency["hashes"]])

    too_big = client.get("/api/v1/ledger/proofs/inclusion", {"index": 1, "tree_size": 13})
    assert (too_big.status_code, too_big.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/ledger/proofs/consistency", {"first": 0, "second": 3}).status_code == 404
    assert client.get("/api/v1/ledger/entries/99").status_code == 404


def test_private_kinds_are_commitments_visible_only_to_their_own(client: Client) -> None:
    membership = MembershipFactory()
    entry = services.record(
        kind=PRIVATE.name,
        payload={"amount_fen": 1_250_000_000},
        actor=membership.user,
        organization=membership.organization,
    )
    services.integrate_pending()
    assert client.get("/api/v1/ledger/entries/0").status_code == 404
    assert client.get("/api/v1/ledger/entries/0/receipt").status_code == 404
    assert client.get("/api/v1/ledger/entries/0", **bearer(UserFactory())).status_code == 404
    seen = client.get("/api/v1/ledger/entries/0", **bearer(membership.user)).json()
    assert seen["record"] is None
    assert set(seen["commitment"]) == {"sha256", "sm3"}
    assert b"1250000000" not in bytes(Entry.objects.get(pk=entry.pk).body)
    assert client.get("/api/v1/ledger/entries/0", **bearer(make_operator())).status_code == 200


def test_entry_reads_take_a_fixed_number_of_queries(client: Client, member: User) -> None:
    _notarise(client, member)
    services.integrate_pending()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/ledger/entries/0").status_code == 200
    assert len(queries) <= 3
