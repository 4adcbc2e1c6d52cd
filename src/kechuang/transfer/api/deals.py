"""``/api/v1/transfer/deals``: open a deal, its terms and due-diligence record, the completers' answer, the
moves between stages, documents, and a unit's public-notice period.

Opening a deal and moving it accept an ``Idempotency-Key``. Refusals are problem+json: ``not_owner`` for
a deal on an achievement the selling unit does not own, ``invalid_state`` for a move out of order or a
step the law requires not done (first refusal, the public notice, the due-diligence record), with the
missing step named in ``errors``. Deals are seen only by their parties and operators (404 otherwise).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from kechuang.accounts.api import actor
from kechuang.accounts.models import Organization, User
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.i18n import localized
from kechuang.core.idempotency import idempotent
from kechuang.core.money import Money
from kechuang.core.paging import paginate
from kechuang.transfer.models import Deal, DealDocument
from kechuang.transfer.selectors import achievements as achievement_selectors
from kechuang.transfer.selectors import deals as selectors
from kechuang.transfer.services import deals as services

router = Router(tags=["transfer"])


class DealIn(Schema):
    achievement: int
    seller: int = Field(description="your unit, which owns the achievement")
    buyer: int
    kind: str = Field(description="assignment | licence | equity | co_development")
    licence_scope: str = Field("", description="for a licence: exclusive | sole | non_exclusive")
    pricing: str = Field(description="negotiated | exchange | auction")
    price_fen: int = Field(ge=0, description="for equity: the valuation")
    equity_shares: int | None = Field(None, gt=0, description="for equity: whole shares received")
    usage_right_only: bool = False
    notes: str = Field("", max_length=4000)


class DealPatch(Schema):
    buyer: int | None = None
    kind: str | None = None
    licence_scope: str | None = None
    pricing: str | None = None
    price_fen: int | None = Field(None, ge=0)
    equity_shares: int | None = Field(None, gt=0)
    usage_right_only: bool | None = None
    notes: str | None = Field(None, max_length=4000)


class DiligenceIn(Schema):
    technology: str | None = Field(None, max_length=4000)
    buyer: str | None = Field(None, max_length=4000)
    plan: str | None = Field(None, max_length=4000)
    approvals: str | None = Field(None, max_length=4000)


class FirstRefusalIn(Schema):
    outcome: str = Field(description="waived | exercised")
    note: str = Field(max_length=2000)


class TransitionIn(Schema):
    to: str
    reason: str = Field("", max_length=2000)
    contract_number: str = Field("", max_length=60, description="required to sign")
    signed_on: date | None = Field(None, description="required to sign")


class SettingsIn(Schema):
    publicity_days: int = Field(ge=1, le=60)


class SettingsOut(Schema):
    organization: int
    publicity_days: int


class ReceiptOut(Schema):
    entry_id: int
    index: int | None
    receipt_url: str | None


class DocumentOut(Schema):
    id: int
    title: str
    sha256: str
    size: int
    content_type: str
    uploaded_at: datetime


class ChangeOut(Schema):
    from_stage: str
    to_stage: str
    actor: str
    reason: str
    at: datetime


class DealSummaryOut(Schema):
    id: int
    achievement: int
    achievement_title: str
    seller: int
    seller_name: str
    buyer: int
    buyer_name: str
    kind: str
    licence_scope: str
    pricing: str
    price_fen: int
    equity_shares: int | None
    stage: str
    signed_on: date | None


class DealOut(DealSummaryOut):
    usage_right_only: bool
    first_refusal: str
    first_refusal_note: str
    publicity_days: int
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    publicity_text: str
    diligence: dict[str, str] | None = Field(description="the seller's officers and operators only")
    diligence_missing: list[str]
    approved_at: datetime | None
    contract_number: str
    notes: str | None
    path: list[str]
    allowed_next: list[str]
    history: list[ChangeOut]
    documents: list[DocumentOut]
    receipt: ReceiptOut | None


class DealPage(Schema):
    items: list[DealSummaryOut]
    count: int
    page: int
    pages: int
    page_size: int


class ListQuery(Schema):
    stage: str = ""
    achievement: int | None = None
    page: int = 1


def summary_out(deal: Deal) -> dict[str, Any]:
    return {
        "id": deal.pk,
        "achievement": deal.achievement_id,
        "achievement_title": localized(deal.achievement.title),
        "seller": deal.seller_id,
        "seller_name": localized(deal.seller.name),
        "buyer": deal.buyer_id,
        "buyer_name": localized(deal.buyer.name),
        "kind": deal.kind,
        "licence_scope": deal.licence_scope,
        "pricing": deal.pricing,
        "price_fen": deal.price_fen,
        "equity_shares": deal.equity_shares,
        "stage": deal.stage,
        "signed_on": deal.signed_on,
    }


def document_out(document: DealDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "title": document.title,
        "sha256": document.sha256,
        "size": document.size,
        "content_type": document.content_type,
        "uploaded_at": document.uploaded_at,
    }


def receipt_out(deal: Deal) -> dict[str, Any] | None:
    entry = deal.ledger_entry
    if entry is None:
        return None
    leaf = getattr(entry, "leaf", None)
    index = leaf.index if leaf is not None else None
    url = reverse("api:get_receipt", kwargs={"index": index}) if index is not None else None
    return {"entry_id": entry.pk, "index": index, "receipt_url": url}


def deal_out(request: HttpRequest, deal: Deal) -> dict[str, Any]:
    deal = selectors.get_deal_for(request.user, deal.pk)
    user = request.user
    inside = user.has_perm("transfer.view_diligence", deal)
    return {
        **summary_out(deal),
        "usage_right_only": deal.usage_right_only,
        "first_refusal": deal.first_refusal,
        "first_refusal_note": deal.first_refusal_note,
        "publicity_days": deal.publicity_days,
        "publicity_starts_on": deal.publicity_starts_on,
        "publicity_ends_on": deal.publicity_ends_on,
        "publicity_text": deal.publicity_text,
        "diligence": {part: str(deal.diligence.get(part, "")) for part in selectors.DILIGENCE_PARTS}
        if inside
        else None,
        "diligence_missing": selectors.diligence_missing(deal),
        "approved_at": deal.approved_at,
        "contract_number": deal.contract_number,
        "notes": deal.notes if inside else None,
        "path": selectors.path_of(deal),
        "allowed_next": services.allowed_next(deal, user if isinstance(user, User) else None),
        "history": [
            {
                "from_stage": change.from_stage,
                "to_stage": change.to_stage,
                "actor": change.actor.username,
                "reason": change.reason,
                "at": change.at,
            }
            for change in selectors.history_of(deal)
        ],
        "documents": [document_out(d) for d in selectors.documents_of(deal)],
        "receipt": receipt_out(deal),
    }


def _organization(pk: int, field: str) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise DomainError(ErrorCode.VALIDATION, errors={field: [_("No such organization.")]})
    return organization


@router.get("/deals", response=DealPage, summary="Deals you are party to")
def list_deals(request: HttpRequest, query: Query[ListQuery]) -> dict[str, Any]:
    found = selectors.deals_for(actor(request), stage=query.stage, achievement=query.achievement)
    page = paginate(found, page=query.page)
    return page.as_dict([summary_out(deal) for deal in page.items])


@router.post("/deals", response={201: DealOut}, summary="Open a deal on your unit's achievement")
@decorate_view(idempotent)
def open_deal(request: HttpRequest, payload: DealIn) -> Status[dict[str, Any]]:
    achievement = achievement_selectors.get_achievement_for(request.user, payload.achievement)
    deal = services.open_deal(
        actor=actor(request),
        achievement=achievement,
        seller=_organization(payload.seller, "seller"),
        terms=services.Terms(
            buyer=_organization(payload.buyer, "buyer"),
            kind=payload.kind,
            pricing=payload.pricing,
            price=Money(payload.price_fen),
            licence_scope=payload.licence_scope,
            equity_shares=payload.equity_shares,
            usage_right_only=payload.usage_right_only,
            notes=payload.notes,
        ),
    )
    return Status(201, deal_out(request, deal))


@router.get("/deals/settings/{organization_id}", response=SettingsOut, summary="A unit's public-notice period")
def get_settings(request: HttpRequest, organization_id: int) -> dict[str, Any]:
    organization = _organization(organization_id, "organization")
    if not request.user.has_perm("transfer.manage_achievements", organization):
        raise NotFound()
    return {"organization": organization.pk, "publicity_days": selectors.publicity_days_of(organization)}


@router.put("/deals/settings/{organization_id}", response=SettingsOut, summary="Set a unit's public-notice period")
def put_settings(request: HttpRequest, organization_id: int, payload: SettingsIn) -> dict[str, Any]:
    organization = _organization(organization_id, "organization")
    row = services.set_publicity_days(actor=actor(request), organization=organization, days=payload.publicity_days)
    return {"organization": organization.pk, "publicity_days": row.publicity_days}


@router.get("/deals/{deal_id}", response=DealOut)
def get_deal(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    return deal_out(request, selectors.get_deal_for(request.user, deal_id))


@router.patch("/deals/{deal_id}", response=DealOut, summary="Change a draft deal's terms")
def update_deal(request: HttpRequest, deal_id: int, payload: DealPatch) -> dict[str, Any]:
    deal = selectors.get_deal_for(request.user, deal_id)
    data = payload.dict(exclude_unset=True)
    price = data.get("price_fen")
    terms = services.Terms(
        buyer=_organization(data["buyer"], "buyer") if data.get("buyer") is not None else deal.buyer,
        kind=data.get("kind") or deal.kind,
        pricing=data.get("pricing") or deal.pricing,
        price=Money(price) if price is not None else deal.price,
        licence_scope=data["licence_scope"] if data.get("licence_scope") is not None else deal.licence_scope,
        equity_shares=data.get("equity_shares", deal.equity_shares),
        usage_right_only=data["usage_right_only"]
        if data.get("usage_right_only") is not None
        else deal.usage_right_only,
        notes=data["notes"] if data.get("notes") is not None else deal.notes,
    )
    return deal_out(request, services.update_deal(actor=actor(request), deal=deal, terms=terms))


@router.put("/deals/{deal_id}/diligence", response=DealOut, summary="Write the due-diligence record")
def record_diligence(request: HttpRequest, deal_id: int, payload: DiligenceIn) -> dict[str, Any]:
    """Parts left out are kept; all four (technology, buyer, plan, approvals) are needed for approval."""
    deal = selectors.get_deal_for(request.user, deal_id)
    parts = {name: value for name, value in payload.dict().items() if value is not None}
    return deal_out(request, services.record_diligence(actor=actor(request), deal=deal, parts=parts))


@router.post("/deals/{deal_id}/first-refusal", response=DealOut, summary="Record the completers' answer")
@decorate_view(idempotent)
def record_first_refusal(request: HttpRequest, deal_id: int, payload: FirstRefusalIn) -> dict[str, Any]:
    deal = selectors.get_deal_for(request.user, deal_id)
    done = services.record_first_refusal(actor=actor(request), deal=deal, outcome=payload.outcome, note=payload.note)
    return deal_out(request, done)


@router.post("/deals/{deal_id}/transitions", response=DealOut, summary="Move a deal to its next stage")
@decorate_view(idempotent)
def transition(request: HttpRequest, deal_id: int, payload: TransitionIn) -> dict[str, Any]:
    """One edge of the lifecycle; a move out of order is refused with ``invalid_state`` and changes nothing."""
    deal = selectors.get_deal_for(request.user, deal_id)
    moved = services.transition(
        actor=actor(request),
        deal=deal,
        to=payload.to,
        reason=payload.reason,
        contract_number=payload.contract_number,
        signed_on=payload.signed_on,
    )
    return deal_out(request, moved)


@router.post("/deals/{deal_id}/documents", response={201: DocumentOut}, summary="Add a document (multipart)")
def upload_document(
    request: HttpRequest, deal_id: int, file: File[UploadedFile], title: Form[str] = ""
) -> Status[dict[str, Any]]:
    """PDF, PNG, JPEG, DOCX, XLSX or OFD up to 20 MB; the same file sent again returns the kept one."""
    deal = selectors.get_deal_for(request.user, deal_id)
    document = services.upload_document(actor=actor(request), deal=deal, title=title, upload=file)
    return Status(201, document_out(document))
