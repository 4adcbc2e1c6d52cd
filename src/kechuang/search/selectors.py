"""Reads of search: the site's index and engine (opened once per process under ``settings.SEARCH_INDEX_DIR``),
and search and match as pages and the API ask for them: checked arguments, labelled kinds, localised hits."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import localized
from kechuang.search import registry
from kechuang.search.documents import FILTERS
from kechuang.search.engine import Engine, Hit, Results
from kechuang.search.index import SearchIndex
from kechuang.search.lexicon import site_analyzer

_lock = threading.Lock()
_indexes: dict[Path, SearchIndex] = {}


def site_index() -> SearchIndex:
    """The index of this site (one object per directory and process), with the current site analyzer."""
    path = Path(settings.SEARCH_INDEX_DIR)
    analyzer = site_analyzer()
    with _lock:
        index = _indexes.get(path)
        if index is None:
            index = _indexes[path] = SearchIndex(path, analyzer)
    index.analyzer = analyzer
    return index


def site_engine() -> Engine:
    return Engine(site_index())


def close_indexes() -> None:
    """Forget the opened indexes (tests that point ``SEARCH_INDEX_DIR`` elsewhere)."""
    with _lock:
        _indexes.clear()


PER_PAGE = 10
MAX_PAGE = 100  # deep paging helps nobody and costs the index: refine the words instead


@dataclass
class Page:
    query: str
    results: Results
    page: int
    per_page: int
    kinds: list[dict[str, Any]]

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.results.total // self.per_page)))


def _kinds(kinds: Sequence[str]) -> list[str]:
    known = registry.kinds()
    unknown = sorted(set(kinds) - set(known))
    if unknown:
        raise DomainError(
            ErrorCode.VALIDATION,
            _("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(unknown)},
            errors={"kind": [_("Choose from: %(known)s.") % {"known": ", ".join(known)}]},
        )
    return list(kinds)


def search(
    query: str, *, kinds: Sequence[str] = (), filters: Mapping[str, Sequence[str]] | None = None, page: int = 1
) -> Page:
    """Page ``page`` of the documents matching ``query``, with a count per kind (anyone may search)."""
    chosen = _kinds(kinds)
    page = min(max(1, page), MAX_PAGE)
    cleaned = {name: [v for v in (filters or {}).get(name, ()) if v] for name in FILTERS}
    results = site_engine().search(
        query,
        kinds=chosen or None,
        filters=cleaned,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
        count_kinds=registry.kinds(),
    )
    kinds_out = [
        {"kind": kind, "label": str(registry.provider(kind).label), "count": results.counts.get(kind, 0)}
        for kind in registry.kinds()
    ]
    return Page(query, results, page, PER_PAGE, kinds_out)


def match(text: str, *, kinds: Sequence[str] = (), limit: int = 10, exclude: Sequence[str] = ()) -> Results:
    """The documents most like ``text``, each with the words that explain it."""
    return site_engine().match(text, kinds=_kinds(kinds) or None, limit=limit, exclude=exclude)


def hit_out(hit: Hit) -> dict[str, Any]:
    """A hit as pages and the API show it, in the active language."""
    display = hit.display
    _kind, _sep, pk = hit.key.partition(":")
    return {
        "kind": hit.kind,
        "id": pk,
        "title": localized(display.get("title")),
        "subtitle": localized(display.get("subtitle")),
        "badge": localized(display.get("badge")),
        "url": display.get("url", ""),
        "score": round(hit.score, 4),
        "matched": hit.matched,
        "snippet": [{"text": text, "mark": mark} for text, mark in hit.snippet],
    }
