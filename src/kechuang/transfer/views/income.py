"""Pages of income and its distribution: the reward policies, the team's split, a deal's receipts (with a
preview of the lines before anything is saved), a distribution with its working and approval, and the
researchers' statements with their CSV, ledger receipts and disclosures.

Every write goes through the income services; a refusal (a policy below the floor, shares not adding up to
100%, a second approver missing) is shown on the page and changes nothing. Forms that move money carry a
one-time token claimed in the write's own transaction, so a double click records once. A deal's income is
seen by the seller's officers, the completers and operators; payouts by the person paid and the unit's
officers; to anyone else they answer 404.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kechuang.accounts.models import Organization
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.idempotency import claim_form_token
from kechuang.ledger import selectors as ledger_selectors
from kechuang.transfer.distribution import Deduction, DistributionError, Plan
from kechuang.transfer.enums import DistributionStatus, ReceiptKind, SplitStatus
from kechuang.transfer.forms.income import (
    OnceForm,
    PolicyForm,
    ProposeForm,
    ReceiptForm,
    ReversalForm,
    SplitForm,
    StatementFilterForm,
)
from kechuang.transfer.models import Deal, Receipt
from kechuang.transfer.selectors import achievements as achievement_selectors
from kechuang.transfer.selectors import income as selectors
from kechuang.transfer.selectors import statements
from kechuang.transfer.services import distributions, income, policies
from kechuang.transfer.views.achievements import achievement_of, refused, user_of


def _or_404(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except NotFound:
        raise Http404 from None


# ---------------------------------------------------------------- policies


@require_http_methods(["GET", "POST"])
def policy_list(request: HttpRequest) -> HttpResponse:
    """The law's rows and the versions of the viewer's units (or of ``?unit=``: policies are published)."""
    user = request.user
    units = list(achievement_selectors.managed_units(user))
    form = PolicyForm(request.POST or None, units=units, initial={"effective_from": timezone.localdate()})
    if request.method == "POST":
        if not units:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                policy = policies.propose_policy(
                    actor=user_of(request),
                    institution=data["institution"],
                    name=data["name"],
                    citation=data["citation"],
                    effective_from=data["effective_from"],
                    cash_bp=data["cash"],
                    equity_bp=data["equity"],
                    profit_bp=data["profit"],
                    profit_years=data["profit_years"],
                )
            except DomainError as exc:
                refused(request, exc, _PolicyErrors(form))
            else:
                messages.success(
                    request, _("Version %(version)s of the policy is recorded.") % {"version": policy.version}
                )
                return redirect("transfer:income_policies")
    shown = list(units)
    asked = request.GET.get("unit", "")
    if asked.isdigit() and (other := Organization.objects.filter(pk=int(asked), status="active").first()):
        shown = [other]
    legal = [(policy, selectors.legal_rule_of(policy)) for policy in selectors.legal_policies()]
    context = {
        "legal": legal,
        "units": [(unit, list(selectors.policies_of(unit))) for unit in shown],
        "form": form if units else None,
    }
    return render(request, "transfer/income/policies.html", context)


class _PolicyErrors:
    """Places the service's per-figure errors (``cash_bp`` …) on the form's percentage fields."""

    FIELDS = {"cash_bp": "cash", "equity_bp": "equity", "profit_bp": "profit", "profit_years_min": "profit_years"}

    def __init__(self, form: PolicyForm) -> None:
        self.form = form
        self.fields = {**form.fields, **{name: form.fields[target] for name, target in self.FIELDS.items()}}

    def add_error(self, field: str, error: str) -> None:
        self.form.add_error(self.FIELDS.get(field, field), error)


# ---------------------------------------------------------------- the team's split


@login_required
@require_http_methods(["GET", "POST"])
def split_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The achievement's splits: the lead sets one, an officer of the unit signs it off."""
    user = user_of(request)
    achievement = achievement_of(request, pk)
    if not achievement_selectors.can_see_private(user, achievement):
        raise Http404
    splits = selectors.splits_of(achievement.pk)
    in_force = next((split for split in splits if split.status == SplitStatus.SIGNED_OFF), None)
    can_set = user.has_perm("transfer.set_split", achievement)
    completers = list(achievement.completers.order_by("position", "id"))
    initial = {line.completer_id: line.share_bp for line in in_force.lines.all()} if in_force else {}
    form = SplitForm(request.POST or None, completers=completers, initial_bp=initial) if can_set else None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "sign_off":
                split = next((s for s in splits if str(s.pk) == request.POST.get("split")), None)
                if split is None:
                    raise Http404
                income.sign_off_split(actor=user, split=split)
                messages.success(request, _("The split is signed off and in force."))
                return redirect("transfer:income_split", pk)
            if form is None:
                raise Http404
            if form.is_valid():
                income.set_split(
                    actor=user, achievement=achievement, shares=form.shares(), note=form.cleaned_data["note"]
                )
                messages.success(request, _("The split is set; an officer of the unit signs it off."))
                return redirect("transfer:income_split", pk)
        except DomainError as exc:
            refused(request, exc, form)
    context = {
        "achievement": achievement,
        "splits": splits,
        "in_force": in_force,
        "form": form,
        "can_sign_off": user.has_perm("transfer.sign_off_split", achievement),
    }
    return render(request, "transfer/income/split.html", context)


# ---------------------------------------------------------------- a deal's income


def _preview(deal: Deal, form: ReceiptForm) -> Plan | None:
    """The lines the form's receipt would give under today's policy and split; nothing is saved."""
    split = selectors.split_in_force(deal.achievement_id)
    if split is None:
        raise DomainError(ErrorCode.INVALID_STATE, _("The team's split is not signed off yet."))
    data = form.cleaned_data
    kind = data["kind"]
    gross = data.get("gross")
    unsaved = Receipt(
        kind=kind,
        gross_fen=0 if kind == ReceiptKind.EQUITY_GRANT or gross is None else gross.fen,
        shares=(data.get("shares") or 0) if kind == ReceiptKind.EQUITY_GRANT else 0,
        received_on=data["received_on"],
    )
    if unsaved.gross_fen < 0 or (kind != ReceiptKind.EQUITY_GRANT and unsaved.gross_fen == 0):
        raise DomainError(ErrorCode.VALIDATION, _("Enter the amount received, more than zero."))
    try:
        items = [Deduction(item.kind, item.label, item.amount.fen) for item in form.deductions()]
    except DistributionError as exc:
        raise selectors.domain_error(exc) from exc
    plan, _used = selectors.preview(
        institution=deal.seller,
        receipt=unsaved,
        deductions=items if kind != ReceiptKind.EQUITY_GRANT else [],
        members=selectors.members_of(split),
        usage_right_only=deal.usage_right_only,
    )
    return plan


@login_required
@require_http_methods(["GET", "POST"])
def deal_income(request: HttpRequest, pk: int) -> HttpResponse:
    """Receipts of a deal; its officers record one (or preview its lines first) and distribute it."""
    user = user_of(request)
    deal = _or_404(selectors.get_deal_income_for, user, pk)
    officer = user.has_perm("transfer.record_receipt", deal)
    today = timezone.localdate()
    form = ReceiptForm(request.POST or None, initial={"received_on": today}) if officer else None
    plan = None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                if request.POST.get("action") == "preview":
                    plan = _preview(deal, form)
                else:
                    with transaction.atomic():
                        if not claim_form_token(request, form.cleaned_data["once"]):
                            messages.info(request, _("This form was sent already; the income was recorded once."))
                            return redirect("transfer:deal_income", pk)
                        data = form.cleaned_data
                        equity = data["kind"] == ReceiptKind.EQUITY_GRANT
                        income.record_receipt(
                            actor=user,
                            deal=deal,
                            kind=data["kind"],
                            received_on=data["received_on"],
                            gross=None if equity else data.get("gross"),
                            deductions=[] if equity else form.deductions(),
                            shares=(data.get("shares") or 0) if equity else 0,
                            reference=data.get("reference") or "",
                        )
                    messages.success(request, _("The income is recorded."))
                    return redirect("transfer:deal_income", pk)
            except DomainError as exc:
                refused(request, exc, form)
    split = selectors.split_in_force(deal.achievement_id)
    receipts = selectors.receipts_of(deal)
    # Each row's forms get ids of their own (a page must not repeat an id) and a one-time token of their own.
    rows = [
        {
            "receipt": receipt,
            "reversal_form": ReversalForm(initial={"received_on": today}, auto_id=f"id_reverse{receipt.pk}_%s")
            if officer
            else None,
            "propose_form": ProposeForm(auto_id=f"id_propose{receipt.pk}_%s") if officer else None,
        }
        for receipt in receipts
    ]
    context = {
        "deal": deal,
        "officer": officer,
        "rows": rows,
        "form": form,
        "policy": selectors.applicable_policy(deal.seller, today),
        "split": split,
        "plan": plan,
        "plan_lines": _plan_lines(plan, split) if plan is not None else [],
        "explanation": statements.working_texts([step.as_dict() for step in plan.explain()], _names(split))
        if plan is not None
        else [],
        "statement_unit": deal.seller if user.has_perm("transfer.view_unit_statement", deal.seller) else None,
    }
    return render(request, "transfer/income/deal.html", context)


def _names(split: Any) -> dict[str, str]:
    return {str(line.completer_id): line.completer.name for line in split.lines.all()} if split else {}


def _plan_lines(plan: Plan, split: Any) -> list[dict[str, Any]]:
    names = _names(split)
    return [
        {
            "name": names.get(line.member_key, line.member_key),
            "share_bp": line.share_bp,
            "amount": line.amount,
            "tags": statements.tax_tag_texts(selectors.tag_records(line.tax_tags)),
        }
        for line in plan.lines
    ]


@login_required
@require_POST
def receipt_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    receipt = _or_404(selectors.get_receipt_for, user, pk)
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the date and the amounts of the reversal."))
        return redirect("transfer:deal_income", receipt.deal_id)
    data = form.cleaned_data
    whole = data.get("gross") is None and data.get("shares") is None
    try:
        with transaction.atomic():
            if claim_form_token(request, data["once"]):
                income.record_reversal(
                    actor=user,
                    receipt=receipt,
                    received_on=data["received_on"],
                    gross=None if whole else data.get("gross"),
                    deductions=None if whole else [],
                    shares=None if whole else data.get("shares"),
                    reference=data.get("reference") or "",
                )
                messages.success(request, _("The reversal is recorded; distribute it to take the payouts back."))
            else:
                messages.info(request, _("This form was sent already; the reversal was recorded once."))
    except DomainError as exc:
        refused(request, exc)
    return redirect("transfer:deal_income", receipt.deal_id)


@login_required
@require_POST
def receipt_distribute(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    receipt = _or_404(selectors.get_receipt_for, user, pk)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        made = distributions.propose_distribution(
            actor=user, receipt=receipt, deferral_101=form.cleaned_data["deferral_101"]
        )
    except DomainError as exc:
        refused(request, exc)
        return redirect("transfer:deal_income", receipt.deal_id)
    messages.success(request, _("The distribution is proposed; another officer of the unit approves it."))
    return redirect("transfer:income_distribution", made.pk)


# ---------------------------------------------------------------- a distribution


@login_required
@require_safe
def distribution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    distribution = _or_404(selectors.get_distribution_for, user, pk)
    payouts = list(distribution.payouts.all())
    names = {str(payout.completer_id): payout.completer.name for payout in payouts}
    waiting = distribution.status == DistributionStatus.PROPOSED
    context = {
        "distribution": distribution,
        "receipt": distribution.receipt,
        "deal": distribution.receipt.deal,
        "equity": selectors.is_equity(distribution.receipt),
        "lines": [(payout, statements.tax_tag_texts(payout.tax_tags)) for payout in payouts],
        "explanation": statements.working_texts(distribution.working, names),
        "trace": statements.trace(payouts[0]) if payouts else None,
        "can_approve": waiting and user.has_perm("transfer.approve_distribution", distribution),
        "can_discard": waiting and user.has_perm("transfer.propose_distribution", distribution.receipt.deal),
        "approve_form": OnceForm() if waiting else None,
        "officer": user.has_perm("transfer.record_receipt", distribution.receipt.deal),
    }
    return render(request, "transfer/income/distribution.html", context)


@login_required
@require_POST
def distribution_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    distribution = _or_404(selectors.get_distribution_for, user, pk)
    form = OnceForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        with transaction.atomic():
            if claim_form_token(request, form.cleaned_data["once"]):
                distributions.approve_distribution(actor=user, distribution=distribution)
                messages.success(request, _("The distribution is approved and in the ledger."))
            else:
                messages.info(request, _("This form was sent already; the distribution was approved once."))
    except DomainError as exc:
        refused(request, exc)
    return redirect("transfer:income_distribution", pk)


@login_required
@require_POST
def distribution_discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    distribution = _or_404(selectors.get_distribution_for, user, pk)
    deal_id = distribution.receipt.deal_id
    try:
        distributions.discard_distribution(actor=user, distribution=distribution)
    except DomainError as exc:
        refused(request, exc)
        return redirect("transfer:income_distribution", pk)
    messages.success(request, _("The proposed distribution is discarded."))
    return redirect("transfer:deal_income", deal_id)


# ---------------------------------------------------------------- statements


def _statement_scope(request: HttpRequest) -> tuple[Organization | None, Any]:
    """(unit, person) the statement is for: ``?unit=`` for the unit's officers (404 otherwise), else the viewer."""
    user = user_of(request)
    asked = request.GET.get("unit", "")
    if not asked:
        return None, user
    unit = Organization.objects.filter(pk=int(asked)).first() if asked.isdigit() else None
    if unit is None or not user.has_perm("transfer.view_unit_statement", unit):
        raise Http404
    return unit, None


@login_required
@require_safe
def statement_page(request: HttpRequest) -> HttpResponse:
    """Every payout to the viewer (or, for a unit's officers, every payout of the unit) with running totals."""
    user = user_of(request)
    unit, person = _statement_scope(request)
    form = StatementFilterForm(request.GET, years=statements.years_paid(user=person, unit=unit))
    found = statements.statement(statements.payouts(user=person, unit=unit, year=form.chosen_year()))
    context = {
        "statement": found,
        "form": form,
        "unit": unit,
        "units": list(achievement_selectors.managed_units(user)),
        "query": request.GET.urlencode(),
    }
    return render(request, "transfer/income/statement.html", context)


@login_required
@require_safe
def statement_csv(request: HttpRequest) -> HttpResponse:
    unit, person = _statement_scope(request)
    form = StatementFilterForm(request.GET, years=statements.years_paid(user=person, unit=unit))
    found = statements.statement(statements.payouts(user=person, unit=unit, year=form.chosen_year()))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "received_on",
            "person",
            "contract_number",
            "achievement",
            "receipt_kind",
            "share_percent",
            "cash_yuan",
            "shares",
            "year_cash_yuan",
            "year_shares",
            "tax_treatment",
            "policy",
            "policy_version",
            "approved_by",
            "ledger_index",
        ]
    )
    for row in found.rows:
        trail = row.trace
        writer.writerow(
            [
                trail.received_on.isoformat(),
                row.payout.completer.name,
                trail.contract_number,
                trail.achievement,
                trail.receipt_kind,
                f"{row.payout.share_bp / 100:.2f}",
                f"{row.cash.yuan:.2f}",
                row.shares,
                f"{row.year_cash.yuan:.2f}",
                row.year_shares,
                "; ".join(f"{tag.text} ({tag.citation})" for tag in row.tags),
                trail.policy_name,
                trail.policy_version,
                trail.approved_by or "",
                "" if trail.payout_index is None else trail.payout_index,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kechuang-statement.csv"'
    return response


@login_required
@require_safe
def payout_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The payout's ledger receipt (``c2sp.org/tlog-proof@v1``), for the person paid and the unit's officers."""
    payout = _or_404(selectors.get_payout_for, request.user, pk)
    entry = payout.ledger_entry
    try:
        if entry is None or getattr(entry, "leaf", None) is None:
            raise ledger_selectors.OutOfRangeError
        text = ledger_selectors.receipt_text(entry)
    except ledger_selectors.OutOfRangeError:
        response = HttpResponse(
            _("This payout is not under a signed checkpoint yet; try again in a moment.") + "\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kechuang-payout-{payout.pk}.tlog-proof"'
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_safe
def payout_disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    """The payout's committed record and salt: with the receipt, it proves the amount offline."""
    payout = _or_404(selectors.get_payout_for, request.user, pk)
    body = _or_404(statements.disclosure, payout)
    response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="kechuang-payout-{payout.pk}.disclosure.json"'
    response["Cache-Control"] = "private, no-cache"
    return response
