"""Expert affinity for review assignment: how well each expert's published works match each document.

:func:`score` compares every work of every expert with every document, lexically (TF-IDF cosine or
BM25 over the analyzer's terms) and, when an encoder is given, by the cosine of sentence embeddings;
it aggregates over an expert's works (the best match, or the mean of the best ``k``) and returns an
experts × documents sparse matrix that keeps the ``keep`` best experts of each document.

The defaults were chosen on the only labelled data we have, the gold standard of Stelmakh et al.
(``benchmarks/reviewer_affinity.py``; figures in docs/benchmarks.md), so they are fitted to it.

Plain Python with no Django import, except that ``encoder="auto"`` reads the ``EMBEDDING_MODEL``
setting when Django is configured.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kechuang.search.analysis import Analyzer, default_analyzer

Method = Literal["tfidf", "bm25"]
Aggregate = Literal["max", "top-k"]
Matrix = npt.NDArray[np.float32]

BM25_K1 = 1.2
BM25_B = 0.75
# Dense work × document blocks are kept under this many cells (64 MB of float32) at a time.
_BLOCK_CELLS = 16_000_000


class TextEncoder(Protocol):
    """Anything that turns texts into one embedding row each (``search.encoder.Encoder``)."""

    def encode(self, texts: Sequence[str]) -> Matrix: ...


@dataclass(frozen=True)
class Work:
    """One publication of an expert; ``text`` is the full text where we have it."""

    title: str
    abstract: str = ""
    text: str = ""
    year: int | None = None


@dataclass(frozen=True)
class Expert:
    key: str
    works: Sequence[Work] = ()


@dataclass(frozen=True)
class Document:
    """A document to be reviewed (a proposal, a paper)."""

    key: str
    title: str
    abstract: str = ""
    text: str = ""


@dataclass(frozen=True)
class Affinity:
    """Scores in [0, 1], experts × documents (``matrix[i, j]`` for ``experts[i]``, ``documents[j]``).

    Pairs left out of the sparse matrix (not among a document's ``keep`` best, or no match at all)
    score 0.
    """

    matrix: sp.csr_matrix
    experts: tuple[str, ...]
    documents: tuple[str, ...]
    _expert_index: dict[str, int] = field(init=False, repr=False, compare=False)
    _document_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_expert_index", {key: i for i, key in enumerate(self.experts)})
        object.__setattr__(self, "_document_index", {key: j for j, key in enumerate(self.documents)})

    def get(self, expert: str, document: str) -> float:
        """The score of one pair; ``KeyError`` for an unknown expert or document."""
        return float(self.matrix[self._expert_index[expert], self._document_index[document]])

    def top(self, document: str, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` best experts for ``document`` with their scores, best first (ties by expert order)."""
        column = self.matrix[:, [self._document_index[document]]].tocoo()
        order = sorted(
            zip(column.row.tolist(), column.data.tolist(), strict=True), key=lambda pair: (-pair[1], pair[0])
        )
        return [(self.experts[row], value) for row, value in order[:n] if value > 0]


def score(
    experts: Sequence[Expert],
    documents: Sequence[Document],
    *,
    method: Method = "tfidf",
    aggregate: Aggregate = "top-k",
    k: int = 3,
    encoder: TextEncoder | Literal["auto"] | None = None,
    dense_weight: float = 0.7,
    keep: int | None = 50,
    max_works: int | None = None,
    analyzer: Analyzer | None = None,
) -> Affinity:
    """Affinity of every expert to every document.

    ``aggregate`` "max" takes an expert's best-matching work, "top-k" the mean of her ``k`` best
    (of all she has when fewer). ``max_works`` keeps only each expert's most recent works (by year,
    undated last). ``encoder`` adds the cosine of embeddings of title and abstract: "auto" loads
    the model named by the Django setting ``EMBEDDING_MODEL`` and does without when Django is not
    configured or the setting is empty. Lexical and dense scores are mixed as
    ``(1 - dense_weight) · lexical + dense_weight · dense`` after each is standardised over the whole
    matrix (so the order of documents for one expert, which assignment trades on, is kept), then the
    mix is rescaled to [0, 1]. Without an encoder the score is the lexical one: the TF-IDF cosine,
    or BM25 divided by the document's BM25 against itself. An expert without works scores 0.
    ``keep`` is how many experts each document keeps (None: all), so 5,000 experts × 2,000
    documents stay sparse.
    """
    if aggregate not in ("max", "top-k") or method not in ("tfidf", "bm25") or k < 1:
        raise ValueError(f"unknown method {method!r} or aggregate {aggregate!r}, or k {k} < 1")
    works_of = [_recent(expert.works, max_works) for expert in experts]
    works = [work for chosen in works_of for work in chosen]
    counts = np.array([len(chosen) for chosen in works_of], dtype=np.int64)
    analyzer = analyzer or default_analyzer()
    if encoder == "auto":
        encoder = configured_encoder()

    lexical = _aggregate(*_lexical(works, documents, method, analyzer), counts, aggregate, k)
    if encoder is None or not works or not documents:
        combined = np.clip(lexical, 0.0, 1.0)
    else:
        work_vectors = encoder.encode([_summary(w.title, w.abstract, w.text) for w in works])
        document_vectors = encoder.encode([_summary(d.title, d.abstract, d.text) for d in documents])
        dense = _aggregate(work_vectors, document_vectors, counts, aggregate, k)
        present = counts > 0  # experts without works stay out of the statistics and score 0
        combined = np.zeros_like(lexical)
        combined[present] = (1.0 - dense_weight) * _standardise(lexical[present]) + dense_weight * _standardise(
            dense[present]
        )
        low, high = float(combined[present].min()), float(combined[present].max())
        combined[present] = (combined[present] - low) / (high - low) if high > low else 0.0
    return Affinity(
        matrix=_sparsify(combined.astype(np.float32), keep),
        experts=tuple(expert.key for expert in experts),
        documents=tuple(document.key for document in documents),
    )


def configured_encoder() -> TextEncoder | None:
    """The encoder of the Django setting ``EMBEDDING_MODEL``; None when Django is not set up or it is empty.

    A setting that names a directory which is not a usable model raises (``FileNotFoundError`` or
    ``encoder.UnsupportedModelError``): a configured model that silently does nothing would go unnoticed.
    """
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:
        return None
    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return None
    try:
        path = str(getattr(settings, "EMBEDDING_MODEL", "") or "")
    except ImproperlyConfigured:
        return None
    if not path:
        return None
    from kechuang.search.encoder import load_encoder

    return load_encoder(path)


# ---------------------------------------------------------------- lexical


def _lexical(
    works: Sequence[Work], documents: Sequence[Document], method: Method, analyzer: Analyzer
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Work and document term matrices whose product is the lexical score of each (work, document)."""
    vocabulary: dict[str, int] = {}
    work_counts = _counts([f"{w.title}\n{w.abstract}\n{w.text}" for w in works], vocabulary, analyzer)
    document_counts = _counts([f"{d.title}\n{d.abstract}\n{d.text}" for d in documents], vocabulary, analyzer)
    size = len(vocabulary)
    work_counts.resize((len(works), size))
    document_counts.resize((len(documents), size))
    # Document frequency over works and documents together: both are the "collection" here.
    frequency = np.bincount(work_counts.indices, minlength=size) + np.bincount(document_counts.indices, minlength=size)
    total = len(works) + len(documents)
    if method == "tfidf":
        idf = np.log((1.0 + total) / (1.0 + frequency)) + 1.0
        return _tfidf(work_counts, idf), _tfidf(document_counts, idf)
    idf = np.log(1.0 + (total - frequency + 0.5) / (frequency + 0.5))
    lengths = np.asarray(work_counts.sum(axis=1)).ravel()
    average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
    # BM25 with the document as the query and each work as the indexed text, divided by the
    # document's score against itself so that long and short documents compare.
    indexed = _bm25_weights(work_counts, idf, average)
    query = document_counts.copy()
    query.data = np.ones_like(query.data)
    own = np.asarray(_bm25_weights(document_counts, idf, average).multiply(query).sum(axis=1)).ravel()
    query = sp.diags(1.0 / np.maximum(own, 1e-9)) @ query
    return indexed, sp.csr_matrix(query)


def _counts(texts: Sequence[str], vocabulary: dict[str, int], analyzer: Analyzer) -> sp.csr_matrix:
    indptr, indices, data = [0], [], []
    analysed: dict[str, Counter[str]] = {}  # co-authors share works: analyse each text once
    for text in texts:
        counted = analysed.get(text)
        if counted is None:
            counted = analysed[text] = Counter(analyzer.terms(text))
        for term, count in counted.items():
            indices.append(vocabulary.setdefault(term, len(vocabulary)))
            data.append(count)
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(len(texts), max(len(vocabulary), 1)),
    )


def _tfidf(counts: sp.csr_matrix, idf: npt.NDArray[np.float64]) -> sp.csr_matrix:
    """Sublinear term frequency × idf, rows scaled to unit length (so products are cosines)."""
    weighted = counts.copy()
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = sp.csr_matrix(weighted @ sp.diags(idf))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ weighted)


def _bm25_weights(counts: sp.csr_matrix, idf: npt.NDArray[np.float64], average: float) -> sp.csr_matrix:
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    per_row = BM25_K1 * (1.0 - BM25_B + BM25_B * lengths / average)
    weighted = counts.copy()
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    weighted.data = weighted.data * (BM25_K1 + 1.0) / (weighted.data + per_row[rows])
    return sp.csr_matrix(weighted @ sp.diags(idf))


# ---------------------------------------------------------------- aggregation


def _aggregate(
    works: sp.csr_matrix | Matrix,
    documents: sp.csr_matrix | Matrix,
    counts: npt.NDArray[np.int64],
    how: Aggregate,
    k: int,
) -> Matrix:
    """Experts × documents: each expert's works scored against each document, then aggregated.

    ``works`` holds the experts' works in expert order, ``counts[i]`` of them for expert ``i``.
    Work × document scores are computed a block of documents at a time, so memory stays bounded.
    """
    experts = len(counts)
    out = np.zeros((experts, documents.shape[0]), dtype=np.float32)
    present = counts > 0
    if not present.any() or documents.shape[0] == 0:
        return out
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[present]
    widest = int(counts.max())
    # Each expert's works as a row of indices into the block, padded with a row of NaN.
    slots = np.arange(widest)[None, :]
    padded = np.where(slots < counts[present, None], starts[:, None] + slots, works.shape[0])
    per_cell = max(works.shape[0], int(present.sum()) * (widest if how == "top-k" else 1))
    step = max(1, _BLOCK_CELLS // per_cell)
    for first in range(0, documents.shape[0], step):
        product = works @ documents[first : first + step].T
        if isinstance(product, np.ndarray):
            block = product.astype(np.float32, copy=False)
        else:
            block = np.asarray(product.toarray(), dtype=np.float32)
        if how == "max":
            out[present, first : first + step] = np.maximum.reduceat(block, starts, axis=0)
            continue
        block = np.vstack([block, np.full((1, block.shape[1]), np.nan, dtype=np.float32)])
        grouped = block[padded]  # experts × widest × documents
        if widest > k:
            # The k largest along the works axis; padding (NaN) sorts last as -inf and is NaN again after.
            filled = np.where(np.isnan(grouped), -np.inf, grouped)
            grouped = -np.partition(-filled, k - 1, axis=1)[:, :k]
            grouped[np.isneginf(grouped)] = np.nan
        out[present, first : first + step] = np.nanmean(grouped, axis=1)
    return out


def _standardise(scores: Matrix) -> Matrix:
    spread = float(scores.std())
    return (scores - float(scores.mean())) / spread if spread > 0 else np.zeros_like(scores)


def _sparsify(scores: Matrix, keep: int | None) -> sp.csr_matrix:
    """The ``keep`` highest positive scores of each document (column); the rest dropped.

    Exactly ``keep`` per document: among experts tied at the cut, which are kept is arbitrary.
    """
    if keep is None or keep >= scores.shape[0]:
        return sp.csr_matrix(scores)
    if keep <= 0 or scores.shape[1] == 0:
        return sp.csr_matrix(scores.shape, dtype=np.float32)
    rows = np.argpartition(-scores, keep - 1, axis=0)[:keep]  # keep × documents
    columns = np.broadcast_to(np.arange(scores.shape[1]), rows.shape)
    values = scores[rows, columns]
    positive = values > 0
    return sp.csr_matrix((values[positive], (rows[positive], columns[positive])), shape=scores.shape)


# ---------------------------------------------------------------- texts


def _recent(works: Sequence[Work], limit: int | None) -> list[Work]:
    if limit is None or len(works) <= limit:
        return list(works)
    # Stable sort: among works of one year (or undated) the caller's order decides.
    return sorted(works, key=lambda work: -(work.year if work.year is not None else -math.inf))[:limit]


def _summary(title: str, abstract: str, text: str) -> str:
    """What the encoder reads: title and abstract (the model truncates; a full text only stands in)."""
    return f"{title}. {abstract or text}".strip(". ")
