"""The kinds of record the log takes: each app registers its own (name, schema version, who may read it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


class UnknownKindError(LookupError):
    """A record of a kind nobody registered."""


@dataclass(frozen=True)
class Kind:
    """``public`` kinds are listed in the public entry browser and their receipts are open to anyone."""

    name: str
    version: int
    label: str | Promise
    public: bool = False


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind (idempotent for the same definition); a different definition under a taken name is an error."""
    if not _NAME.match(kind.name) or len(kind.name) > 64:
        raise ValueError(f"kind names are dotted lower-case identifiers, not {kind.name!r}")
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"kind {kind.name!r} is already registered differently")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKindError(f"no record kind {name!r} is registered") from None


def public_kinds() -> list[str]:
    return sorted(name for name, kind in _KINDS.items() if kind.public)


def all_kinds() -> list[Kind]:
    return [_KINDS[name] for name in sorted(_KINDS)]
