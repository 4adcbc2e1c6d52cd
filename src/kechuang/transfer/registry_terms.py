"""The registry's terms as data: time limits, the tax benefits an ending reports back, and the fingerprint.

Time limits change with the rules, so each regime is a row with the date it applies from and its
source; the one in force on the day an application is submitted sets its due date. The 2024 MIIT
draft of the 《技术合同认定登记管理办法》 gives 15 working days, or 30 working days with expert review
for contracts whose technology-trade amount is at least 5 million yuan and for disputed ones; the
final text was issued on 2026-01-23 and these figures are to be confirmed against it. Applications
submitted before then (older records, imported) keep the 30 days of the 《北京市技术市场条例》.

Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kechuang.core.money import Money
from kechuang.core.workdays import add_working_days, calendar_covers


@dataclass(frozen=True)
class TimeLimit:
    """How long the registration office has to decide, for applications submitted from ``since`` on."""

    since: date
    days: int
    # Large or disputed contracts get ``extended_days``; large = a technology-trade amount of at least ``large_from``.
    extended_days: int
    large_from: Money | None
    working_days: bool
    citation: str


TIME_LIMITS: tuple[TimeLimit, ...] = (
    TimeLimit(
        # Every record older than the national regime below, whenever it was submitted.
        since=date.min,
        days=30,
        extended_days=30,
        large_from=None,
        working_days=False,
        citation="《北京市技术市场条例》: the registration office registers within 30 days",
    ),
    TimeLimit(
        since=date(2026, 1, 23),
        days=15,
        extended_days=30,
        large_from=Money.from_yuan(5_000_000),
        working_days=True,
        citation=(
            "工业和信息化部《技术合同认定登记管理办法》(issued 2026-01-23; figures of the 2024 draft, "
            "to be confirmed against the final text): 15 working days, 30 with expert review for "
            "技术交易额 ≥ 5,000,000 yuan or disputed contracts"
        ),
    ),
)


def time_limit_on(day: date) -> TimeLimit:
    """The regime in force for an application submitted on ``day`` (the latest whose ``since`` is not after it)."""
    in_force = [limit for limit in TIME_LIMITS if limit.since <= day]
    return max(in_force, key=lambda limit: limit.since) if in_force else TIME_LIMITS[0]


def is_extended(limit: TimeLimit, *, technology_amount: Money, disputed: bool) -> bool:
    return disputed or (limit.large_from is not None and technology_amount >= limit.large_from)


def due_date(submitted_on: date, *, technology_amount: Money, disputed: bool) -> date:
    """The day the decision is due for an application submitted on ``submitted_on`` (a date in Beijing time)."""
    limit = time_limit_on(submitted_on)
    days = (
        limit.extended_days
        if is_extended(limit, technology_amount=technology_amount, disputed=disputed)
        else limit.days
    )
    if limit.working_days:
        return add_working_days(submitted_on, days)
    return submitted_on + timedelta(days=days)


def due_is_provisional(submitted_on: date, due_on: date) -> bool:
    """Whether a due date counted in working days reaches past the official holiday calendar the platform knows
    (State Council notices come out each November), so it may still move."""
    return time_limit_on(submitted_on).working_days and not calendar_covers(due_on)


@dataclass(frozen=True)
class Benefit:
    """A tax benefit a registration certificate is the basis for; an ending must report those claimed."""

    code: str
    label: str | Promise
    citation: str


BENEFITS: tuple[Benefit, ...] = (
    Benefit(
        "vat_exemption",
        _("VAT exemption for technology transfer, development and related consulting and services"),
        "财税〔2016〕36号 附件3 第一条第（二十六）项",
    ),
    Benefit(
        "income_tax_relief",
        _(
            "Enterprise income tax relief on technology-transfer income "
            "(exempt up to 5 million yuan a year, halved above)"
        ),
        "《企业所得税法》第二十七条第（四）项；《企业所得税法实施条例》第九十条",
    ),
    Benefit(
        "reward_wage_relief",
        _("Researchers' cash rewards counted at 50% toward wages for individual income tax"),
        "财税〔2018〕58号",
    ),
)
BENEFIT_CODES = frozenset(b.code for b in BENEFITS)
BENEFITS_BY_CODE = {b.code: b for b in BENEFITS}


def benefit_choices() -> list[tuple[str, str | Promise]]:
    return [(b.code, b.label) for b in BENEFITS]


# ---------------------------------------------------------------- duplicates

_NOT_NAME = re.compile(r"[\s\W_]+", re.UNICODE)
FINGERPRINT_VERSION = "v1"


def normalise_name(name: str) -> str:
    """A party's name for comparison: NFKC (full-width brackets fold), case-folded, without spaces or punctuation."""
    return _NOT_NAME.sub("", unicodedata.normalize("NFKC", name or "").casefold())


def buyer_key(*, buyer_uscc: str, buyer_name: str) -> str:
    """The buyer's identity for duplicate detection: the USCC when there is one, else the normalised name."""
    return f"uscc:{buyer_uscc}" if buyer_uscc else f"name:{normalise_name(buyer_name)}"


def fingerprint(
    *, seller_uscc: str, buyer_uscc: str, buyer_name: str, contract_type: str, contract_amount_fen: int, signed_on: date
) -> str:
    """SHA-256 (hex) over the normalised seller, buyer, type, contract amount and signing date.

    Two applications for the same contract give the same fingerprint however the buyer's name was
    typed; the database allows one live registration per fingerprint.
    """
    parts = (
        FINGERPRINT_VERSION,
        seller_uscc.strip().upper(),
        buyer_key(buyer_uscc=buyer_uscc.strip().upper(), buyer_name=buyer_name),
        contract_type,
        str(contract_amount_fen),
        signed_on.isoformat(),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def pending_amendment_fingerprint(plain: str, *, amends_id: int) -> str:
    """The fingerprint an amendment carries until it is registered.

    An amendment may leave the fingerprinted fields as they were (a corrected title, say); while the
    registration it amends is still live, the plain fingerprint would collide with it. Once the
    amendment is registered, the original is superseded in the same transaction and the amendment
    takes the plain fingerprint.
    """
    return hashlib.sha256(f"{plain}\x1famends:{amends_id}".encode()).hexdigest()
