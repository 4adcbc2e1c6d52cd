"""The ledger audit: a clean log audits clean, and each kind of tampering is reported where it happened.

Tampering is done with raw ``QuerySet.update``/``delete`` calls, which the application itself never makes.
The log has 700 entries under checkpoints of sizes 0, 1, 256, 512, 513 and 700, so it has full tiles
0/0 and 0/1, a partial tile 0/2 of 188 hashes and a partial tile 1/0 of 2 hashes.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kechuang.ledger import selectors, services
from kechuang.ledger.canonical import sm3
from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Checkpoint, Entry, Leaf, LogState, Pending, Tile
from kechuang.ledger.services.audit import AuditReport, Problem, audit_log
from kechuang.ledger.tlog.merkle import MemoryTree, leaf_hash
from kechuang.ledger.tlog.note import generate_key, parse_skey, parse_vkey, sign_note
from kechuang.ledger.tlog.proof import ReceiptError, verify_receipt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Problems are compared as English text, whatever the catalogue says."""
    with translation.override("en"):
        yield


SIZES = [0, 1, 256, 512, 513, 700]
ZERO = "A" * 43 + "="  # base64 of 32 zero bytes


def _record(number: int) -> Entry:
    return services.record(kind="evidence", payload={"title": f"doc {number}", "sha256": f"{number:064x}"}, actor=None)


@pytest.fixture
def bodies() -> list[bytes]:
    """The log described in the module docstring; returns the entries' bytes in leaf order."""
    services.integrate_pending()  # the signed empty tree
    entries = [_record(number) for number in range(700)]
    for batch in (1, 255, 256, 1, 187):
        services.integrate_pending(batch_size=batch)
    return [bytes(entry.body) for entry in entries]


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def flip(data: bytes, position: int) -> bytes:
    """``data`` with the byte at ``position`` changed."""
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def audit(*, chunk_size: int = 10_000, limit: int = 1_000) -> AuditReport:
    """The audit with every message in English."""
    with translation.override("en"):
        return audit_log(chunk_size=chunk_size, limit=limit)


def places(report: AuditReport) -> list[tuple[str, tuple[int, ...]]]:
    return [(problem.kind, problem.where) for problem in report.problems]


def tamper_tile(level: int, index: int, position: int) -> None:
    hashes = bytes(Tile.objects.get(level=level, index=index).hashes)
    Tile.objects.filter(level=level, index=index).update(hashes=flip(hashes, position))


def tamper_body(index: int) -> bytes:
    """Change one byte of the entry at ``index``; returns the new bytes."""
    entry = Entry.objects.get(leaf__index=index)
    body = flip(bytes(entry.body), 12)
    Entry.objects.filter(pk=entry.pk).update(body=body)
    return body


def run_command(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("ledger_audit", *args, stdout=out)
    return out.getvalue()


# ---------------------------------------------------------------- a clean log


@pytest.mark.parametrize("chunk_size", [10_000, 256, 97, 1])
def test_a_clean_log_audits_clean_whatever_the_chunk_size(bodies: list[bytes], chunk_size: int) -> None:
    seen: list[tuple[int, int]] = []
    report = audit_log(chunk_size=chunk_size, progress=lambda done, total: seen.append((done, total)))
    assert (report.ok, report.problems, report.problem_count) == (True, [], 0)
    assert (report.size, report.entries, report.tiles, report.checkpoints) == (700, 700, 4, 6)
    assert seen[-1] == (700, 700)
    assert len(seen) == -(-700 // chunk_size)


def test_the_empty_log_and_the_unsequenced_log_audit_clean() -> None:
    assert audit().problems == []
    services.integrate_pending()
    report = audit()
    assert (report.ok, report.size, report.entries, report.tiles, report.checkpoints) == (True, 0, 0, 0, 1)


def test_entries_integrated_while_the_audit_runs_are_not_problems(bodies: list[bytes]) -> None:
    for number in range(700, 750):
        _record(number)

    def sequence_meanwhile(done: int, total: int) -> None:
        if done == 256:  # the sequencer commits a batch while the audit is on its second range
            services.integrate_pending()

    report = audit_log(chunk_size=256, progress=sequence_meanwhile)
    assert (report.ok, report.size, report.entries) == (True, 700, 700)
    assert LogState.objects.get().size == 750


# ---------------------------------------------------------------- tampered entries


def test_a_changed_entry_byte_is_reported_at_its_index_its_tiles_and_later_roots(bodies: list[bytes]) -> None:
    tampered = tamper_body(300)
    report = audit()
    assert places(report) == [
        ("entry", (300,)),
        ("entry", (300,)),
        ("tile", (0, 1)),
        ("checkpoint", (512,)),
        ("checkpoint", (512,)),
        ("checkpoint", (513,)),
        ("checkpoint", (513,)),
        ("checkpoint", (700,)),
        ("checkpoint", (700,)),
        ("tile", (1, 0)),
    ]
    honest = MemoryTree([leaf_hash(body) for body in bodies])
    rebuilt = MemoryTree([leaf_hash(tampered if index == 300 else body) for index, body in enumerate(bodies)])
    assert [problem.what for problem in report.problems[:5]] == [
        f"its bytes hash to leaf {b64(leaf_hash(tampered))} but the stored leaf hash is {b64(leaf_hash(bodies[300]))}",
        f"its bytes have SM3 digest {sm3(tampered).hex()} but the stored digest is {sm3(bodies[300]).hex()}",
        "1 hash differs from the tile rebuilt from the entries, at position 44",
        f"its signed root {b64(honest.root(512))} is not the root {b64(rebuilt.root(512))} the entries give",
        f"the stored tiles give root {b64(honest.root(512))}, not the root {b64(rebuilt.root(512))} the entries give",
    ]
    assert report.problems[-1].what == "1 hash differs from the tile rebuilt from the entries, at position 1"
    assert (report.ok, report.problem_count, report.entries) == (False, 10, 700)


def test_a_changed_stored_leaf_hash_or_digest_is_an_entry_problem_only(bodies: list[bytes]) -> None:
    entry = Entry.objects.get(leaf__index=7)
    Entry.objects.filter(pk=entry.pk).update(leaf_hash=bytes(32), sm3=bytes(32))
    report = audit()
    assert [str(problem) for problem in report.problems] == [
        f"entry at index 7: its bytes hash to leaf {b64(leaf_hash(bodies[7]))} but the stored leaf hash is {ZERO}",
        f"entry at index 7: its bytes have SM3 digest {sm3(bodies[7]).hex()} but the stored digest is {'0' * 64}",
    ]


def test_deleted_leaves_are_reported_once_as_a_range(bodies: list[bytes]) -> None:
    Leaf.objects.filter(index__gte=5, index__lte=9).delete()
    Leaf.objects.filter(index=699).delete()
    report = audit(chunk_size=7)  # the gap spans two ranges; it is still one problem
    assert [str(problem) for problem in report.problems] == [
        "entry at index 5: no entries have indices 5 to 9",
        "entry at index 699: no entry has this index",
    ]
    assert report.entries == 694


def test_a_leaf_moved_past_the_end_is_a_gap_and_a_stray(bodies: list[bytes]) -> None:
    Leaf.objects.filter(index=5).update(index=10_000)
    Leaf.objects.filter(index=6).update(index=-1)
    assert [str(problem) for problem in audit().problems] == [
        "entry at index 5: no entries have indices 5 to 6",
        "entry at index -1: its leaf lies outside the tree of size 700",
        "entry at index 10000: its leaf lies outside the tree of size 700",
    ]


# ---------------------------------------------------------------- tampered tiles


def test_a_changed_partial_tile_is_reported_with_the_roots_it_gives(bodies: list[bytes]) -> None:
    tamper_tile(0, 2, 3)
    tree = MemoryTree([leaf_hash(body) for body in bodies])
    report = audit()
    assert places(report) == [("checkpoint", (513,)), ("checkpoint", (700,)), ("tile", (0, 2))]
    assert report.problems[0].what.startswith("the stored tiles give root ")
    assert report.problems[0].what.endswith(f", not the root {b64(tree.root(513))} the entries give")
    assert report.problems[2].what == "1 hash differs from the tile rebuilt from the entries, at position 0"


def test_a_changed_full_tile_no_root_reads_any_more_is_still_caught(bodies: list[bytes]) -> None:
    tamper_tile(0, 0, 100 * 32)
    tamper_tile(0, 0, 101 * 32)
    assert [str(problem) for problem in audit().problems] == [
        "tile 0/0: 2 hashes differ from the tile rebuilt from the entries, the first at position 100"
    ]


def test_missing_short_and_stray_tiles(bodies: list[bytes]) -> None:
    Tile.objects.filter(level=0, index=1).delete()
    Tile.objects.filter(level=0, index=2).update(hashes=bytes(32 * 100))
    Tile.objects.create(level=0, index=9, hashes=bytes(32))
    Tile.objects.create(level=3, index=0, hashes=bytes(32))
    assert [str(problem) for problem in audit().problems] == [
        "tile 0/1: it is missing from storage",
        "checkpoint 513: the stored tiles give root "
        + b64(MemoryTree([*map(leaf_hash, bodies[:512]), bytes(32)]).root())
        + f", not the root {b64(MemoryTree([*map(leaf_hash, bodies[:513])]).root())} the entries give",
        "checkpoint 700: the stored tiles lack hashes that the root at this size needs",
        "tile 0/2: it holds 3200 bytes; the tree of size 700 needs at least 6016",
        "tile 0/9: it lies outside the tree of size 700 and should not exist",
        "tile 3/0: it lies outside the tree of size 700 and should not exist",
    ]


# ---------------------------------------------------------------- tampered checkpoints and state


def test_a_changed_checkpoint_root_is_reported(bodies: list[bytes]) -> None:
    Checkpoint.objects.filter(size=256).update(root=bytes(32))
    tree = MemoryTree([leaf_hash(body) for body in bodies])
    assert [str(problem) for problem in audit().problems] == [
        f"checkpoint 256: the checkpoint row holds root {ZERO}, not the root {b64(tree.root(256))} the entries give"
    ]


def test_a_changed_or_foreign_note_is_reported(bodies: list[bytes]) -> None:
    tree = MemoryTree([leaf_hash(body) for body in bodies])
    note = Checkpoint.objects.get(size=512).note
    Checkpoint.objects.filter(size=512).update(note=note.replace(b64(tree.root(512)), b64(tree.root(513))))
    stranger = generate_key("test.kechuang.example/ledger")[0]
    text = f"test.kechuang.example/ledger\n1\n{b64(tree.root(1))}\n"
    Checkpoint.objects.filter(size=1).update(note=sign_note(text, parse_skey(stranger)))
    Checkpoint.objects.filter(size=256).update(note="not a note")
    Checkpoint.objects.filter(size=513).update(
        note=sign_note(f"another.example/log\n512\n{b64(tree.root(513))}\n", log_signer())
    )
    problems = [str(problem) for problem in audit().problems]
    assert problems[0] == "checkpoint 1: its note carries no signature by the log key test.kechuang.example/ledger"
    assert problems[1].startswith("checkpoint 256: its signed note cannot be read as a checkpoint: ")
    assert problems[2:] == [
        "checkpoint 512: the log key's signature on its note is invalid",
        f"checkpoint 512: its signed note holds root {b64(tree.root(513))}, "
        f"not the root {b64(tree.root(512))} the entries give",
        "checkpoint 513: its signed note names the log another.example/log, not test.kechuang.example/ledger",
        "checkpoint 513: its signed note is for tree size 512, not 513",
    ]


def test_a_rolled_back_log_state_is_reported(bodies: list[bytes]) -> None:
    tree = MemoryTree([leaf_hash(body) for body in bodies])
    LogState.objects.filter(pk=1).update(size=513, root=tree.root(513))
    assert [str(problem) for problem in audit().problems] == [
        f"log state: the log state (size 513, root {b64(tree.root(513))}) is not the latest checkpoint "
        f"(size 700, root {b64(tree.root(700))})",
        "checkpoint 700: it lies beyond the log state's size 513",
        "entry at index 513: leaves with indices 513 to 699 lie outside the tree of size 513",
    ]


def test_a_log_state_without_checkpoints_is_reported(bodies: list[bytes]) -> None:
    Checkpoint.objects.all().delete()
    report = audit()
    assert [str(problem) for problem in report.problems] == [
        "log state: the log state has size 700 but there is no signed checkpoint"
    ]
    assert (report.entries, report.tiles, report.checkpoints) == (700, 4, 0)


def test_a_missing_state_row_is_reported_once_the_log_has_signed_a_tree(bodies: list[bytes]) -> None:
    LogState.objects.all().delete()
    report = audit()
    assert [str(problem) for problem in report.problems] == [
        "log state: there is no log state row, but checkpoints go up to size 700"
    ]
    assert (report.size, report.entries, report.checkpoints) == (700, 700, 6)


# ---------------------------------------------------------------- the command


def test_the_command_prints_counts_and_exits_zero_on_a_clean_log(bodies: list[bytes]) -> None:
    assert run_command().splitlines() == [
        "Log size 700; checked entries: 700, tiles: 4, checkpoints: 6.",
        "No problems found.",
    ]
    assert run_command("--quiet") == ""
    progress = StringIO()
    with translation.override("en"):
        call_command("ledger_audit", "--quiet", verbosity=2, stdout=StringIO(), stderr=progress)
    assert progress.getvalue() == "Leaves audited: 700 of 700.\n"


def test_the_command_lists_problems_and_exits_one(bodies: list[bytes]) -> None:
    Leaf.objects.filter(index=42).delete()
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match=r"^The ledger audit found 1 problem\.$"):
        call_command("ledger_audit", stdout=out)
    assert out.getvalue().splitlines() == [
        "Log size 700; checked entries: 699, tiles: 4, checkpoints: 6.",
        "1 problem found:",
        "entry at index 42: no entry has this index",
    ]
    with pytest.raises(CommandError):
        run_command("--quiet")


def test_the_command_checks_signatures_with_a_given_vkey(bodies: list[bytes]) -> None:
    other = parse_vkey(generate_key("test.kechuang.example/ledger")[1])
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="found 6 problems"):
        call_command("ledger_audit", "--quiet", "--vkey", other.vkey, stdout=out)
    assert out.getvalue().splitlines() == [
        f"checkpoint {size}: its note carries no signature by the log key test.kechuang.example/ledger"
        for size in SIZES
    ]
    assert run_command("--quiet", "--vkey", log_signer().vkey) == ""
    with translation.override("en"), pytest.raises(CommandError, match="The verifier key is not valid"):
        call_command("ledger_audit", "--vkey", "nonsense")


def test_the_report_lists_at_most_its_limit(bodies: list[bytes]) -> None:
    Leaf.objects.filter(index__in=range(0, 700, 2)).delete()
    report = audit(limit=10)
    assert (len(report.problems), report.problem_count, report.unlisted) == (10, 350, 340)
    assert report.problems[0] == Problem("entry", (0,), "no entry has this index")
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="found 350 problems"):
        call_command("ledger_audit", "--quiet", "--limit", "2", stdout=out)
    assert out.getvalue().splitlines() == [
        "entry at index 0: no entry has this index",
        "entry at index 2: no entry has this index",
        "... and 348 more problems, not listed.",
    ]


# ---------------------------------------------------------------- tampering and the rest of the ledger


def test_receipts_built_on_a_tampered_tile_are_refused(bodies: list[bytes]) -> None:
    tamper_tile(0, 0, 255 * 32)  # leaf 255's hash: a node on the path of entry 0
    selectors.FULL_TILES.clear()
    entry = Entry.objects.select_related("leaf").get(leaf__index=0)
    with pytest.raises(ReceiptError, match="inclusion"):
        verify_receipt(selectors.receipt_text(entry, check=False), parse_vkey(log_signer().vkey))
    with pytest.raises(selectors.LedgerIntegrityError):
        selectors.receipt_text(entry)
    assert places(audit()) == [("tile", (0, 0))]


def test_receipts_of_a_tampered_entry_are_refused(bodies: list[bytes]) -> None:
    tamper_body(10)
    entry = Entry.objects.select_related("leaf").get(leaf__index=10)
    with pytest.raises(ReceiptError, match="inclusion"):
        verify_receipt(selectors.receipt_text(entry, check=False), parse_vkey(log_signer().vkey))
    with pytest.raises(selectors.LedgerIntegrityError):
        selectors.receipt_text(entry)


def test_the_sequencer_refuses_to_sign_on_a_tampered_tile(bodies: list[bytes]) -> None:
    tamper_tile(1, 0, 0)
    _record(700)
    with pytest.raises(selectors.LedgerIntegrityError):
        services.integrate_pending()
    assert sorted(Checkpoint.objects.values_list("size", flat=True)) == SIZES
    assert (LogState.objects.get().size, Pending.objects.count()) == (700, 1)
