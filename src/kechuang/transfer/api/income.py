"""``/api/v1/transfer``: reward policies, the team's split, receipts, distributions, statements and the preview.

Every POST that writes accepts an ``Idempotency-Key``. Refusals are problem+json: ``policy_below_floor``
(the article cited in ``detail`` and per figure in ``errors``), ``split_not_100``, ``invalid_state`` (a deal
not signed, a split not signed off, a distribution not waiting), ``permission_denied`` (four eyes: the
proposer or a payee approving), ``validation_error`` (amounts, deductions, dates). Deals' income is seen by
the seller's officers, the completers and operators, 404 for anyone else; statements show the caller's
own payouts. ``POST /distributions/preview`` computes lines and saves nothing.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view

from kechuang.accounts.api import PUBLIC, PUBLIC_OPENAPI, actor
from kechuang.accounts.models import Organization
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.idempotency import idempotent
from kechuang.core.money import Money
from kechuang.ledger import selectors as ledger_selectors
from kechuang.transfer.distribution import Deduction, DistributionError, Member, Plan, PolicyTerms
from kechuang.transfer.enums import ReceiptKind
from kechuang.transfer.models import Distribution, Payout, Policy, Receipt, TeamSplit
from kechuang.transfer.selectors import achievements as achievement_selectors
from kechuang.transfer.selectors import income as selectors
from kechuang.transfer.selectors import statements
from kechuang.transfer.services import distributions, income, policies

router = Router(tags=["transfer income"])

# ---------------------------------------------------------------- schemas


class IncomePolicyIn(Schema):
    institution: int = Field(description="your unit")
    name: str = Field(max_length=200)
    citation: str = Field(max_length=2000, description="the unit's own rule: title, number, article")
    effective_from: date
    cash_bp: int = Field(description="team's share of net cash income, basis points (9700 = 97%)")
    equity_bp: int
    profit_bp: int
    profit_years: int
    profit_years_min: int | None = Field(None, description="default: profit_years")


class IncomePolicyOut(Schema):
    id: int
    scope: str
    institution: int | None
    name: str
    version: int
    effective_from: date
    effective_to: date | None
    cash_bp: int
    equity_bp: int
    profit_bp: int
    profit_years_min: int
    profit_years: int
    citation: str
    rule_key: str
    binding: bool | None = Field(description="for the law's rows: a floor (true) or a permitted standard (false)")


class IncomePolicyQuery(Schema):
    institution: int | None = None


class IncomeShareIn(Schema):
    completer: int
    share_bp: int = Field(ge=0, le=10_000)


class IncomeSplitIn(Schema):
    shares: list[IncomeShareIn]
    note: str = Field("", max_length=2000)


class IncomeSplitLineOut(Schema):
    completer: int
    name: str
    share_bp: int


class IncomeSplitOut(Schema):
    id: int
    achievement: int
    version: int
    status: str
    set_by: str
    signed_off_by: str | None
    signed_off_at: datetime | None
    note: str
    lines: list[IncomeSplitLineOut]


class IncomeDeductionIn(Schema):
    kind: str = Field(description="tax | maintenance | direct_cost")
    label: str = Field(max_length=200)
    amount_fen: int


class IncomeReceiptIn(Schema):
    kind: str = Field(description="upfront | milestone | royalty | equity_grant | reversal")
    received_on: date
    gross_fen: int | None = Field(None, description="cash; for a reversal negative (omit every amount: all of it)")
    deductions: list[IncomeDeductionIn] | None = None
    shares: int | None = Field(None, description="equity_grant: whole shares; a reversal: negative")
    reference: str = Field("", max_length=100)
    reverses: int | None = Field(None, description="reversal: the receipt it takes back")


class IncomeDeductionOut(Schema):
    kind: str
    label: str
    amount_fen: int


class IncomeReceiptOut(Schema):
    id: int
    deal: int
    kind: str
    received_on: date
    gross_fen: int
    deductions_fen: int
    net_fen: int
    shares: int
    reference: str
    reverses: int | None
    deductions: list[IncomeDeductionOut]
    distribution: int | None
    distribution_status: str | None


class IncomeProposeIn(Schema):
    deferral_101: bool = Field(False, description="the completers chose the Caishui [2016] 101 deferral (shares)")


class IncomeTagOut(Schema):
    code: str
    flags: list[str]
    text: str
    citation: str


class IncomeLedgerOut(Schema):
    entry_id: int
    index: int | None
    receipt_url: str | None


class IncomePayoutOut(Schema):
    id: int
    completer: int
    name: str
    user: int | None
    share_bp: int
    cash_fen: int
    shares: int
    tax_tags: list[IncomeTagOut]
    ledger: IncomeLedgerOut | None


class IncomeDistributionOut(Schema):
    id: int
    receipt: int
    deal: int
    contract_number: str
    status: str
    measure: str = Field(description="fen or share")
    distributable: int
    team: int
    unit: int
    policy: IncomePolicyOut
    split: int
    split_version: int
    proposed_by: str
    approved_by: str | None
    approved_at: datetime | None
    lines: list[IncomePayoutOut]
    working: list[dict[str, Any]]
    explanation: list[str]
    ledger: IncomeLedgerOut | None


class IncomeTermsIn(Schema):
    cash_bp: int
    equity_bp: int
    profit_bp: int = 500
    profit_years: int = 5
    profit_years_min: int | None = None


class IncomePreviewReceiptIn(Schema):
    kind: str = Field(description="upfront | milestone | royalty | equity_grant")
    received_on: date
    gross_fen: int = 0
    deductions: list[IncomeDeductionIn] = []
    shares: int = 0


class IncomeMemberIn(Schema):
    key: str = Field(min_length=1, max_length=100, description="any label for the member")
    share_bp: int


class IncomePreviewIn(Schema):
    institution: int
    policy: int | None = Field(None, description="a stored policy; else terms; else the one that applies")
    terms: IncomeTermsIn | None = None
    receipt: IncomePreviewReceiptIn
    team: list[IncomeMemberIn]
    usage_right_only: bool = False
    deferral_101: bool = False


class IncomePreviewLineOut(Schema):
    key: str
    share_bp: int
    amount: int
    tax_tags: list[IncomeTagOut]


class IncomePreviewOut(Schema):
    policy: IncomePolicyOut | None
    terms: dict[str, int]
    measure: str
    gross: int
    distributable: int
    team: int
    unit: int
    lines: list[IncomePreviewLineOut]
    working: list[dict[str, Any]]
    explanation: list[str]


class IncomeTraceOut(Schema):
    deal_id: int
    contract_number: str
    achievement: str
    buyer: str
    receipt_id: int
    receipt_kind: str
    received_on: date
    reverses_receipt_id: int | None
    policy_id: int
    policy_name: str
    policy_version: int
    split_id: int
    split_version: int
    proposed_by: str
    approved_by: str | None
    approved_at: datetime | None
    payout_index: int | None
    distribution_index: int | None


class IncomeStatementRowOut(Schema):
    payout: int
    received_on: date
    cash_fen: int
    shares: int
    share_bp: int
    tax_tags: list[IncomeTagOut]
    year_cash_fen: int
    year_shares: int
    trace: IncomeTraceOut
    receipt_url: str | None
    disclosure_url: str


class IncomeYearOut(Schema):
    year: int
    cash_fen: int
    shares: int
    payouts: int


class IncomeStatementOut(Schema):
    rows: list[IncomeStatementRowOut]
    years: list[IncomeYearOut]
    cash_fen: int
    shares: int


# ---------------------------------------------------------------- shaping


def policy_out(policy: Policy) -> dict[str, Any]:
    rule = selectors.legal_rule_of(policy)
    return {
        "id": policy.pk,
        "scope": policy.scope,
        "institution": policy.institution_id,
        "name": policy.name,
        "version": policy.version,
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
        "cash_bp": policy.cash_bp,
        "equity_bp": policy.equity_bp,
        "profit_bp": policy.profit_bp,
        "profit_years_min": policy.profit_years_min,
        "profit_years": policy.profit_years,
        "citation": policy.citation,
        "rule_key": policy.rule_key,
        "binding": rule.binding if rule is not None else None,
    }


def _person(user: Any) -> str:
    return (user.display_name or user.username) if user is not None else ""


def split_out(split: TeamSplit) -> dict[str, Any]:
    return {
        "id": split.pk,
        "achievement": split.achievement_id,
        "version": split.version,
        "status": split.status,
        "set_by": _person(split.set_by),
        "signed_off_by": _person(split.signed_off_by) if split.signed_off_by_id else None,
        "signed_off_at": split.signed_off_at,
        "note": split.note,
        "lines": [
            {"completer": line.completer_id, "name": line.completer.name, "share_bp": line.share_bp}
            for line in split.lines.all()
        ],
    }


def receipt_out(receipt: Receipt) -> dict[str, Any]:
    distribution = getattr(receipt, "distribution", None)
    return {
        "id": receipt.pk,
        "deal": receipt.deal_id,
        "kind": receipt.kind,
        "received_on": receipt.received_on,
        "gross_fen": receipt.gross_fen,
        "deductions_fen": receipt.deductions_fen,
        "net_fen": receipt.net_fen,
        "shares": receipt.shares,
        "reference": receipt.reference,
        "reverses": receipt.reverses_id,
        "deductions": [
            {"kind": item.kind, "label": item.label, "amount_fen": item.amount_fen} for item in receipt.deductions.all()
        ],
        "distribution": distribution.pk if distribution is not None else None,
        "distribution_status": distribution.status if distribution is not None else None,
    }


def tags_out(tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    texts = statements.tax_tag_texts(tags)
    return [
        {"code": text.code, "flags": list(tag.get("flags", [])), "text": text.text, "citation": text.citation}
        for tag, text in zip(tags, texts, strict=True)
    ]


def ledger_out(entry: Any, url: str | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    leaf = getattr(entry, "leaf", None)
    index = leaf.index if leaf is not None else None
    return {"entry_id": entry.pk, "index": index, "receipt_url": url if index is not None else None}


def _payout_receipt_url(payout: Payout) -> str:
    return reverse("api:transfer_income_payout_receipt", kwargs={"payout_id": payout.pk})


def distribution_out(distribution: Distribution) -> dict[str, Any]:
    receipt = distribution.receipt
    shares = selectors.is_equity(receipt)
    payouts = list(distribution.payouts.all())
    names = {str(payout.completer_id): payout.completer.name for payout in payouts}
    entry = distribution.ledger_entry
    index_url = None
    if entry is not None and getattr(entry, "leaf", None) is not None:
        index_url = reverse("api:get_receipt", kwargs={"index": entry.leaf.index})
    return {
        "id": distribution.pk,
        "receipt": receipt.pk,
        "deal": receipt.deal_id,
        "contract_number": receipt.deal.contract_number,
        "status": distribution.status,
        "measure": "share" if shares else "fen",
        "distributable": distribution.distributable_shares if shares else distribution.distributable_fen,
        "team": distribution.team_shares if shares else distribution.team_fen,
        "unit": distribution.unit_shares if shares else distribution.unit_fen,
        "policy": policy_out(distribution.policy),
        "split": distribution.split_id,
        "split_version": distribution.split.version,
        "proposed_by": _person(distribution.proposed_by),
        "approved_by": _person(distribution.approved_by) if distribution.approved_by_id else None,
        "approved_at": distribution.approved_at,
        "lines": [
            {
                "id": payout.pk,
                "completer": payout.completer_id,
                "name": payout.completer.name,
                "user": payout.user_id,
                "share_bp": payout.share_bp,
                "cash_fen": payout.cash_fen,
                "shares": payout.shares,
                "tax_tags": tags_out(payout.tax_tags),
                "ledger": ledger_out(payout.ledger_entry, _payout_receipt_url(payout)),
            }
            for payout in payouts
        ],
        "working": distribution.working,
        "explanation": statements.working_texts(distribution.working, names),
        "ledger": ledger_out(entry, index_url),
    }


def _deductions(items: list[IncomeDeductionIn] | None) -> list[income.DeductionSpec]:
    return [income.DeductionSpec(item.kind, item.label, Money(item.amount_fen)) for item in items or []]


def _organization(pk: int) -> Organization:
    organization = Organization.objects.filter(pk=pk, status="active").first()
    if organization is None:
        message = _("No such organization.")
        raise DomainError(ErrorCode.VALIDATION, message, errors={"institution": [message]})
    return organization


# ---------------------------------------------------------------- policies


@router.get(
    "/policies",
    response=list[IncomePolicyOut],
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Reward policies: the law's rows and a unit's versions (public, 促进科技成果转化法 §44)",
)
def list_policies(request: HttpRequest, institution: int | None = None) -> list[dict[str, Any]]:
    rows = list(selectors.legal_policies())
    if institution is not None:
        rows += list(selectors.policies_of(_organization(institution)))
    return [policy_out(policy) for policy in rows]


@router.post("/policies", response={201: IncomePolicyOut}, summary="Record a new version of your unit's policy")
@decorate_view(idempotent)
def propose_policy(request: HttpRequest, payload: IncomePolicyIn) -> Status[dict[str, Any]]:
    """Below the binding floor on ``effective_from`` (universities and institutes): ``policy_below_floor``."""
    policy = policies.propose_policy(
        actor=actor(request),
        institution=_organization(payload.institution),
        name=payload.name,
        citation=payload.citation,
        effective_from=payload.effective_from,
        cash_bp=payload.cash_bp,
        equity_bp=payload.equity_bp,
        profit_bp=payload.profit_bp,
        profit_years=payload.profit_years,
        profit_years_min=payload.profit_years_min,
    )
    return Status(201, policy_out(policy))


# ---------------------------------------------------------------- splits


@router.get("/achievements/{achievement_id}/splits", response=list[IncomeSplitOut], summary="The team's splits")
def list_splits(request: HttpRequest, achievement_id: int) -> list[dict[str, Any]]:
    achievement = achievement_selectors.get_achievement_for(request.user, achievement_id)
    if not achievement_selectors.can_see_private(request.user, achievement):
        raise NotFound()
    return [split_out(split) for split in selectors.splits_of(achievement.pk)]


@router.post(
    "/achievements/{achievement_id}/splits", response={201: IncomeSplitOut}, summary="Set the team's split (lead)"
)
@decorate_view(idempotent)
def set_split(request: HttpRequest, achievement_id: int, payload: IncomeSplitIn) -> Status[dict[str, Any]]:
    """A share for every completer, adding up to exactly 10,000 bp (else ``split_not_100``)."""
    achievement = achievement_selectors.get_achievement_for(request.user, achievement_id)
    shares: dict[int, int] = {}
    for line in payload.shares:
        if line.completer in shares:
            message = _("Each completer appears once.")
            raise DomainError(ErrorCode.VALIDATION, message, errors={"shares": [message]})
        shares[line.completer] = line.share_bp
    split = income.set_split(actor=actor(request), achievement=achievement, shares=shares, note=payload.note)
    return Status(201, split_out(selectors.get_split_for(request.user, split.pk)))


@router.post("/splits/{split_id}/sign-off", response=IncomeSplitOut, summary="Sign off a split (the unit's officer)")
@decorate_view(idempotent)
def sign_off_split(request: HttpRequest, split_id: int) -> dict[str, Any]:
    split = selectors.get_split_for(request.user, split_id)
    income.sign_off_split(actor=actor(request), split=split)
    return split_out(selectors.get_split_for(request.user, split_id))


# ---------------------------------------------------------------- receipts


@router.get("/deals/{deal_id}/receipts", response=list[IncomeReceiptOut], summary="Income received on a deal")
def list_receipts(request: HttpRequest, deal_id: int) -> list[dict[str, Any]]:
    deal = selectors.get_deal_income_for(request.user, deal_id)
    return [receipt_out(receipt) for receipt in selectors.receipts_of(deal)]


@router.post("/deals/{deal_id}/receipts", response={201: IncomeReceiptOut}, summary="Record income on a signed deal")
@decorate_view(idempotent)
def record_receipt(request: HttpRequest, deal_id: int, payload: IncomeReceiptIn) -> Status[dict[str, Any]]:
    """Cash with itemised deductions, shares, or a reversal naming the receipt it takes back."""
    deal = selectors.get_deal_income_for(request.user, deal_id)
    user = actor(request)
    if payload.kind == ReceiptKind.REVERSAL:
        if payload.reverses is None:
            message = _("Name the receipt this reverses.")
            raise DomainError(ErrorCode.VALIDATION, message, errors={"reverses": [message]})
        original = selectors.get_receipt_for(request.user, payload.reverses)
        if original.deal_id != deal.pk:
            raise NotFound()
        receipt = income.record_reversal(
            actor=user,
            receipt=original,
            received_on=payload.received_on,
            gross=Money(payload.gross_fen) if payload.gross_fen is not None else None,
            deductions=_deductions(payload.deductions) if payload.deductions is not None else None,
            shares=payload.shares,
            reference=payload.reference,
        )
    else:
        receipt = income.record_receipt(
            actor=user,
            deal=deal,
            kind=payload.kind,
            received_on=payload.received_on,
            gross=Money(payload.gross_fen) if payload.gross_fen is not None else None,
            deductions=_deductions(payload.deductions),
            shares=payload.shares or 0,
            reference=payload.reference,
        )
    return Status(201, receipt_out(selectors.get_receipt_for(request.user, receipt.pk)))


# ---------------------------------------------------------------- distributions


@router.post(
    "/receipts/{receipt_id}/distribution",
    response={201: IncomeDistributionOut},
    summary="Propose the distribution of a receipt",
)
@decorate_view(idempotent)
def propose_distribution(request: HttpRequest, receipt_id: int, payload: IncomeProposeIn) -> Status[dict[str, Any]]:
    receipt = selectors.get_receipt_for(request.user, receipt_id)
    made = distributions.propose_distribution(actor=actor(request), receipt=receipt, deferral_101=payload.deferral_101)
    return Status(201, distribution_out(selectors.get_distribution_for(request.user, made.pk)))


@router.post(
    "/distributions/preview",
    response=IncomePreviewOut,
    summary="The lines a receipt would give, saving nothing",
)
def preview(request: HttpRequest, payload: IncomePreviewIn) -> dict[str, Any]:
    """Terms: ``policy`` (any stored one), else ``terms``, else the policy that applies to the institution on
    the day. A university's or institute's terms below the floor give ``policy_below_floor``."""
    institution = _organization(payload.institution)
    policy = selectors.get_policy(payload.policy) if payload.policy is not None else None
    data = payload.receipt
    if data.kind not in (*selectors.CASH_KINDS, ReceiptKind.EQUITY_GRANT):
        message = _("Choose upfront, milestone, royalty or equity granted.")
        raise DomainError(ErrorCode.VALIDATION, message, errors={"receipt.kind": [message]})
    if data.gross_fen < 0 or data.shares < 0:
        message = _("Enter the amount received, more than zero; record a refund as a reversal.")
        raise DomainError(ErrorCode.VALIDATION, message, errors={"receipt": [message]})
    try:
        terms = None
        if payload.terms is not None:
            given = payload.terms
            terms = PolicyTerms(
                cash_bp=given.cash_bp,
                equity_bp=given.equity_bp,
                profit_bp=given.profit_bp,
                profit_years_min=given.profit_years if given.profit_years_min is None else given.profit_years_min,
                profit_years_max=given.profit_years,
            )
        deductions = [Deduction(item.kind, item.label, item.amount_fen) for item in data.deductions]
        members = [Member(member.key, member.share_bp) for member in payload.team]
    except DistributionError as exc:
        raise selectors.domain_error(exc) from exc
    unsaved = Receipt(kind=data.kind, gross_fen=data.gross_fen, shares=data.shares, received_on=data.received_on)
    plan, used = selectors.preview(
        institution=institution,
        receipt=unsaved,
        deductions=deductions,
        members=members,
        policy=policy,
        terms=terms,
        usage_right_only=payload.usage_right_only,
        deferral_101=payload.deferral_101,
    )
    return preview_out(plan, used)


def preview_out(plan: Plan, used: Policy | None) -> dict[str, Any]:
    working = [step.as_dict() for step in plan.explain()]
    return {
        "policy": policy_out(used) if used is not None else None,
        "terms": {
            "cash_bp": plan.terms.cash_bp,
            "equity_bp": plan.terms.equity_bp,
            "profit_bp": plan.terms.profit_bp,
            "profit_years_min": plan.terms.profit_years_min,
            "profit_years": plan.terms.profit_years_max,
        },
        "measure": plan.measure,
        "gross": plan.gross,
        "distributable": plan.distributable,
        "team": plan.team_amount,
        "unit": plan.unit_amount,
        "lines": [
            {
                "key": line.member_key,
                "share_bp": line.share_bp,
                "amount": line.amount,
                "tax_tags": tags_out(selectors.tag_records(line.tax_tags)),
            }
            for line in plan.lines
        ],
        "working": working,
        "explanation": statements.working_texts(working, {}),
    }


@router.get("/distributions/{distribution_id}", response=IncomeDistributionOut, summary="A distribution")
def get_distribution(request: HttpRequest, distribution_id: int) -> dict[str, Any]:
    return distribution_out(selectors.get_distribution_for(request.user, distribution_id))


@router.post(
    "/distributions/{distribution_id}/approval",
    response=IncomeDistributionOut,
    summary="Approve a distribution (a second officer of the unit)",
)
@decorate_view(idempotent)
def approve_distribution(request: HttpRequest, distribution_id: int) -> dict[str, Any]:
    """Four eyes: the proposer and anyone paid are refused (``permission_denied``). Logs the payouts."""
    distribution = selectors.get_distribution_for(request.user, distribution_id)
    distributions.approve_distribution(actor=actor(request), distribution=distribution)
    return distribution_out(selectors.get_distribution_for(request.user, distribution_id))


@router.delete("/distributions/{distribution_id}", response={204: None}, summary="Discard a proposed distribution")
def discard_distribution(request: HttpRequest, distribution_id: int) -> Status[None]:
    distribution = selectors.get_distribution_for(request.user, distribution_id)
    distributions.discard_distribution(actor=actor(request), distribution=distribution)
    return Status(204, None)


# ---------------------------------------------------------------- statements and payout receipts


def statement_row_out(row: statements.StatementRow) -> dict[str, Any]:
    payout = row.payout
    trail = row.trace
    return {
        "payout": payout.pk,
        "received_on": trail.received_on,
        "cash_fen": row.cash.fen,
        "shares": row.shares,
        "share_bp": payout.share_bp,
        "tax_tags": tags_out(payout.tax_tags),
        "year_cash_fen": row.year_cash.fen,
        "year_shares": row.year_shares,
        "trace": trail.as_dict(),
        "receipt_url": _payout_receipt_url(payout) if trail.payout_index is not None else None,
        "disclosure_url": reverse("api:transfer_income_payout_disclosure", kwargs={"payout_id": payout.pk}),
    }


@router.get("/statements/mine", response=IncomeStatementOut, summary="Your payouts, with running totals by year")
def my_statement(request: HttpRequest, year: int | None = None) -> dict[str, Any]:
    found = statements.statement(statements.payouts(user=actor(request), year=year))
    return {
        "rows": [statement_row_out(row) for row in found.rows],
        "years": [
            {"year": total.year, "cash_fen": total.cash.fen, "shares": total.shares, "payouts": total.payouts}
            for total in found.years
        ],
        "cash_fen": found.cash.fen,
        "shares": found.shares,
    }


@router.get(
    "/payouts/{payout_id}/receipt",
    url_name="transfer_income_payout_receipt",
    openapi_extra={"responses": {200: {"content": {"text/plain": {}}}}},
    summary="The ledger receipt of a payout (c2sp.org/tlog-proof@v1), for the person paid and the unit",
)
def payout_receipt(request: HttpRequest, payout_id: int) -> HttpResponse:
    payout = selectors.get_payout_for(request.user, payout_id)
    entry = payout.ledger_entry
    if entry is None or getattr(entry, "leaf", None) is None:
        raise DomainError(ErrorCode.INVALID_STATE, _("The payout is not in the log yet; try again in a moment."))
    try:
        text = ledger_selectors.receipt_text(entry)
    except ledger_selectors.OutOfRangeError:
        raise DomainError(
            ErrorCode.INVALID_STATE, _("The payout is not in the log yet; try again in a moment.")
        ) from None
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kechuang-payout-{payout.pk}.tlog-proof"'
    return response


@router.get(
    "/payouts/{payout_id}/disclosure",
    url_name="transfer_income_payout_disclosure",
    openapi_extra={"responses": {200: {"content": {"application/json": {}}}}},
    summary="The payout's committed record and salt, to open its ledger entry offline",
)
def payout_disclosure(request: HttpRequest, payout_id: int) -> HttpResponse:
    """``{"record": …, "salt": "<base64>"}``: give it to ``kechuang ledger verify RECEIPT --entry FILE``."""
    payout = selectors.get_payout_for(request.user, payout_id)
    body = json.dumps(statements.disclosure(payout), ensure_ascii=False, indent=2)
    response = HttpResponse(body.encode(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="kechuang-payout-{payout.pk}.disclosure.json"'
    return response
