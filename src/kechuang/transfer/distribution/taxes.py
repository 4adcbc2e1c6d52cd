"""Tax tags on payout lines: which individual income tax treatment a reward falls under, with its citation.

The engine does not compute tax; it tags each member's line so payroll and the researcher's statement
show the treatment and the notice behind it. The treatments, with their dates, are data
(``data/tax_rules.json``); a treatment not yet in force on the receipt's date is not tagged.

- ``cash_reward_half_wage`` (财税〔2018〕58号): a cash reward from an approved non-profit research institute
  or university out of transfer or licence income; half of it counts as that month's wages. Profit
  shares from the unit's own implementation are not covered and carry no tag.
- ``equity_deferred`` (财税字〔1999〕45号): shares given as a reward by a research institute or university are
  not taxed on receipt. Flagged ``usage_right_only`` when the deal contributed a usage right rather than
  ownership, because commentators argue the notice then does not apply.
- ``deferral_101`` (财税〔2016〕101号): for a technology achievement invested for shares, tax deferred until
  the shares are sold, when the taxpayer chooses it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path

from kechuang.transfer.distribution.errors import DistributionError

DATA_FILE = Path(__file__).with_name("data") / "tax_rules.json"

CASH_REWARD_HALF_WAGE = "cash_reward_half_wage"
EQUITY_DEFERRED = "equity_deferred"
DEFERRAL_101 = "deferral_101"
USAGE_RIGHT_ONLY = "usage_right_only"  # a flag on EQUITY_DEFERRED, not a tag of its own


class Payer(StrEnum):
    """Who pays the reward, as far as the tax notices distinguish."""

    NONPROFIT_INSTITUTE = "nonprofit_institute"  # approved non-profit research institute or university (58号, 45号)
    OTHER_INSTITUTE = "other_institute"  # another research institute or university, e.g. a converted one (45号)
    ENTERPRISE = "enterprise"  # any other unit


class Contribution(StrEnum):
    """What an equity deal put into the company."""

    OWNERSHIP = "ownership"
    USAGE_RIGHT = "usage_right"


@dataclass(frozen=True)
class TaxRule:
    code: str
    citation_zh: str
    citation_en: str
    effective_from: date | None  # None: not date-limited in our data
    effective_to: date | None  # last day in force, None: still in force
    applies_to: str = ""

    def in_force(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )


@dataclass(frozen=True)
class TaxTag:
    """A treatment on one payout line: ``code`` (stable), its citation, and flags that qualify it."""

    code: str
    citation_zh: str
    citation_en: str
    flags: tuple[str, ...] = ()


def _day(value: object) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


@cache
def tax_rules() -> dict[str, TaxRule]:
    """The shipped treatments by code, read once per process; malformed data → ``bad_rule_data``."""
    try:
        entries = json.loads(DATA_FILE.read_text(encoding="utf-8"))["rules"]
        rules = {
            str(entry["code"]): TaxRule(
                code=str(entry["code"]),
                citation_zh=str(entry["citation_zh"]),
                citation_en=str(entry["citation_en"]),
                effective_from=_day(entry["effective_from"]),
                effective_to=_day(entry["effective_to"]),
                applies_to=str(entry.get("applies_to", "")),
            )
            for entry in entries
        }
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise DistributionError("bad_rule_data", f"{DATA_FILE}: {exc!s}") from exc
    if missing := {CASH_REWARD_HALF_WAGE, EQUITY_DEFERRED, DEFERRAL_101} - set(rules):
        raise DistributionError("bad_rule_data", f"{DATA_FILE}: no rule for {sorted(missing)}")
    return rules


def _tag(code: str, on: date, flags: tuple[str, ...] = ()) -> tuple[TaxTag, ...]:
    rule = tax_rules()[code]
    return (TaxTag(code, rule.citation_zh, rule.citation_en, flags),) if rule.in_force(on) else ()


def cash_tags(*, on: date, payer: Payer, from_transfer: bool) -> tuple[TaxTag, ...]:
    """Tags for a cash reward paid on ``on``; ``from_transfer``: out of transfer or licence income (not profit)."""
    if payer is Payer.NONPROFIT_INSTITUTE and from_transfer:
        return _tag(CASH_REWARD_HALF_WAGE, on)
    return ()


def equity_tags(*, on: date, payer: Payer, contributed: Contribution, deferral_101: bool) -> tuple[TaxTag, ...]:
    """Tags for shares given as a reward on ``on``, the deal having contributed ``contributed``."""
    tags: tuple[TaxTag, ...] = ()
    if payer is not Payer.ENTERPRISE:
        flags = (USAGE_RIGHT_ONLY,) if contributed is Contribution.USAGE_RIGHT else ()
        tags += _tag(EQUITY_DEFERRED, on, flags)
    if deferral_101:
        tags += _tag(DEFERRAL_101, on)
    return tags
