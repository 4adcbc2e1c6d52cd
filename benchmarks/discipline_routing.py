"""Routing a text to its discipline by nearest labelled neighbours: CSL ``cls_dcp`` (67 disciplines).

Each of the 1,000 dev papers becomes a ``SearchDocument`` (title, keywords and abstract, with its
discipline) in a temporary ``SearchIndex``. Each test abstract, alone, goes through ``Engine.match``;
its ``k`` best neighbours vote for their disciplines with their match scores, and the disciplines are
ranked by their summed score (ties by name). Top-1 is the first discipline, top-3 the first three.

``k`` is chosen on the dev split alone, leave-one-out (each dev paper matched against the others),
unless ``--k`` fixes it; the test figures for every ``k`` tried are printed beside it. The dev split
is small (1 to 36 papers per discipline), which bounds what any neighbour vote can reach.

When ``kechuang.search.affinity`` is importable, its TF-IDF and BM25 scores are shown for comparison,
each discipline taken as an "expert" whose works are its dev papers (the mean of the three best).

    .venv/bin/python benchmarks/discipline_routing.py [--data ../shared/data/csl] [--k N] [--write-docs]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package above is not importable yet
    sys.path.insert(0, str(ROOT))

from benchmarks import csl  # noqa: E402
from benchmarks.load import percentile  # noqa: E402

START_MARKER = "<!-- routing-bench:start -->"
END_MARKER = "<!-- routing-bench:end -->"
HEADING = "## Search: routing to a discipline (CSL)"  # written above the markers when they are first appended
TOP3_TARGET = 0.85
KS = (1, 3, 5, 10, 15, 20, 30, 50)
CURVE = (125, 250, 500)  # dev papers the centroid learns from, besides all of them
KIND = "paper"

Neighbours = list[tuple[str, float]]  # (discipline, score), best first


def say(message: str) -> None:
    print(f"[routing-bench] {message}", file=sys.stderr, flush=True)


def build(papers: Sequence[csl.Paper], path: Path) -> Any:
    """An ``Engine`` over ``papers`` indexed as ``paper:<row>`` documents."""
    from kechuang.search.analysis import default_analyzer
    from kechuang.search.documents import SearchDocument
    from kechuang.search.engine import Engine
    from kechuang.search.index import SearchIndex

    index = SearchIndex(path, default_analyzer())
    index.rebuild(
        SearchDocument(
            KIND,
            number,
            {"title": paper.title, "keywords": "；".join(paper.keywords), "body": paper.abstract},
            display={"discipline": paper.discipline},
        )
        for number, paper in enumerate(papers)
    )
    return Engine(index)


def neighbours(engine: Any, text: str, limit: int, exclude: Sequence[str] = ()) -> tuple[Neighbours, float, float]:
    """The ``limit`` best matches of ``text`` as (discipline, score), and the seconds ``Engine.match`` took
    by the wall clock and in this process's CPU time (other work may share the machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    results = engine.match(text, limit=limit, exclude=exclude)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return [(hit.display["discipline"], hit.score) for hit in results.hits], seconds, cpu


def vote(found: Neighbours, k: int) -> list[str]:
    """Disciplines by the summed score of the first ``k`` neighbours, best first, ties by name."""
    totals: dict[str, float] = defaultdict(float)
    for discipline, score in found[:k]:
        totals[discipline] += score
    return sorted(totals, key=lambda discipline: (-totals[discipline], discipline))


def accuracy(ranked: Sequence[Sequence[str]], gold: Sequence[str]) -> dict[str, float]:
    pairs = list(zip(ranked, gold, strict=True))
    return {
        "top1": sum(bool(r) and r[0] == g for r, g in pairs) / len(pairs),
        "top3": sum(g in r[:3] for r, g in pairs) / len(pairs),
    }


def by_k(found: Sequence[Neighbours], gold: Sequence[str], ks: Sequence[int]) -> dict[int, dict[str, float]]:
    return {k: accuracy([vote(f, k) for f in found], gold) for k in ks}


def compare_affinity(dev: Sequence[csl.Paper], test: Sequence[csl.Paper]) -> dict[str, dict[str, float]]:
    """``search.affinity.score`` with each discipline as an expert whose works are its dev papers."""
    from kechuang.search import affinity

    works: dict[str, list[Any]] = defaultdict(list)
    for paper in dev:
        works[paper.discipline].append(affinity.Work(title=paper.title, abstract=paper.abstract))
    experts = [affinity.Expert(key=name, works=tuple(items)) for name, items in sorted(works.items())]
    documents = [affinity.Document(key=str(number), title="", abstract=p.abstract) for number, p in enumerate(test)]
    gold = [paper.discipline for paper in test]
    out = {}
    for method in ("tfidf", "bm25"):
        started = time.perf_counter()
        scores = affinity.score(experts, documents, method=method, aggregate="top-k", k=3, encoder=None, keep=10)
        seconds = time.perf_counter() - started
        ranked = [[name for name, _ in scores.top(document.key, 3)] for document in documents]
        out[method] = accuracy(ranked, gold) | {"seconds": seconds}
    return out


def bag(text: str, analyzer: Any) -> Counter[str]:
    """The analyzer's words plus the text's character bigrams (marked ``#``), which need no dictionary."""
    chars = "".join(ch for ch in text if ch.isalnum())
    return Counter(analyzer.terms(text)) + Counter("#" + chars[i : i + 2] for i in range(len(chars) - 1))


def tfidf(bags: Sequence[Counter[str]], vocabulary: dict[str, int], idf: Any = None) -> tuple[Any, Any]:
    """Unit rows of sublinear TF × smoothed IDF; words outside ``vocabulary`` are dropped. With no ``idf``
    given, it is computed from ``bags`` (the labelled side)."""
    import numpy as np
    from scipy import sparse

    rows, cols, values = [], [], []
    for row, counts in enumerate(bags):
        for word, count in counts.items():
            if (col := vocabulary.get(word)) is not None:
                rows.append(row)
                cols.append(col)
                values.append(1 + np.log(count))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(bags), len(vocabulary)))
    if idf is None:
        idf = np.log((1 + len(bags)) / (1 + np.bincount(cols, minlength=len(vocabulary)))) + 1
    matrix = matrix.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.diags(1 / norms) @ matrix, idf


def ceiling(dev: Sequence[csl.Paper], test: Sequence[csl.Paper], sizes: Sequence[int]) -> dict[str, Any]:
    """What the labels allow, whatever the engine: two plain classifiers over TF-IDF of words and character
    bigrams (a centroid per discipline; cosine neighbours, squared similarity as the vote, k = 50), scored
    on the test split, the centroid also trained on the first ``sizes`` dev papers (a learning curve)."""
    import numpy as np

    from kechuang.search.analysis import default_analyzer

    analyzer = default_analyzer()
    dev_bags = [bag(f"{p.title} {' '.join(p.keywords)} {p.abstract}", analyzer) for p in dev]
    test_bags = [bag(p.abstract, analyzer) for p in test]
    names = sorted({p.discipline for p in dev})
    gold = [p.discipline for p in test]

    def ranked(scores: Any) -> list[list[str]]:
        return [[names[i] for i in row] for row in np.argsort(-scores, axis=1, kind="stable")[:, :3]]

    def fit(count: int) -> tuple[Any, Any, Any]:
        vocabulary: dict[str, int] = {}
        for counts in dev_bags[:count]:
            for word in counts:
                vocabulary.setdefault(word, len(vocabulary))
        labelled, idf = tfidf(dev_bags[:count], vocabulary)
        unlabelled, _ = tfidf(test_bags, vocabulary, idf)
        members = np.zeros((count, len(names)))
        members[np.arange(count), [names.index(p.discipline) for p in dev[:count]]] = 1
        return labelled, unlabelled, members

    labelled, unlabelled, members = fit(len(dev))
    similarity = (unlabelled @ labelled.T).toarray()
    far = np.argsort(-similarity, axis=1)[:, 50:]
    np.put_along_axis(similarity, far, 0, axis=1)
    out: dict[str, Any] = {"neighbours": accuracy(ranked(similarity**2 @ members), gold), "curve": {}}
    for size in sorted({*(s for s in sizes if s < len(dev)), len(dev)}):
        labelled, unlabelled, members = fit(size)
        centroids = members.T @ labelled.toarray()
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        out["curve"][size] = accuracy(ranked(unlabelled @ centroids.T), gold)
    return out


def run(data: Path, *, k: int | None, workdir: Path, limit_dev: int | None = None) -> dict[str, Any]:
    dev, test = csl.papers(data, "dev"), csl.papers(data, "test")
    if limit_dev is not None:  # smoke runs
        dev, test = dev[:limit_dev], test[:limit_dev]
    ks = sorted({*(x for x in KS if x <= len(dev)), *((k,) if k else ())})
    started = time.perf_counter()
    engine = build(dev, workdir / "index")
    build_seconds = time.perf_counter() - started
    say(f"indexed {len(dev):,} dev papers in {build_seconds:.1f} s")

    dev_found = [neighbours(engine, p.abstract, max(ks), exclude=[f"{KIND}:{n}"])[0] for n, p in enumerate(dev)]
    dev_scores = by_k(dev_found, [p.discipline for p in dev], ks)
    chosen = k or max(ks, key=lambda x: (dev_scores[x]["top3"], dev_scores[x]["top1"], -x))

    test_found, seconds, cpu = [], [], []
    for paper in test:
        found, took, used = neighbours(engine, paper.abstract, max(ks))
        test_found.append(found)
        seconds.append(took * 1000)
        cpu.append(used * 1000)
    first = [neighbours(engine, paper.abstract, 1)[2] * 1000 for paper in test]  # the ranking without 49 hits
    gold = [paper.discipline for paper in test]
    figures: dict[str, Any] = {
        "dev": len(dev),
        "test": len(test),
        "disciplines": len({p.discipline for p in dev} | set(gold)),
        "k": chosen,
        "k_fixed": k is not None,
        "limit": max(ks),
        "dev_by_k": dev_scores,
        "test_by_k": by_k(test_found, gold, ks),
        "build_seconds": build_seconds,
        "match_ms": {
            "p50": percentile(seconds, 50),
            "p95": percentile(seconds, 95),
            "mean": statistics.fmean(seconds),
            "cpu_p50": percentile(cpu, 50),
            "cpu_p95": percentile(cpu, 95),
            "cpu_p50_limit_1": percentile(first, 50),
        },
    }
    figures["result"] = figures["test_by_k"][chosen]
    if importlib.util.find_spec("kechuang.search.affinity") is not None:
        figures["affinity"] = compare_affinity(dev, test)
    figures["ceiling"] = ceiling(dev, test, CURVE)
    return figures


def render(figures: dict[str, Any], host: dict[str, Any], command: str) -> str:
    result = figures["result"]
    verdict = "PASS" if result["top3"] >= TOP3_TARGET else "FAIL"
    how = "fixed by `--k`" if figures["k_fixed"] else "chosen by leave-one-out top-3 on the dev split"
    match = figures["match_ms"]
    lines = [
        f"Measured {host['date']}; command `{command}`.",
        "",
        csl.machine_line(host),
        "",
        f"{figures['test']:,} CSL `cls_dcp` test abstracts routed to {figures['disciplines']} disciplines by their "
        f"nearest neighbours among {figures['dev']:,} labelled dev papers (title, keywords, abstract) through "
        f"`Engine.match`, votes weighted by match score; k = {figures['k']} ({how}).",
        "",
        "| measure | figure | target | verdict |",
        "|---|---|---|---|",
        f"| top-1 accuracy | {result['top1']:.3f} | – | – |",
        f"| **top-3 accuracy** | **{result['top3']:.3f}** | ≥ {TOP3_TARGET} | **{verdict}** |",
        f"| index the dev papers | {figures['build_seconds']:.1f} s | – | – |",
        f"| `Engine.match` per abstract | {figures['match_ms']['p50']:.1f} ms p50, "
        f"{figures['match_ms']['p95']:.1f} ms p95 ({figures['match_ms']['cpu_p50']:.1f} / "
        f"{figures['match_ms']['cpu_p95']:.1f} ms CPU; {figures['limit']} hits with reasons and snippets) | – | – |",
        "",
        f"With `limit=1` a match takes {match['cpu_p50_limit_1']:.1f} ms CPU (p50): most of the time above is "
        "building the hits' match reasons and snippets, which routing does not use.",
        "",
        "| k | dev top-1 (leave-one-out) | dev top-3 | test top-1 | test top-3 |",
        "|---|---|---|---|---|",
    ]
    for k, test in figures["test_by_k"].items():
        dev = figures["dev_by_k"][k]
        lines.append(f"| {k} | {dev['top1']:.3f} | {dev['top3']:.3f} | {test['top1']:.3f} | {test['top3']:.3f} |")
    if "affinity" in figures:
        lines += [
            "",
            "For comparison, `search.affinity.score` with each discipline as an expert whose works are its "
            "dev papers (mean of the three best-matching works, no encoder):",
            "",
        ]
        lines += ["| method | test top-1 | test top-3 | time |", "|---|---|---|---|"]
        for method, values in figures["affinity"].items():
            lines.append(f"| {method} | {values['top1']:.3f} | {values['top3']:.3f} | {values['seconds']:.1f} s |")
    bound = figures["ceiling"]
    lines += [
        "",
        "What the labels allow, whatever the engine: plain classifiers over TF-IDF of jieba words and character "
        "bigrams, trained on the dev papers and scored on the test abstracts. Cosine neighbours (k = 50, squared "
        f"similarity as the vote) reach top-1 {bound['neighbours']['top1']:.3f}, top-3 "
        f"{bound['neighbours']['top3']:.3f}. A centroid per discipline, learning from the first n dev papers:",
        "",
        "| dev papers | test top-1 | test top-3 |",
        "|---|---|---|",
    ]
    for size, values in bound["curve"].items():
        lines.append(f"| {size:,} | {values['top1']:.3f} | {values['top3']:.3f} |")
    curve = list(bound["curve"].values())
    if len(curve) > 1:
        gains = [later["top3"] - earlier["top3"] for earlier, later in pairwise(curve)]
        lines += [
            "",
            f"Each doubling of the labelled papers added {min(gains):.3f} to {max(gains):.3f} to top-3, and the "
            f"curve has not flattened at {max(bound['curve']):,} papers: the aim of "
            f"{TOP3_TARGET} is bounded by the labels far more than by the engine. Only CSL's dev split carries "
            "`cls_dcp` labels here (the train split is not in `../shared/data/csl`), and no Chinese sentence "
            "encoder is installable offline on this machine (the shipped MiniLM is English-only).",
        ]
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=csl.DEFAULT_DATA, help="the CSL directory (holds benchmark/)")
    parser.add_argument("--k", type=int, default=None, help="neighbours that vote (default: chosen on dev)")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    parser.add_argument("--doc", type=Path, default=csl.DOC, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)  # smoke runs: first N papers
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.k is not None and args.k < 1:
        raise SystemExit("--k must be at least 1")
    host = csl.machine()
    with tempfile.TemporaryDirectory(prefix="routing-bench-") as workdir:
        figures = run(args.data, k=args.k, workdir=Path(workdir), limit_dev=args.limit)
    given = argv if argv is not None else sys.argv[1:]
    block = render(figures, host, " ".join([".venv/bin/python benchmarks/discipline_routing.py", *given]))
    print(block)
    if args.write_docs:
        csl.write_section(args.doc, START_MARKER, END_MARKER, block, heading=HEADING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
