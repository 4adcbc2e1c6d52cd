"""Personal access tokens for the API: shown once, kept as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import (
    AccessToken,
    User,
)
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require

TOKEN_PREFIX = "kc_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for, not a secret

# ---------------------------------------------------------------- access tokens


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_access_token(*, actor: User, name: str, expires_at: datetime | None = None) -> tuple[AccessToken, str]:
    """A new token for ``actor``. Returns the row and the token text, which is never stored or shown again."""
    require(actor, "accounts.create_access_token")
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.VALIDATION, errors={"name": [str(_("Give the token a name."))]})
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(ErrorCode.VALIDATION, errors={"expires_at": [str(_("The expiry must lie in the future."))]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=actor,
        name=name[:100],
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(raw),
        expires_at=expires_at,
    )
    record_event(actor=actor, verb="accounts:access_token:create", obj=token, diff={"name": [None, token.name]})
    return token, raw


@transaction.atomic
def revoke_access_token(*, actor: User, token: AccessToken) -> AccessToken:
    require(actor, "accounts.revoke_access_token", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, verb="accounts:access_token:revoke", obj=token)
    return token


def user_for_token(raw: str) -> User | None:
    """The active user a live token belongs to, noting when it was last used (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = AccessToken.objects.select_related("user").filter(digest=token_digest(raw), revoked_at__isnull=True).first()
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
