"""The site's index and engine, opened once per process under ``settings.SEARCH_INDEX_DIR``."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from kechuang.search.engine import Engine
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
