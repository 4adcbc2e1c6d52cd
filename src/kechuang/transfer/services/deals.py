"""Deals on an achievement — assignment, licence, investment as equity, joint development — by stages.

One transition function moves a deal along :data:`~kechuang.transfer.enums.DEAL_EDGES`; :data:`EDGES`
here gives each edge its guard and effect. The law behind the guards:

* 民法典 §847: before a unit assigns a result made in the course of duty, its completers may take it on
  equal terms. An assignment therefore passes FIRST_REFUSAL, and leaves it only once they waived;
  the step cannot be skipped.
* 促进科技成果转化法 §18: a negotiated price is publicised inside the unit (title and proposed price).
  A negotiated deal therefore passes PUBLICITY, with a notice written from the deal's terms; the law
  fixes no length, so the period is data (the unit's :class:`DealSettings`, 15 calendar days by
  default) and approval waits until it has ended.
* 北京市促进科技成果转化条例 §19: decision makers who kept a due-diligence record (technology, buyer,
  deal plan, approvals — Tsinghua's four parts) are free of liability for later changes in value, so
  the move to APPROVAL needs all four parts.

SIGNED records the contract number and date, marks the achievement commercialised (the §11 idle clock
stops) and appends a ``transfer.deal_signed`` record to the ledger. A refused move raises ``DomainError``
and changes nothing: the stage, its history row, the audit event, the ledger record and the notices are
one transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kechuang.accounts.enums import OrganizationKind
from kechuang.accounts.models import Organization, User
from kechuang.core.audit import diff_of, record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import localized
from kechuang.core.money import Money
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise
from kechuang.ledger.services import record
from kechuang.transfer import kinds, notices
from kechuang.transfer.enums import (
    DEAL_EDGES,
    AchievementStatus,
    DealKind,
    DealStage,
    FirstRefusal,
    LicenceScope,
    PricingMethod,
)
from kechuang.transfer.models import Achievement, Deal, DealDocument, DealSettings, DealStageChange
from kechuang.transfer.models.deals import MAX_PUBLICITY_DAYS
from kechuang.transfer.selectors.deals import DILIGENCE_PARTS, diligence_missing, path_of, publicity_days_of
from kechuang.transfer.services.achievements import refresh_status

D = DealStage
# 促进科技成果转化法 §18 binds "国家设立的研究开发机构、高等院校"; their signed prices are logged in the clear.
STATE_UNIT_KINDS = (OrganizationKind.UNIVERSITY, OrganizationKind.INSTITUTE)
MAX_DILIGENCE_TEXT = 4000
TERMS = ("buyer", "kind", "licence_scope", "pricing", "price", "equity_shares", "usage_right_only", "notes")
# Terms are fixed once the deal leaves the draft: the completers are offered, and the unit publicises, these terms.
EDITABLE_STAGES = (D.DRAFT,)
DILIGENCE_STAGES = (D.DRAFT, D.FIRST_REFUSAL, D.PUBLICITY)
DOCUMENT_STAGES = (D.DRAFT, D.FIRST_REFUSAL, D.PUBLICITY, D.APPROVAL, D.SIGNED)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
OOXML = "application/vnd.openxmlformats-officedocument."
# Zip containers are told apart by the file name; the other types by their first bytes.
ZIP_TYPES = {
    ".docx": OOXML + "wordprocessingml.document",
    ".xlsx": OOXML + "spreadsheetml.sheet",
    ".ofd": "application/ofd",  # GB/T 33190, China's fixed-layout format for official documents
}
MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
UNTYPED = ("", "application/octet-stream")


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, errors={field: [message]})


def _refuse(message: str, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.INVALID_STATE, message, errors={field: [message]} if field else None)


def _locked(deal: Deal) -> Deal:
    """The deal's row under a row lock (PostgreSQL), with what the steps read."""
    return Deal.objects.select_for_update(of=("self",)).select_related("achievement", "seller", "buyer").get(pk=deal.pk)


# ---------------------------------------------------------------- terms


@dataclass(frozen=True)
class Terms:
    buyer: Organization
    kind: str
    pricing: str
    price: Money
    licence_scope: str = ""
    equity_shares: int | None = None
    usage_right_only: bool = False
    notes: str = ""


def _check_kind_terms(terms: Terms) -> tuple[str, int | None]:
    """The licence scope and the shares as stored, each allowed only for its kind of deal."""
    scope = terms.licence_scope.strip()
    if terms.kind == DealKind.LICENCE:
        if scope not in LicenceScope.values:
            raise _invalid("licence_scope", _("A licence is exclusive, sole or non-exclusive."))
    elif scope:
        raise _invalid("licence_scope", _("Only a licence has a scope."))
    shares = terms.equity_shares
    if terms.kind == DealKind.EQUITY:
        if isinstance(shares, bool) or not isinstance(shares, int) or shares <= 0:
            raise _invalid("equity_shares", _("Give the shares received as a whole number above zero."))
        if terms.price.fen <= 0:
            raise _invalid("price", _("Give the valuation at which the result is invested."))
    elif shares is not None:
        raise _invalid("equity_shares", _("Only an investment as equity receives shares."))
    if terms.usage_right_only and terms.kind != DealKind.EQUITY:
        raise _invalid("usage_right_only", _("Only an investment as equity may contribute a usage right."))
    return scope, shares


def _check_terms(seller: Organization, terms: Terms) -> Terms:
    """The terms as stored, or a refusal naming the field."""
    if terms.kind not in DealKind.values:
        raise _invalid("kind", _("Choose the kind of deal."))
    if terms.pricing not in PricingMethod.values:
        raise _invalid("pricing", _("Choose how the price is set: negotiated, exchange listing or auction."))
    if terms.price.fen < 0:
        raise _invalid("price", _("The price cannot be negative."))
    scope, shares = _check_kind_terms(terms)
    if terms.buyer.pk == seller.pk:
        raise _invalid("buyer", _("The buyer cannot be the seller."))
    if terms.buyer.status != "active":
        raise _invalid("buyer", _("The buyer is not active on the platform."))
    return Terms(
        buyer=terms.buyer,
        kind=terms.kind,
        pricing=terms.pricing,
        price=terms.price,
        licence_scope=scope,
        equity_shares=shares,
        usage_right_only=bool(terms.usage_right_only),
        notes=terms.notes.strip(),
    )


def _assigned_away(achievement: Achievement) -> bool:
    """A signed assignment passed ownership to the buyer: the unit has nothing left to sell."""
    return achievement.deals.filter(kind=DealKind.ASSIGNMENT, stage__in=(D.SIGNED, D.CLOSED)).exists()


def _terms_snapshot(deal: Deal) -> dict[str, Any]:
    return {
        "buyer": deal.buyer_id,
        "kind": deal.kind,
        "licence_scope": deal.licence_scope,
        "pricing": deal.pricing,
        "price_fen": deal.price_fen,
        "equity_shares": deal.equity_shares,
        "usage_right_only": deal.usage_right_only,
        "notes": deal.notes,
    }


def _apply(deal: Deal, terms: Terms) -> None:
    deal.buyer = terms.buyer
    deal.kind = terms.kind
    deal.licence_scope = terms.licence_scope
    deal.pricing = terms.pricing
    deal.price_fen = terms.price.fen
    deal.equity_shares = terms.equity_shares
    deal.usage_right_only = terms.usage_right_only
    deal.notes = terms.notes
    deal.first_refusal = FirstRefusal.PENDING if terms.kind == DealKind.ASSIGNMENT else FirstRefusal.NOT_APPLICABLE


@transaction.atomic
def open_deal(*, actor: User, achievement: Achievement, seller: Organization, terms: Terms) -> Deal:
    """A draft deal in which ``seller`` offers ``achievement`` to ``terms.buyer``.

    The actor manages ``seller`` (rule ``transfer.manage_achievements``); the seller must own the
    achievement and not have assigned it away already (``not_owner`` otherwise). Checks the terms: a
    price of zero or more (a valuation above zero for equity), a licence's scope, equity in whole
    shares, a buyer other than the seller. An assignment starts with the completers' right of first
    refusal pending. The public-notice period is the seller's setting at this moment. Audited.
    """
    require(actor, "transfer.manage_achievements", seller)
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    if achievement.owner_id != seller.pk or _assigned_away(achievement):
        raise DomainError(ErrorCode.NOT_OWNER, _("Your unit does not own this achievement, so it cannot sell it."))
    if achievement.status == AchievementStatus.WITHDRAWN:
        raise DomainError(ErrorCode.INVALID_STATE, _("A withdrawn achievement cannot be sold."))
    cleaned = _check_terms(seller, terms)
    deal = Deal(achievement=achievement, seller=seller, created_by=actor, publicity_days=publicity_days_of(seller))
    _apply(deal, cleaned)
    clean_or_raise(deal, exclude=["achievement", "seller", "buyer", "created_by", "approved_by", "ledger_entry"])
    deal.save()
    refresh_status(achievement)
    record_event(actor=actor, verb="transfer:deal:open", obj=deal, diff=diff_of({}, _terms_snapshot(deal)))
    return deal


@transaction.atomic
def update_deal(*, actor: User, deal: Deal, terms: Terms) -> Deal:
    """Change a draft's terms (rule ``transfer.change_deal``); after the draft they are what was offered
    and publicised, so they are fixed (``invalid_state``). Same checks as :func:`open_deal`. Audited."""
    require(actor, "transfer.change_deal", deal)
    deal = _locked(deal)
    if deal.stage not in EDITABLE_STAGES:
        raise DomainError(ErrorCode.INVALID_STATE, _("The terms are fixed once the deal has left the draft."))
    before = _terms_snapshot(deal)
    _apply(deal, _check_terms(deal.seller, terms))
    clean_or_raise(deal, exclude=["achievement", "seller", "buyer", "created_by", "approved_by", "ledger_entry"])
    deal.save()
    changes = diff_of(before, _terms_snapshot(deal))
    if changes:
        record_event(actor=actor, verb="transfer:deal:update", obj=deal, diff=changes)
    return deal


@transaction.atomic
def record_diligence(*, actor: User, deal: Deal, parts: Mapping[str, str]) -> Deal:
    """Write the due-diligence record (technology, buyer, plan, approvals) before approval.

    Rule ``transfer.change_deal``; any of the four parts may be given (the others are kept), each up to
    4,000 characters. Completeness is checked at the move to APPROVAL, after which the record is fixed.
    """
    require(actor, "transfer.change_deal", deal)
    deal = _locked(deal)
    if deal.stage not in DILIGENCE_STAGES:
        raise DomainError(ErrorCode.INVALID_STATE, _("The due-diligence record is fixed once the deal is approved."))
    unknown = sorted(set(parts) - set(DILIGENCE_PARTS))
    if unknown:
        raise DomainError(ErrorCode.VALIDATION, errors={name: [_("Unknown part of the record.")] for name in unknown})
    record_now = {part: str(deal.diligence.get(part, "")) for part in DILIGENCE_PARTS}
    for part, text in parts.items():
        value = str(text or "").strip()
        if len(value) > MAX_DILIGENCE_TEXT:
            raise _invalid(part, _("Keep each part within 4,000 characters."))
        record_now[part] = value
    before = dict(deal.diligence)
    deal.diligence = record_now
    deal.save(update_fields=["diligence", "updated_at"])
    record_event(actor=actor, verb="transfer:deal:diligence", obj=deal, diff=diff_of(before, record_now))
    return deal


@transaction.atomic
def record_first_refusal(*, actor: User, deal: Deal, outcome: str, note: str) -> Deal:
    """Record the completers' answer to the offer on equal terms (民法典 §847) while the deal is at FIRST_REFUSAL.

    Rule ``transfer.record_first_refusal``. The seller's officers record the team's written answer,
    waived or exercised. A completer may exercise the right for the team; a completer may waive it only
    when they are the only completer, since one person cannot give up the others' right. The note
    (whose answer, when, which document) is required. Once answered the record is fixed. Notifies the
    seller's officers and the completers; audited.
    """
    require(actor, "transfer.record_first_refusal", deal)
    deal = _locked(deal)
    if deal.stage != D.FIRST_REFUSAL or deal.first_refusal != FirstRefusal.PENDING:
        raise DomainError(
            ErrorCode.INVALID_STATE, _("The completers' answer is recorded at the first-refusal step, once.")
        )
    if outcome not in (FirstRefusal.WAIVED, FirstRefusal.EXERCISED):
        raise _invalid("outcome", _("Record whether the completers waived or exercised their right."))
    text = note.strip()
    if not text:
        raise _invalid("note", _("Say whose answer this is and where it is written down."))
    one_of_many = outcome == FirstRefusal.WAIVED and deal.achievement.completers.count() > 1
    if one_of_many and not actor.has_perm("transfer.change_deal", deal):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            _("One completer cannot waive the others' right; the unit records the team's written waivers."),
        )
    deal.first_refusal = outcome
    deal.first_refusal_note = text
    clean_or_raise(deal, exclude=["achievement", "seller", "buyer", "created_by", "approved_by", "ledger_entry"])
    deal.save(update_fields=["first_refusal", "first_refusal_note", "updated_at"])
    record_event(
        actor=actor,
        verb="transfer:deal:first_refusal",
        obj=deal,
        diff={"first_refusal": [FirstRefusal.PENDING, outcome], "note": ["", text]},
    )
    notices.tell(
        notices.unit_officers(deal.seller_id) + notices.completers_of(deal.achievement),
        notices.FIRST_REFUSAL_ANSWERED.name,
        url=deal.get_absolute_url(),
        actor=actor,
        title=deal.achievement.title,
        outcome=FirstRefusal(outcome).label,
        note=text,
    )
    return deal


@transaction.atomic
def set_publicity_days(*, actor: User, organization: Organization, days: int) -> DealSettings:
    """Set how many calendar days ``organization``'s negotiated prices are publicised (1–60).

    Rule ``transfer.manage_achievements``. Applies to deals opened from now on; a deal keeps the period
    it was opened with. Audited.
    """
    require(actor, "transfer.manage_achievements", organization)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_PUBLICITY_DAYS:
        raise _invalid("publicity_days", _("The public notice lasts from 1 to 60 days."))
    row, created = DealSettings.objects.select_for_update().get_or_create(
        organization=organization, defaults={"updated_by": actor, "publicity_days": days}
    )
    before = None if created else row.publicity_days
    row.publicity_days = days
    row.updated_by = actor
    row.save()
    record_event(actor=actor, verb="transfer:deal_settings:update", obj=row, diff={"publicity_days": [before, days]})
    return row


# ---------------------------------------------------------------- documents


def sniff(head: bytes, name: str) -> str | None:
    """The content type the file's first bytes (and, for zip containers, its name) show, or None."""
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        return ZIP_TYPES.get(PurePath(name).suffix.lower())
    return None


@transaction.atomic
def upload_document(*, actor: User, deal: Deal, title: str, upload: UploadedFile) -> DealDocument:
    """Keep a document of the deal (contract, valuation, notice) with its SHA-256 and size.

    Rule ``transfer.change_deal``; until the deal is closed or abandoned. At most 20 MB; PDF, PNG,
    JPEG, DOCX, XLSX or OFD, told by the file's own bytes, and a declared type that disagrees with
    them is refused. The same bytes sent again return the document already kept, so a retried upload
    adds nothing. Digests are listed in the ledger record at signing. Audited.
    """
    require(actor, "transfer.change_deal", deal)
    deal = _locked(deal)
    if deal.stage not in DOCUMENT_STAGES:
        raise DomainError(ErrorCode.INVALID_STATE, _("Documents cannot be added to a closed or abandoned deal."))
    name = title.strip() or PurePath(upload.name or "").name
    if not name or len(name) > 200:
        raise _invalid("title", _("Give the document a title of at most 200 characters."))
    size = upload.size or 0
    if size <= 0:
        raise _invalid("file", _("The file is empty."))
    if size > MAX_DOCUMENT_BYTES:
        raise _invalid("file", _("A document is at most 20 MB."))
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff(head, upload.name or "")
    if content_type is None:
        raise _invalid("file", _("Upload a PDF, PNG, JPEG, DOCX, XLSX or OFD file."))
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in UNTYPED and declared != content_type:
        raise _invalid("file", _("The file's content does not match its declared type."))
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    kept = deal.documents.filter(sha256=digest.hexdigest()).first()
    if kept is not None:  # the same file sent again (a retried upload): nothing new to keep
        return kept
    document = DealDocument(
        deal=deal,
        title=name,
        file=upload,
        sha256=digest.hexdigest(),
        size=size,
        content_type=content_type,
        uploaded_by=actor,
    )
    document.save()
    record_event(
        actor=actor,
        verb="transfer:deal:document",
        obj=deal,
        diff={"document": [None, {"id": document.pk, "title": name, "sha256": document.sha256, "size": size}]},
    )
    return document


# ---------------------------------------------------------------- lifecycle


def _applicable(deal: Deal, to: str) -> bool:
    """Whether the edge to ``to`` belongs on this deal's path at all (time and records aside)."""
    if to == D.ABANDONED:
        return True
    stages = path_of(deal)
    return deal.stage in stages and to in stages and stages.index(to) == stages.index(deal.stage) + 1


@dataclass
class Step:
    """What one move works with; guards read it, effects write through it."""

    actor: User
    deal: Deal
    source: str
    to: str
    reason: str
    now: datetime
    today: date
    contract_number: str = ""
    signed_on: date | None = None


def _guard_reason(step: Step) -> None:
    if not step.reason.strip():
        raise _invalid("reason", _("Give the reason."))


def _guard_on_path(step: Step) -> None:
    """A move that would skip a step the law requires is refused with the step it skips."""
    deal = step.deal
    if _applicable(deal, step.to):
        return
    if step.to == D.FIRST_REFUSAL:
        raise _refuse(_("Only an assignment is offered to the completers first."), "first_refusal")
    if deal.kind == DealKind.ASSIGNMENT and deal.stage == D.DRAFT:
        raise _refuse(
            _("An assignment must first be offered to the completers on equal terms (Civil Code, Art. 847)."),
            "first_refusal",
        )
    if step.to == D.PUBLICITY:
        raise _refuse(_("Only a negotiated price is publicised; this price is set otherwise."), "pricing")
    if step.to == D.APPROVAL and deal.pricing == PricingMethod.NEGOTIATED:
        raise _refuse(
            _(
                "A negotiated price must be publicised before approval (Law on Promoting the Transformation of "
                "S&T Achievements, Art. 18)."
            ),
            "publicity",
        )
    raise _refuse(_("This deal does not take that step."))


def _guard_waived(step: Step) -> None:
    if step.deal.stage == D.FIRST_REFUSAL and step.deal.first_refusal != FirstRefusal.WAIVED:
        if step.deal.first_refusal == FirstRefusal.EXERCISED:
            message = _(
                "The completers exercised their right of first refusal; abandon this deal and open one with them."
            )
        else:
            message = _("The completers have not waived their right of first refusal yet.")
        raise _refuse(message, "first_refusal")


def _guard_publicity_over(step: Step) -> None:
    deal = step.deal
    if deal.stage == D.PUBLICITY and (deal.publicity_ends_on is None or step.today <= deal.publicity_ends_on):
        raise _refuse(
            _("The public notice runs until %(end)s; approval is possible from the day after.")
            % {"end": deal.publicity_ends_on.isoformat() if deal.publicity_ends_on else "—"},
            "publicity_ends_on",
        )


def _guard_diligence(step: Step) -> None:
    missing = diligence_missing(step.deal)
    if missing:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("The due-diligence record must cover the technology, the buyer, the deal plan and the approvals."),
            errors={part: [_("This part of the due-diligence record is empty.")] for part in missing},
        )


def _guard_signature(step: Step) -> None:
    number = step.contract_number.strip()
    if not number or len(number) > 60:
        raise _invalid("contract_number", _("Give the contract number (at most 60 characters)."))
    if step.signed_on is None:
        raise _invalid("signed_on", _("Give the day the contract was signed."))
    if step.signed_on > step.today:
        raise _invalid("signed_on", _("The signing date cannot lie in the future."))
    approved = step.deal.approved_at
    if approved is not None and step.signed_on < timezone.localtime(approved).date():
        raise _invalid("signed_on", _("The contract cannot be signed before the deal was approved."))


def publicity_notice(deal: Deal, starts_on: date, ends_on: date) -> str:
    """The notice of a negotiated price, in Chinese (the unit's working language): what §18 asks — the
    result's title and the proposed price — with the kind of deal, the buyer and the period."""
    with translation.override("zh-hans"):
        what = str(DealKind(deal.kind).label)
        if deal.kind == DealKind.LICENCE and deal.licence_scope:
            what = f"{LicenceScope(deal.licence_scope).label}{what}"
        if deal.kind == DealKind.EQUITY and deal.equity_shares:
            price = _("%(valuation)s, for %(shares)s shares") % {
                "valuation": deal.price.format(),
                "shares": f"{deal.equity_shares:,}",
            }
        else:
            price = deal.price.format()
        return _(
            "Public notice of a negotiated price. %(seller)s intends to carry out the following deal on the "
            "achievement “%(title)s” (%(number)s): %(what)s to %(buyer)s at the proposed price of %(price)s. "
            "Under Article 18 of the Law on Promoting the Transformation of S&T Achievements the price is "
            "publicised from %(start)s to %(end)s (%(days)d days). Objections may be sent in writing to the "
            "unit's technology-transfer office within this period."
        ) % {
            "seller": localized(deal.seller.name, "zh-hans"),
            "title": localized(deal.achievement.title, "zh-hans"),
            "number": deal.achievement.ip_number or str(deal.achievement.get_kind_display()),
            "what": what,
            "buyer": localized(deal.buyer.name, "zh-hans"),
            "price": price,
            "start": starts_on.isoformat(),
            "end": ends_on.isoformat(),
            "days": (ends_on - starts_on).days + 1,
        }


def _offer_first_refusal(step: Step) -> None:
    step.deal.first_refusal = FirstRefusal.PENDING
    notices.tell(
        notices.completers_of(step.deal.achievement),
        notices.FIRST_REFUSAL_OFFERED.name,
        url=step.deal.get_absolute_url(),
        actor=step.actor,
        title=step.deal.achievement.title,
        price=step.deal.price.format(),
    )


def _start_publicity(step: Step) -> None:
    deal = step.deal
    deal.publicity_starts_on = step.today
    deal.publicity_ends_on = step.today + timedelta(days=deal.publicity_days - 1)
    deal.publicity_text = publicity_notice(deal, deal.publicity_starts_on, deal.publicity_ends_on)


def _approve(step: Step) -> None:
    step.deal.approved_by = step.actor
    step.deal.approved_at = step.now


def _digest(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sign(step: Step) -> None:
    deal = step.deal
    assert step.signed_on is not None  # noqa: S101 - the guard ran
    deal.contract_number = step.contract_number.strip()
    deal.signed_on = step.signed_on
    achievement = deal.achievement
    if achievement.commercialised_on is None:
        achievement.commercialised_on = step.signed_on
    achievement.status = AchievementStatus.COMMERCIALISED
    achievement.save(update_fields=["status", "commercialised_on", "updated_at"])
    payload = {
        "deal": deal.pk,
        "achievement": {
            "id": achievement.pk,
            "title": localized(achievement.title, "zh-hans"),
            "kind": achievement.kind,
            "ip_number": achievement.ip_number,
        },
        "seller": {"id": deal.seller_id, "name": localized(deal.seller.name, "zh-hans")},
        "buyer": {"id": deal.buyer_id, "name": localized(deal.buyer.name, "zh-hans")},
        "kind": deal.kind,
        "licence_scope": deal.licence_scope,
        "pricing": deal.pricing,
        "price_fen": deal.price_fen,
        "equity_shares": deal.equity_shares,
        "usage_right_only": deal.usage_right_only,
        "contract_number": deal.contract_number,
        "signed_on": deal.signed_on.isoformat(),
        "first_refusal": deal.first_refusal,
        "publicity": {
            "starts_on": deal.publicity_starts_on.isoformat(),
            "ends_on": deal.publicity_ends_on.isoformat(),
            "text_sha256": hashlib.sha256(deal.publicity_text.encode("utf-8")).hexdigest(),
        }
        if deal.publicity_starts_on and deal.publicity_ends_on
        else None,
        # The record itself holds business judgement about the buyer; its digest proves what it said.
        "diligence_sha256": _digest(deal.diligence),
        "documents": [{"title": d.title, "sha256": d.sha256, "size": d.size} for d in deal.documents.all()],
    }
    deal.ledger_entry = record(
        kind=kinds.DEAL_SIGNED.name,
        payload=payload,
        actor=step.actor,
        organization=deal.seller,
        subject=f"achievement:{achievement.pk}",
        # A state unit's price is public by law (§18) or by its exchange or auction; anyone else's is
        # business information, logged as a commitment the seller can disclose.
        commit=deal.seller.kind not in STATE_UNIT_KINDS,
    )


def _abandon(step: Step) -> None:
    if step.deal.stage == D.FIRST_REFUSAL and step.deal.first_refusal == FirstRefusal.PENDING:
        step.deal.first_refusal = FirstRefusal.NOT_APPLICABLE


def _nothing(step: Step) -> None:
    return None


@dataclass(frozen=True)
class Edge:
    guard: Callable[[Step], None] = _nothing
    effect: Callable[[Step], None] = _nothing


def _all(*guards: Callable[[Step], None]) -> Callable[[Step], None]:
    def run(step: Step) -> None:
        for guard in guards:
            guard(step)

    return run


FORWARD = _all(_guard_on_path, _guard_waived)
EDGES: dict[tuple[str, str], Edge] = {
    (D.DRAFT, D.FIRST_REFUSAL): Edge(_guard_on_path, _offer_first_refusal),
    (D.DRAFT, D.PUBLICITY): Edge(FORWARD, _start_publicity),
    (D.DRAFT, D.APPROVAL): Edge(_all(FORWARD, _guard_diligence), _approve),
    (D.FIRST_REFUSAL, D.PUBLICITY): Edge(FORWARD, _start_publicity),
    (D.FIRST_REFUSAL, D.APPROVAL): Edge(_all(FORWARD, _guard_diligence), _approve),
    (D.PUBLICITY, D.APPROVAL): Edge(_all(_guard_publicity_over, _guard_diligence), _approve),
    (D.APPROVAL, D.SIGNED): Edge(_guard_signature, _sign),
    (D.SIGNED, D.CLOSED): Edge(_guard_reason),
    **{
        (source, D.ABANDONED): Edge(_guard_reason, _abandon)
        for source, targets in DEAL_EDGES.items()
        if D.ABANDONED in targets
    },
}
# The table above and the enum's edge list must say the same thing.
assert set(EDGES) == {(a, b) for a, targets in DEAL_EDGES.items() for b in targets}  # noqa: S101


def allowed_next(deal: Deal, actor: User | None) -> list[str]:
    """The stages ``actor`` may try to move ``deal`` to: on its path and under the rule (time and records
    are checked only when trying, so the page can say what is missing)."""
    if actor is None or not actor.has_perm("transfer.change_deal", deal):
        return []
    return [to for to in DEAL_EDGES.get(deal.stage, ()) if _applicable(deal, to)]


@transaction.atomic
def transition(
    *,
    actor: User,
    deal: Deal,
    to: str,
    reason: str = "",
    contract_number: str = "",
    signed_on: date | None = None,
) -> Deal:
    """Move ``deal`` to ``to`` if the edge exists, the actor holds ``transfer.change_deal`` and the guard passes.

    ``contract_number`` and ``signed_on`` are required for SIGNED, ``reason`` for CLOSED and ABANDONED.
    Writes the stage, a :class:`DealStageChange`, an audit event, the edge's effects (notice text,
    approval, the achievement commercialised, the ledger record) and notices to the seller's officers,
    the completers and the buyer's administrators, in one transaction. Raises ``DomainError``
    (``invalid_state`` for a move out of order or a step the law requires not done, ``permission_denied``,
    ``validation_error`` for bad inputs); nothing is changed then.
    """
    require(actor, "transfer.change_deal", deal)
    deal = _locked(deal)
    source = deal.stage
    edge = EDGES.get((source, to))
    if edge is None:
        allowed = ", ".join(str(DealStage(s).label) for s in DEAL_EDGES.get(source, ())) or "—"
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("A deal at “%(current)s” cannot move to “%(wanted)s”. Next steps allowed: %(allowed)s.")
            % {
                "current": DealStage(source).label,
                "wanted": DealStage(to).label if to in DealStage.values else to,
                "allowed": allowed,
            },
        )
    now = timezone.now()
    step = Step(
        actor=actor,
        deal=deal,
        source=source,
        to=to,
        reason=reason,
        now=now,
        today=timezone.localdate(now),
        contract_number=contract_number,
        signed_on=signed_on,
    )
    edge.guard(step)
    edge.effect(step)
    deal.stage = to
    deal.save()
    refresh_status(deal.achievement)
    DealStageChange.objects.create(deal=deal, from_stage=source, to_stage=to, actor=actor, reason=reason.strip())
    record_event(
        actor=actor,
        verb="transfer:deal:transition",
        obj=deal,
        diff={"stage": [source, to], "reason": ["", reason.strip()]},
    )
    buyer_admins = list(
        User.objects.filter(
            memberships__organization_id=deal.buyer_id, memberships__role="admin", memberships__status="approved"
        ).distinct()
    )
    # The completers got the offer itself at FIRST_REFUSAL (FIRST_REFUSAL_OFFERED); one notice is enough.
    completers = notices.completers_of(deal.achievement) if to != D.FIRST_REFUSAL else []
    notices.tell(
        notices.unit_officers(deal.seller_id) + completers + buyer_admins,
        notices.DEAL_STAGE_CHANGED.name,
        url=deal.get_absolute_url(),
        actor=actor,
        title=deal.achievement.title,
        buyer=deal.buyer.name,
        stage=DealStage(to).label,
        reason=reason.strip(),
    )
    return deal


__all__ = [
    "EDGES",
    "MAX_DOCUMENT_BYTES",
    "STATE_UNIT_KINDS",
    "Terms",
    "allowed_next",
    "open_deal",
    "publicity_notice",
    "record_diligence",
    "record_first_refusal",
    "set_publicity_days",
    "sniff",
    "transition",
    "update_deal",
    "upload_document",
]
