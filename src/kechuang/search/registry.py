"""Document providers: each app tells search which of its objects are findable and how they read.

A provider names its kind, the model whose changes reach the index, the objects that may be found
(public ones only: results are shown to anyone), and how one object becomes a ``SearchDocument``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.db.models import Model, QuerySet

from kechuang.search.documents import SearchDocument


class Provider(Protocol):
    kind: str
    label: Any  # lazily translated plural name ("专家 / Experts")
    model: type[Any]  # a Django model class
    # Other models whose changes change this kind's documents (an expert's works), each with how to find
    # the keys of the documents a changed object touches.
    dependents: dict[type[Model], Callable[[Any], Iterable[Any]]]

    def queryset(self) -> QuerySet[Any]:
        """Every object of this kind that may be found, with what ``document`` reads prefetched."""
        ...

    def document(self, obj: Any) -> SearchDocument:
        """The object as the index sees it (it is in ``queryset()``)."""
        ...


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Make ``provider``'s kind findable and keep it current: saves and deletes of its model and dependents
    queue index updates for after their transaction commits."""
    if provider.kind in _PROVIDERS:
        if type(_PROVIDERS[provider.kind]) is not type(provider):
            raise ValueError(f"search kind {provider.kind!r} is registered twice")
        return
    _PROVIDERS[provider.kind] = provider
    from kechuang.search.signals import follow

    follow(provider)


def providers() -> list[Provider]:
    return list(_PROVIDERS.values())


def provider(kind: str) -> Provider:
    return _PROVIDERS[kind]


def kinds() -> list[str]:
    return list(_PROVIDERS)


def documents(kind: str, pks: Iterable[Any] | None = None) -> list[SearchDocument]:
    """Documents of ``kind`` (all, or those of ``pks`` that may be found)."""
    source = _PROVIDERS[kind]
    objects = source.queryset()
    if pks is not None:
        objects = objects.filter(pk__in=list(pks))
    return [source.document(obj) for obj in objects]
