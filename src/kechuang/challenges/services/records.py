"""Shared steps of the challenges services: locking a list's row, and logging to the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kechuang.accounts.models import User
from kechuang.challenges.models import Challenge
from kechuang.core.i18n import localized
from kechuang.ledger.kinds import Kind
from kechuang.ledger.models import Entry
from kechuang.ledger.services import record


def locked(challenge: Challenge) -> Challenge:
    """The list's row, re-read under a row lock (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers).

    Every change to the money columns goes through this, in the caller's transaction, so two
    releases cannot both read the same running total.
    """
    return Challenge.objects.select_for_update().get(pk=challenge.pk)


def subject_of(challenge: Challenge) -> str:
    """The key ledger entries of one list share, so its records can be listed together."""
    return f"challenge:{challenge.pk}"


def log(kind: Kind, *, challenge: Challenge, actor: User | None, payload: Mapping[str, Any]) -> Entry:
    """Append a public record about ``challenge`` (joins the caller's transaction); amounts are integer fen."""
    body = {
        "challenge": {"id": challenge.pk, "title": localized(challenge.title, "zh-hans")},
        "issuer": {"id": challenge.issuer_id, "name": localized(challenge.issuer.name, "zh-hans")},
        **payload,
    }
    return record(
        kind=kind.name, payload=body, actor=actor, organization=challenge.issuer, subject=subject_of(challenge)
    )
