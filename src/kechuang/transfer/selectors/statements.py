"""Reads of paid income: a payout's trace (contract → receipt → policy version → approver), researchers'
statements with running totals by year, and the words for tax tags and for the engine's working.

A statement lists the payouts of approved distributions (and of those later reversed, with the reversal's
negative lines), oldest first like a bank statement, each with the year's running totals of cash and
shares. The researcher sees their own; a unit's officers see everything their unit paid.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization
from kechuang.core.errors import NotFound
from kechuang.core.i18n import localized
from kechuang.core.money import Money
from kechuang.transfer.distribution.taxes import CASH_REWARD_HALF_WAGE, DEFERRAL_101, EQUITY_DEFERRED, USAGE_RIGHT_ONLY
from kechuang.transfer.enums import DistributionStatus, ReceiptKind
from kechuang.transfer.models import Payout

PAID = (DistributionStatus.APPROVED, DistributionStatus.REVERSED)


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


# ---------------------------------------------------------------- the trace of a payout


@dataclass(frozen=True)
class Trace:
    """Where a payout comes from, link by link; ``*_index`` are ledger indexes (None until integrated)."""

    deal_id: int
    contract_number: str
    achievement: str
    buyer: str
    receipt_id: int
    receipt_kind: str
    receipt_kind_label: str
    received_on: date
    reverses_receipt_id: int | None
    policy_id: int
    policy_name: str
    policy_version: int
    policy_scope: str
    policy_citation: str
    split_id: int
    split_version: int
    proposed_by: str
    approved_by: str | None
    approved_at: datetime | None
    payout_index: int | None
    distribution_index: int | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _index(entry: Any) -> int | None:
    leaf = getattr(entry, "leaf", None) if entry is not None else None
    return leaf.index if leaf is not None else None


def _person(user: Any) -> str:
    return (user.display_name or user.username) if user is not None else ""


def trace(payout: Payout) -> Trace:
    """The chain behind ``payout``. Reads the rows :func:`payouts` selects, so a list costs no extra query."""
    distribution = payout.distribution
    receipt = distribution.receipt
    deal = receipt.deal
    policy = distribution.policy
    return Trace(
        deal_id=deal.pk,
        contract_number=deal.contract_number,
        achievement=localized(deal.achievement.title),
        buyer=localized(deal.buyer.name),
        receipt_id=receipt.pk,
        receipt_kind=receipt.kind,
        receipt_kind_label=str(receipt.get_kind_display()),
        received_on=receipt.received_on,
        reverses_receipt_id=receipt.reverses_id,
        policy_id=policy.pk,
        policy_name=policy.name,
        policy_version=policy.version,
        policy_scope=policy.scope,
        policy_citation=policy.citation,
        split_id=distribution.split_id,
        split_version=distribution.split.version,
        proposed_by=_person(distribution.proposed_by),
        approved_by=_person(distribution.approved_by) if distribution.approved_by_id else None,
        approved_at=distribution.approved_at,
        payout_index=_index(payout.ledger_entry),
        distribution_index=_index(distribution.ledger_entry),
    )


# ---------------------------------------------------------------- tax tags


@dataclass(frozen=True)
class TagText:
    code: str
    text: str
    citation: str


def tax_tag_texts(tags: Iterable[Mapping[str, Any]]) -> list[TagText]:
    """Each tax tag of a payout explained, with the notice it rests on (Chinese title unless in English)."""
    meanings = {
        CASH_REWARD_HALF_WAGE: _(
            "Half of this cash reward counts towards the month's wages and salaries for individual income tax."
        ),
        EQUITY_DEFERRED: _("No individual income tax when the shares are received; dividends and a sale are taxed."),
        DEFERRAL_101: _("Tax on the shares is deferred until they are sold, as the completers chose."),
    }
    found = []
    for tag in tags:
        code = str(tag.get("code", ""))
        text = str(meanings.get(code, code))
        if USAGE_RIGHT_ONLY in tag.get("flags", []):
            text += " " + _(
                "The deal contributed a usage right rather than ownership, where this treatment is disputed."
            )
        citation = str(tag.get("citation_en" if _english() else "citation_zh", ""))
        found.append(TagText(code=code, text=text, citation=citation))
    return found


# ---------------------------------------------------------------- statements


def payouts(*, user: Any = None, unit: Organization | None = None, year: int | None = None) -> QuerySet[Payout]:
    """Payouts of paid distributions, oldest first: ``user``'s own, or all ``unit`` paid (optionally only
    ``user``'s among them), in ``year`` of receipt if given. Everything a statement row shows is selected."""
    found = Payout.objects.filter(distribution__status__in=PAID)
    if user is not None:
        found = found.filter(user=user)
    if unit is not None:
        found = found.filter(distribution__receipt__deal__seller=unit)
    if year is not None:
        found = found.filter(distribution__receipt__received_on__year=year)
    return found.select_related(
        "completer",
        "user",
        "ledger_entry__leaf",
        "distribution__receipt__deal__achievement",
        "distribution__receipt__deal__buyer",
        "distribution__policy",
        "distribution__split",
        "distribution__proposed_by",
        "distribution__approved_by",
        "distribution__ledger_entry__leaf",
    ).order_by("distribution__receipt__received_on", "distribution__approved_at", "id")


@dataclass
class StatementRow:
    payout: Payout
    trace: Trace
    year: int
    cash: Money
    shares: int
    tags: list[TagText]
    year_cash: Money  # running total of the year up to and including this row
    year_shares: int


@dataclass
class YearTotal:
    year: int
    cash: Money = field(default_factory=lambda: Money(0))
    shares: int = 0
    payouts: int = 0


@dataclass
class Statement:
    rows: list[StatementRow]
    years: list[YearTotal]

    @property
    def cash(self) -> Money:
        return sum((year.cash for year in self.years), Money(0))

    @property
    def shares(self) -> int:
        return sum(year.shares for year in self.years)


def statement(found: Iterable[Payout]) -> Statement:
    """Rows with the year's running totals (in the order given, which :func:`payouts` makes chronological)."""
    rows: list[StatementRow] = []
    years: dict[int, YearTotal] = {}
    for payout in found:
        trail = trace(payout)
        year = trail.received_on.year
        total = years.setdefault(year, YearTotal(year))
        total.cash += payout.cash
        total.shares += payout.shares
        total.payouts += 1
        rows.append(
            StatementRow(
                payout=payout,
                trace=trail,
                year=year,
                cash=payout.cash,
                shares=payout.shares,
                tags=tax_tag_texts(payout.tax_tags),
                year_cash=total.cash,
                year_shares=total.shares,
            )
        )
    return Statement(rows=rows, years=sorted(years.values(), key=lambda total: total.year))


def years_paid(*, user: Any = None, unit: Organization | None = None) -> list[int]:
    """The years of receipt with paid income, newest first, for the statement's filter."""
    found = Payout.objects.filter(distribution__status__in=PAID)
    if user is not None:
        found = found.filter(user=user)
    if unit is not None:
        found = found.filter(distribution__receipt__deal__seller=unit)
    days = found.values_list("distribution__receipt__received_on", flat=True).distinct()
    return sorted({day.year for day in days}, reverse=True)


# ---------------------------------------------------------------- the engine's working in words


def _amount(value: int | str, measure: str) -> str:
    """An amount of the engine's working: whole shares, or fen shown in yuan (an exact quota keeps its digits)."""
    number = Decimal(str(value))
    if measure == "share":
        return _("%(n)s shares") % {"n": f"{number:,}"}
    if number == number.to_integral_value():
        return Money(int(number)).format()
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number).scaleb(-2):,}"


def working_texts(working: list[dict[str, Any]], names: Mapping[str, str]) -> list[str]:
    """The engine's steps (``Distribution.working``) as sentences; ``names`` maps completer ids to names."""
    measure = next((str(step.get("measure")) for step in working if step.get("step") == "receipt"), "fen")
    lines = []
    for step in working:
        code = step.get("step")
        if code == "receipt":
            lines.append(_("Received: %(amount)s.") % {"amount": _amount(step["gross"], measure)})
        elif code == "reversal":
            lines.append(
                _("A reversal of the whole receipt: the distribution it takes back, negated.")
                if step.get("of") == "plan"
                else _("A reversal of part of a receipt: split as if positive, every figure then negated.")
            )
        elif code == "deduction":
            lines.append(
                _("Less %(label)s: %(amount)s.") % {"label": step["label"], "amount": _amount(step["amount"], "fen")}
            )
        elif code == "net_income":
            lines.append(
                _("Net income (Beijing regulations, Art. 12): %(gross)s less %(deductions)s is %(net)s.")
                % {
                    "gross": _amount(step["gross"], "fen"),
                    "deductions": _amount(step["deductions"], "fen"),
                    "net": _amount(step["net"], "fen"),
                }
            )
        elif code == "policy_checked":
            lines.append(_("The policy meets the binding floor in force on %(on)s.") % {"on": step["on"]})
        elif code == "team_share":
            lines.append(
                _("The team's part: %(amount)s × %(rate)s = %(exact)s, rounded up to %(team)s.")
                % {
                    "amount": _amount(step["distributable"], measure),
                    "rate": f"{int(step['rate_bp']) / 100:g}%",
                    "exact": _amount(step["exact"], measure),
                    "team": _amount(step["team"], measure),
                }
            )
        elif code == "unit_share":
            lines.append(_("The unit keeps %(unit)s.") % {"unit": _amount(step["unit"], measure)})
        elif code == "member_share":
            lines.append(
                _("%(member)s: %(share)s of the team's part = %(exact)s, paid %(amount)s.")
                % {
                    "member": names.get(str(step["member"]), str(step["member"])),
                    "share": f"{int(step['share_bp']) / 100:g}%",
                    "exact": _amount(step["exact"], measure),
                    "amount": _amount(step["amount"], measure),
                }
            )
        elif code == "remainder" and int(step.get("left", 0)):
            lines.append(
                _(
                    "%(left)s unit(s) left over went one each to the largest fractions "
                    "(ties: the larger share, then the earlier member)."
                )
                % {"left": step["left"]}
            )
    return lines


def disclosure(payout: Payout) -> dict[str, Any]:
    """``{"record": …, "salt": "<base64>"}`` opening the payout's ledger commitment (ADR 0006): the file
    ``kechuang ledger verify RECEIPT --entry FILE`` takes. ``NotFound`` before the payout is logged."""
    entry = payout.ledger_entry
    if entry is None or entry.salt is None:
        raise NotFound()
    return {"record": payout.committed, "salt": base64.b64encode(bytes(entry.salt)).decode()}


def receipt_amount(kind: str, gross_fen: int, shares: int) -> str:
    """A receipt's amount in words: shares for equity, else yuan to the fen."""
    if kind == ReceiptKind.EQUITY_GRANT or (shares and not gross_fen):
        return _("%(n)s shares") % {"n": f"{shares:,}"}
    return Money(gross_fen).format()
