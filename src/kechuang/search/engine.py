"""Searching and matching over a ``SearchIndex``: queries from people's words, results with snippets and reasons.

Queries are never parsed as tantivy syntax: the text is analysed into terms and the query is built
from them, so quotes, brackets, colons or 10,000 characters of anything are just words. Every word
(or synonym group) must match, in any field; when nothing matches them all, results matching most
of them are shown instead and flagged ``relaxed``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import tantivy

from kechuang.search.analysis import Analyzer
from kechuang.search.documents import FIELDS
from kechuang.search.index import SearchIndex

MAX_QUERY_CHARS = 200  # longer queries are cut here (and say so): nobody types more into a search box
MAX_MATCH_CHARS = 20_000  # a need or an achievement to match: its first 20,000 characters
MATCH_TERMS = 30  # the most distinctive terms of a text to match on
# Words in more than this share of the documents explain no match (研究, 公司, technology), as TF-IDF's max_df;
# applied once the index holds enough documents for a share to mean something.
MATCH_MAX_SHARE = 0.3
MATCH_MIN_DOCUMENTS = 20
SYNONYM_WEIGHT = 0.8  # a synonym's match counts a little less than the word itself
SNIPPET_CHARS = 140

_PHRASES = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」')

Alternatives = tuple[tuple[str, ...], ...]


@dataclass
class Hit:
    key: str
    kind: str
    score: float
    display: dict[str, Any]
    matched: dict[str, list[str]]  # field → the words of the document that matched, as written there
    snippet: list[tuple[str, bool]]  # text pieces, True for the highlighted ones


@dataclass
class Results:
    hits: list[Hit]
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # per kind, for the same words and filters
    relaxed: bool = False
    truncated: bool = False
    terms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Unit:
    """A word or phrase of the query with the ways it may appear (itself, its synonyms)."""

    alternatives: Alternatives


def _count(result: tantivy.SearchResult) -> int:
    """How many documents matched (``search(count=True)``, the default; the type stubs leave it out)."""
    return int(result.count)  # type: ignore[attr-defined]


def _field_query(schema: tantivy.Schema, name: str, terms: tuple[str, ...]) -> tantivy.Query:
    if len(terms) == 1:
        return tantivy.Query.term_query(schema, name, terms[0])
    return tantivy.Query.phrase_query(schema, name, list(terms))


def unit_query(schema: tantivy.Schema, unit: Unit, weight: float = 1.0) -> tantivy.Query:
    clauses = []
    for number, terms in enumerate(unit.alternatives):
        factor = weight * (1.0 if number == 0 else SYNONYM_WEIGHT)
        for name, boost in FIELDS.items():
            clauses.append(
                (tantivy.Occur.Should, tantivy.Query.boost_query(_field_query(schema, name, terms), boost * factor))
            )
    return tantivy.Query.boolean_query(clauses)


class Engine:
    """Search and match over one index with its analyzer."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.schema = index.schema

    @property
    def analyzer(self) -> Analyzer:
        return self.index.analyzer

    # ------------------------------------------------------------ query building

    def units(self, text: str) -> list[Unit]:
        """The query's units: quoted phrases as written, other words grouped with their synonyms."""
        units: list[Unit] = []
        rest = []
        position = 0
        for match in _PHRASES.finditer(text):
            rest.append(text[position : match.start()])
            position = match.end()
            quoted = next(group for group in match.groups() if group is not None)
            terms = tuple(self.analyzer.terms(quoted, query=True))
            # "量子 计算" also as 量子计算: the index keeps the words inside a long word at its position.
            closed = tuple(
                self.analyzer.terms(re.sub(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])", "", quoted), query=True)
            )
            if terms:
                alternatives = (terms, closed) if closed and closed != terms else (terms,)
                units.append(Unit(alternatives))
        rest.append(text[position:])
        words = self.analyzer.terms(" ".join(rest), query=True)
        units += [Unit(alternatives) for _unit, alternatives in self.analyzer.expand(words)]
        return list(dict.fromkeys(units))

    def _filtered(
        self, query: tantivy.Query | None, kinds: Sequence[str] | None, filters: Mapping[str, Sequence[str]]
    ) -> tantivy.Query:
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if query is not None:
            clauses.append((tantivy.Occur.Must, query))
        if kinds:
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, "kind", list(kinds))))
        for name, values in filters.items():
            if values:
                clauses.append((tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, name, list(values))))
        if not clauses:
            return tantivy.Query.all_query()
        if query is None:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    # ------------------------------------------------------------ search

    def search(
        self,
        text: str,
        *,
        kinds: Sequence[str] | None = None,
        filters: Mapping[str, Sequence[str]] | None = None,
        offset: int = 0,
        limit: int = 10,
        count_kinds: Sequence[str] = (),
    ) -> Results:
        """Documents matching every unit of ``text`` (or most of them, ``relaxed``), best first.

        With no words, the filters alone choose (browsing); with neither, nothing is found.
        ``count_kinds`` adds a per-kind count for the same words and filters.
        """
        filters = filters or {}
        truncated = len(text) > MAX_QUERY_CHARS
        units = self.units(text[:MAX_QUERY_CHARS])
        if not units and not any(filters.values()) and not kinds:
            return Results([], 0, truncated=truncated)
        terms = [term for unit in units for alternative in unit.alternatives for term in alternative]
        searcher = self.index.searcher()
        relaxed = False
        core = self._core(units, must=True)
        found = searcher.search(self._filtered(core, kinds, filters), limit=limit, offset=offset)
        if _count(found) == 0 and len(units) > 1:
            relaxed = True
            core = self._core(units, must=False)
            found = searcher.search(self._filtered(core, kinds, filters), limit=limit, offset=offset)
        hits = [self._hit(searcher, score, address, terms) for score, address in found.hits]
        counts = {kind: _count(searcher.search(self._filtered(core, [kind], filters), limit=1)) for kind in count_kinds}
        return Results(hits, _count(found), counts, relaxed, truncated, terms)

    def _core(self, units: list[Unit], *, must: bool) -> tantivy.Query | None:
        if not units:
            return None
        occur = tantivy.Occur.Must if must else tantivy.Occur.Should
        return tantivy.Query.boolean_query([(occur, unit_query(self.schema, unit)) for unit in units])

    # ------------------------------------------------------------ match

    def match(
        self,
        text: str,
        *,
        kinds: Sequence[str] | None = None,
        filters: Mapping[str, Sequence[str]] | None = None,
        limit: int = 10,
        exclude: Sequence[str] = (),
    ) -> Results:
        """Documents most like ``text`` (a need, a challenge, an achievement), each with the words that explain it.

        The text's ``MATCH_TERMS`` most distinctive words (term frequency × inverse document frequency,
        synonyms counted together) each add to a document's score; none is required.
        """
        searcher = self.index.searcher()
        weighted = self._distinctive(searcher, text[:MAX_MATCH_CHARS])
        if not weighted:
            return Results([], 0)
        top = max(weight for _unit, weight in weighted)
        core = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, unit_query(self.schema, unit, weight / top)) for unit, weight in weighted]
        )
        query = self._filtered(core, kinds, filters or {})
        if exclude:
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query)]
                + [(tantivy.Occur.MustNot, tantivy.Query.term_query(self.schema, "key", key)) for key in exclude]
            )
        found = searcher.search(query, limit=limit)
        terms = [term for unit, _w in weighted for alternative in unit.alternatives for term in alternative]
        hits = [self._hit(searcher, score, address, terms) for score, address in found.hits]
        return Results(hits, _count(found), terms=terms)

    def _distinctive(self, searcher: tantivy.Searcher, text: str) -> list[tuple[Unit, float]]:
        words = self.analyzer.terms(text, query=True)
        counts = Counter(tuple(alternatives) for _unit, alternatives in self.analyzer.expand(words))
        total = max(1, searcher.num_docs)
        weighted = []
        for alternatives, frequency in counts.items():
            documents = max(self._document_frequency(searcher, terms) for terms in alternatives)
            if documents == 0:
                continue  # a word no document has cannot explain a match
            if total >= MATCH_MIN_DOCUMENTS and documents > MATCH_MAX_SHARE * total:
                continue
            idf = math.log(1 + (total - documents + 0.5) / (documents + 0.5))
            weighted.append((Unit(alternatives), (1 + math.log(frequency)) * idf))
        weighted.sort(key=lambda pair: -pair[1])
        return weighted[:MATCH_TERMS]

    def _document_frequency(self, searcher: tantivy.Searcher, terms: tuple[str, ...]) -> int:
        # A phrase's frequency is bounded by its rarest word's: close enough for weighting.
        return min(max(int(searcher.doc_freq(name, term)) for name in FIELDS) for term in terms)

    # ------------------------------------------------------------ hits, reasons, snippets

    def _hit(self, searcher: tantivy.Searcher, score: float, address: tantivy.DocAddress, terms: list[str]) -> Hit:
        key, kind, stored = self.index.stored(searcher, address)
        wanted = set(terms)
        matched: dict[str, list[str]] = {}
        marks: dict[str, list[tuple[int, int]]] = {}
        for name in FIELDS:
            text = stored["text"].get(name, "")
            spans = [(t.start, t.end) for t in self.analyzer.tokens(text) if t.term in wanted] if text else []
            if spans:
                marks[name] = _outermost(spans)
                matched[name] = list(dict.fromkeys(text[start:end] for start, end in marks[name]))
        source = "body" if "body" in marks else next(iter(marks), "body")
        snippet = _snippet(stored["text"].get(source, ""), marks.get(source, []))
        return Hit(key, kind, float(score), stored["display"], matched, snippet)


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans not inside another (集成电路 rather than 集成 and 电路), in order."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if kept and start < kept[-1][1]:
            if end > kept[-1][1]:
                kept[-1] = (kept[-1][0], end)
            continue
        kept.append((start, end))
    return kept


def _snippet(text: str, marks: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """About ``SNIPPET_CHARS`` of ``text`` around its first marked words, as (piece, marked) pairs."""
    if not text:
        return []
    first = marks[0][0] if marks else 0
    start = max(0, first - SNIPPET_CHARS // 4)
    end = min(len(text), start + SNIPPET_CHARS)
    pieces: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    cursor = start
    for first_mark, last_mark in marks:
        if last_mark <= start or first_mark >= end:
            continue
        mark_start, mark_end = max(first_mark, start), min(last_mark, end)
        if mark_start > cursor:
            pieces.append((text[cursor:mark_start], False))
        pieces.append((text[mark_start:mark_end], True))
        cursor = mark_end
    if cursor < end:
        pieces.append((text[cursor:end], False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces
