"""``/api/v1/ledger``: log info, entries, proofs, receipts, and notarising evidence."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view

from kechuang.accounts.api import PUBLIC, PUBLIC_OPENAPI, actor
from kechuang.accounts.models import Organization
from kechuang.accounts.selectors import memberships_of
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.i18n import localized
from kechuang.core.idempotency import idempotent
from kechuang.ledger import kinds, selectors, services
from kechuang.ledger.canonical import parse_body
from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Entry
from kechuang.ledger.schemas import (
    ConsistencyProofOut,
    EntryOut,
    EvidenceIn,
    EvidenceMatchOut,
    EvidenceOut,
    InclusionProofOut,
    LogInfoOut,
)

router = Router(tags=["ledger"])


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _visible_entry(request: HttpRequest, index: int) -> Entry:
    """The entry at ``index`` if the caller may see it; not found otherwise (rule ``ledger.view_entry``)."""
    return selectors.get_entry_for(request.user, index)


def _integrity(exc: Exception) -> DomainError:
    return DomainError(ErrorCode.INTEGRITY, str(exc))


def entry_out(entry: Entry) -> dict[str, Any]:
    body = bytes(entry.body)
    envelope = parse_body(body)
    return {
        "index": entry.leaf.index,
        "kind": entry.kind,
        "version": entry.version,
        "recorded_at": entry.recorded_at,
        "integrated_at": entry.leaf.integrated_at,
        "record": envelope.get("record"),
        "commitment": envelope.get("commitment"),
        "body": _b64(body),
        "leaf_hash": _b64(bytes(entry.leaf_hash)),
        "sm3": bytes(entry.sm3).hex(),
        "organization": localized(entry.organization.name) if entry.organization else None,
    }


@router.get("/ledger/info", response=LogInfoOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI, summary="The log")
def info(request: HttpRequest) -> dict[str, Any]:
    latest = selectors.latest_checkpoint()
    return {
        "origin": settings.LEDGER_ORIGIN,
        "vkey": log_signer().vkey,
        "tree_size": latest.size if latest else 0,
        "root_hash": _b64(bytes(latest.root)) if latest else "",
        "checkpoint": selectors.checkpoint_text(latest) if latest else "",
        "witnesses": [item.partition("|")[2].strip() for item in settings.LEDGER_WITNESSES],
        "public_kinds": kinds.public_kinds(),
        "tiles_prefix": request.build_absolute_uri(reverse("tlog:checkpoint")).removesuffix("checkpoint"),
    }


@router.get("/ledger/entries/{index}", response=EntryOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def get_entry(request: HttpRequest, index: int) -> dict[str, Any]:
    """An integrated entry: public kinds for anyone; others for their recorder, its organisation and operators."""
    return entry_out(_visible_entry(request, index))


@router.get(
    "/ledger/entries/{index}/receipt",
    auth=PUBLIC,
    openapi_extra={**PUBLIC_OPENAPI, "responses": {200: {"content": {"text/plain": {}}}}},
    summary="A c2sp.org/tlog-proof@v1 receipt, verifiable offline",
)
def get_receipt(request: HttpRequest, index: int) -> HttpResponse:
    entry = _visible_entry(request, index)
    try:
        text = selectors.receipt_text(entry)
    except selectors.LedgerIntegrityError as exc:
        raise _integrity(exc) from None
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kechuang-{index}.tlog-proof"'
    return response


class InclusionQuery(Schema):
    index: int
    tree_size: int


class ConsistencyQuery(Schema):
    first: int
    second: int


@router.get("/ledger/proofs/inclusion", response=InclusionProofOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def inclusion(request: HttpRequest, query: Query[InclusionQuery]) -> dict[str, Any]:
    """RFC 6962 audit path of ``index`` in the published tree of ``tree_size``."""
    try:
        hashes = selectors.inclusion_proof(query.index, query.tree_size)
        leaf = selectors.read_tile(0, query.index // 256)[(query.index % 256) * 32 : (query.index % 256 + 1) * 32]
    except selectors.OutOfRangeError as exc:
        raise NotFound(str(exc)) from None
    return {
        "index": query.index,
        "tree_size": query.tree_size,
        "leaf_hash": _b64(leaf),
        "hashes": [_b64(h) for h in hashes],
    }


@router.get("/ledger/proofs/consistency", response=ConsistencyProofOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def consistency(request: HttpRequest, query: Query[ConsistencyQuery]) -> dict[str, Any]:
    """RFC 6962 consistency proof between two published tree sizes (empty when they are equal)."""
    try:
        hashes = selectors.consistency_proof(query.first, query.second)
    except selectors.OutOfRangeError as exc:
        raise NotFound(str(exc)) from None
    return {"first": query.first, "second": query.second, "hashes": [_b64(h) for h in hashes]}


# ---------------------------------------------------------------- evidence


def _organization_for(request: HttpRequest, wanted: int | None) -> Organization:
    approved = [
        m.organization for m in memberships_of(actor(request)).filter(status="approved").select_related("organization")
    ]
    if wanted is not None:
        for organization in approved:
            if organization.pk == wanted:
                return organization
        raise DomainError(ErrorCode.PERMISSION_DENIED, _("You are not an approved member of that organization."))
    if not approved:
        raise DomainError(ErrorCode.PERMISSION_DENIED, _("Only members of an organization may notarise documents."))
    if len({o.pk for o in approved}) > 1:
        raise DomainError(
            ErrorCode.VALIDATION, errors={"organization": [_("You belong to several organizations; say which.")]}
        )
    return approved[0]


def evidence_out(request: HttpRequest, entry: Entry, index: int | None) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "status": "pending" if index is None else "integrated",
        "index": index,
        "leaf_hash": _b64(bytes(entry.leaf_hash)),
        "receipt_url": None if index is None else reverse("api:get_receipt", kwargs={"index": index}),
        "status_url": reverse("api:get_evidence", kwargs={"entry_id": entry.pk}),
    }


@router.post("/ledger/evidence", response={201: EvidenceOut, 202: EvidenceOut}, summary="Notarise a document's digest")
@decorate_view(idempotent)
def notarise(request: HttpRequest, payload: EvidenceIn) -> Status[dict[str, Any]]:
    """Logs title + digest for one of your organisations (any approved member may). 201 with the index once the
    sequencer has integrated the entry (waiting up to KECHUANG_LEDGER_WAIT_SECONDS); otherwise 202 and a status URL."""
    organization = _organization_for(request, payload.organization)
    entry = services.notarise(
        actor=actor(request), organization=organization, title=payload.title, sha256=payload.sha256, sm3=payload.sm3
    )
    index = None
    if not transaction.get_connection().in_atomic_block:
        try:
            index = services.wait_for_index(entry, timeout=settings.LEDGER_WAIT_SECONDS)
        except services.NotIntegratedError:
            index = None
    return Status(202 if index is None else 201, evidence_out(request, entry, index))


@router.get("/ledger/evidence/{entry_id}", response=EvidenceOut, summary="Whether your evidence has been integrated")
def get_evidence(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    entry = selectors.get_recorded_entry_for(request.user, entry_id)
    if entry.kind != "evidence":
        raise NotFound()
    leaf = getattr(entry, "leaf", None)
    return evidence_out(request, entry, leaf.index if leaf else None)


class DigestQuery(Schema):
    sha256: str


@router.get("/ledger/evidence", response=list[EvidenceMatchOut], auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def find_evidence(request: HttpRequest, query: Query[DigestQuery]) -> list[dict[str, Any]]:
    """Integrated evidence of a document, by its SHA-256: check a file against the log."""
    found = selectors.public_entries().filter(kind="evidence", subject=query.sha256.strip().lower())[:50]
    out = []
    for entry in found:
        record = parse_body(bytes(entry.body)).get("record") or {}
        out.append(
            {
                "index": entry.leaf.index,
                "title": record.get("title", ""),
                "organization": (record.get("organization") or {}).get("name", ""),
                "recorded_at": entry.recorded_at,
            }
        )
    return out
