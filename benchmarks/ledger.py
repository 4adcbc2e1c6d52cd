"""``make bench``, ledger part: how fast the transparency log appends, integrates, answers and proves.

For each database a fresh run of this script (``--db sqlite-inner`` / ``--db postgres-inner``, the
latter inside ``scripts/pg-throwaway``) migrates an empty database and, in one process:

1. records evidence entries in transactions of 1,000 (``record_many``; ``record`` one by one for
   comparison) and integrates them with ``integrate_pending(batch_size=5000)``;
2. commits entries at a steady 1,000/s while a ``Sequencer`` runs and a poller times, for each entry,
   commit → leaf visible → receipt built (``selectors.receipt_text``): once with sequencer, producer
   and poller as threads of this process, once with the sequencer and two pollers as processes
   (:mod:`benchmarks.ledger_latency`);
3. grows the log with random leaf hashes (tiles, state and a signed checkpoint; no entry rows) to
   10⁶ leaves and times ``selectors.inclusion_proof`` with a warm and a cold tile cache;
4. grows it to 10⁷ leaves and times inclusion and consistency proofs, cold and warm.

The outer run adds pymerkle 7.0.0 beside our Merkle code (:mod:`benchmarks.ledger_pymerkle`), prints
the figures and writes them into ``docs/benchmarks.md`` between the ledger markers.

    .venv/bin/python benchmarks/ledger.py [--db all|sqlite|postgres] [--quick] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package above is not importable yet
    sys.path.insert(0, str(ROOT))

from benchmarks import databases, ledger_pymerkle, ledger_report  # noqa: E402
from benchmarks.ledger_data import evidence, summary  # noqa: E402
from benchmarks.ledger_latency import measure_latency, run_sequencer  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
ORIGIN = "bench.kechuang.example/ledger"
DATABASES = {
    "sqlite": {"title": "SQLite", "var": "var/bench-ledger-sqlite"},
    "postgres": {"title": "PostgreSQL", "var": "var/bench-ledger-postgres"},
}


@dataclass(frozen=True)
class Sizes:
    """How much each measurement does; ``QUICK`` is a smoke run of the same code."""

    records: int = 50_000  # recorded with record_many, then integrated
    single: int = 2_000  # recorded one by one with record(), for comparison
    per_transaction: int = 1_000
    batch_size: int = 5_000
    rate: int = 1_000  # appends per second offered in the latency run
    seconds: float = 20.0  # measured seconds of the latency run, after the warm-up
    warmup: float = 2.0
    proof_size: int = 1_000_000
    proofs: int = 20_000  # timed warm proofs at proof_size
    cold_proofs: int = 500
    big_size: int = 10_000_000
    big_proofs: int = 2_000  # warm (inclusion and consistency each) at big_size
    big_cold_proofs: int = 300
    pymerkle_size: int = 100_000
    pymerkle_sqlite_size: int = 50_000
    pymerkle_proofs: int = 10_000
    pymerkle_sqlite_proofs: int = 300


FULL = Sizes()
QUICK = Sizes(
    records=5_000,
    single=500,
    seconds=3.0,
    warmup=1.0,
    proof_size=50_000,
    proofs=5_000,
    cold_proofs=100,
    big_size=100_000,
    big_proofs=500,
    big_cold_proofs=100,
    pymerkle_size=10_000,
    pymerkle_sqlite_size=5_000,
    pymerkle_proofs=2_000,
    pymerkle_sqlite_proofs=100,
)


def say(message: str) -> None:
    print(f"[ledger-bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- 1. batched appends


def measure_appends(
    *, records: int, single: int, per_transaction: int, batch_size: int, seed: int = 1
) -> dict[str, Any]:
    """Record ``single`` entries with ``record`` and ``records`` with ``record_many``, then integrate all of them.

    Each phase is timed on its own; end to end is ``records`` over the bulk recording plus the
    integration of those entries, done one after the other in this one process.
    """
    from django.db import transaction

    from kechuang.ledger.evidence import EVIDENCE
    from kechuang.ledger.services.records import record, record_many
    from kechuang.ledger.services.sequencer import integrate_pending

    rng = random.Random(seed)
    one_by_one = [evidence(number, rng) for number in range(single)]
    started = time.perf_counter()
    for first in range(0, single, per_transaction):
        with transaction.atomic():
            for item in one_by_one[first : first + per_transaction]:
                record(kind=EVIDENCE.name, payload=item, actor=None)
    single_seconds = time.perf_counter() - started
    while integrate_pending(batch_size=batch_size).integrated:  # not timed: the bulk phase starts from an empty queue
        pass

    bulk = [evidence(single + number, rng) for number in range(records)]
    started = time.perf_counter()
    for first in range(0, records, per_transaction):
        with transaction.atomic():
            record_many(kind=EVIDENCE.name, payloads=bulk[first : first + per_transaction])
    record_seconds = time.perf_counter() - started

    batches = []
    started = time.perf_counter()
    while True:
        batch_started = time.perf_counter()
        batch = integrate_pending(batch_size=batch_size)
        if not batch.integrated:
            break
        batches.append(time.perf_counter() - batch_started)
    integrate_seconds = time.perf_counter() - started
    return {
        "records": records,
        "single": single,
        "per_transaction": per_transaction,
        "batch_size": batch_size,
        "single_per_s": single / single_seconds,
        "record_per_s": records / record_seconds,
        "integrate_per_s": records / integrate_seconds,
        "batch_ms": 1000 * max(batches),
        "end_to_end_per_s": records / (record_seconds + integrate_seconds),
        "seconds": record_seconds + integrate_seconds,
    }


# ---------------------------------------------------------------- 3 and 4. proofs from stored tiles


def grow_log(size: int, *, chunk: int = 1 << 18, seed: int = 3) -> dict[str, Any]:
    """Grow the log to ``size`` leaves of random leaf hashes: tiles, ``LogState`` and one signed checkpoint.

    No ``Entry`` or ``Leaf`` rows are written, so receipts and entry bundles beyond the recorded
    entries do not exist; proofs only read tiles. The stored tiles are read back for the root.
    """
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from kechuang.ledger.keys import log_signer
    from kechuang.ledger.models import Checkpoint, LogState, Tile
    from kechuang.ledger.selectors import read_tile
    from kechuang.ledger.tlog import merkle
    from kechuang.ledger.tlog.checkpoint import Checkpoint as CheckpointBody
    from kechuang.ledger.tlog.note import sign_note
    from kechuang.ledger.tlog.tiles import TileNodes, grow_tiles

    rng = random.Random(seed)
    state, _new = LogState.objects.get_or_create(pk=1, defaults={"size": 0, "root": merkle.EMPTY_ROOT})
    current = state.size
    edge: dict[tuple[int, int], bytes] = {}

    def read(level: int, index: int) -> bytes:
        return edge.get((level, index)) or read_tile(level, index)

    started = time.perf_counter()
    while current < size:
        count = min(chunk, size - current)
        data = rng.randbytes(32 * count)
        edge = grow_tiles(current, [data[at : at + 32] for at in range(0, len(data), 32)], read)
        with transaction.atomic():
            Tile.objects.bulk_create(
                [Tile(level=level, index=index, hashes=content) for (level, index), content in edge.items()],
                update_conflicts=True,
                unique_fields=["level", "index"],
                update_fields=["hashes"],
                batch_size=300,
            )
        current += count
    root = merkle.tree_root(TileNodes(read_tile, size), size)
    with transaction.atomic():
        state.size, state.root = size, root
        state.save(update_fields=["size", "root"])
        note = sign_note(CheckpointBody(origin=settings.LEDGER_ORIGIN, size=size, root=root).body(), log_signer())
        Checkpoint.objects.create(size=size, root=root, note=note, created_at=timezone.now())
    return {"size": size, "seconds": time.perf_counter() - started, "tiles": Tile.objects.count()}


def _timed(call: Any, arguments: list[tuple[int, int]], *, clear: bool = False, repeat: bool = False) -> list[float]:
    """Microseconds of each ``call(*pair)``; ``clear`` empties the tile cache first, ``repeat`` calls it twice."""
    from kechuang.ledger.selectors import FULL_TILES

    times = []
    for pair in arguments:
        if clear:
            FULL_TILES.clear()
        if repeat:
            call(*pair)
        started = time.perf_counter()
        call(*pair)
        times.append(1e6 * (time.perf_counter() - started))
    return times


def measure_proofs(size: int, *, proofs: int, cold_proofs: int, seed: int = 4) -> dict[str, Any]:
    """``selectors.inclusion_proof`` per second at ``size``: warm (every tile in the cache) and cold (cache emptied).

    Every full tile is loaded once before the warm run, which needs a cache at least as large as the
    tree's tile count (4,096 tiles hold 10⁶ leaves); the proofs are checked against the root.
    """
    from kechuang.ledger import selectors
    from kechuang.ledger.models import LogState
    from kechuang.ledger.tlog import merkle

    rng = random.Random(seed)
    selectors.FULL_TILES.clear()
    for index in range(0, size, 256):  # load every level-0 tile (and with them every tile above)
        selectors.inclusion_proof(index, size)
    pairs = [(rng.randrange(size), size) for _ in range(proofs)]
    warm = _timed(selectors.inclusion_proof, pairs)
    cold = _timed(selectors.inclusion_proof, pairs[:cold_proofs], clear=True)
    olds = [(rng.randrange(1, size), size) for _ in range(proofs)]
    selectors.inclusion_proof(0, size)
    consistency = _timed(selectors.consistency_proof, olds)
    root = bytes(LogState.objects.get(pk=1).root)
    for index, _size in pairs[:50]:  # the figures are of real proofs: each leads to the signed root
        leaf = selectors.tree_nodes(size).node(0, index)
        merkle.verify_inclusion(index, size, leaf, selectors.inclusion_proof(index, size), root)
    return {
        "size": size,
        "proofs": proofs,
        "cold_proofs": cold_proofs,
        "warm_per_s": 1e6 * len(warm) / sum(warm),
        "warm": summary([t / 1000 for t in warm]),
        "cold_per_s": 1e6 * len(cold) / sum(cold),
        "cold": summary([t / 1000 for t in cold]),
        "consistency_per_s": 1e6 * len(consistency) / sum(consistency),
    }


def measure_big(size: int, *, proofs: int, cold_proofs: int, seed: int = 5) -> dict[str, Any]:
    """Inclusion and consistency proof times at ``size`` (µs): cold, warm (the same proof just before), and
    random challenges against the process's bounded cache (``FULL_TILES``, as a server runs)."""
    from kechuang.ledger import selectors

    rng = random.Random(seed)
    inclusion = [(rng.randrange(size), size) for _ in range(proofs)]
    consistency = [(rng.randrange(1, size), size) for _ in range(proofs)]
    result: dict[str, Any] = {"size": size, "proofs": proofs, "cold_proofs": cold_proofs}
    for name, call, pairs in (
        ("inclusion", selectors.inclusion_proof, inclusion),
        ("consistency", selectors.consistency_proof, consistency),
    ):
        cold = _timed(call, pairs[:cold_proofs], clear=True)
        warm = _timed(call, pairs, repeat=True)
        selectors.FULL_TILES.clear()
        _timed(call, [(rng.randrange(1, size), size) for _ in range(proofs)])  # fill the cache, as traffic would
        steady = _timed(call, [(rng.randrange(1, size), size) for _ in range(proofs)])
        result[name] = {
            "cold": summary(cold),
            "warm": summary(warm),
            "steady": summary(steady),
            "steady_per_s": 1e6 * len(steady) / sum(steady),
        }
    return result


# ---------------------------------------------------------------- one database (inner run)


def _database() -> str:
    """The database's name, version and what it does on commit (which no setting here changes)."""
    import sqlite3

    from django.db import connection

    if connection.vendor != "postgresql":
        return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
    with connection.cursor() as cursor:
        values = []
        for name in ("fsync", "synchronous_commit"):
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    return f"PostgreSQL {version} ({', '.join(values)})"


def _analyze() -> None:
    """On PostgreSQL, gather planner statistics, as autovacuum would within a minute of the bulk load."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def run_inner(args: argparse.Namespace) -> None:
    from kechuang.ledger.tlog.note import generate_key

    sizes = QUICK if args.quick else FULL
    key = args.db.removesuffix("-inner")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="kechuang.settings",
        KECHUANG_DEBUG="false",  # debug keeps every query in memory
        KECHUANG_SECRET_KEY=secrets.token_urlsafe(50),
        KECHUANG_LOG_LEVEL="WARNING",
        KECHUANG_LEDGER_ORIGIN=ORIGIN,
        KECHUANG_LEDGER_KEY=generate_key(ORIGIN)[0],
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    result: dict[str, Any] = {"key": key, "title": DATABASES[key]["title"], "database": _database()}
    say(f"{result['database']}: recording {sizes.records:,} entries")
    result["appends"] = measure_appends(
        records=sizes.records,
        single=sizes.single,
        per_transaction=sizes.per_transaction,
        batch_size=sizes.batch_size,
    )
    say(f"appends: {result['appends']['end_to_end_per_s']:,.0f}/s end to end; latency runs at {sizes.rate}/s")
    _analyze()
    result["latency"] = [
        measure_latency(rate=sizes.rate, seconds=sizes.seconds, warmup=sizes.warmup, process=process)
        for process in (False, True)
    ]
    for latency in result["latency"]:
        say(f"latency, sequencer {latency['sequencer']}: {latency.get('receipt')}")
    result["grow"] = [grow_log(sizes.proof_size)]
    result["proofs"] = measure_proofs(sizes.proof_size, proofs=sizes.proofs, cold_proofs=sizes.cold_proofs)
    say(f"proofs: {result['proofs']['warm_per_s']:,.0f}/s warm; growing the log to {sizes.big_size:,}")
    result["grow"].append(grow_log(sizes.big_size))
    result["big"] = measure_big(sizes.big_size, proofs=sizes.big_proofs, cold_proofs=sizes.big_cold_proofs)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


# ---------------------------------------------------------------- all databases (outer run)


def _run_database(key: str, args: argparse.Namespace) -> dict[str, Any]:
    var_dir = ROOT / DATABASES[key]["var"]
    shutil.rmtree(var_dir, ignore_errors=True)
    extra = ["--quick"] if args.quick else []
    return databases.run_child(__file__, key, var_dir, title=DATABASES[key]["title"], extra=extra)


def run_outer(args: argparse.Namespace) -> int:
    sizes = QUICK if args.quick else FULL
    host = ledger_report.machine(ROOT)  # before the runs, so the load average is the machine's, not ours
    keys = ["sqlite", "postgres"] if args.db == "all" else [args.db]
    runs, skipped = [], []
    for key in keys:
        try:
            runs.append(_run_database(key, args))
        except RuntimeError as error:
            say(str(error))
            skipped.append(f"{DATABASES[key]['title']}: {error}")
    say(f"pymerkle beside ours at {sizes.pymerkle_size:,} leaves")
    comparison = ledger_pymerkle.compare(
        size=sizes.pymerkle_size,
        sqlite_size=sizes.pymerkle_sqlite_size,
        proofs=sizes.pymerkle_proofs,
        sqlite_proofs=sizes.pymerkle_sqlite_proofs,
    )
    block = ledger_report.render(host, runs, comparison, skipped, sizes=asdict(sizes), quick=args.quick)
    print(block)
    if args.write and not args.quick and runs:
        ledger_report.write_block(DOC, block)
        say(f"wrote {DOC.relative_to(ROOT)}")
    failed = [sentence for run in runs for status, sentence in ledger_report.findings(run) if status == "FAIL"]
    return 1 if args.strict and (failed or skipped) else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--db", default="all", choices=["all", "sqlite", "postgres", "sqlite-inner", "postgres-inner", "sequencer"]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (10⁵ leaves), never written to the docs")
    parser.add_argument("--no-write", dest="write", action="store_false", help=f"do not update {DOC.name}")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target misses")
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.db == "sequencer":
        import django

        django.setup()
        run_sequencer()
        return 0
    if args.db.endswith("-inner"):
        run_inner(args)
        return 0
    return run_outer(args)


if __name__ == "__main__":
    sys.exit(main())
