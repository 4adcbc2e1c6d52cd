"""Distributions per second: 10^6 random receipts through the transfer distribution engine, every plan checked.

Each case is one receipt distributed under one policy to one team (seeded, same cases on every
machine): a third each of cash (licence or assignment income, 30% of them with itemised deductions),
equity (whole shares) and profit (year 1–5); amounts uniform in 0–10^12 units, one in ten small
(0–10^4, where rounding matters most), one in ten negated (a partial reversal); policies at or above
the national floor (cash and equity 50–100%, profit 5–100%); teams of 1–12 members whose shares are
random cuts of 10,000 bp (so some members hold 0 bp). Every tenth plan is also reversed whole.

Timed apart: generating the inputs (not counted), the engine (``plan_cash`` / ``plan_equity`` /
``plan_profit`` / ``reverse``: the figure reported as distributions per second), and the check
(``verify``: the parts add up to the distributable amount, the team gets at least the policy share
and less than one unit more, every member is within one unit of their exact quota; a reversal is the
exact negation). The issue's target is that all 10^6 pass.

    .venv/bin/python benchmarks/transfer_distribution.py [--cases N] [--quick] [--write-docs]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package above is not importable yet
    sys.path.insert(0, str(ROOT))

from benchmarks import csl  # noqa: E402
from kechuang.transfer.distribution import (  # noqa: E402
    BP,
    Basis,
    Deduction,
    LegalFloor,
    Member,
    Payer,
    Plan,
    PolicyTerms,
    floor_on,
    plan_cash,
    plan_equity,
    plan_profit,
    reverse,
    verify,
)

START_MARKER = "<!-- transfer-distribution-bench:start -->"
END_MARKER = "<!-- transfer-distribution-bench:end -->"
HEADING = "## Transfer: income distributions (`kechuang.transfer.distribution`)"
FULL, QUICK, BATCH, SEED = 1_000_000, 10_000, 10_000, 20_260_601
ON = date(2025, 6, 1)
REGION = "110108"  # Haidian, Beijing: the national floor binds, Beijing's §12 is permitted
MAX_AMOUNT = 10**12

Case = tuple[Basis, int, PolicyTerms, list[Member], tuple[Deduction, ...], int, Payer]


def make_case(rng: random.Random) -> Case:
    """One random receipt, policy and team (see the module docstring for the mix)."""
    basis = rng.choice((Basis.CASH, Basis.EQUITY, Basis.PROFIT))
    amount = rng.randint(0, 10_000) if rng.random() < 0.1 else rng.randint(0, MAX_AMOUNT)
    deductions: tuple[Deduction, ...] = ()
    if basis is Basis.CASH and amount and rng.random() < 0.3:
        left = amount
        items = []
        for kind in ("tax", "maintenance", "direct_cost"):
            cost = rng.randint(0, left // 3)
            left -= cost
            items.append(Deduction(kind, kind, cost))
        deductions = tuple(items)
    if rng.random() < 0.1:
        amount = -amount
    years = rng.randint(3, 5)
    rates = (rng.randint(5_000, BP), rng.randint(5_000, BP), rng.randint(500, BP))
    terms = PolicyTerms(*rates, profit_years_min=years, profit_years_max=rng.randint(years, 8))
    size = rng.randint(1, 12)
    cuts = sorted(rng.randint(0, BP) for _ in range(size - 1))
    bounds = [0, *cuts, BP]
    members = [Member(f"m{i}", end - start) for i, (start, end) in enumerate(pairwise(bounds))]
    return basis, amount, terms, members, deductions, rng.randint(1, terms.profit_years_max), rng.choice(list(Payer))


def distribute(case: Case, floor: LegalFloor) -> Plan:
    basis, amount, terms, members, deductions, year, payer = case
    if basis is Basis.CASH:
        return plan_cash(
            gross_fen=amount, deductions=deductions, terms=terms, members=members, floor=floor, on=ON, payer=payer
        )
    if basis is Basis.EQUITY:
        return plan_equity(total_shares=amount, terms=terms, members=members, floor=floor, on=ON, payer=payer)
    return plan_profit(profit_fen=amount, year=year, terms=terms, members=members, floor=floor, on=ON)


def mirrored(plan: Plan, back: Plan) -> bool:
    """True when ``back`` negates every figure of ``plan``."""
    return (back.distributable, back.team_amount, back.unit_amount, [line.amount for line in back.lines]) == (
        -plan.distributable,
        -plan.team_amount,
        -plan.unit_amount,
        [-line.amount for line in plan.lines],
    )


def run(count: int, seed: int = SEED) -> dict[str, Any]:
    """Distribute ``count`` seeded cases in batches, timing the engine and the check apart."""
    rng = random.Random(seed)
    floor = floor_on(ON, REGION)
    engine = engine_cpu = check = generate = 0.0
    bases: Counter[str] = Counter()
    sizes: Counter[int] = Counter()
    failures: list[str] = []
    failed = reversals = reversed_whole = 0
    done = 0
    while done < count:
        started = time.perf_counter()
        batch = [make_case(rng) for _ in range(min(BATCH, count - done))]
        generated, cpu = time.perf_counter(), time.process_time()
        plans = [distribute(case, floor) for case in batch]
        backs = [reverse(plan) for plan in plans[::10]]
        planned = time.perf_counter()
        engine_cpu += time.process_time() - cpu
        for n, (case, plan) in enumerate(zip(batch, plans, strict=True)):
            found = verify(plan)
            if n % 10 == 0:
                back = backs[n // 10]
                found += verify(back) + ([] if mirrored(plan, back) else ["the reversal is not the exact negation"])
            if found:
                failed += 1
                if len(failures) < 5:
                    failures.append(f"{case[0].value} {case[1]} × {[m.share_bp for m in case[3]]}: {found[0]}")
            bases[case[0].value] += 1
            sizes[len(case[3])] += 1
            reversals += case[1] < 0
        checked = time.perf_counter()
        generate += generated - started
        engine += planned - generated
        check += checked - planned
        reversed_whole += len(backs)
        done += len(batch)
    return {
        "cases": count,
        "seed": seed,
        "bases": dict(sorted(bases.items())),
        "members": {"min": min(sizes), "max": max(sizes), "mean": sum(k * v for k, v in sizes.items()) / count},
        "partial_reversals": reversals,
        "whole_reversals": reversed_whole,
        "generate": generate,
        "engine": engine,
        "check": check,
        "engine_cpu": engine_cpu,
        "per_second": (count + reversed_whole) / engine if engine else 0.0,
        "per_cpu_second": (count + reversed_whole) / engine_cpu if engine_cpu else 0.0,
        "failed": failed,
        "failures": failures,
    }


def render(figures: dict[str, Any], host: dict[str, Any], command: str) -> str:
    verdict = "PASS" if figures["failed"] == 0 else "FAIL"
    bases = ", ".join(f"{name} {number:,}" for name, number in figures["bases"].items())
    members = figures["members"]
    distributions = figures["cases"] + figures["whole_reversals"]
    lines = [
        f"Measured {host['date']}; command `{command}`.",
        "",
        csl.machine_line(host),
        "",
        f"{figures['cases']:,} seeded random receipts (seed {figures['seed']}; {bases}; "
        f"{figures['partial_reversals']:,} of them negative, i.e. partial reversals) under policies at or above "
        f"the national floor, teams of {members['min']}–{members['max']} members ({members['mean']:.1f} on "
        f"average); every tenth plan also reversed whole ({figures['whole_reversals']:,} more distributions). "
        "One process, one core; the engine's time excludes generating the inputs and the checks.",
        "",
        "| measure | figure | target | verdict |",
        "|---|---|---|---|",
        f"| distributions per second (engine, wall clock) | {figures['per_second']:,.0f} ({distributions:,} in "
        f"{figures['engine']:.1f} s) | – | – |",
        f"| distributions per CPU second (engine) | {figures['per_cpu_second']:,.0f} ({figures['engine_cpu']:.1f} "
        "s of CPU, less sensitive than the wall clock to other load on the machine) | – | – |",
        f"| checking every plan (`verify`) | {figures['check']:.1f} s | – | – |",
        f"| plans breaking an invariant | {figures['failed']:,} of {figures['cases']:,} | 0 | **{verdict}** |",
    ]
    if figures["failures"]:
        lines += ["", "First failures:", "", *(f"- {failure}" for failure in figures["failures"])]
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=None, help=f"how many receipts (default {FULL:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK:,} receipts (a smoke run)")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    parser.add_argument("--doc", type=Path, default=csl.DOC, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    host = csl.machine()
    figures = run(args.cases or (QUICK if args.quick else FULL))
    given = argv if argv is not None else sys.argv[1:]
    block = render(figures, host, " ".join([".venv/bin/python benchmarks/transfer_distribution.py", *given]))
    print(block)
    if args.write_docs:
        csl.write_section(args.doc, START_MARKER, END_MARKER, block, heading=HEADING)
    return 0 if figures["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
