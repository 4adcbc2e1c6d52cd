"""What apps hand the search index: one ``SearchDocument`` per findable object, from a registered provider.

Plain Python: the index and the benchmarks use these without Django. Each app registers a provider
for its kinds in its ``AppConfig.ready`` (``kechuang.search.registry.register``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Searchable text fields and their weight in ranking: a word in the title counts most.
FIELDS: dict[str, float] = {"title": 3.0, "keywords": 2.0, "body": 1.0}

# Filter fields: exact values, several per document (a district's region also lists its city and province).
FILTERS = ("region", "sector", "org_type", "organization")


@dataclass(frozen=True)
class SearchDocument:
    """One object as the index sees it.

    ``text`` maps each field of ``FIELDS`` to its text (Chinese and English together); ``filters``
    each name of ``FILTERS`` to its values; ``display`` is what a result shows (title in both
    languages, a subtitle, the URL), kept beside the index so a results page needs no query.
    """

    kind: str
    pk: int | str
    text: dict[str, str]
    filters: dict[str, list[str]] = field(default_factory=dict)
    display: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return document_key(self.kind, self.pk)


def document_key(kind: str, pk: int | str) -> str:
    return f"{kind}:{pk}"
