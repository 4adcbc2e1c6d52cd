"""Search speed at 10⁶ documents, beside bm25s on the same corpus, terms and queries.

The corpus is built from the CSL benchmark texts (:mod:`benchmarks.csl`) with a seeded RNG: each
document takes a title, two to five keywords and three to eight abstract sentences, drawn from every
distinct title (cls_ctg, ts), keyword (kg) and abstract sentence of the files. The same seed gives
the same corpus and queries on every machine.

1. **Our index**: ``SearchIndex.rebuild`` of the whole corpus into a fresh directory, end to end
   (our jieba analysis, tantivy indexing, one commit and its merges) → documents/s. Analysis alone is
   timed on a sample in this process and in a pool of ``os.cpu_count()`` processes, to show how much
   of the build is Python-side analysis and what parallel analysis would give.
2. **Queries**: CSL keywords (one or two) and title fragments (one to four words) through
   ``Engine.search(limit=10)`` (analysis, query, hits with snippets) → p50/p95/p99 latency.
3. **bm25s** (numpy backend): indexed from the very terms our index holds (index segmentation of the
   title, keywords and body as one bag; a document's terms are the concatenation of its pieces' terms,
   exactly what analysing the whole text gives because every piece ends in punctuation), queried with
   our query terms → build time and latency, and the overlap of its top 10 with ours.

Ranking differs on purpose, so overlap is not expected to be 1: we require every query word (falling
back to most of them) and weight title 3, keywords 2, body 1 (tantivy BM25 per field); bm25s scores
one field with any word.

    .venv/bin/python benchmarks/search_speed.py [--data ../shared/data/csl] [--docs 1000000] [--queries 1000]
        [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package above is not importable yet
    sys.path.insert(0, str(ROOT))

from benchmarks import csl  # noqa: E402
from benchmarks.load import percentile  # noqa: E402

START_MARKER = "<!-- search-bench:start -->"
END_MARKER = "<!-- search-bench:end -->"
HEADING = "## Search: speed at 10⁶ documents, beside bm25s"  # written above the markers when they are first appended
P95_TARGET_MS = 50.0
SEED = 20_260_101
KIND = "paper"
_ENDS = "。！？；!?;."


def say(message: str) -> None:
    print(f"[search-bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- corpus and queries


@dataclass(frozen=True)
class Corpus:
    """Documents drawn from the CSL pieces; each piece ends in punctuation so pieces analyse independently."""

    titles: tuple[str, ...]
    keywords: tuple[str, ...]
    sentences: tuple[str, ...]
    size: int
    seed: int = SEED

    @classmethod
    def from_pools(cls, pools: csl.Pools, size: int, seed: int = SEED) -> Corpus:
        ended = tuple(piece if piece[-1] in _ENDS else piece + "。" for piece in pools.sentences)
        return cls(pools.titles, pools.keywords, ended, size, seed)

    def layouts(self) -> Iterator[tuple[int, list[int], list[int]]]:
        """Per document, in order: title, keyword and sentence indexes into the pools."""
        rng = random.Random(self.seed)
        titles, keywords, sentences = len(self.titles), len(self.keywords), len(self.sentences)
        for _ in range(self.size):
            yield (
                rng.randrange(titles),
                [rng.randrange(keywords) for _ in range(rng.randint(2, 5))],
                [rng.randrange(sentences) for _ in range(rng.randint(3, 8))],
            )

    def texts(self) -> Iterator[dict[str, str]]:
        for title, words, pieces in self.layouts():
            yield {
                "title": self.titles[title],
                "keywords": "；".join(self.keywords[k] for k in words) + "；",
                "body": "".join(self.sentences[s] for s in pieces),
            }


def queries(corpus: Corpus, count: int, analyzer: Any, seed: int = SEED + 1) -> list[str]:
    """Alternately one or two CSL keywords and a fragment of one to four words cut from a title."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        if len(out) % 2 == 0:
            words = [rng.choice(corpus.keywords) for _ in range(1 if rng.random() < 0.7 else 2)]
            out.append(" ".join(words))
            continue
        title = rng.choice(corpus.titles)
        tokens = analyzer.tokens(title, query=True)
        if not tokens:
            continue
        length = rng.randint(1, min(4, len(tokens)))
        first = rng.randrange(len(tokens) - length + 1)
        out.append(title[tokens[first].start : tokens[first + length - 1].end])
    return out


# ---------------------------------------------------------------- our index


def build_ours(corpus: Corpus, path: Path, analyzer: Any, *, progress: int = 100_000) -> dict[str, Any]:
    from kechuang.search.documents import SearchDocument
    from kechuang.search.index import SearchIndex

    index = SearchIndex(path, analyzer)

    def documents() -> Iterator[SearchDocument]:
        for number, text in enumerate(corpus.texts()):
            if progress and number and number % progress == 0:
                say(f"indexed {number:,} documents, {time.perf_counter() - started:.0f} s")
            yield SearchDocument(KIND, number, text, display={"title": text["title"]})

    started, cpu = time.perf_counter(), time.process_time()
    count = index.rebuild(documents())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    disk = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return {
        "docs": count,
        "seconds": seconds,
        "docs_per_s": count / seconds,
        "cpu_seconds": cpu,
        "docs_per_cpu_s": count / cpu,
        "disk_bytes": disk,
    }


def _analyse(texts: Sequence[dict[str, str]]) -> int:
    from kechuang.search.analysis import default_analyzer

    analyzer = default_analyzer()
    return sum(len(analyzer.tokens(value)) for text in texts for value in text.values() if value)


def _warm(_: int) -> int:
    from kechuang.search.analysis import default_analyzer

    return len(default_analyzer().groups)


def measure_analysis(corpus: Corpus, sample: int, workers: int) -> dict[str, Any]:
    """Index-segmentation analysis of the first ``sample`` documents' fields, here and in ``workers`` processes."""
    texts = [text for text, _ in zip(corpus.texts(), range(sample), strict=False)]
    _analyse(texts[:10])
    started, cpu = time.perf_counter(), time.process_time()
    tokens = _analyse(texts)
    single, cpu = time.perf_counter() - started, time.process_time() - cpu
    chunks = [texts[i : i + 250] for i in range(0, len(texts), 250)]
    with get_context("fork").Pool(workers) as pool:
        pool.map(_warm, range(workers * 4))  # dictionaries loaded before the clock starts
        started = time.perf_counter()
        pooled = sum(pool.map(_analyse, chunks))
        parallel = time.perf_counter() - started
    assert pooled == tokens
    return {
        "sample": len(texts),
        "tokens_per_doc": tokens / len(texts),
        "single_per_s": len(texts) / single,
        "single_per_cpu_s": len(texts) / cpu,
        "workers": workers,
        "parallel_per_s": len(texts) / parallel,
    }


def time_ours(
    engine: Any, texts: Sequence[str], *, warmup: int = 20
) -> tuple[list[float], list[float], list[float], list[list[str]], int]:
    """Per query, ms of ``Engine.search(limit=10)`` (wall clock and this process's CPU time) and of
    ``limit=1`` (the difference is what nine more hits with reasons and snippets cost); the keys found;
    how many queries were relaxed. CPU time shows the cost when other work shares the machine."""
    for text in texts[:warmup]:
        engine.search(text, limit=10)
    latencies, cpu, single, found, relaxed = [], [], [], [], 0
    for text in texts:
        started, cpu_started = time.perf_counter(), time.process_time()
        results = engine.search(text, limit=10)
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        found.append([hit.key for hit in results.hits])
        relaxed += results.relaxed
        started = time.perf_counter()
        engine.search(text, limit=1)
        single.append((time.perf_counter() - started) * 1000)
    return latencies, cpu, single, found, relaxed


# ---------------------------------------------------------------- bm25s


def build_bm25s(corpus: Corpus, analyzer: Any) -> tuple[Any, dict[str, int], dict[str, Any]]:
    """bm25s over our index terms; the term lists are assembled untimed, ``BM25.index`` is timed."""
    import bm25s
    from bm25s.tokenization import Tokenized

    vocab: dict[str, int] = {}

    def ids(text: str) -> list[int]:
        return [vocab.setdefault(term, len(vocab)) for term in analyzer.terms(text)]

    # Each piece is analysed once, when a document first uses it.
    titles: dict[int, list[int]] = {}
    keywords: dict[int, list[int]] = {}
    sentences: dict[int, list[int]] = {}
    started = time.perf_counter()
    corpus_ids = []
    for title, words, pieces in corpus.layouts():
        if title not in titles:
            titles[title] = ids(corpus.titles[title])
        terms = list(titles[title])
        for k in words:
            if k not in keywords:
                keywords[k] = ids(corpus.keywords[k])
            terms += keywords[k]
        for s in pieces:
            if s not in sentences:
                sentences[s] = ids(corpus.sentences[s])
            terms += sentences[s]
        corpus_ids.append(terms)
    prepare = time.perf_counter() - started
    vocab.setdefault("", len(vocab))  # bm25s scores documents without a query term against this one
    retriever = bm25s.BM25(backend="numpy")
    started, cpu = time.perf_counter(), time.process_time()
    retriever.index(Tokenized(ids=corpus_ids, vocab=vocab), show_progress=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    figures = {
        "seconds": seconds,
        "docs_per_s": corpus.size / seconds,
        "docs_per_cpu_s": corpus.size / cpu,
        "prepare_seconds": prepare,
        "terms_per_doc": statistics.fmean(len(doc) for doc in corpus_ids),
    }
    return retriever, vocab, figures


def time_bm25s(
    retriever: Any, vocab: dict[str, int], analyzer: Any, texts: Sequence[str], size: int, *, warmup: int = 20
) -> tuple[list[float], list[float], list[list[str]]]:
    """Wall-clock and CPU ms of query analysis plus ``BM25.retrieve(k=10)``, and the keys found (score > 0)."""
    from bm25s.tokenization import Tokenized

    from kechuang.search.documents import document_key

    k = min(10, size)

    def one(text: str) -> list[str]:
        ids = [vocab[term] for term in analyzer.terms(text, query=True) if term in vocab]
        if not ids:
            return []
        found = retriever.retrieve(Tokenized(ids=[ids], vocab=vocab), k=k, show_progress=False, n_threads=1)
        return [document_key(KIND, int(d)) for d, s in zip(found.documents[0], found.scores[0], strict=True) if s > 0]

    for text in texts[:warmup]:
        one(text)
    latencies, cpu, keys = [], [], []
    for text in texts:
        started, cpu_started = time.perf_counter(), time.process_time()
        keys.append(one(text))
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return latencies, cpu, keys


def overlap(ours: Sequence[Sequence[str]], theirs: Sequence[Sequence[str]]) -> dict[str, float]:
    """Mean of |ours ∩ theirs| / max(|ours|, |theirs|) over queries where either found something."""
    shares = [len(set(a) & set(b)) / max(len(a), len(b)) for a, b in zip(ours, theirs, strict=True) if a or b]
    return {"mean": statistics.fmean(shares) if shares else 0.0, "queries": len(shares)}


def summary(latencies: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "mean": statistics.fmean(latencies),
    }


# ---------------------------------------------------------------- run and report


def run(data: Path, *, docs: int, query_count: int, workdir: Path, sample: int = 5_000) -> dict[str, Any]:
    from kechuang.search.analysis import default_analyzer
    from kechuang.search.engine import Engine
    from kechuang.search.index import SearchIndex

    analyzer = default_analyzer()
    corpus = Corpus.from_pools(csl.pools(data), docs)
    texts = queries(corpus, query_count, analyzer)
    say(
        f"{docs:,} documents from {len(corpus.titles):,} titles, {len(corpus.keywords):,} keywords, "
        f"{len(corpus.sentences):,} sentences; {len(texts):,} queries"
    )
    figures: dict[str, Any] = {"docs": docs, "queries": len(texts), "seed": corpus.seed}
    figures["analysis"] = measure_analysis(corpus, min(sample, docs), os.cpu_count() or 1)
    say(f"analysis: {figures['analysis']['single_per_s']:,.0f} docs/s in one process")

    path = workdir / "index"
    figures["ours_build"] = build_ours(corpus, path, analyzer)
    say(f"our index built: {figures['ours_build']['docs_per_s']:,.0f} docs/s")
    engine = Engine(SearchIndex(path, analyzer))
    latencies, cpu, single, ours, relaxed = time_ours(engine, texts)
    figures["ours_query_1"] = summary(single)
    figures["ours_query_cpu"] = summary(cpu)
    figures["ours_query"] = summary(latencies) | {
        "relaxed": relaxed,
        "under_10": sum(len(keys) < 10 for keys in ours),
    }
    say(f"our queries: p95 {figures['ours_query']['p95']:.1f} ms")
    del engine

    retriever, vocab, figures["bm25s_build"] = build_bm25s(corpus, analyzer)
    say(f"bm25s built: {figures['bm25s_build']['docs_per_s']:,.0f} docs/s")
    latencies, cpu, theirs = time_bm25s(retriever, vocab, analyzer, texts, docs)
    figures["bm25s_query"] = summary(latencies)
    figures["bm25s_query_cpu"] = summary(cpu)
    figures["overlap"] = overlap(ours, theirs)
    figures["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    figures["load_after"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return figures


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def render(figures: dict[str, Any], host: dict[str, Any], command: str) -> str:
    build, query, cpu = figures["ours_build"], figures["ours_query"], figures["ours_query_cpu"]
    bm_build, bm_query, bm_cpu = figures["bm25s_build"], figures["bm25s_query"], figures["bm25s_query_cpu"]
    analysis, single = figures["analysis"], figures["ours_query_1"]
    verdict = "PASS" if query["p95"] <= P95_TARGET_MS else "FAIL"
    share = build["docs_per_cpu_s"] / analysis["single_per_cpu_s"]

    def pair(wall: dict[str, float], used: dict[str, float], key: str) -> str:
        return f"{wall[key]:,.1f} ms ({used[key]:,.1f} ms CPU)"

    lines = [
        f"Measured {host['date']}; command `{command}`.",
        "",
        csl.machine_line(host) + f" After the run {figures['load_after']}: other work shared the machine, so "
        "CPU time (this process's, all its threads) is given beside the wall clock.",
        "",
        f"Corpus: {figures['docs']:,} documents recombined from the CSL benchmark texts (seed {figures['seed']}; "
        f"title, 2–5 keywords, 3–8 abstract sentences each; {bm_build['terms_per_doc']:.0f} index terms a "
        f"document); {figures['queries']:,} queries, alternately CSL keywords and 1–4-word title fragments. "
        f"Peak memory of the run {figures['peak_rss_gib']:.1f} GiB.",
        "",
        "| measure | ours (jieba + tantivy) | bm25s 0.3.16 (numpy) | target | verdict |",
        "|---|---|---|---|---|",
        f"| index build | {build['docs_per_s']:,.0f} docs/s ({build['seconds']:,.0f} s, analysis included; "
        f"{build['disk_bytes'] / 2**30:.2f} GiB on disk) | {bm_build['docs_per_s']:,.0f} docs/s "
        f"({bm_build['seconds']:,.0f} s, from our terms) | – | – |",
        f"| index build per CPU-second | {build['docs_per_cpu_s']:,.0f} docs | {bm_build['docs_per_cpu_s']:,.0f} docs "
        "| – | – |",
        f"| query p50 | {pair(query, cpu, 'p50')} | {pair(bm_query, bm_cpu, 'p50')} | – | – |",
        f"| **query p95** | **{_ms(query['p95'])}** ({_ms(cpu['p95'])} CPU) | {pair(bm_query, bm_cpu, 'p95')} "
        f"| ≤ {P95_TARGET_MS:.0f} ms | **{verdict}** |",
        f"| query p99 | {pair(query, cpu, 'p99')} | {pair(bm_query, bm_cpu, 'p99')} | – | – |",
        f"| top-10 overlap with bm25s | {figures['overlap']['mean']:.2f} (mean of "
        f"{figures['overlap']['queries']:,} queries) | – | – | – |",
        "",
        f"Our query time is `Engine.search(limit=10)` end to end: analysis, the tantivy query (every word "
        f"required; {query['relaxed']:,} queries fell back to most words), and ten hits with snippets; "
        f"{query['under_10']:,} queries found fewer than ten documents. With `limit=1` the same queries take "
        f"{_ms(single['p50'])} (p50) and {_ms(single['p95'])} (p95): the rest is building nine more hits, each "
        "re-analysing the hit's stored text for match reasons and the snippet. bm25s's time includes our query "
        "analysis. Overlap is |ours ∩ bm25s| / the longer list, averaged over queries where either found "
        "something; it is low by design, since we require every word and weight the title and keywords.",
        "",
        f"Analysis alone (index segmentation of a {analysis['sample']:,}-document sample, "
        f"{analysis['tokens_per_doc']:.0f} tokens a document): {analysis['single_per_cpu_s']:,.0f} docs per "
        f"CPU-second in one process ({analysis['single_per_s']:,.0f} docs/s wall clock), "
        f"{analysis['parallel_per_s']:,.0f} docs/s in a pool of {analysis['workers']}. Per CPU-second the build "
        f"indexes {share:.0%} of what analysis alone does, so Python-side analysis is most of its cost; "
        "`SearchIndex.rebuild` analyses in the writing process, one document after another, so a build uses "
        "one core.",
    ]
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=csl.DEFAULT_DATA, help="the CSL directory (holds benchmark/)")
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--sample", type=int, default=5_000, help="documents in the analysis-only measurement")
    parser.add_argument("--workdir", type=Path, default=None, help="where the index goes (default: a temporary dir)")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    parser.add_argument("--doc", type=Path, default=csl.DOC, help=argparse.SUPPRESS)
    parser.add_argument("--save", type=Path, default=None, help="also write the figures (and machine) as JSON here")
    parser.add_argument("--render", type=Path, default=None, help="only render figures saved by --save")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.render:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
        host, figures, command = saved["host"], saved["figures"], saved["command"]
    else:
        host = csl.machine()
        (ROOT / "var").mkdir(exist_ok=True)
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="search-bench-", dir=ROOT / "var"))
        try:
            figures = run(args.data, docs=args.docs, query_count=args.queries, workdir=workdir, sample=args.sample)
        finally:
            if args.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)
        given = argv if argv is not None else sys.argv[1:]
        command = " ".join([".venv/bin/python benchmarks/search_speed.py", *given])
        if args.save:
            saved = {"host": host, "figures": figures, "command": command}
            args.save.write_text(json.dumps(saved, indent=1, ensure_ascii=False), encoding="utf-8")
    block = render(figures, host, command)
    print(block)
    if args.write_docs:
        csl.write_section(args.doc, START_MARKER, END_MARKER, block, heading=HEADING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
