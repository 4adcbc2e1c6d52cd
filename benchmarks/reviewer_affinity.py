"""Reviewer affinity on the gold standard of Stelmakh et al. (arXiv 2303.16750): how well ``search.affinity``
orders the papers each researcher rated by her own expertise.

58 researchers rated their expertise (1–5) for reviewing up to 10 papers each they had read. Each
researcher is an expert whose works are her Semantic Scholar papers; each rated paper a document.
The whole experts × papers matrix is scored by ``search.affinity.score`` and the rated pairs are
read off it. The paper's protocol, as far as the shipped data allows (``scripts/prepare_dataset.py``
and ``scripts/scoring.py`` of niharshah/goldstandard-reviewer-paper-match):

- a paper counts only with a title, an abstract and a year (every rated paper has them; 315 profile
  papers do not and are left out); texts are title + abstract;
- a profile is the researcher's 20 most recent papers by year. The paper broke ties between papers
  of one year at random and averaged over 10 such draws (``d_20_1..10``); here ties are broken by
  paper id, one deterministic draw — a deviation, worth a few thousandths of loss either way;
- no rated paper is in its rater's profile in this data, so nothing had to be removed;
- the loss is the weighted pairwise ordering error: for each researcher, each pair of her rated
  papers with different ratings adds |Δ| when ordered against the ratings and |Δ|/2 when tied,
  divided by the sum of |Δ| (0 perfect, a constant 0.5). Easy pairs: one rating ≥ 4, the other
  ≤ 2; hard pairs: both ≥ 4 and different; the accuracy counts a pair right only when strictly
  ordered the right way (a tie is wrong), as ``compute_resolution`` does.

    .venv/bin/python benchmarks/reviewer_affinity.py --data ../shared/data/goldstandard --out var/affinity.json \\
        [--dense MODEL_DIR [--dense-weight W] [--embeddings CACHE.npz]] [--method tfidf|bm25]
        [--aggregate max|top-k [--k K]] [--limit N] [--variants] [--write-docs]

The defaults of ``search.affinity`` were chosen on this data (the only labelled data we have).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import random
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT / "src"))

from kechuang.search.affinity import Aggregate, Document, Expert, Method, Work, score  # noqa: E402
from kechuang.search.encoder import Encoder  # noqa: E402

START_MARKER = "<!-- affinity-bench:start -->"
END_MARKER = "<!-- affinity-bench:end -->"
SECTION = "## Reviewer affinity (gold standard)"
PROFILE_LENGTH = 20
# Published figures (title + abstract, 20-paper profiles), from openreview-expertise's README and the paper.
PUBLISHED = (
    ("TPMS", 0.28, 0.80, 0.62),
    ("SPECTER", 0.27, 0.85, 0.57),
    ("SPECTER+MFR", 0.24, 0.88, 0.60),
    ("SPECTER2+SciNCL", 0.21, 0.91, 0.65),
)

Ratings = dict[str, dict[str, float]]


@dataclass(frozen=True)
class GoldStandard:
    ratings: Ratings  # researcher → paper → expertise, valid papers only
    experts: list[Expert]
    documents: list[Document]
    dropped_profile_papers: int


@dataclass(frozen=True)
class Variant:
    name: str
    method: Method = "tfidf"
    aggregate: Aggregate = "max"
    k: int = 3
    profile: int | None = PROFILE_LENGTH
    dense_weight: float | None = None  # None: lexical only


@dataclass
class Result:
    variant: Variant
    loss: float
    easy: tuple[int, int]  # correct, total
    hard: tuple[int, int]
    seconds: float
    scores: dict[str, dict[str, float]] = field(repr=False)


# ---------------------------------------------------------------- data


def _paper(directory: Path, paper_id: str) -> dict[str, Any] | None:
    """The paper's record, or None unless it has a title, an abstract and a year (the paper's rule)."""
    path = directory / "papers" / f"{paper_id}.json"
    if not path.is_file():
        return None
    paper: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return paper if paper.get("title") and paper.get("abstract") and paper.get("year") else None


def load(directory: Path, *, limit: int | None = None) -> GoldStandard:
    """Ratings, experts (all their valid papers, newest first) and rated documents; ``limit`` researchers."""
    with (directory / "evaluations.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))[:limit]
    ratings: Ratings = {}
    experts: list[Expert] = []
    documents: dict[str, Document] = {}
    dropped = 0
    for row in rows:
        researcher = row["ParticipantID"]
        rated = {}
        for number in range(1, 11):
            paper_id = row.get(f"Paper{number}") or ""
            record = _paper(directory, paper_id) if paper_id else None
            if record is None:
                continue
            rated[paper_id] = float(row[f"Expertise{number}"])
            documents[paper_id] = Document(key=paper_id, title=record["title"], abstract=record["abstract"])
        profile = json.loads((directory / "participants" / f"{researcher}.json").read_text("utf-8"))
        works = []
        for paper_id in sorted({paper["paperId"] for paper in profile["papers"] if paper.get("paperId")}):
            record = _paper(directory, paper_id)
            if record is None:
                dropped += 1
                continue
            works.append(Work(title=record["title"], abstract=record["abstract"], year=int(record["year"])))
        if not works:  # the paper leaves out researchers with an empty profile
            continue
        works.sort(key=lambda work: -(work.year or 0))  # stable: ties stay in paper-id order
        ratings[researcher] = rated
        experts.append(Expert(key=researcher, works=works))
    return GoldStandard(ratings, experts, list(documents.values()), dropped)


# ---------------------------------------------------------------- metric


def loss(predictions: Mapping[str, Mapping[str, float]], ratings: Ratings) -> float:
    """Weighted pairwise ordering error (0 perfect, 0.5 constant, 1 reversed); ties cost half."""
    total = wrong = 0.0
    for researcher, rated in ratings.items():
        for first, second in combinations(rated, 2):
            truth = rated[first] - rated[second]
            if truth == 0:
                continue
            predicted = predictions[researcher][first] - predictions[researcher][second]
            total += abs(truth)
            if predicted * truth < 0:
                wrong += abs(truth)
            elif predicted == 0:
                wrong += abs(truth) / 2
    return wrong / total if total else 0.0


def bootstrap(
    predictions: Mapping[str, Mapping[str, float]], ratings: Ratings, *, rounds: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of the loss when the researchers are resampled with replacement (fixed seed)."""
    generator = random.Random(seed)
    keys = list(ratings)
    losses = []
    for _ in range(rounds):
        drawn = [generator.choice(keys) for _ in keys]
        losses.append(
            loss(
                {f"{key}#{n}": predictions[key] for n, key in enumerate(drawn)},
                {f"{key}#{n}": ratings[key] for n, key in enumerate(drawn)},
            )
        )
    losses.sort()
    return losses[int(rounds * 0.025)], losses[int(rounds * 0.975) - 1]


def resolution(predictions: Mapping[str, Mapping[str, float]], ratings: Ratings, *, hard: bool) -> tuple[int, int]:
    """(correct, total) over easy pairs (one rating ≥ 4, the other ≤ 2) or hard ones (both ≥ 4, different)."""
    correct = total = 0
    for researcher, rated in ratings.items():
        for first, second in combinations(rated, 2):
            high, low = max(rated[first], rated[second]), min(rated[first], rated[second])
            if high == low or (hard and low < 4) or (not hard and (high < 4 or low > 2)):
                continue
            total += 1
            predicted = predictions[researcher][first] - predictions[researcher][second]
            correct += predicted * (rated[first] - rated[second]) > 0
    return correct, total


# ---------------------------------------------------------------- runs


class CachedEncoder:
    """Encodes each distinct text once, so the variants share the embeddings.

    With ``store`` the vectors are also kept in an ``.npz`` file between runs, keyed by a hash of
    the model directory's name and the text (delete the file after changing the encoder).
    """

    def __init__(self, encoder: Encoder, store: Path | None = None) -> None:
        self.encoder = encoder
        self.store = store
        self.cache: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}
        self.seconds = 0.0  # encoding in this run
        self.made_in = 0.0  # encoding of everything in the cache, this run or the ones that filled it
        if store is not None and store.is_file():
            with np.load(store) as saved:
                self.cache = {key: saved[key] for key in saved.files if key != "seconds"}
                self.made_in = float(saved["seconds"]) if "seconds" in saved.files else 0.0

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.encoder.path.name}\0{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        keys = [self._key(text) for text in texts]
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in self.cache}
        if missing:
            started = time.perf_counter()
            self.cache.update(zip(missing, self.encoder.encode(list(missing.values())), strict=True))
            self.seconds += time.perf_counter() - started
            self.made_in += time.perf_counter() - started
            if self.store is not None:
                arrays: dict[str, Any] = {"seconds": np.float64(self.made_in), **self.cache}
                np.savez(self.store, **arrays)
        if not texts:
            return np.zeros((0, self.encoder.dimension), dtype=np.float32)
        return np.stack([self.cache[key] for key in keys])


def run(data: GoldStandard, variant: Variant, encoder: CachedEncoder | None) -> Result:
    experts = [Expert(e.key, e.works[: variant.profile] if variant.profile else e.works) for e in data.experts]
    started = time.perf_counter()
    encoding = encoder.seconds if encoder else 0.0
    affinity = score(
        experts,
        data.documents,
        method=variant.method,
        aggregate=variant.aggregate,
        k=variant.k,
        encoder=encoder if variant.dense_weight is not None else None,
        dense_weight=variant.dense_weight or 0.0,
        keep=None,
    )
    seconds = time.perf_counter() - started - ((encoder.seconds if encoder else 0.0) - encoding)
    predictions = {
        researcher: {paper: affinity.get(researcher, paper) for paper in rated}
        for researcher, rated in data.ratings.items()
    }
    return Result(
        variant=variant,
        loss=loss(predictions, data.ratings),
        easy=resolution(predictions, data.ratings, hard=False),
        hard=resolution(predictions, data.ratings, hard=True),
        seconds=seconds,
        scores=predictions,
    )


def variants(main: Variant, dense: bool) -> list[Variant]:
    """The main variant first, then the comparisons reported in docs/benchmarks.md."""
    grid = [main]
    methods: tuple[Method, ...] = ("tfidf", "bm25")
    aggregates: tuple[tuple[Aggregate, int], ...] = (("max", 3), ("top-k", 3), ("top-k", 5))
    for method in methods:
        for aggregate, k in aggregates:
            label = "max" if aggregate == "max" else f"top-{k} mean"
            grid.append(Variant(f"{method.upper() if method == 'bm25' else 'TF-IDF'}, {label}", method, aggregate, k))
    grid += [
        Variant("TF-IDF, max, 10 most recent works", profile=10),
        Variant("TF-IDF, max, all works", profile=None),
    ]
    if dense:
        grid += [
            Variant("MiniLM alone, max", dense_weight=1.0),
            Variant("MiniLM alone, top-3 mean", aggregate="top-k", dense_weight=1.0),
            Variant("MiniLM alone, top-5 mean", aggregate="top-k", k=5, dense_weight=1.0),
        ]
        for weight in (0.3, 0.5, 0.7, 0.8, 0.9):
            grid.append(Variant(f"TF-IDF + MiniLM {weight}, max", dense_weight=weight))
            grid.append(Variant(f"TF-IDF + MiniLM {weight}, top-3 mean", aggregate="top-k", dense_weight=weight))
        grid += [
            Variant("TF-IDF + MiniLM 0.7, top-5 mean", aggregate="top-k", k=5, dense_weight=0.7),
            Variant("BM25 + MiniLM 0.7, top-3 mean", method="bm25", aggregate="top-k", dense_weight=0.7),
        ]
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for variant in grid:
        identity = (variant.method, variant.aggregate, variant.k, variant.profile, variant.dense_weight)
        if identity not in seen:
            seen.add(identity)
            unique.append(variant)
    return unique


# ---------------------------------------------------------------- report


def _cpu_model() -> str:
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    except OSError:
        found = None
    return found.group(1).strip() if found else platform.machine()


def table(results: Sequence[Result]) -> list[str]:
    lines = [
        "| variant | loss ↓ | easy acc. ↑ | hard acc. ↑ | time |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        easy, hard = result.easy, result.hard
        lines.append(
            f"| {result.variant.name} | {result.loss:.3f} | {easy[0] / max(easy[1], 1):.3f} ({easy[0]}/{easy[1]}) "
            f"| {hard[0] / max(hard[1], 1):.3f} ({hard[0]}/{hard[1]}) | {result.seconds:.1f} s |"
        )
    return lines


def render(results: Sequence[Result], *, data: GoldStandard, command: str, encoder: CachedEncoder | None) -> str:
    """The Markdown block between the affinity markers of docs/benchmarks.md."""
    best = results[0]
    lexical = [r for r in results if r.variant.dense_weight is None]
    fused = [r for r in results if r.variant.dense_weight is not None and r.variant.dense_weight < 1]
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_cpu_model()}, {os.cpu_count()} cores "
        f"(Python {platform.python_version()}, numpy {np.__version__}; load average {_load()} when it ended); "
        f"command `{command}`.",
        "",
        f"{len(data.experts)} researchers, {sum(len(r) for r in data.ratings.values())} rated pairs over "
        f"{len(data.documents)} papers; profiles of the {PROFILE_LENGTH} most recent papers with title and "
        f"abstract ({data.dropped_profile_papers} profile papers without an abstract or year left out, as in the "
        "paper). Times are `search.affinity.score` for the whole matrix" + _encoding(encoder),
        "",
        *table(results),
        "",
        "Published (title + abstract, 20 papers, mean of 10 profile draws): "
        + "; ".join(f"{name} {value:.2f} / {easy:.2f} / {hard:.2f}" for name, value, easy, hard in PUBLISHED)
        + " (loss / easy / hard).",
        "",
    ]
    if lexical:
        top = min(lexical, key=lambda r: r.loss)
        lines.append(
            f"- Lexical best: {top.variant.name}, loss {top.loss:.3f} — "
            + ("better than TPMS (0.28)." if top.loss < 0.28 else "not better than TPMS (0.28).")
        )
    if fused:
        top = min(fused, key=lambda r: r.loss)
        lines.append(
            f"- With the dense model: {top.variant.name}, loss {top.loss:.3f} "
            f"({'meets' if top.loss <= 0.24 else 'misses'} the 0.24 target); the state of the art, "
            f"SPECTER2+SciNCL, scores 0.21: a difference of {top.loss - 0.21:+.3f}."
        )
    low, high = bootstrap(best.scores, data.ratings)
    lines.append(
        f"- First row: the options of the command ({best.variant.name}). Resampling the researchers (1,000 "
        f"bootstrap draws) puts its loss between {low:.3f} and {high:.3f} (95%): with 58 researchers, "
        "differences of a few hundredths between variants are noise."
    )
    return "\n".join(lines) + "\n"


def _load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def _encoding(encoder: CachedEncoder | None) -> str:
    if encoder is None:
        return "."
    name = "/".join(encoder.encoder.path.parts[-2:])
    if encoder.seconds:
        return (
            f" (without encoding); encoding the {len(encoder.cache)} texts with `{name}` took {encoder.seconds:.0f} s."
        )
    return (
        f" (without encoding); the {len(encoder.cache)} vectors of `{name}` came from the --embeddings cache, "
        f"whose encoding took {encoder.made_in:.0f} s."
    )


def write_block(doc: Path, block: str) -> None:
    """Replace what stands between the affinity markers of ``doc``; append the section when missing."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    fenced = f"{START_MARKER}\n{block}{END_MARKER}"
    if START_MARKER in text and END_MARKER in text:
        head, rest = text.split(START_MARKER, 1)
        text = head + fenced + rest.split(END_MARKER, 1)[1]
    else:
        text = text.rstrip() + ("\n\n" if text else "") + f"{SECTION}\n\n{fenced}\n"
    doc.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- command


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, required=True, help="the goldstandard directory (evaluations.csv …)")
    parser.add_argument("--out", type=Path, required=True, help="JSON file for {participant: {paper: score}}")
    parser.add_argument("--dense", type=Path, help="a sentence-transformers model directory to fuse with")
    parser.add_argument("--dense-weight", type=float, default=0.7)
    parser.add_argument("--embeddings", type=Path, help="an .npz file keeping the dense vectors between runs")
    parser.add_argument("--method", choices=("tfidf", "bm25"), default="tfidf")
    parser.add_argument("--aggregate", choices=("max", "top-k"), default="top-k")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--limit", type=int, help="only the first N researchers (a quick check)")
    parser.add_argument("--variants", action="store_true", help="also run the comparison variants")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, *, doc: Path = ROOT / "docs" / "benchmarks.md") -> list[Result]:
    args = parse(argv)
    data = load(args.data, limit=args.limit)
    encoder = CachedEncoder(Encoder(args.dense), args.embeddings) if args.dense else None
    main_variant = Variant(
        f"{'BM25' if args.method == 'bm25' else 'TF-IDF'}, {'max' if args.aggregate == 'max' else f'top-{args.k} mean'}"
        + (f", + dense {args.dense_weight}" if encoder else ""),
        method=args.method,
        aggregate=args.aggregate,
        k=args.k,
        dense_weight=args.dense_weight if encoder else None,
    )
    chosen = variants(main_variant, encoder is not None) if args.variants else [main_variant]
    results = []
    for variant in chosen:
        results.append(run(data, variant, encoder))
        _say(table(results)[-1] if len(results) > 1 else "\n".join(table(results)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results[0].scores, indent=1, sort_keys=True), encoding="utf-8")
    if args.write_docs:
        command = " ".join(["benchmarks/reviewer_affinity.py", *(argv if argv is not None else sys.argv[1:])])
        write_block(doc, render(results, data=data, command=command, encoder=encoder))
    return results


_say: Callable[[str], None] = print

if __name__ == "__main__":
    main()
