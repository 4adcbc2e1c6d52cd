"""``/api/v1/transfer/registrations``: the contract registry (statistics: :mod:`.registry_stats`).

The seller's people submit, list, correct (``resubmit``), ``amend`` and ``terminate``; registrars
``register``, ``return`` and ``cancel``. Every POST accepts an ``Idempotency-Key``. Refusals are
problem+json: ``validation_error`` with field errors (``seller_uscc``, ``contract_amount_fen``,
``non_technical``, ``non_technical.N``, …), ``duplicate`` with ``errors.duplicate_of`` naming the live
registration, ``invalid_state`` for a step out of order, ``permission_denied``; a registration you
may not see is ``not_found``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from kechuang.accounts.api import actor
from kechuang.accounts.models import Organization
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.idempotency import idempotent
from kechuang.core.money import Money
from kechuang.core.paging import paginate
from kechuang.transfer.models import Deal, Registration
from kechuang.transfer.registry_terms import due_is_provisional
from kechuang.transfer.selectors import registry as selectors
from kechuang.transfer.services import registry as services

router = Router(tags=["transfer registry"])


# ---------------------------------------------------------------- schemas


class PartyIn(Schema):
    name: str
    uscc: str = Field("", description="unified social credit code; may be empty for a buyer who is a natural person")
    region: str = Field(description="county-level GB/T 2260 code, e.g. 110108")


class NonTechnicalIn(Schema):
    kind: str = Field(description="equipment | materials | construction | other")
    label: str
    amount_fen: int


class ContractIn(Schema):
    contract_type: str = Field(description="development | assignment | licence | consulting | service (民法典 §843)")
    title: str
    contract_number: str = ""
    seller: PartyIn
    buyer: PartyIn
    field: str = Field("", description="a sector code of core.sectors, or empty")
    contract_amount_fen: int
    non_technical: list[NonTechnicalIn] = []
    signed_on: date
    effective_on: date
    disputed: bool = False


class SubmitIn(ContractIn):
    organization: int = Field(description="the applying organisation, which you belong to")
    deal: int | None = None


class ResubmitIn(ContractIn):
    note: str = ""


class AmendIn(Schema):
    contract: ContractIn
    reason: str
    benefits_claimed: list[str] = Field([], description="vat_exemption | income_tax_relief | reward_wage_relief")


class ReturnIn(Schema):
    reasons: str


class TerminateIn(Schema):
    reason: str
    ended_on: date
    benefits_claimed: list[str] = []


class CancelIn(Schema):
    reason: str
    benefits_claimed: list[str] = []


class PartyOut(Schema):
    name: str
    uscc: str
    region: str
    province: str


class NonTechnicalOut(Schema):
    kind: str
    label: str
    amount_fen: int


class EventOut(Schema):
    from_status: str
    to_status: str
    actor: str | None
    note: str
    at: datetime


class RecordOut(Schema):
    entry_id: int
    kind: str
    index: int | None
    receipt_url: str | None


class BenefitOut(Schema):
    code: str
    label: str
    citation: str


class RelatedOut(Schema):
    id: int
    number: str | None
    status: str


class RegistrationOut(Schema):
    id: int
    number: str | None
    status: str
    contract_type: str
    title: str
    contract_number: str
    seller: PartyOut
    buyer: PartyOut
    field: str
    contract_amount_fen: int
    non_technical_fen: int
    technology_amount_fen: int
    non_technical: list[NonTechnicalOut]
    signed_on: date
    effective_on: date
    disputed: bool
    applicant_organization: int | None
    submitted_at: datetime
    due_on: date
    due_provisional: bool = Field(description="the due date reaches past the known official holiday calendar")
    overdue: bool
    decided_at: datetime | None
    registered_on: date | None
    year: int | None
    return_reasons: str
    ended_on: date | None
    end_reason: str
    benefits_claimed: list[str]
    benefits_to_report: list[BenefitOut]
    amends: RelatedOut | None
    history: list[EventOut]
    records: list[RecordOut]
    possible_duplicates: list[RelatedOut] | None = Field(
        None, description="for registrars, while the application awaits a decision"
    )


class RegistrationSummaryOut(Schema):
    id: int
    number: str | None
    status: str
    contract_type: str
    title: str
    buyer_name: str
    technology_amount_fen: int
    submitted_at: datetime
    due_on: date
    overdue: bool


class RegistrationPage(Schema):
    items: list[RegistrationSummaryOut]
    count: int
    page: int
    pages: int
    page_size: int


# ---------------------------------------------------------------- output


def _related(registration: Registration | None) -> dict[str, Any] | None:
    if registration is None:
        return None
    return {"id": registration.pk, "number": registration.number, "status": registration.status}


def _party(name: str, uscc: str, region: str, province: str) -> dict[str, str]:
    return {"name": name, "uscc": uscc, "region": region, "province": province}


def registration_out(request: HttpRequest, registration: Registration) -> dict[str, Any]:
    registration = selectors.get_registration_for(request.user, registration.pk)
    registrar = request.user.has_perm("transfer.register_contract", registration)
    return {
        "id": registration.pk,
        "number": registration.number,
        "status": registration.status,
        "contract_type": registration.contract_type,
        "title": registration.title,
        "contract_number": registration.contract_number,
        "seller": _party(
            registration.seller_name,
            registration.seller_uscc,
            registration.seller_region,
            registration.seller_province,
        ),
        "buyer": _party(
            registration.buyer_name, registration.buyer_uscc, registration.buyer_region, registration.buyer_province
        ),
        "field": registration.field,
        "contract_amount_fen": registration.contract_amount_fen,
        "non_technical_fen": registration.non_technical_fen,
        "technology_amount_fen": registration.technology_amount_fen,
        "non_technical": [
            {"kind": line.kind, "label": line.label, "amount_fen": line.amount_fen}
            for line in registration.non_technical_lines.all()
        ],
        "signed_on": registration.signed_on,
        "effective_on": registration.effective_on,
        "disputed": registration.disputed,
        "applicant_organization": registration.applicant_organization_id,
        "submitted_at": registration.submitted_at,
        "due_on": registration.due_on,
        "due_provisional": due_is_provisional(timezone.localdate(registration.submitted_at), registration.due_on),
        "overdue": selectors.is_overdue(registration, today=timezone.localdate()),
        "decided_at": registration.decided_at,
        "registered_on": registration.registered_on,
        "year": registration.year,
        "return_reasons": registration.return_reasons,
        "ended_on": registration.ended_on,
        "end_reason": registration.end_reason,
        "benefits_claimed": list(registration.benefits_claimed),
        "benefits_to_report": [
            {"code": b.code, "label": str(b.label), "citation": b.citation}
            for b in selectors.benefits_to_report(registration)
        ],
        "amends": _related(registration.amends),
        "history": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.username if e.actor else None,
                "note": e.note,
                "at": e.at,
            }
            for e in registration.events.all()
        ],
        "records": [
            {"entry_id": r.entry_id, "kind": r.kind, "index": r.index, "receipt_url": r.receipt_url or None}
            for r in selectors.records_of(registration)
        ],
        "possible_duplicates": [_related(d) for d in selectors.possible_duplicates(registration)]
        if registrar and registration.status == services.S.SUBMITTED
        else None,
    }


def summary_out(registration: Registration, today: date) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "number": registration.number,
        "status": registration.status,
        "contract_type": registration.contract_type,
        "title": registration.title,
        "buyer_name": registration.buyer_name,
        "technology_amount_fen": registration.technology_amount_fen,
        "submitted_at": registration.submitted_at,
        "due_on": registration.due_on,
        "overdue": selectors.is_overdue(registration, today=today),
    }


def _contract(payload: ContractIn) -> services.ContractSpec:
    return services.ContractSpec(
        contract_type=payload.contract_type,
        title=payload.title,
        contract_number=payload.contract_number,
        seller=services.Party(name=payload.seller.name, uscc=payload.seller.uscc, region=payload.seller.region),
        buyer=services.Party(name=payload.buyer.name, uscc=payload.buyer.uscc, region=payload.buyer.region),
        field=payload.field,
        contract_amount=Money(payload.contract_amount_fen),
        non_technical=[
            services.NonTechnicalSpec(kind=i.kind, label=i.label, amount=Money(i.amount_fen))
            for i in payload.non_technical
        ],
        signed_on=payload.signed_on,
        effective_on=payload.effective_on,
        disputed=payload.disputed,
    )


def _registration(request: HttpRequest, pk: int) -> Registration:
    return selectors.get_registration_for(request.user, pk)


def _organization(pk: int) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise DomainError(ErrorCode.VALIDATION, errors={"organization": [_("No such organization.")]})
    return organization


def _deal(pk: int | None) -> Deal | None:
    if pk is None:
        return None
    deal = Deal.objects.filter(pk=pk).first()
    if deal is None:
        raise DomainError(ErrorCode.VALIDATION, errors={"deal": [_("No such deal.")]})
    return deal


# ---------------------------------------------------------------- registrations


@router.post("/registrations", response={201: RegistrationOut}, summary="Apply for registration (the seller)")
@decorate_view(idempotent)
def submit(request: HttpRequest, payload: SubmitIn) -> Status[dict[str, Any]]:
    registration = services.submit_registration(
        actor=actor(request),
        organization=_organization(payload.organization),
        contract=_contract(payload),
        deal=_deal(payload.deal),
    )
    return Status(201, registration_out(request, registration))


class MineQuery(Schema):
    status: str = ""
    page: int = 1


@router.get("/registrations", response=RegistrationPage, summary="Registrations of my organisations")
def list_mine(request: HttpRequest, query: Query[MineQuery]) -> dict[str, Any]:
    page = paginate(selectors.my_registrations(actor(request), status=query.status), page=query.page)
    today = timezone.localdate()
    return page.as_dict([summary_out(r, today) for r in page.items])


@router.get("/registrations/queue", response=RegistrationPage, summary="Applications awaiting a registrar")
def list_queue(request: HttpRequest, query: Query[MineQuery]) -> dict[str, Any]:
    """The soonest due first (registrars only)."""
    user = actor(request)
    if not user.has_perm("transfer.view_registration_queue"):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    page = paginate(selectors.registrar_queue(status=query.status or services.S.SUBMITTED), page=query.page)
    today = timezone.localdate()
    return page.as_dict([summary_out(r, today) for r in page.items])


@router.get("/registrations/{registration_id}", response=RegistrationOut)
def get_registration(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    """A registration, for the applying organisation's members and registrars; anyone else gets ``not_found``."""
    return registration_out(request, _registration(request, registration_id))


@router.post("/registrations/{registration_id}/register", response=RegistrationOut, summary="Register (a registrar)")
@decorate_view(idempotent)
def register(request: HttpRequest, registration_id: int) -> dict[str, Any]:
    registration = services.register_contract(
        actor=actor(request), registration=_registration(request, registration_id)
    )
    return registration_out(request, registration)


@router.post("/registrations/{registration_id}/return", response=RegistrationOut, summary="Return with reasons")
@decorate_view(idempotent)
def return_registration(request: HttpRequest, registration_id: int, payload: ReturnIn) -> dict[str, Any]:
    registration = services.return_registration(
        actor=actor(request), registration=_registration(request, registration_id), reasons=payload.reasons
    )
    return registration_out(request, registration)


@router.post("/registrations/{registration_id}/resubmit", response=RegistrationOut, summary="Correct and resubmit")
@decorate_view(idempotent)
def resubmit(request: HttpRequest, registration_id: int, payload: ResubmitIn) -> dict[str, Any]:
    registration = services.resubmit_registration(
        actor=actor(request),
        registration=_registration(request, registration_id),
        contract=_contract(payload),
        note=payload.note,
    )
    return registration_out(request, registration)


@router.post(
    "/registrations/{registration_id}/amend", response={201: RegistrationOut}, summary="Apply for an amendment"
)
@decorate_view(idempotent)
def amend(request: HttpRequest, registration_id: int, payload: AmendIn) -> Status[dict[str, Any]]:
    """A new application that supersedes the registration once it is registered itself."""
    amendment = services.amend_registration(
        actor=actor(request),
        registration=_registration(request, registration_id),
        contract=_contract(payload.contract),
        reason=payload.reason,
        benefits_claimed=payload.benefits_claimed,
    )
    return Status(201, registration_out(request, amendment))


@router.post("/registrations/{registration_id}/terminate", response=RegistrationOut, summary="Record termination")
@decorate_view(idempotent)
def terminate(request: HttpRequest, registration_id: int, payload: TerminateIn) -> dict[str, Any]:
    registration = services.terminate_registration(
        actor=actor(request),
        registration=_registration(request, registration_id),
        reason=payload.reason,
        ended_on=payload.ended_on,
        benefits_claimed=payload.benefits_claimed,
    )
    return registration_out(request, registration)


@router.post("/registrations/{registration_id}/cancel", response=RegistrationOut, summary="Cancel (a registrar)")
@decorate_view(idempotent)
def cancel(request: HttpRequest, registration_id: int, payload: CancelIn) -> dict[str, Any]:
    registration = services.cancel_registration(
        actor=actor(request),
        registration=_registration(request, registration_id),
        reason=payload.reason,
        benefits_claimed=payload.benefits_claimed,
    )
    return registration_out(request, registration)
