"""Run Django model validation and turn its errors into a :class:`DomainError`."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models

from kechuang.core.errors import DomainError, ErrorCode, errors_from_django


def clean_or_raise(instance: models.Model, *, exclude: Iterable[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=list(exclude) if exclude else None)
    except ValidationError as exc:
        raise DomainError(ErrorCode.VALIDATION, errors=errors_from_django(exc)) from exc
