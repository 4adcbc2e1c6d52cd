"""Reviewer assignment at 2,000 items × 5,000 reviewers: ``kechuang review assign`` against an exact LP (HiGHS).

Seeded synthetic files in openreview-matcher's formats: each item scores its top 200 reviewers
(drawn with a popularity skew, so the popular reviewers' load caps bind; scores uniform in [0, 1],
six decimals), 1% of all item × reviewer pairs are conflicts (``-1``), every item wants 3 reviews,
every reviewer takes at most 6. Our solver runs through the command's own code path
(``matcher_files.assign_files``: read the files, solve, write the JSON); the baseline reads the same
files and solves the LP relaxation of the same b-matching with SciPy's HiGHS on sparse matrices
(integral: the matrix is totally unimodular). Both totals must agree to the documented rounding,
``D × max|score| / 1,000,000`` for ``D`` reviews.

A second pair of runs switches the panel rules on (``--attributes``: reviewers in organisations, 30%
of them companies whose staff are industry experts; at least one industry reviewer per item, no two
from one organisation); the LP then carries the organisation and industry rows too.

    .venv/bin/python benchmarks/review_assign.py [--quick] [--write-docs]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package above is not importable yet
    sys.path.insert(0, str(ROOT))

from benchmarks import csl  # noqa: E402
from kechuang.review.assignment import SCALE, Problem  # noqa: E402
from kechuang.review.matcher_files import (  # noqa: E402
    Request,
    assign_files,
    build_problem,
    read_attributes,
    read_constraints,
    read_scores,
)

START_MARKER = "<!-- review-assign-bench:start -->"
END_MARKER = "<!-- review-assign-bench:end -->"
HEADING = "## Review: reviewer assignment (`kechuang review assign`)"
TARGET_SECONDS = 10.0
FULL = {"items": 2000, "reviewers": 5000, "top": 200}
QUICK = {"items": 200, "reviewers": 500, "top": 50}
DEMAND, MAX_LOAD, CONFLICTS, SEED = 3, 6, 0.01, 20261123
# openreview-matcher, run unmodified on 2,000 × 3,000 (reference/challenges_review.md §3.1).
OPENREVIEW = {"MinMax": 92.4, "FairFlow": 75.0, "FairSequence": 49.3}


def generate(folder: Path, *, items: int, reviewers: int, top: int, seed: int = SEED) -> dict[str, Path]:
    """Write scores.csv, constraints.csv and attributes.csv into ``folder``; same seed, same bytes."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / (np.arange(reviewers) + 20.0) ** 0.7
    popularity /= popularity.sum()
    lines = []
    for item in range(items):
        chosen = rng.choice(reviewers, size=top, replace=False, p=popularity)
        scores = rng.random(top)
        lines += [f"p{item},r{r},{s:.6f}" for r, s in zip(chosen.tolist(), scores.tolist(), strict=True)]
    paths = {name: folder / f"{name}.csv" for name in ("scores", "constraints", "attributes")}
    paths["scores"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    flat = rng.choice(items * reviewers, size=int(CONFLICTS * items * reviewers), replace=False)
    conflicts = [f"p{cell // reviewers},r{cell % reviewers},-1" for cell in flat.tolist()]
    paths["constraints"].write_text("\n".join(conflicts) + "\n", encoding="utf-8")
    organisations = max(2, reviewers // 6)
    company = rng.random(organisations) < 0.3  # a company's staff are industry experts
    sizes = 1.0 / (np.arange(organisations) + 5.0)
    member_of = rng.choice(organisations, size=reviewers, p=sizes / sizes.sum())
    rows = []
    for r, org in enumerate(member_of.tolist()):
        alone = rng.random() < 0.05  # a few independent experts, no organisation
        rows.append(f"r{r},{'' if alone else f'o{org}'},{int(company[org]) if not alone else int(rng.random() < 0.3)}")
    paths["attributes"].write_text("\n".join(rows) + "\n", encoding="utf-8")
    return paths


def ours(paths: dict[str, Path], out: Path, *, panel: bool) -> dict[str, Any]:
    request = Request(
        scores=paths["scores"],
        constraints=paths["constraints"],
        out=out,
        demand=DEMAND,
        max_load=MAX_LOAD,
        alternates=2,
        attributes=paths["attributes"] if panel else None,
        require_industry=panel,
        distinct_organizations=panel,
    )
    started = time.perf_counter()
    run = assign_files(request)
    wall = time.perf_counter() - started
    solution, problem = run.solution, run.problem
    return {
        **run.seconds,
        "wall": wall,
        "total": solution.total,
        "method": solution.method,
        "reviews": sum(len(reviewers) for reviewers in solution.assignment.values()),
        "bound": DEMAND * len(problem.items) * max(abs(s) for s in problem.scores.values()) / SCALE,
        "pairs": len(problem.scores),
        "conflicted": sum(1 for pair in problem.conflicts if pair in problem.scores),
        "check": check(problem, solution.assignment),
    }


def check(problem: Problem, assignment: dict[str, list[str]]) -> str:
    """``"ok"`` when every rule holds, else the first violation found (the benchmark reports it)."""
    loads: dict[str, int] = {}
    by_key = {reviewer.key: reviewer for reviewer in problem.reviewers}
    for item in problem.items:
        panel = assignment[item.key]
        if len(panel) != item.demand:
            return f"{item.key} has {len(panel)} reviewers"
        if any((item.key, r) in problem.conflicts or (item.key, r) not in problem.scores for r in panel):
            return f"{item.key} has a conflicted or unscored reviewer"
        orgs = [by_key[r].organization for r in panel if by_key[r].organization]
        if problem.distinct_organizations and len(orgs) != len(set(orgs)):
            return f"{item.key} has two reviewers from one organisation"
        if problem.require_industry and not any(by_key[r].industry for r in panel):
            return f"{item.key} has no industry reviewer"
        for r in panel:
            loads[r] = loads.get(r, 0) + 1
    over = [r for r, load in loads.items() if load > by_key[r].max_load]
    return f"{len(over)} reviewers over their load" if over else "ok"


def highs(paths: dict[str, Path], *, panel: bool) -> dict[str, Any]:
    """The LP relaxation of the same problem, built from the same files, solved by HiGHS."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, vstack

    started = time.perf_counter()
    scores = read_scores(paths["scores"])
    conflicts, _forced = read_constraints(paths["constraints"])
    attributes = read_attributes(paths["attributes"]) if panel else {}
    request = Request(scores=paths["scores"], out=Path(), demand=DEMAND, max_load=MAX_LOAD)
    problem = build_problem(request, scores, (conflicts, set()), attributes)
    read = time.perf_counter()
    item_at = {item.key: n for n, item in enumerate(problem.items)}
    rev_at = {reviewer.key: n for n, reviewer in enumerate(problem.reviewers)}
    pairs = [(item_at[i], rev_at[r], s) for (i, r), s in scores.items() if (i, r) not in conflicts]
    pi = np.array([p[0] for p in pairs])
    pr = np.array([p[1] for p in pairs])
    ps = np.array([p[2] for p in pairs])
    n, cols = len(pairs), np.arange(len(pairs))
    ones = np.ones(n)
    a_eq = coo_matrix((ones, (pi, cols)), shape=(len(item_at), n)).tocsr()
    rows = [coo_matrix((ones, (pr, cols)), shape=(len(rev_at), n))]
    b_ub = [np.full(len(rev_at), MAX_LOAD)]
    if panel:
        org = np.array([hash(attributes.get(r.key, (None, False))[0]) for r in problem.reviewers])
        has_org = np.array([attributes.get(r.key, (None, False))[0] is not None for r in problem.reviewers])
        expert = np.array([attributes.get(r.key, (None, False))[1] for r in problem.reviewers])
        keyed = has_org[pr]
        _, group = np.unique(np.stack([pi[keyed], org[pr[keyed]]]), axis=1, return_inverse=True)
        rows.append(coo_matrix((ones[keyed], (group.ravel(), cols[keyed])), shape=(int(group.max()) + 1, n)))
        b_ub.append(np.ones(int(group.max()) + 1))
        industry = expert[pr]
        rows.append(coo_matrix((-ones[industry], (pi[industry], cols[industry])), shape=(len(item_at), n)))
        b_ub.append(-np.ones(len(item_at)))
    built = time.perf_counter()
    result = linprog(
        -ps,
        A_ub=vstack(rows).tocsr(),
        b_ub=np.concatenate(b_ub),
        A_eq=a_eq,
        b_eq=np.full(len(item_at), DEMAND),
        bounds=(0, 1),
        method="highs",
    )
    solved = time.perf_counter()
    if result.status != 0:
        raise RuntimeError(f"HiGHS: {result.message}")
    return {
        "read": read - started,
        "build": built - read,
        "solve": solved - built,
        "wall": solved - started,
        "total": -float(result.fun),
        "fractional": float(np.max(np.abs(result.x - np.rint(result.x)))),
    }


def run(size: dict[str, int], workdir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    paths = generate(workdir, **size)
    figures: dict[str, Any] = {"size": size, "generate": time.perf_counter() - started}
    for panel in (False, True):
        key = "panel" if panel else "plain"
        figures[key] = {"ours": ours(paths, workdir / f"{key}.json", panel=panel), "highs": highs(paths, panel=panel)}
        mine, lp = figures[key]["ours"], figures[key]["highs"]
        figures[key]["gap"] = lp["total"] - mine["total"]
        figures[key]["agree"] = abs(lp["total"] - mine["total"]) <= mine["bound"] + 1e-9
    return figures


def render(figures: dict[str, Any], host: dict[str, Any], command: str) -> str:
    size, plain, panel = figures["size"], figures["plain"], figures["panel"]
    mine = plain["ours"]
    agreement = "agree" if plain["agree"] and panel["agree"] else "DIFFER"
    verdict = "PASS" if mine["wall"] <= TARGET_SECONDS and mine["check"] == "ok" and plain["agree"] else "FAIL"
    lines = [
        f"Measured {host['date']}; command `{command}`.",
        "",
        csl.machine_line(host),
        "",
        f"{size['items']:,} items × {size['reviewers']:,} reviewers, top-{size['top']} affinities per item "
        f"({mine['pairs']:,} scored pairs), 1% of all pairs conflicts ({mine['conflicted']:,} of them on scored "
        f"pairs), {DEMAND} reviews per item, load ≤ {MAX_LOAD}, 2 alternates; seed {SEED}. Ours is "
        "`kechuang review assign`'s code path (read the CSV files, solve, write the JSON); HiGHS reads the "
        'same files and solves the LP relaxation (SciPy `linprog(method="highs")`, sparse matrices).',
        "",
        "| run | read | build | solve | write | **wall** | total affinity | checks |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, label in (("plain", "demand, loads, conflicts"), ("panel", "… + panel rules")):
        mine, lp = figures[key]["ours"], figures[key]["highs"]
        lines += [
            f"| ours ({mine['method']}), {label} | {mine['read']:.2f} s | – | {mine['solve']:.2f} s | "
            f"{mine['write']:.2f} s | **{mine['wall']:.2f} s** | {mine['total']:.6f} | {mine['check']} |",
            f"| HiGHS LP, {label} | {lp['read']:.2f} s | {lp['build']:.2f} s | {lp['solve']:.2f} s | – | "
            f"**{lp['wall']:.2f} s** | {lp['total']:.6f} | largest fractional part {lp['fractional']:.1e} |",
        ]
    lines += [
        "",
        "| measure | figure | target | verdict |",
        "|---|---|---|---|",
        f"| our wall time, {size['items']:,} × {size['reviewers']:,} | {plain['ours']['wall']:.2f} s | "
        f"≤ {TARGET_SECONDS:.0f} s on 2 cores | **{verdict}** |",
        f"| HiGHS total − ours | {plain['gap']:.2e} (panel rules: {panel['gap']:.2e}) | "
        f"≤ {plain['ours']['bound']:.4f} (rounding bound) | {agreement} |",
        f"| with panel rules | {panel['ours']['wall']:.2f} s ({panel['ours']['method']}) | – | "
        f"{panel['ours']['check']} |",
        "",
        "openreview-matcher on 2,000 × 3,000 (300 non-zero affinities per paper, 1% conflicts, 3 per paper, "
        "max 6, 2 cores, `reference/challenges_review.md` §3.1): "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in OPENREVIEW.items())
        + ". Its encoder builds dense P×R matrices; ours keeps only the scored pairs.",
    ]
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="200 items × 500 reviewers, top 50 (a smoke run)")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    parser.add_argument("--doc", type=Path, default=csl.DOC, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    host = csl.machine()
    with tempfile.TemporaryDirectory(prefix="review-assign-bench-") as workdir:
        figures = run(QUICK if args.quick else FULL, Path(workdir))
    given = argv if argv is not None else sys.argv[1:]
    block = render(figures, host, " ".join([".venv/bin/python benchmarks/review_assign.py", *given]))
    print(block)
    if args.write_docs:
        csl.write_section(args.doc, START_MARKER, END_MARKER, block, heading=HEADING)
    return 0 if figures["plain"]["agree"] and figures["panel"]["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
