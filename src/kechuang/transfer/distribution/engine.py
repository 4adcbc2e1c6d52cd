"""The distribution engine: one receipt, one policy, one team split → a :class:`Plan` of payout lines.

Two levels. The unit's income is split between the unit and the team at the policy's rate for that
kind of income (:class:`Basis`), the team's part rounded up so the team never gets less than the
policy says (``team = ceil(distributable × rate / 10,000)``, the unit keeps the rest); the team's part
is split among the members by the shares the team lead set (basis points adding up to exactly 10,000)
by largest remainder, to the fen for cash and in whole shares for equity (rules in
:mod:`~kechuang.transfer.distribution.allocation`). The parts always add up: ``Σ lines = team`` and
``team + unit = distributable``.

- Cash (:func:`plan_cash`): the distributable amount is the *net income* of an assignment or licence,
  the gross receipt less itemised deductions (:func:`net_income`, Beijing regulation §12).
- Equity (:func:`plan_equity`): the shares the unit received for investing the achievement.
- Profit (:func:`plan_profit`): one year's operating profit of the unit's own implementation, for the
  years the policy covers.

**Reversals.** A negative receipt (a refund, a clawed-back milestone) is distributed by the same rule
on its absolute value and every figure negated, so negative lines mirror positive ones and the sums
still hold; :func:`reverse` takes back a whole earlier plan as its exact negation.

Pure Python, no Django (an import-linter contract keeps it so): the preview endpoint, the services
that save distributions, the demo and the benchmark all call these functions. Refusals raise
:class:`~kechuang.transfer.distribution.errors.DistributionError` with a stable code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from kechuang.transfer.distribution.allocation import BP, split, team_part, whole
from kechuang.transfer.distribution.errors import DistributionError
from kechuang.transfer.distribution.plans import Basis, Deduction, Line, Member, Plan
from kechuang.transfer.distribution.policies import LegalFloor, PolicyTerms, require_policy
from kechuang.transfer.distribution.taxes import Contribution, Payer, TaxTag, cash_tags, equity_tags


def net_income(gross_fen: int, deductions: Sequence[Deduction] = ()) -> int:
    """The net income of a cash receipt (Beijing regulation §12): ``gross_fen`` less every deduction.

    Deductions are ≥ 0 (checked by :class:`Deduction`) and may not add up to more than the receipt
    (``deductions_exceed_income``). A negative receipt (a refund) nets symmetrically,
    ``-(|gross| − Σ deductions)``, so a refund of the same receipt and costs mirrors it.
    """
    gross = whole(gross_fen, "gross_fen")
    total = 0
    for deduction in deductions:
        if not isinstance(deduction, Deduction):
            raise DistributionError("bad_deduction", f"not a Deduction: {deduction!r}")
        total += deduction.amount_fen
    if total > abs(gross):
        raise DistributionError(
            "deductions_exceed_income",
            f"deductions of {total} fen exceed the receipt of {abs(gross)} fen",
            gross=gross,
            deductions=total,
        )
    return gross - total if gross >= 0 else gross + total


def check_split(members: Sequence[Member]) -> tuple[Member, ...]:
    """``members`` as a tuple, after checking the split: at least one member (``no_members``), no key twice
    (``bad_member``), shares adding up to exactly 10,000 bp (``split_not_100``)."""
    if not members:
        raise DistributionError("no_members", "a distribution needs at least one team member")
    keys = set()
    total = 0
    for member in members:
        if not isinstance(member, Member):
            raise DistributionError("bad_member", f"not a Member: {member!r}")
        if member.key in keys:
            raise DistributionError("bad_member", f"{member.key} appears twice in the split", member=member.key)
        keys.add(member.key)
        total += member.share_bp
    if total != BP:
        raise DistributionError("split_not_100", f"the shares add up to {total} bp, not {BP}", given=total, required=BP)
    return tuple(members)


def _plan(
    *,
    basis: Basis,
    on: date,
    terms: PolicyTerms,
    members: Sequence[Member],
    floor: LegalFloor | None,
    gross: int,
    deductions: tuple[Deduction, ...],
    distributable: int,
    tags: tuple[TaxTag, ...],
    profit_year: int | None = None,
) -> Plan:
    team = check_split(members)
    if not isinstance(terms, PolicyTerms):
        raise DistributionError("policy_out_of_range", f"terms must be PolicyTerms, not {type(terms).__name__}")
    if floor is not None:
        require_policy(terms, floor)
    rate = {Basis.CASH: terms.cash_bp, Basis.EQUITY: terms.equity_bp, Basis.PROFIT: terms.profit_bp}[basis]
    team_amount = team_part(distributable, rate)
    parts = split(team_amount, [member.share_bp for member in team])
    return Plan(
        basis=basis,
        measure="share" if basis is Basis.EQUITY else "fen",
        on=on,
        terms=terms,
        rate_bp=rate,
        gross=gross,
        deductions=deductions,
        distributable=distributable,
        team_amount=team_amount,
        unit_amount=distributable - team_amount,
        lines=tuple(Line(m.key, m.share_bp, part, tags) for m, part in zip(team, parts, strict=True)),
        floor=floor,
        profit_year=profit_year,
    )


def plan_cash(
    *,
    gross_fen: int,
    terms: PolicyTerms,
    members: Sequence[Member],
    floor: LegalFloor | None,
    on: date,
    payer: Payer,
    deductions: Sequence[Deduction] = (),
) -> Plan:
    """Distribute a cash receipt from an assignment or licence received on ``on``.

    The net income (:func:`net_income`) is split unit/team at ``terms.cash_bp`` and the team's part among
    ``members`` to the fen. ``floor`` (from :func:`~kechuang.transfer.distribution.policies.floor_on`)
    refuses a policy below it (``policy_below_floor``); pass ``None`` only when the policy was checked
    before. Lines are tagged for tax by ``payer`` (:mod:`~kechuang.transfer.distribution.taxes`).
    """
    items = tuple(deductions)
    net = net_income(gross_fen, items)
    tags = cash_tags(on=on, payer=payer, from_transfer=True)
    return _plan(
        basis=Basis.CASH,
        on=on,
        terms=terms,
        members=members,
        floor=floor,
        gross=gross_fen,
        deductions=items,
        distributable=net,
        tags=tags,
    )


def plan_equity(
    *,
    total_shares: int,
    terms: PolicyTerms,
    members: Sequence[Member],
    floor: LegalFloor | None,
    on: date,
    payer: Payer,
    contributed: Contribution = Contribution.OWNERSHIP,
    deferral_101: bool = False,
) -> Plan:
    """Distribute the ``total_shares`` (whole shares) the unit received for investing the achievement.

    The team gets ``ceil(total × equity_bp / 10,000)`` shares, members whole shares by largest remainder
    (:data:`~kechuang.transfer.distribution.allocation.EQUITY_REMAINDER_RULE`). Lines carry the equity
    tax tags: deferral on receipt, flagged when ``contributed`` is a usage right; the 101 deferral when chosen.
    """
    shares = whole(total_shares, "total_shares")
    tags = equity_tags(on=on, payer=payer, contributed=contributed, deferral_101=deferral_101)
    return _plan(
        basis=Basis.EQUITY,
        on=on,
        terms=terms,
        members=members,
        floor=floor,
        gross=shares,
        deductions=(),
        distributable=shares,
        tags=tags,
    )


def plan_profit(
    *,
    profit_fen: int,
    year: int,
    terms: PolicyTerms,
    members: Sequence[Member],
    floor: LegalFloor | None,
    on: date,
) -> Plan:
    """Distribute ``terms.profit_bp`` of the operating profit of ``year`` (1 = the first year counted by
    the policy) of the unit's own or joint implementation; a year outside 1..``profit_years_max`` raises
    ``profit_year_outside_policy``. A loss year has nothing to share: the caller does not plan it."""
    profit = whole(profit_fen, "profit_fen")
    if not 1 <= whole(year, "year") <= terms.profit_years_max:
        raise DistributionError(
            "profit_year_outside_policy",
            f"year {year} is outside the policy's 1–{terms.profit_years_max} years of profit sharing",
            given=year,
            required=terms.profit_years_max,
        )
    return _plan(
        basis=Basis.PROFIT,
        on=on,
        terms=terms,
        members=members,
        floor=floor,
        gross=profit,
        deductions=(),
        distributable=profit,
        tags=(),
        profit_year=year,
    )


def verify(plan: Plan) -> list[str]:
    """The invariants ``plan`` breaks, as short English sentences; empty for every plan this module makes.

    Services call it before saving (a last check that costs microseconds); the benchmark counts its
    findings. Checked: the rate is the policy's for the basis; ``team + unit = distributable``; the team
    is the policy share rounded away from zero (never less, less than one unit more); the lines add up to
    the team and carry its sign; each line is within one unit of its exact quota.
    """
    found = []
    rate = {Basis.CASH: plan.terms.cash_bp, Basis.EQUITY: plan.terms.equity_bp, Basis.PROFIT: plan.terms.profit_bp}
    if plan.rate_bp != rate[plan.basis]:
        found.append(f"rate {plan.rate_bp} is not the policy's {rate[plan.basis]} for {plan.basis.value}")
    if plan.team_amount + plan.unit_amount != plan.distributable:
        found.append("team + unit differs from the distributable amount")
    exact, team = abs(plan.distributable) * plan.rate_bp, abs(plan.team_amount)
    if not team * BP >= exact > (team - 1) * BP or plan.team_amount * plan.distributable < 0:
        found.append(f"team {plan.team_amount} is not the policy share of {plan.distributable} rounded up")
    if sum(line.amount for line in plan.lines) != plan.team_amount:
        found.append("the lines do not add up to the team amount")
    if sum(line.share_bp for line in plan.lines) != BP:
        found.append("the shares do not add up to 10,000 bp")
    for line in plan.lines:
        if abs(line.amount * BP - plan.team_amount * line.share_bp) >= BP or line.amount * plan.team_amount < 0:
            found.append(f"{line.member_key} gets {line.amount}, not within one unit of the exact quota")
    return found


def reverse(plan: Plan, *, on: date | None = None) -> Plan:
    """The exact negation of ``plan`` (every amount negated; members, shares, tags and floor kept), dated
    ``on`` (default: the plan's date). ``reverse(reverse(plan)) == plan``."""
    return replace(
        plan,
        on=plan.on if on is None else on,
        gross=-plan.gross,
        distributable=-plan.distributable,
        team_amount=-plan.team_amount,
        unit_amount=-plan.unit_amount,
        lines=tuple(replace(line, amount=-line.amount) for line in plan.lines),
        reverses_plan=not plan.reverses_plan,
    )
