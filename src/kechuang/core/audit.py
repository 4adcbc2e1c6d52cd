"""Audit events: one row per state change, written inside the service's transaction."""

from __future__ import annotations

import re
from typing import Any

from django.db import models

from kechuang.core.models import AuditEvent

VERB = re.compile(r"^[a-z_]+:[a-z_]+:[a-z_]+$")


def record_event(*, actor: Any, verb: str, obj: models.Model, diff: dict[str, Any] | None = None) -> AuditEvent:
    """Record that ``actor`` did ``verb`` (``app:object:action``) to ``obj``; ``diff`` maps field → [old, new]."""
    if not VERB.match(verb):
        raise ValueError(f"audit verb must look like 'app:object:action', not {verb!r}")
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        diff=diff or {},
    )


def diff_of(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value changed, as ``{field: [old, new]}``."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}
