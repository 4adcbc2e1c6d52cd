"""Integer splitting: the team's part of an amount, and a team amount split among members to the unit.

Amounts are whole numbers of a unit (fen for cash, shares for equity); rates and shares are basis
points (10,000 = 100%). Everything is integer arithmetic, so the same inputs give the same parts on
every machine and no part is created or lost.

**The team's part** is ``ceil(|amount| × rate / 10,000)`` with the amount's sign: the team never gets
less than the policy says, and at most one unit more.

**Members' parts** (largest remainder): member *i* first gets ``floor(|team| × shareᵢ / 10,000)``; the
units left over (always fewer than the members) go one each to the members with the largest fractional
parts, ties broken by the larger share, then by the member's place in the list. Every member is
within one unit of their exact quota. A negative amount is split as its absolute value and every
part negated, so a reversal is the exact mirror of the distribution it takes back.
"""

from __future__ import annotations

from collections.abc import Sequence

from kechuang.transfer.distribution.errors import DistributionError

BP = 10_000  # basis points in a whole
# A database BIGINT: the largest amount a ledger line or a model field can hold.
MAX_AMOUNT = 2**63 - 1

REMAINDER_RULE = (
    "Each member first receives the whole part of team amount × share / 10,000; the units left over "
    "(fewer than the number of members) go one each to the members with the largest fractional parts, "
    "ties broken by the larger share, then by the member's order in the split. A negative amount is "
    "split as its absolute value and every part negated."
)
EQUITY_REMAINDER_RULE = (
    "Equity is distributed in whole shares, none split, none created or lost. The team receives "
    "ceil(total shares × equity rate / 10,000) shares and the unit keeps the rest, so the team never "
    "gets less than the policy says. " + REMAINDER_RULE
)


def whole(value: object, what: str) -> int:
    """``value`` if it is an ``int`` (not a ``bool``) whose size a BIGINT holds; else ``DistributionError``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DistributionError("amount_not_integer", f"{what} must be a whole number, not {value!r}", field=what)
    if -MAX_AMOUNT <= value <= MAX_AMOUNT:
        return value
    raise DistributionError("amount_too_large", f"{what} {value} does not fit a BIGINT", field=what)


def team_part(amount: int, rate_bp: int) -> int:
    """``ceil(|amount| × rate_bp / 10,000)`` with the sign of ``amount`` (rounded away from zero)."""
    magnitude = -((-abs(amount) * rate_bp) // BP)
    return -magnitude if amount < 0 else magnitude


def split(amount: int, shares_bp: Sequence[int]) -> list[int]:
    """``amount`` split by ``shares_bp`` (which the caller has checked add up to 10,000) by largest remainder.

    The parts add up to ``amount`` exactly; see the module docstring for the rule and its ties.
    """
    magnitude = abs(amount)
    parts: list[int] = []
    remainders: list[int] = []
    for share in shares_bp:
        part, remainder = divmod(magnitude * share, BP)
        parts.append(part)
        remainders.append(remainder)
    left = magnitude - sum(parts)
    if left:
        # Remainders share the denominator 10,000, so comparing the integers compares the fractions.
        order = sorted(range(len(parts)), key=lambda i: (-remainders[i], -shares_bp[i], i))
        for i in order[:left]:
            parts[i] += 1
    return [-part for part in parts] if amount < 0 else parts
