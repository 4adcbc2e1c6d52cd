"""Keeping the index in step with the database: changes are queued after commit and applied by the worker."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django_tasks import task

from kechuang.search import registry
from kechuang.search.documents import document_key
from kechuang.search.selectors import site_index


@task()
def index_documents(kind: str, pks: list[Any]) -> int:
    """Bring the documents of ``kind`` with these keys up to date: rewrite the findable ones, drop the rest
    (deleted or no longer public). Returns how many were written."""
    found = registry.documents(kind, pks)
    present = {str(document.pk) for document in found}
    gone = [document_key(kind, pk) for pk in pks if str(pk) not in present]
    return site_index().write(found, delete=gone)


def schedule(kind: str, pks: Iterable[Any]) -> None:
    """Queue an index update for after the current transaction commits (nothing if it rolls back)."""
    keys = sorted({pk for pk in pks if pk is not None}, key=str)
    if keys:
        transaction.on_commit(partial(index_documents.enqueue, kind, keys))


def reindex(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the index from the database (all kinds, or these), in one commit; counts per kind."""
    chosen = list(kinds) if kinds is not None else registry.kinds()
    counts: dict[str, int] = {}

    def documents() -> Iterable[Any]:
        for kind in chosen:
            found = registry.documents(kind)
            counts[kind] = len(found)
            yield from found

    site_index().rebuild(documents(), kinds=None if kinds is None else chosen)
    return counts
