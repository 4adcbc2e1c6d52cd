"""Recording entries and sequencing them: tiles, leaves, checkpoints, receipts, on both databases."""

from __future__ import annotations

import pytest
from django.db import transaction

from kechuang.ledger import selectors, services
from kechuang.ledger.canonical import parse_body
from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Checkpoint, Entry, Leaf, Pending, Tile
from kechuang.ledger.tlog.checkpoint import open_checkpoint
from kechuang.ledger.tlog.merkle import MemoryTree, leaf_hash
from kechuang.ledger.tlog.note import parse_vkey
from kechuang.ledger.tlog.proof import verify_receipt

pytestmark = pytest.mark.django_db


def _record(number: int) -> Entry:
    return services.record(kind="evidence", payload={"title": f"doc {number}", "sha256": f"{number:064x}"}, actor=None)


def test_the_empty_log_gets_a_signed_checkpoint() -> None:
    batch = services.integrate_pending()
    assert (batch.old_size, batch.new_size) == (0, 0)
    checkpoint = Checkpoint.objects.get()
    parsed, _opened = open_checkpoint(
        checkpoint.note, [parse_vkey(log_signer().vkey)], origin="test.kechuang.example/ledger"
    )
    assert (parsed.size, parsed.root) == (
        0,
        bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    )


def test_batches_grow_one_tree_and_every_receipt_verifies() -> None:
    entries = [_record(number) for number in range(600)]
    assert Pending.objects.count() == 600
    first = services.integrate_pending(batch_size=257)
    second = services.integrate_pending(batch_size=257)
    third = services.integrate_pending(batch_size=257)
    assert [(b.old_size, b.new_size) for b in (first, second, third)] == [(0, 257), (257, 514), (514, 600)]
    assert not Pending.objects.exists()
    assert list(Leaf.objects.order_by("index").values_list("entry_id", flat=True)) == [e.pk for e in entries]

    plain = MemoryTree([leaf_hash(bytes(e.body)) for e in entries])
    for batch in (first, second, third):
        assert batch.checkpoint is not None
        assert bytes(batch.checkpoint.root) == plain.root(batch.new_size)
    assert sorted(Tile.objects.values_list("level", "index")) == [(0, 0), (0, 1), (0, 2), (1, 0)]

    log = parse_vkey(log_signer().vkey)
    for entry in (entries[0], entries[299], entries[599]):
        entry.refresh_from_db()
        check = verify_receipt(selectors.receipt_text(Entry.objects.select_related("leaf").get(pk=entry.pk)), log)
        assert check.index == entry.leaf.index
        assert check.checkpoint.size == 600
        assert parse_body(check.entry)["record"]["title"] == f"doc {entry.leaf.index}"


def test_a_rolled_back_business_transaction_logs_nothing() -> None:
    class AbortError(Exception):
        pass

    def business() -> None:
        with transaction.atomic():
            _record(1)
            raise AbortError

    with pytest.raises(AbortError):
        business()
    assert not Entry.objects.exists()
    assert services.integrate_pending().new_size == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_thread_integrates_what_is_recorded_and_the_caller_can_wait() -> None:
    from kechuang.cli import start_sequencer

    sequencer = start_sequencer()
    try:
        entries = [_record(number) for number in range(3)]
        indices = [services.wait_for_index(entry, timeout=10) for entry in entries]
    finally:
        sequencer.stop()
        sequencer.join(timeout=10)
    assert sorted(indices) == [0, 1, 2]
    assert not sequencer.is_alive()
    assert Checkpoint.objects.order_by("-size").first().size == 3  # type: ignore[union-attr]


def test_waiting_inside_the_recording_transaction_fails_at_once() -> None:
    entry = _record(1)
    with pytest.raises(services.NotIntegratedError, match="has not committed"):
        services.wait_for_index(entry, timeout=5)


@pytest.mark.django_db(transaction=True)
def test_batches_after_a_busy_one_wait_for_the_checkpoint_period() -> None:
    sequencer = services.Sequencer(interval=0.01, period=1.5)
    sequencer.start()
    try:
        first = _record(1)
        services.wait_for_index(first, timeout=10)
        second = _record(2)
        # Slowness can only delay the second batch, so "not yet" holds on any machine.
        with pytest.raises(services.NotIntegratedError):
            services.wait_for_index(second, timeout=0.5)
        assert services.wait_for_index(second, timeout=10) == 1
    finally:
        sequencer.stop()
        sequencer.join(timeout=10)
    # (size 0 too when the thread signed the empty log before the first entry committed)
    assert list(Checkpoint.objects.filter(size__gt=0).order_by("size").values_list("size", flat=True)) == [1, 2]


def test_receipts_reuse_a_fresh_checkpoint_that_covers_them_and_reread_one_that_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = parse_vkey(log_signer().vkey)
    first = _record(1)
    services.integrate_pending()
    first = Entry.objects.select_related("leaf").get(pk=first.pk)
    assert verify_receipt(selectors.receipt_text(first), log).checkpoint.size == 1

    second = _record(2)
    services.integrate_pending()
    second = Entry.objects.select_related("leaf").get(pk=second.pk)
    # The cached size-1 checkpoint still proves entry 0; entry 1 needs the newer one, read afresh.
    assert verify_receipt(selectors.receipt_text(first), log).checkpoint.size == 1
    assert verify_receipt(selectors.receipt_text(second), log).checkpoint.size == 2
    monkeypatch.setattr(selectors, "SIGNED_TREE_SECONDS", 0.0)
    assert verify_receipt(selectors.receipt_text(first), log).checkpoint.size == 2
