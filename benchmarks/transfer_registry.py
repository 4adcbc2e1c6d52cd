"""Contract-registry statistics over 10⁷ registrations: the running tally against GROUP BY over the rows.

A fresh run of this script (``--db postgres-inner`` inside ``scripts/pg-throwaway``; ``sqlite-inner``
for small runs) migrates an empty database, loads ``--rows`` synthetic registrations (PostgreSQL:
``COPY … FROM STDIN`` through psycopg; SQLite: batched INSERTs), builds the tally with the one
``INSERT … SELECT … GROUP BY`` that ``kechuang manage transfer_tally --rebuild`` runs, then times the
statistics the pages and the API read from the tally — year × type × seller province × buyer
province, the flow matrix by year, Beijing → Tianjin/Hebei by year, turnover by year — and, for
comparison, the same GROUP BYs straight over the rows. Target (issue 6): ≤ 2 s for each tally query
on PostgreSQL at 10⁷ contracts.

The rows (same seed, same rows on every machine): years 2013–2024 (later years busier), the five
contract types, 60,000 sellers in county-level regions with Beijing's districts taking a third,
buyers in the seller's own province for 45 %, in one of eight busy provinces for 35 % and anywhere
for the rest, a technical field for 70 %, log-normal amounts with a non-technical share for a fifth;
96 % registered, the rest terminated, cancelled or awaiting a decision.

    .venv/bin/python benchmarks/transfer_registry.py [--rows N] [--db postgres|sqlite|all] [--write-docs]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package above is not importable yet
    sys.path.insert(0, str(ROOT))

from benchmarks import csl, databases  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- transfer-registry-bench:start -->"
END_MARKER = "<!-- transfer-registry-bench:end -->"
HEADING = "## Transfer: contract-registry statistics over 10⁷ registrations"
TARGET_SECONDS = 2.0
DEFAULT_ROWS = 10_000_000
SEED = 20_260_601
DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
YEARS = range(2013, 2025)
TYPES = ("development", "assignment", "licence", "consulting", "service")
TYPE_WEIGHTS = (30, 5, 10, 15, 40)
SELLERS = 60_000
BATCH = 100_000
COLUMNS = (
    "number",
    "contract_type",
    "title",
    "contract_number",
    "seller_name",
    "seller_uscc",
    "seller_region",
    "buyer_name",
    "buyer_uscc",
    "buyer_region",
    "seller_province",
    "buyer_province",
    "field",
    "contract_amount_fen",
    "non_technical_fen",
    "technology_amount_fen",
    "signed_on",
    "effective_on",
    "disputed",
    "status",
    "fingerprint",
    "submitted_at",
    "due_on",
    "registered_on",
    "year",
    "return_reasons",
    "end_reason",
    "benefits_claimed",
)


def say(message: str) -> None:
    print(f"[registry-bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the rows


def _regions() -> tuple[list[str], list[str], dict[str, list[str]]]:
    """County-level codes: Beijing's districts, all of them, and each province's."""
    from kechuang.core.regions import all_regions, children

    leaves = sorted(code for code in all_regions() if not children(code))
    by_province: dict[str, list[str]] = {}
    for code in leaves:
        by_province.setdefault(code[:2] + "0000", []).append(code)
    return by_province["110000"], leaves, by_province


def rows(count: int, *, seed: int = SEED) -> Iterator[tuple[Any, ...]]:
    """``count`` synthetic registrations as tuples in :data:`COLUMNS` order (None for SQL NULL)."""
    from kechuang.core.sectors import SECTORS

    rng = random.Random(seed)
    beijing, everywhere, by_province = _regions()
    busy = ["110000", "310000", "440000", "320000", "330000", "370000", "120000", "130000"]
    sellers = [
        (f"卖方{n:05d}", f"91{n:016d}", rng.choice(beijing) if n % 3 == 0 else rng.choice(everywhere))
        for n in range(SELLERS)
    ]
    fields = [s.code for s in SECTORS]
    year_weights = [1.0 + 0.12 * i for i in range(len(YEARS))]
    years = rng.choices(list(YEARS), weights=year_weights, k=1000)
    kinds = rng.choices(TYPES, weights=TYPE_WEIGHTS, k=1000)
    for i in range(count):
        seller_name, seller_uscc, seller_region = sellers[rng.randrange(SELLERS)]
        draw = rng.random()
        if draw < 0.45:
            buyer_region = rng.choice(by_province[seller_region[:2] + "0000"])
        elif draw < 0.80:
            buyer_region = rng.choice(by_province[rng.choice(busy)])
        else:
            buyer_region = rng.choice(everywhere)
        year = years[i % 1000]
        kind = kinds[(i * 7) % 1000]
        amount = max(100_00, int(math.exp(rng.gauss(13.5, 1.6))) * 100)
        non_technical = amount // 5 if rng.random() < 0.2 else 0
        signed = date(year, 1, 1) + timedelta(days=rng.randrange(330))
        state = rng.random()
        status = (
            "registered"
            if state < 0.96
            else "terminated"
            if state < 0.98
            else "cancelled"
            if state < 0.99
            else "submitted"
        )
        decided = status != "submitted"
        yield (
            f"{seller_region}{year}{i:07d}" if decided else None,
            kind,
            f"合同{i}",
            "",
            seller_name,
            seller_uscc,
            seller_region,
            f"买方{i % 200_000}",
            "",
            buyer_region,
            seller_region[:2] + "0000",
            buyer_region[:2] + "0000",
            rng.choice(fields) if rng.random() < 0.7 else "",
            amount,
            non_technical,
            amount - non_technical,
            signed,
            signed + timedelta(days=7),
            False,
            status,
            f"{i:064x}",
            f"{signed + timedelta(days=10)}T02:00:00+00:00",
            signed + timedelta(days=31),
            signed + timedelta(days=20) if decided else None,
            year if decided else None,
            "",
            "",
            "[]",
        )


def _tsv(batch: list[tuple[Any, ...]]) -> bytes:
    """Rows in COPY's text format: tab-separated, ``\\N`` for NULL (the values hold no tab, newline or backslash)."""
    out = io.StringIO()
    for row in batch:
        out.write("\t".join("\\N" if v is None else ("t" if v is True else "f" if v is False else str(v)) for v in row))
        out.write("\n")
    return out.getvalue().encode("utf-8")


def load(count: int, *, seed: int = SEED) -> float:
    """Load ``count`` rows into the registry's table; returns the seconds it took."""
    from django.db import connection, transaction

    from kechuang.transfer.models import Registration

    table = connection.ops.quote_name(Registration._meta.db_table)
    started = time.perf_counter()
    source = rows(count, seed=seed)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            raw = connection.connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                while batch := [row for _, row in zip(range(BATCH), source, strict=False)]:
                    copy.write(_tsv(batch))
        else:
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608 - names are ours
            with connection.cursor() as cursor:
                while batch := [row for _, row in zip(range(BATCH), source, strict=False)]:
                    cursor.executemany(sql, batch)
    return time.perf_counter() - started


# ---------------------------------------------------------------- the measurements


def _best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        begun = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - begun)
    return min(times), result


def _direct(by: tuple[str, ...], **filters: Any) -> list[dict[str, Any]]:
    """The same figures GROUP BY straight over the registrations (what the tally saves us from)."""
    from django.db.models import Count, Sum

    from kechuang.transfer.models import Registration

    return list(
        Registration.objects.filter(status="registered", **filters)
        .values(*by)
        .annotate(n=Count("id"), amount=Sum("contract_amount_fen"), technology=Sum("technology_amount_fen"))
        .order_by(*by)
    )


def measure(count: int, *, repeat: int = 3, seed: int = SEED) -> dict[str, Any]:
    """Load, build the tally, then time each statistic from the tally (best of ``repeat``) and over the rows (once)."""
    from django.db import connection

    from kechuang.transfer.models import Registration, RegistryTally
    from kechuang.transfer.selectors import registry_stats as stats
    from kechuang.transfer.services.registry_stats import rebuild_tally

    loaded = load(count, seed=seed)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would, soon after a bulk load
    begun = time.perf_counter()
    cells = rebuild_tally()
    built = time.perf_counter() - begun
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(RegistryTally._meta.db_table)}")

    origin, destinations = stats.JINGJINJI
    pair = ("year", "contract_type", "seller_province", "buyer_province")
    queries: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "year × type × province pair": (
            lambda: stats.turnover(by=pair),
            lambda: _direct(pair),
        ),
        "flow matrix by year": (
            lambda: stats.flow_matrix(by_year=True),
            lambda: _direct(("year", "seller_province", "buyer_province")),
        ),
        "Beijing → Tianjin, Hebei by year": (
            lambda: stats.flows_from(origin, destinations),
            lambda: _direct(("year", "buyer_province"), seller_province=origin, buyer_province__in=destinations),
        ),
        "turnover by year": (lambda: stats.turnover(by=("year",)), lambda: _direct(("year",))),
    }
    timings = []
    for name, (from_tally, from_rows) in queries.items():
        tally_seconds, found = _best(from_tally, repeat)
        rows_seconds, direct = _best(from_rows, 1)
        if len(found) != len(direct):
            raise RuntimeError(f"{name}: the tally gives {len(found)} groups, the rows {len(direct)}")
        timings.append({"name": name, "groups": len(found), "tally": tally_seconds, "rows": rows_seconds})
    counted = Registration.objects.filter(status="registered").count()
    return {
        "rows": count,
        "counted": counted,
        "tally_cells": cells,
        "load_seconds": loaded,
        "tally_build_seconds": built,
        "queries": timings,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# ---------------------------------------------------------------- one database (inner run)


def _database() -> str:
    import sqlite3

    from django.db import connection

    if connection.vendor != "postgresql":
        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def run_inner(args: argparse.Namespace) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="kechuang.settings",
        KECHUANG_DEBUG="false",  # debug keeps every query in memory
        KECHUANG_SECRET_KEY=secrets.token_urlsafe(50),
        KECHUANG_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    key = args.db.removesuffix("-inner")
    say(f"{DATABASES[key]}: loading {args.rows:,} registrations")
    result = {"key": key, "title": DATABASES[key], "database": _database(), **measure(args.rows)}
    slowest = max(q["tally"] for q in result["queries"])
    say(f"{result['database']}: {result['tally_cells']:,} tally cells; slowest statistic {slowest:.3f} s")
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


# ---------------------------------------------------------------- all databases (outer run)


def render(host: dict[str, Any], runs: list[dict[str, Any]], skipped: list[str]) -> str:
    """The Markdown block for ``docs/benchmarks.md``."""
    lines = [
        "Command: `.venv/bin/python benchmarks/transfer_registry.py --write-docs`. " + csl.machine_line(host),
        "",
        "Synthetic registrations (2013–2024, five contract types, county-level seller and buyer regions) loaded in "  # noqa: S608 - prose that names SQL
        "bulk, the tally built with one `INSERT … SELECT … GROUP BY` (what `transfer_tally --rebuild` runs), then "
        "each statistic read through `kechuang.transfer.selectors.registry_stats` from the tally (best of three) "
        "and, for comparison, the same GROUP BY over the registrations (once). "
        f"Target: ≤ {TARGET_SECONDS:.0f} s from the tally.",
        "",
    ]
    for run in runs:
        lines += [
            f"**{run['database']}**: {run['rows']:,} rows ({run['counted']:,} registered) loaded in "
            f"{run['load_seconds']:.0f} s; tally of {run['tally_cells']:,} cells built in "
            f"{run['tally_build_seconds']:.1f} s; peak RSS {run['max_rss_mib']:.0f} MiB.",
            "",
            "| Statistic | Groups | From the tally | GROUP BY over the rows | Target |",
            "|---|---:|---:|---:|---|",
        ]
        for query in run["queries"]:
            lines.append(
                f"| {query['name']} | {query['groups']:,} | {query['tally']:.3f} s | {query['rows']:.2f} s | "
                f"{'PASS' if query['tally'] <= TARGET_SECONDS else 'FAIL'} |"
            )
        lines.append("")
    lines += [*(f"Skipped: {reason}" for reason in skipped)] if skipped else []
    return "\n".join(lines).rstrip() + "\n"


def run_outer(args: argparse.Namespace) -> int:
    host = csl.machine()  # before the runs, so the load average is the machine's, not ours
    keys = list(DATABASES) if args.db == "all" else [args.db]
    runs, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="registry-bench-") as workdir:
        for key in keys:
            try:
                runs.append(
                    databases.run_child(
                        __file__, key, Path(workdir) / key, title=DATABASES[key], extra=["--rows", str(args.rows)]
                    )
                )
            except RuntimeError as error:
                say(str(error))
                skipped.append(f"{DATABASES[key]}: {error}")
    block = render(host, runs, skipped)
    print(block)
    if args.write_docs and runs:
        csl.write_section(DOC, START_MARKER, END_MARKER, block, heading=HEADING)
        say(f"wrote {DOC.relative_to(ROOT)}")
    failed = [run for run in runs if any(q["tally"] > TARGET_SECONDS for q in run["queries"])]
    return 1 if args.strict and (failed or skipped) else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rows", type=int, default=DEFAULT_ROWS, help=f"registrations to load (default {DEFAULT_ROWS:,})"
    )
    parser.add_argument(
        "--db", default="postgres", choices=["all", "sqlite", "postgres", "sqlite-inner", "postgres-inner"]
    )
    parser.add_argument("--write-docs", action="store_true", help=f"write the figures into {DOC.name}")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed or a run failed")
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.db.endswith("-inner"):
        run_inner(args)
        return 0
    return run_outer(args)


if __name__ == "__main__":
    sys.exit(main())
