"""Notarising a document's digest (存证): the generic record any organisation member may make."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization, User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import localized
from kechuang.core.permissions import require
from kechuang.ledger.evidence import EVIDENCE
from kechuang.ledger.models import Entry
from kechuang.ledger.services.records import record

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_TITLE = 200


def _digest(value: str | None, field: str, errors: dict[str, list[str]]) -> str | None:
    if value is None or value == "":
        return None
    text = value.strip().lower()
    if not _HEX64.match(text):
        errors[field] = [_("Give the digest as 64 hexadecimal characters.")]
        return None
    return text


def notarise(*, actor: User, organization: Organization, title: str, sha256: str, sm3: str | None = None) -> Entry:
    """Record evidence that ``organization`` held a document with these digests; the document is never stored.

    Rule ``ledger.notarise``: the actor is an approved member of the (active) organisation. The
    title and digests become public in the log. Joins the caller's transaction; audit
    ``ledger:entry:notarise``. Raises ``DomainError(VALIDATION)`` naming each bad field.
    """
    require(actor, "ledger.notarise", organization)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the document a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("Keep the title within %(count)d characters.") % {"count": MAX_TITLE}]
    digest = _digest(sha256, "sha256", errors)
    if digest is None and "sha256" not in errors:
        errors["sha256"] = [_("The SHA-256 digest is required.")]
    sm3_digest = _digest(sm3, "sm3", errors)
    if errors:
        raise DomainError(ErrorCode.VALIDATION, errors=errors)
    assert digest is not None  # noqa: S101 - the validation above made sure
    payload: dict[str, object] = {
        "title": title,
        "sha256": digest,
        "organization": {"name": localized(organization.name, "zh-hans"), "uscc": organization.uscc or ""},
    }
    if sm3_digest:
        payload["sm3"] = sm3_digest
    with transaction.atomic():
        entry = record(kind=EVIDENCE.name, payload=payload, actor=actor, organization=organization, subject=digest)
        record_event(actor=actor, verb="ledger:entry:notarise", obj=entry, diff={"sha256": [None, digest]})
    return entry
