"""record_many: the bulk form of record, for imports and the benchmark; same entries, two INSERTs, on both databases."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kechuang.ledger import kinds, selectors
from kechuang.ledger.canonical import RecordError, parse_body, sm3
from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Entry, Leaf, Pending
from kechuang.ledger.services.records import record, record_many
from kechuang.ledger.services.sequencer import integrate_pending
from kechuang.ledger.tlog.merkle import leaf_hash
from kechuang.ledger.tlog.note import parse_vkey
from kechuang.ledger.tlog.proof import verify_receipt

pytestmark = pytest.mark.django_db

PRIVATE = kinds.register(kinds.Kind(name="test.private_bulk", version=3, label="private", public=False))


def _payloads(count: int) -> list[dict[str, object]]:
    return [{"title": f"doc {number}", "sha256": f"{number:064x}"} for number in range(count)]


def test_entries_are_stored_in_order_with_the_envelope_record_writes() -> None:
    entries = record_many(kind="evidence", payloads=_payloads(3), actor=None)
    stored = list(Entry.objects.order_by("pk"))
    assert [entry.pk for entry in stored] == [entry.pk for entry in entries]
    assert sorted(Pending.objects.values_list("entry_id", flat=True)) == [entry.pk for entry in entries]
    assert [parse_body(bytes(entry.body))["record"] for entry in stored] == _payloads(3)
    assert {(entry.kind, entry.version, entry.salt) for entry in stored} == {("evidence", 1, None)}
    assert [bytes(entry.leaf_hash) for entry in stored] == [leaf_hash(bytes(entry.body)) for entry in stored]
    assert [bytes(entry.sm3) for entry in stored] == [sm3(bytes(entry.body)) for entry in stored]
    assert len({entry.recorded_at for entry in stored}) == 1

    single = record(kind="evidence", payload=_payloads(1)[0], actor=None)
    single_envelope = parse_body(bytes(single.body))
    bulk_envelope = parse_body(bytes(stored[0].body))
    assert (sorted(single_envelope), single_envelope["record"]) == (sorted(bulk_envelope), bulk_envelope["record"])


def test_a_private_kind_is_logged_as_commitments() -> None:
    entries = record_many(kind=PRIVATE.name, payloads=_payloads(2))
    for entry in Entry.objects.filter(pk__in=[e.pk for e in entries]):
        envelope = parse_body(bytes(entry.body))
        assert ("record" in envelope, sorted(envelope["commitment"]), len(bytes(entry.salt))) == (
            False,
            ["sha256", "sm3"],
            32,
        )


def test_bulk_entries_integrate_and_their_receipts_verify() -> None:
    entries = record_many(kind="evidence", payloads=_payloads(300))
    assert integrate_pending(batch_size=1000).new_size == 300
    assert list(Leaf.objects.order_by("index").values_list("entry_id", flat=True)) == [e.pk for e in entries]
    log = parse_vkey(log_signer().vkey)
    for position in (0, 255, 299):
        entry = Entry.objects.select_related("leaf").get(pk=entries[position].pk)
        check = verify_receipt(selectors.receipt_text(entry), log)
        assert (check.index, parse_body(check.entry)["record"]["title"]) == (position, f"doc {position}")


def test_two_inserts_whatever_the_count() -> None:
    with CaptureQueriesContext(connection) as captured:
        record_many(kind="evidence", payloads=_payloads(50))
    inserts = [query["sql"] for query in captured.captured_queries if query["sql"].startswith("INSERT")]
    assert [sql.split()[2] for sql in inserts] == ['"ledger_entry"', '"ledger_pending"']


def test_it_joins_the_callers_transaction() -> None:
    class AbortError(Exception):
        pass

    def business() -> None:
        with transaction.atomic():
            record_many(kind="evidence", payloads=_payloads(5))
            raise AbortError

    with pytest.raises(AbortError):
        business()
    assert (Entry.objects.count(), Pending.objects.count()) == (0, 0)


def test_one_bad_payload_writes_nothing() -> None:
    payloads = [*_payloads(2), {"title": "a float", "amount": 1.5}]
    with pytest.raises(RecordError, match="floating-point"):
        record_many(kind="evidence", payloads=payloads)
    with pytest.raises(kinds.UnknownKindError):
        record_many(kind="no.such_kind", payloads=_payloads(1))
    assert Entry.objects.count() == 0


def test_nothing_to_record_records_nothing() -> None:
    assert record_many(kind="evidence", payloads=[]) == []
    assert Entry.objects.count() == 0
