"""The site's analyzer: the shipped dictionary and synonyms plus the operators' own, refreshed when they change.

Each process keeps one analyzer; every ``CHECK_SECONDS`` it asks the database whether the
operators' terms changed (one small query) and rebuilds it if so. Synonyms apply to queries at
once; a new domain term changes how texts are segmented, so it reaches indexed documents with
their next update or ``kechuang search reindex``.
"""

from __future__ import annotations

import threading
import time

from django.db.models import Count, Max

from kechuang.search.analysis import Analyzer, parse_synonyms
from kechuang.search.models import DomainTerm, SynonymGroup

CHECK_SECONDS = 10.0

_lock = threading.Lock()
_state: dict[str, object] = {"analyzer": None, "version": None, "checked": 0.0}


def _version() -> tuple[object, ...]:
    terms = DomainTerm.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    groups = SynonymGroup.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return (terms["n"], terms["at"], groups["n"], groups["at"])


def _build() -> Analyzer:
    words = [(term.word, term.frequency) for term in DomainTerm.objects.all()]
    synonyms = [variants for group in SynonymGroup.objects.all() for variants in parse_synonyms(group.words)]
    return Analyzer(words=words, synonyms=synonyms)


def site_analyzer() -> Analyzer:
    with _lock:
        now = time.monotonic()
        analyzer = _state["analyzer"]
        if isinstance(analyzer, Analyzer) and now - float(_state["checked"]) < CHECK_SECONDS:  # type: ignore[arg-type]
            return analyzer
        version = _version()
        _state["checked"] = now
        if not isinstance(analyzer, Analyzer) or version != _state["version"]:
            analyzer = _build()
            _state["analyzer"], _state["version"] = analyzer, version
        return analyzer


def forget() -> None:
    """Rebuild on next use (tests, and after an operator's change in this process)."""
    with _lock:
        _state.update(analyzer=None, version=None, checked=0.0)
