"""The ledger benchmark's measuring functions run on tiny sizes and its report adds up. No timings are asserted.

The latency run (threads and processes against one database) is left to ``benchmarks/ledger.py --quick``:
the in-memory SQLite test database locks whole tables across threads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import ledger, ledger_pymerkle, ledger_report

from kechuang.ledger import selectors
from kechuang.ledger.models import Checkpoint, Leaf, LogState, Tile
from kechuang.ledger.tlog import merkle


@pytest.mark.django_db
def test_appends_record_and_integrate_every_entry() -> None:
    figures = ledger.measure_appends(records=30, single=5, per_transaction=10, batch_size=20)
    assert (Leaf.objects.count(), LogState.objects.get().size) == (35, 35)
    assert (figures["records"], figures["single"], figures["end_to_end_per_s"] > 0) == (30, 5, True)


@pytest.mark.django_db
def test_a_grown_log_proves_from_its_stored_tiles() -> None:
    ledger.measure_appends(records=10, single=0, per_transaction=10, batch_size=20)
    grown = ledger.grow_log(700, chunk=256)
    assert (
        grown["size"],
        LogState.objects.get().size,
        Checkpoint.objects.values_list("size", flat=True).order_by("-size").first(),
    ) == (
        700,
        700,
        700,
    )
    assert grown["tiles"] == Tile.objects.count() == 4  # 0/0, 0/1, 0/2.p/188 and 1/000.p/2
    root = bytes(LogState.objects.get().root)
    leaf = selectors.tree_nodes(700).node(0, 5)
    merkle.verify_inclusion(5, 700, leaf, selectors.inclusion_proof(5, 700), root)

    proofs = ledger.measure_proofs(700, proofs=20, cold_proofs=5)
    assert (proofs["size"], proofs["warm_per_s"] > 0, proofs["cold_per_s"] > 0) == (700, True, True)
    ledger.grow_log(1_000, chunk=256)
    big = ledger.measure_big(1_000, proofs=10, cold_proofs=5)
    assert sorted(big["inclusion"]) == ["cold", "steady", "steady_per_s", "warm"]


def test_pymerkle_builds_the_same_tree() -> None:
    figures = ledger_pymerkle.compare(size=300, sqlite_size=100, proofs=20, sqlite_proofs=5)
    assert (figures["sqlite"]["same_root"], figures["inclusion"]["pymerkle"] > 0) == (True, True)


def _run(end_to_end: float, p99: float, warm: float) -> dict[str, object]:
    summary = {"p50": 10.0, "p99": p99, "max": p99, "mean": 10.0}
    latency = {
        "sequencer": "thread",
        "pollers": 0,
        "rate": 1000,
        "seconds": 1.0,
        "warmup": 1.0,
        "achieved_per_s": 990.0,
        "measured": 990,
        "checkpoints_per_s": 20.0,
        "failures": [],
        "seen": summary,
        "receipt": summary,
    }
    proofs: dict[str, object] = {
        "size": 1_000_000,
        "proofs": 1,
        "cold_proofs": 1,
        "warm_per_s": warm,
        "cold_per_s": 1.0,
    }
    proofs |= {"warm": summary, "cold": summary, "consistency_per_s": 1.0}
    big = {
        name: {"cold": summary, "warm": summary, "steady": summary, "steady_per_s": 1.0}
        for name in ("inclusion", "consistency")
    }
    return {
        "key": "sqlite",
        "title": "SQLite",
        "database": "SQLite",
        "appends": {
            "records": 1,
            "single": 1,
            "per_transaction": 1,
            "batch_size": 1,
            "single_per_s": 1.0,
            "record_per_s": 1.0,
            "integrate_per_s": 1.0,
            "batch_ms": 1.0,
            "end_to_end_per_s": end_to_end,
        },
        "latency": [latency],
        "grow": [{"size": 1_000_000, "seconds": 1.0, "tiles": 1}],
        "proofs": proofs,
        "big": {"size": 10_000_000, **big},
    }


def test_the_report_holds_each_run_to_the_targets(tmp_path: Path) -> None:
    passing, failing = _run(6_000, 900.0, 25_000), _run(4_000, 1_200.0, 15_000)
    assert [status for status, _ in ledger_report.findings(passing)] == ["PASS"] * 6
    assert [status for status, _ in ledger_report.findings(failing)] == ["FAIL", "PASS", "PASS", "FAIL", "PASS", "FAIL"]

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- bench:start -->\nweb\n<!-- bench:end -->\n\n## Ledger\n", encoding="utf-8")
    comparison = ledger_pymerkle.compare(size=50, sqlite_size=20, proofs=5, sqlite_proofs=2)
    host = ledger_report.machine(tmp_path)
    block = ledger_report.render(host, [passing], comparison, [], sizes=_sizes())
    ledger_report.write_block(doc, block)
    ledger_report.write_block(doc, block)  # a second run replaces the first
    text = doc.read_text(encoding="utf-8")
    assert (text.count(ledger_report.START_MARKER), "<!-- bench:start -->\nweb\n" in text, "10⁷" in text) == (
        1,
        True,
        True,
    )


def _sizes() -> dict[str, object]:
    from dataclasses import asdict

    return asdict(ledger.QUICK)
