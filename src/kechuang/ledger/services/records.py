"""Appending records: the service other apps call, inside their own transaction."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kechuang.accounts.models import Organization, User
from kechuang.ledger import kinds
from kechuang.ledger.canonical import RecordError, envelope
from kechuang.ledger.models import Entry, Leaf, Pending
from kechuang.ledger.tlog.merkle import leaf_hash


class NotIntegratedError(TimeoutError):
    """The entry was not integrated in the time allowed (is ``kechuang worker`` running?)."""


def record(
    *,
    kind: str,
    payload: Mapping[str, Any],
    actor: User | None,
    organization: Organization | None = None,
    commit: bool | None = None,
    subject: str = "",
) -> Entry:
    """Queue ``payload`` as an entry of ``kind``; returns the stored, not yet integrated, entry.

    Joins the caller's transaction: if the caller rolls back, the entry and its queue row go too and
    nothing is ever logged. With ``commit`` only a salted commitment is logged (the salt is kept on the
    entry for disclosure; the record stays in the caller's tables). Every entry's bytes are public
    (entry bundles), so a kind that is not public is always logged as a commitment; ``commit`` defaults
    to that. Raises ``UnknownKindError`` for an unregistered kind, ``RecordError`` for a payload JSON
    cannot carry or that is over 64 KiB, or a plain record of a private kind. The caller checks its
    own permission rule; the ledger only keeps the record.
    """
    definition = kinds.get(kind)
    if commit is None:
        commit = not definition.public
    elif not commit and not definition.public:
        raise RecordError(f"kind {kind!r} is not public: its records can only be logged as commitments")
    now = timezone.now()
    logged = envelope(kind=definition.name, version=definition.version, record=payload, moment=now, commit=commit)
    with transaction.atomic():
        entry = Entry.objects.create(
            kind=definition.name,
            version=definition.version,
            body=logged.body,
            leaf_hash=leaf_hash(logged.body),
            sm3=logged.sm3,
            salt=logged.salt,
            subject=subject,
            actor=actor,
            organization=organization,
            recorded_at=now,
        )
        Pending.objects.create(entry=entry)
    return entry


def record_many(*, kind: str, payloads: Sequence[Mapping[str, Any]], actor: User | None = None) -> list[Entry]:
    """Queue ``payloads`` as entries of ``kind``, in order: ``record`` for imports and backfills, in two INSERTs.

    Same envelope, checks and commitment rule as ``record`` with its defaults (a kind that is not
    public is logged as commitments); no subject or organisation, and every entry shares one
    ``recorded_at``. Joins the caller's transaction; a payload that fails ``record``'s checks raises
    before anything is written. Returns the stored entries, not yet integrated.
    """
    definition = kinds.get(kind)
    now = timezone.now()
    entries = []
    for payload in payloads:
        logged = envelope(
            kind=definition.name, version=definition.version, record=payload, moment=now, commit=not definition.public
        )
        entries.append(
            Entry(
                kind=definition.name,
                version=definition.version,
                body=logged.body,
                leaf_hash=leaf_hash(logged.body),
                sm3=logged.sm3,
                salt=logged.salt,
                actor=actor,
                recorded_at=now,
            )
        )
    with transaction.atomic():
        # Both databases return the new keys from a bulk INSERT (SQLite ≥ 3.35), which the queue rows need.
        Entry.objects.bulk_create(entries)
        Pending.objects.bulk_create([Pending(entry=entry) for entry in entries])
    return entries


def wait_for_index(entry: Entry, *, timeout: float, poll: float = 0.02) -> int:
    """Block until the sequencer has integrated ``entry``; returns its index or raises ``NotIntegratedError``.

    Call it after the transaction that recorded the entry has committed: inside it, no sequencer
    can see the entry, so this raises at once rather than waiting for nothing.
    """
    if connection.in_atomic_block:
        raise NotIntegratedError("the entry's transaction has not committed; the sequencer cannot see it yet")
    deadline = time.monotonic() + timeout
    while True:
        index = Leaf.objects.filter(entry_id=entry.pk).values_list("index", flat=True).first()
        if index is not None:
            return index
        if time.monotonic() >= deadline:
            raise NotIntegratedError(f"entry {entry.pk} was not integrated within {timeout:g} s")
        time.sleep(poll)
