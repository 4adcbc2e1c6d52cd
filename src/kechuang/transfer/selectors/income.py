"""Reads of income and its distribution: which policy and floor apply, the split in force, one accessor per
object that answers "not found" for what a viewer may not see, a payout's trace, and the engine's refusals
as the API's problems.

Which rules bind whom (促进科技成果转化法 §45, paragraph 2): the national floor binds the units the state
founded — universities and research institutes here (``OrganizationKind`` university, institute) — so their
own policies and distributions are checked against it. For any other unit the law's figures are only the
default when it has set no rule of its own, so nothing is checked. Which policy applies to a receipt: the
unit's own version in force on the day it was received, else the national row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from kechuang.accounts.enums import OrganizationKind
from kechuang.accounts.models import Organization
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.transfer.distribution import (
    Contribution,
    Deduction,
    DistributionError,
    LegalFloor,
    LegalRule,
    Member,
    Payer,
    Plan,
    PolicyTerms,
    TaxTag,
    Violation,
    floor_on,
    legal_rules,
    plan_cash,
    plan_equity,
)
from kechuang.transfer.enums import PolicyScope, ReceiptKind, SplitStatus
from kechuang.transfer.models import Deal, Distribution, Payout, Policy, Receipt, SplitLine, TeamSplit

# The units §45's floor binds: founded by the state (universities and research institutes).
FLOOR_BINDS = (OrganizationKind.UNIVERSITY, OrganizationKind.INSTITUTE)
CASH_KINDS = (ReceiptKind.UPFRONT, ReceiptKind.MILESTONE, ReceiptKind.ROYALTY)
LEGAL_SCOPES = (PolicyScope.NATIONAL, PolicyScope.LOCAL)

# ---------------------------------------------------------------- policies and floors


def floor_binds(organization: Organization) -> bool:
    return organization.kind in FLOOR_BINDS


def payer_of(organization: Organization) -> Payer:
    """The tax notices' payer: a university or institute is taken as an approved non-profit one (财税〔2018〕58号
    names those); any other unit pays as an enterprise."""
    return Payer.NONPROFIT_INSTITUTE if organization.kind in FLOOR_BINDS else Payer.ENTERPRISE


def terms_of(policy: Policy) -> PolicyTerms:
    return PolicyTerms(
        cash_bp=policy.cash_bp,
        equity_bp=policy.equity_bp,
        profit_bp=policy.profit_bp,
        profit_years_min=policy.profit_years_min,
        profit_years_max=policy.profit_years,
    )


def floor_for(organization: Organization, on: date) -> LegalFloor | None:
    """The binding floor on ``on`` where ``organization`` is, when it binds that unit; ``None`` otherwise, or
    before any binding rule was in force (the 2015 amendment took effect on 2015-10-01)."""
    if not floor_binds(organization):
        return None
    try:
        return floor_on(on, organization.region)
    except DistributionError as exc:
        if exc.code == "no_rule_in_force":
            return None
        raise domain_error(exc) from exc


def legal_rule_of(policy: Policy) -> LegalRule | None:
    """The engine's rule behind a row that carries the law; ``None`` for a unit's own policy."""
    return next((rule for rule in legal_rules() if rule.key == policy.rule_key), None) if policy.rule_key else None


def _in_force(on: date) -> Q:
    return Q(effective_from__lte=on) & (Q(effective_to__isnull=True) | Q(effective_to__gte=on))


def national_policy(on: date) -> Policy | None:
    """The national row in force on ``on`` (the floor of §45 from 2015-10-01)."""
    found = Policy.objects.filter(_in_force(on), scope=PolicyScope.NATIONAL, institution__isnull=True)
    return found.exclude(rule_key="").order_by("-effective_from", "-pk").first()


def institution_policy(organization: Organization, on: date) -> Policy | None:
    return Policy.objects.filter(_in_force(on), institution=organization).order_by("-version").first()


def applicable_policy(organization: Organization, on: date) -> Policy | None:
    """The unit's own version in force on ``on``, else the national row; ``None`` when neither is."""
    return institution_policy(organization, on) or national_policy(on)


def legal_policies() -> QuerySet[Policy]:
    return Policy.objects.filter(institution__isnull=True, scope__in=LEGAL_SCOPES).order_by("scope", "effective_from")


def policies_of(organization: Organization) -> QuerySet[Policy]:
    """Every version of the unit's own policy, newest first."""
    return Policy.objects.filter(institution=organization).select_related("approved_by").order_by("-version")


def get_policy(pk: int) -> Policy:
    """Policies are public (a unit must publish its reward rules, 促进科技成果转化法 §44)."""
    policy = Policy.objects.select_related("institution").filter(pk=pk).first()
    if policy is None:
        raise NotFound()
    return policy


# ---------------------------------------------------------------- splits


def _lines() -> Prefetch[str, QuerySet[SplitLine], str]:
    return Prefetch("lines", queryset=SplitLine.objects.select_related("completer__user").order_by("id"))


def split_in_force(achievement_id: int) -> TeamSplit | None:
    """The split signed off for the achievement, with its lines in order (the order breaks remainder ties)."""
    found = TeamSplit.objects.filter(achievement_id=achievement_id, status=SplitStatus.SIGNED_OFF)
    return found.select_related("set_by", "signed_off_by").prefetch_related(_lines()).first()


def splits_of(achievement_id: int) -> list[TeamSplit]:
    found = TeamSplit.objects.filter(achievement_id=achievement_id).select_related("set_by", "signed_off_by")
    return list(found.prefetch_related(_lines()).order_by("-version"))


def get_split_for(user: Any, pk: int) -> TeamSplit:
    """A split, for its achievement's completers, the owner's officers and operators."""
    split = TeamSplit.objects.select_related("achievement__owner", "set_by").prefetch_related(_lines())
    found = split.filter(pk=pk).first()
    if found is None or not user.has_perm("transfer.view_achievement_private", found.achievement):
        raise NotFound()
    return found


# ---------------------------------------------------------------- receipts and distributions


def get_deal_income_for(user: Any, pk: int) -> Deal:
    """A deal whose income ``user`` may see: the seller's officers, its completers, operators."""
    deal = Deal.objects.select_related("achievement", "seller", "buyer").filter(pk=pk).first()
    if deal is None or not getattr(user, "is_authenticated", False) or not user.has_perm("transfer.view_income", deal):
        raise NotFound()
    return deal


def receipts_of(deal: Deal) -> list[Receipt]:
    """The deal's receipts, newest first, each with its deductions and distribution (if any)."""
    found = Receipt.objects.filter(deal=deal).select_related("reverses", "reversed_by", "distribution", "recorded_by")
    return list(found.prefetch_related("deductions").order_by("-received_on", "-id"))


def get_receipt_for(user: Any, pk: int) -> Receipt:
    receipt = Receipt.objects.select_related("deal__seller", "deal__achievement", "reverses").filter(pk=pk).first()
    if receipt is None or not getattr(user, "is_authenticated", False):
        raise NotFound()
    if not user.has_perm("transfer.view_income", receipt.deal):
        raise NotFound()
    return receipt


def _distributions() -> QuerySet[Distribution]:
    payouts = Payout.objects.select_related("completer", "user", "ledger_entry__leaf").order_by("id")
    return Distribution.objects.select_related(
        "receipt__deal__seller",
        "receipt__deal__buyer",
        "receipt__deal__achievement",
        "receipt__reverses",
        "policy",
        "split",
        "proposed_by",
        "approved_by",
        "ledger_entry__leaf",
    ).prefetch_related(Prefetch("payouts", queryset=payouts), "receipt__deductions")


def get_distribution_for(user: Any, pk: int) -> Distribution:
    """A distribution, for whoever may see its deal's income; ``NotFound`` for missing and hidden alike."""
    found = _distributions().filter(pk=pk).first()
    if found is None or not getattr(user, "is_authenticated", False):
        raise NotFound()
    if not user.has_perm("transfer.view_income", found.receipt.deal):
        raise NotFound()
    return found


def get_payout_for(user: Any, pk: int) -> Payout:
    """A payout of an approved distribution, for the person paid and the paying unit's officers."""
    found = (
        Payout.objects.select_related(
            "distribution__receipt__deal__seller", "completer", "user", "ledger_entry__leaf", "distribution__policy"
        )
        .filter(pk=pk)
        .exclude(distribution__approved_at__isnull=True)
        .first()
    )
    if (
        found is None
        or not getattr(user, "is_authenticated", False)
        or not user.has_perm("transfer.view_payout", found)
    ):
        raise NotFound()
    return found


# ---------------------------------------------------------------- the engine's refusals


def _percent(bp: int) -> str:
    return f"{bp // 100}.{bp % 100:02d}%"


def violation_text(violation: Violation) -> str:
    """One figure below the floor, in words, citing the article (in the language of the request)."""
    english = (translation.get_language() or "").startswith("en")
    citation = violation.citation_en if english else violation.citation_zh
    figures = {
        "cash_bp": _("The team's share of net cash income"),
        "equity_bp": _("The team's share of equity"),
        "profit_bp": _("The team's share of operating profit"),
        "profit_years_min": _("The years profit is shared"),
    }
    if violation.field == "profit_years_min":
        given, required = str(violation.given), str(violation.required)
    else:
        given, required = _percent(violation.given), _percent(violation.required)
    return _("%(figure)s, %(given)s, is below the %(required)s required by %(citation)s.") % {
        "figure": figures.get(violation.field, violation.field),
        "given": given,
        "required": required,
        "citation": citation,
    }


def domain_error(exc: DistributionError) -> DomainError:
    """The engine's refusal as a problem: ``policy_below_floor`` and ``split_not_100`` keep their codes (the
    first with every violation's article in ``detail`` and ``errors``), the rest are validation errors."""
    if exc.code == "policy_below_floor":
        violations = [v for v in exc.details.get("violations", []) if isinstance(v, Violation)]  # type: ignore[attr-defined]
        texts = [violation_text(v) for v in violations]
        return DomainError(
            ErrorCode.POLICY_BELOW_FLOOR,
            " ".join(texts) or exc.message,
            errors={v.field: [text] for v, text in zip(violations, texts, strict=True)},
        )
    if exc.code == "split_not_100":
        given = exc.details.get("given", 0)
        text = _("The shares add up to %(given)s, not 100%%.") % {"given": _percent(int(str(given)))}
        return DomainError(ErrorCode.SPLIT_NOT_100, text, errors={"shares": [text]})
    if exc.code == "bad_rule_data":
        return DomainError(ErrorCode.INTEGRITY)
    fields = {
        "deductions_exceed_income": ("deductions", _("The deductions add up to more than the amount received.")),
        "bad_deduction": ("deductions", _("A deduction must be of a known kind and not negative.")),
        "policy_out_of_range": (
            "policy",
            _("Shares lie between 0% and 100%, and the years of profit sharing in order."),
        ),
        "no_members": ("shares", _("Name at least one member of the team.")),
        "bad_member": ("shares", _("Each member appears once, with a share of 0% or more.")),
        "profit_year_outside_policy": ("year", _("The policy does not share profit for this year.")),
        "no_rule_in_force": ("received_on", _("No reward rule was in force on this date.")),
        "bad_region_code": ("institution", _("The unit's region is not a valid code.")),
    }
    field, text = fields.get(exc.code, ("amount", _("Enter whole amounts that fit the ledger.")))
    if exc.code == "policy_out_of_range" and "field" in exc.details:
        field = str(exc.details["field"])
    return DomainError(ErrorCode.VALIDATION, text, errors={field: [text]})


# ---------------------------------------------------------------- plans


def members_of(split: TeamSplit) -> list[Member]:
    """The split's lines as the engine's members, keyed by completer id, in the order they were set."""
    return [Member(str(line.completer_id), line.share_bp) for line in split.lines.all()]


def is_equity(receipt: Receipt) -> bool:
    """Shares rather than cash: an equity grant, or the reversal of one."""
    original = receipt.reverses if receipt.reverses_id else receipt
    return original is not None and original.kind == ReceiptKind.EQUITY_GRANT


def plan_receipt(
    *,
    receipt: Receipt,
    deductions: Sequence[Deduction],
    terms: PolicyTerms,
    members: Sequence[Member],
    seller: Organization,
    usage_right_only: bool,
    deferral_101: bool,
    check_floor: bool,
) -> Plan:
    """The engine's plan for ``receipt`` (saved or not) under ``terms`` and ``members``; with ``check_floor`` the
    floor binding ``seller`` on the day of receipt refuses a policy below it. Raises ``DomainError``."""
    on = receipt.received_on
    try:
        floor = floor_for(seller, on) if check_floor else None
        if is_equity(receipt):
            return plan_equity(
                total_shares=receipt.shares,
                terms=terms,
                members=members,
                floor=floor,
                on=on,
                payer=payer_of(seller),
                contributed=Contribution.USAGE_RIGHT if usage_right_only else Contribution.OWNERSHIP,
                deferral_101=deferral_101,
            )
        return plan_cash(
            gross_fen=receipt.gross_fen,
            terms=terms,
            members=members,
            floor=floor,
            on=on,
            payer=payer_of(seller),
            deductions=deductions,
        )
    except DistributionError as exc:
        raise domain_error(exc) from exc


def is_whole_reversal(reversal: Receipt, original: Receipt) -> bool:
    """True when ``reversal`` takes back exactly everything ``original`` brought in."""
    return (reversal.gross_fen, reversal.net_fen, reversal.shares) == (
        -original.gross_fen,
        -original.net_fen,
        -original.shares,
    )


def tag_records(tags: Iterable[TaxTag]) -> list[dict[str, Any]]:
    """A plan line's tax tags as stored on a payout (and shown by the preview)."""
    return [
        {"code": tag.code, "citation_zh": tag.citation_zh, "citation_en": tag.citation_en, "flags": list(tag.flags)}
        for tag in tags
    ]


def engine_deductions(receipt: Receipt) -> list[Deduction]:
    return [Deduction(item.kind, item.label, item.amount_fen) for item in receipt.deductions.all()]


def preview(
    *,
    institution: Organization,
    receipt: Receipt,
    deductions: Sequence[Deduction],
    members: Sequence[Member],
    policy: Policy | None = None,
    terms: PolicyTerms | None = None,
    usage_right_only: bool = False,
    deferral_101: bool = False,
) -> tuple[Plan, Policy | None]:
    """The plan for an unsaved ``receipt`` of ``institution``, and the policy row it used (``None`` for
    ``terms`` given outright). Writes nothing: the preview endpoint and the receipt form call it.

    The terms are ``policy``'s, else ``terms``, else those of the policy that applies on the day of receipt
    (the national floor itself when no row is stored). A university's or institute's terms are held to the
    floor of that day, as a distribution would be (``policy_below_floor``).
    """
    used = policy
    if policy is not None:
        terms = terms_of(policy)
    elif terms is None:
        used = applicable_policy(institution, receipt.received_on)
        if used is not None:
            terms = terms_of(used)
        else:
            try:
                terms = floor_on(receipt.received_on).terms
            except DistributionError as exc:
                raise domain_error(exc) from exc
    plan = plan_receipt(
        receipt=receipt,
        deductions=deductions,
        terms=terms,
        members=members,
        seller=institution,
        usage_right_only=usage_right_only,
        deferral_101=deferral_101,
        check_floor=True,
    )
    return plan, used
