"""The engine's inputs and its result: deductions, members, and the :class:`Plan` with its lines and steps.

Each input checks itself on construction (a negative deduction or share raises at once), so a plan
is only ever built from valid parts. A :class:`Plan` is plain data: the services save it, the API
returns it, :meth:`Plan.explain` lists how it was computed as structured steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from kechuang.transfer.distribution.allocation import BP, whole
from kechuang.transfer.distribution.errors import DistributionError
from kechuang.transfer.distribution.policies import LegalFloor, PolicyTerms
from kechuang.transfer.distribution.taxes import TaxTag

# 北京市促进科技成果转化条例 §12: net income = income − related taxes − maintenance costs − direct costs
# of the deal. The values match the transfer app's DeductionKind choices.
DEDUCTION_KINDS = ("tax", "maintenance", "direct_cost")


class Basis(StrEnum):
    """The kind of income a plan distributes, which picks the policy's rate."""

    CASH = "cash"  # net income of an assignment or licence, in fen
    EQUITY = "equity"  # shares from investing the achievement, whole shares
    PROFIT = "profit"  # one year's operating profit of the unit's own implementation, in fen


@dataclass(frozen=True)
class Deduction:
    """One item taken off a cash receipt before it is shared: ``kind`` in :data:`DEDUCTION_KINDS`,
    a free-text ``label`` (e.g. "Patent annuity 2025"), ``amount_fen`` ≥ 0; else ``bad_deduction``."""

    kind: str
    label: str
    amount_fen: int

    def __post_init__(self) -> None:
        if self.kind not in DEDUCTION_KINDS:
            raise DistributionError("bad_deduction", f"unknown deduction kind {self.kind!r}", kind=self.kind)
        if whole(self.amount_fen, "amount_fen") < 0:
            raise DistributionError(
                "bad_deduction", f"a deduction cannot be negative ({self.amount_fen})", given=self.amount_fen
            )


@dataclass(frozen=True)
class Member:
    """A team member and their share of the team's part, in basis points (≥ 0; 0 credits without paying)."""

    key: str
    share_bp: int

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise DistributionError("bad_member", f"a member needs a non-empty key, not {self.key!r}")
        if whole(self.share_bp, "share_bp") < 0:
            raise DistributionError(
                "bad_member", f"{self.key}'s share cannot be negative ({self.share_bp})", member=self.key
            )


@dataclass(frozen=True)
class Line:
    """One member's payout: ``amount`` in the plan's ``measure`` (fen or shares; negative in a reversal)."""

    member_key: str
    share_bp: int
    amount: int
    tax_tags: tuple[TaxTag, ...] = ()


@dataclass(frozen=True)
class Step:
    """One step of a plan's explanation: a stable ``code`` and its figures (ints and identifier strings).

    The web layer turns each code into a translated sentence; nothing here is prose for users."""

    code: str
    params: dict[str, int | str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int | str]:
        return {"step": self.code, **self.params}


@dataclass(frozen=True)
class Plan:
    """A computed distribution; nothing is saved. ``distributable = team_amount + unit_amount`` and
    ``team_amount = Σ line.amount``, all in ``measure`` ("fen" or "share").

    ``gross`` is the receipt before deductions (equal to ``distributable`` for equity and profit);
    ``floor`` the legal floor the policy was checked against (``None``: not checked);
    ``reverses_plan``: this plan is the exact negation of an earlier one (:func:`reverse`).
    """

    basis: Basis
    measure: str
    on: date
    terms: PolicyTerms
    rate_bp: int
    gross: int
    deductions: tuple[Deduction, ...]
    distributable: int
    team_amount: int
    unit_amount: int
    lines: tuple[Line, ...]
    floor: LegalFloor | None = None
    profit_year: int | None = None
    reverses_plan: bool = False

    @property
    def is_reversal(self) -> bool:
        """True when the plan takes money or shares back (a negative receipt or a reversed plan)."""
        return self.distributable < 0

    def explain(self) -> list[Step]:
        """The computation step by step, from the receipt to each member's line (see :class:`Step`)."""
        steps = [Step("receipt", {"basis": self.basis.value, "measure": self.measure, "gross": self.gross})]
        if self.reverses_plan:
            steps.append(Step("reversal", {"of": "plan"}))
        elif self.is_reversal:
            steps.append(Step("reversal", {"of": "part", "rule": "split_absolute_value_then_negate"}))
        if self.basis is Basis.CASH:
            steps += [
                Step("deduction", {"kind": item.kind, "label": item.label, "amount": item.amount_fen})
                for item in self.deductions
            ]
            total = sum(d.amount_fen for d in self.deductions)
            steps.append(Step("net_income", {"gross": self.gross, "deductions": total, "net": self.distributable}))
        if self.profit_year is not None:
            steps.append(Step("profit_year", {"year": self.profit_year, "years_max": self.terms.profit_years_max}))
        if self.floor is not None:
            rules = ",".join(dict.fromkeys(rule.key for rule in self.floor.sources.values()))
            steps.append(Step("policy_checked", {"on": self.floor.on.isoformat(), "rules": rules}))
        steps.append(
            Step(
                "team_share",
                {
                    "distributable": self.distributable,
                    "rate_bp": self.rate_bp,
                    "exact": _decimal(self.distributable * self.rate_bp),
                    "rounding": "ceil_away_from_zero",
                    "team": self.team_amount,
                },
            )
        )
        steps.append(Step("unit_share", {"distributable": self.distributable, "unit": self.unit_amount}))
        left = abs(self.team_amount)
        for line in self.lines:
            exact = self.team_amount * line.share_bp
            whole_part = abs(exact) // BP
            left -= whole_part
            steps.append(
                Step(
                    "member_share",
                    {
                        "member": line.member_key,
                        "share_bp": line.share_bp,
                        "exact": _decimal(exact),
                        "remainder_unit": abs(line.amount) - whole_part,
                        "amount": line.amount,
                    },
                )
            )
        steps.append(Step("remainder", {"left": left, "rule": "largest_remainder", "ties": "fraction,share,order"}))
        return steps


def _decimal(ten_thousandths: int) -> str:
    """``ten_thousandths / 10,000`` as an exact decimal string: 9502647001 → "950264.7001", 50000 → "5"."""
    sign = "-" if ten_thousandths < 0 else ""
    units, fraction = divmod(abs(ten_thousandths), BP)
    return f"{sign}{units}.{fraction:04d}".rstrip("0").rstrip(".")
