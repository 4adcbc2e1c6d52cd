"""The one way a service checks a named rule."""

from __future__ import annotations

from typing import Any

from kechuang.core.errors import PermissionDenied


def require(actor: Any, permission: str, obj: Any = None) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``permission`` (a rule name) on ``obj``."""
    if actor is None or not actor.has_perm(permission, obj):
        raise PermissionDenied()
