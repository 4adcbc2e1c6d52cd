"""Reward policies and the legal rules they are checked against, as data with dates and citations.

A policy (:class:`PolicyTerms`) says what share of each kind of income goes to the completers (the
team): of the net cash income from an assignment or licence, of the shares from investing the
achievement as equity (作价投资), and of the operating profit for some years when the unit implements it
itself or with others. The law sets standards for the same four figures (:class:`LegalRule`, read from
``data/legal_floors.json``): a *binding* rule is a floor no policy may go below (national 《促进科技成果
转化法》 §45, binding on state-founded institutes and universities); a *permitted* one is a standard a
unit may adopt (Beijing's §12, 70% / 70%, "可以"), shown to the user but never enforced.

:func:`floor_on` combines the binding rules in force on a date for a region into one :class:`LegalFloor`
(field by field, the strictest rule wins and is named as the source); :func:`check_policy` lists every
way a policy falls short of it, each :class:`Violation` citing its article.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from kechuang.transfer.distribution.allocation import BP, whole
from kechuang.transfer.distribution.errors import DistributionError

DATA_FILE = Path(__file__).with_name("data") / "legal_floors.json"
# The figures a floor constrains, in the order violations are reported. A policy's profit_years_max is
# how long it pays at most; only the committed minimum is held against the law.
FLOOR_FIELDS = ("cash_bp", "equity_bp", "profit_bp", "profit_years_min")
_REGION = re.compile(r"[0-9]{6}", re.ASCII)


@dataclass(frozen=True)
class PolicyTerms:
    """The team's share of each kind of income, in basis points, and the years profit is shared.

    ``cash_bp``: of net cash income from an assignment or licence; ``equity_bp``: of the shares from
    investing the achievement as equity; ``profit_bp``: of each year's operating profit when the unit
    implements it, for at least ``profit_years_min`` and at most ``profit_years_max`` years. Rates lie in
    0–10,000 and 0 ≤ ``profit_years_min`` ≤ ``profit_years_max``, else ``policy_out_of_range``.
    """

    cash_bp: int
    equity_bp: int
    profit_bp: int
    profit_years_min: int
    profit_years_max: int

    def __post_init__(self) -> None:
        for name in ("cash_bp", "equity_bp", "profit_bp"):
            rate = whole(getattr(self, name), name)
            if not 0 <= rate <= BP:
                raise DistributionError(
                    "policy_out_of_range", f"{name} must lie in 0–{BP} bp, not {rate}", field=name, given=rate
                )
        low = whole(self.profit_years_min, "profit_years_min")
        high = whole(self.profit_years_max, "profit_years_max")
        if not 0 <= low <= high:
            raise DistributionError(
                "policy_out_of_range",
                f"profit years must satisfy 0 ≤ min ≤ max, not {low}–{high}",
                field="profit_years_min",
                given=low,
            )


@dataclass(frozen=True)
class LegalRule:
    """One statutory reward standard, in force from ``effective_from`` to ``effective_to`` (both days
    included; ``None`` = still in force), for the region ``region_code`` and every code under it
    (``None`` = the whole country)."""

    key: str
    region_code: str | None
    binding: bool
    terms: PolicyTerms
    effective_from: date
    effective_to: date | None
    citation_zh: str
    citation_en: str
    # FLOOR_FIELDS name → (zh, en) of the paragraph and item setting that figure, appended to the citation.
    clauses: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    scope_en: str = ""
    text_source: str = ""

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def covers(self, region_code: str | None) -> bool:
        """True for a national rule, or when ``region_code`` lies inside this rule's region."""
        if self.region_code is None:
            return True
        return region_code is not None and region_code.startswith(_prefix(self.region_code))

    def citation(self, name: str) -> tuple[str, str]:
        """The citation for the figure ``name``, down to the item where the data names it: (zh, en)."""
        zh, en = self.clauses.get(name, ("", ""))
        return self.citation_zh + zh, self.citation_en + (f", {en}" if en else "")


@dataclass(frozen=True)
class LegalFloor:
    """The binding minimum on ``on`` in ``region_code``: ``terms`` field by field, ``sources`` naming the
    rule that sets each field, and ``permitted`` the non-binding standards in force there (for display)."""

    on: date
    region_code: str | None
    terms: PolicyTerms
    sources: Mapping[str, LegalRule]
    permitted: tuple[LegalRule, ...] = ()


@dataclass(frozen=True)
class Violation:
    """A policy figure below the floor: ``given`` < ``required``, set by the rule ``rule_key``."""

    field: str
    required: int
    given: int
    rule_key: str
    citation_zh: str
    citation_en: str


def _prefix(code: str) -> str:
    """A GB/T 2260 code without its trailing ``00`` pairs: 110000 → 11 (Beijing), 110100 → 1101."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _region(code: object) -> str | None:
    if code is None:
        return None
    if isinstance(code, str) and _REGION.fullmatch(code):
        return code
    raise DistributionError("bad_region_code", f"a region is a six-digit GB/T 2260 code, not {code!r}", given=code)


def _day(value: object, what: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} must be an ISO date, not {value!r}")
    return date.fromisoformat(value)


def _rule(entry: Mapping[str, Any]) -> LegalRule:
    start = _day(entry["effective_from"], "effective_from")
    if start is None:
        raise ValueError(f"rule {entry['key']} needs effective_from")
    clauses = {name: (str(text["zh"]), str(text["en"])) for name, text in entry.get("clauses", {}).items()}
    if unknown := set(clauses) - set(FLOOR_FIELDS):
        raise ValueError(f"rule {entry['key']} has clauses for unknown fields {sorted(unknown)}")
    return LegalRule(
        key=str(entry["key"]),
        region_code=_region(entry["region_code"]),
        binding=bool(entry["binding"]),
        terms=PolicyTerms(**{name: entry[name] for name in (*FLOOR_FIELDS, "profit_years_max")}),
        effective_from=start,
        effective_to=_day(entry["effective_to"], "effective_to"),
        citation_zh=str(entry["citation_zh"]),
        citation_en=str(entry["citation_en"]),
        clauses=clauses,
        scope_en=str(entry.get("scope_en", "")),
        text_source=str(entry.get("text_source", "")),
    )


def read_rules(path: Path) -> tuple[LegalRule, ...]:
    """The rules of a JSON file shaped like ``data/legal_floors.json``; malformed data → ``bad_rule_data``."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["rules"]
        rules = tuple(_rule(entry) for entry in entries)
    except (OSError, KeyError, TypeError, ValueError) as exc:  # DistributionError is a ValueError too
        raise DistributionError("bad_rule_data", f"{path}: {exc!s}") from exc
    if len({rule.key for rule in rules}) != len(rules):
        raise DistributionError("bad_rule_data", f"{path}: rule keys repeat")
    return rules


@cache
def legal_rules() -> tuple[LegalRule, ...]:
    """The shipped rules (``data/legal_floors.json``), read once per process."""
    return read_rules(DATA_FILE)


def floor_on(on: date, region_code: str | None = None, *, rules: Iterable[LegalRule] | None = None) -> LegalFloor:
    """The binding floor on ``on`` for a unit in ``region_code`` (six-digit GB/T 2260, any level; ``None``:
    national rules only), from ``rules`` (default: the shipped data).

    Every binding rule in force there applies; field by field the highest figure wins and its rule is the
    source (on a tie, the rule listed first). No binding rule in force raises ``no_rule_in_force``.
    """
    region = _region(region_code)
    here = [rule for rule in (legal_rules() if rules is None else rules) if rule.in_force(on) and rule.covers(region)]
    binding = [rule for rule in here if rule.binding]
    if not binding:
        raise DistributionError(
            "no_rule_in_force", f"no binding reward rule in force on {on} for region {region}", on=on.isoformat()
        )
    sources: dict[str, LegalRule] = {}
    for name in FLOOR_FIELDS:
        sources[name] = max(binding, key=lambda rule: getattr(rule.terms, name))  # max keeps the first of ties
    longest = max(rule.terms.profit_years_max for rule in binding)
    terms = PolicyTerms(
        **{name: getattr(sources[name].terms, name) for name in FLOOR_FIELDS},
        profit_years_max=max(longest, sources["profit_years_min"].terms.profit_years_min),
    )
    permitted = tuple(rule for rule in here if not rule.binding)
    return LegalFloor(on=on, region_code=region, terms=terms, sources=sources, permitted=permitted)


def check_policy(terms: PolicyTerms, floor: LegalFloor) -> list[Violation]:
    """Every figure of ``terms`` below ``floor``, in :data:`FLOOR_FIELDS` order; empty when the policy complies.

    E.g. a 40% cash policy against the national floor gives one violation of ``cash_bp`` (required 5,000,
    given 4,000) citing 《促进科技成果转化法》第四十五条第一款第（一）项.
    """
    out = []
    for name in FLOOR_FIELDS:
        given, required = getattr(terms, name), getattr(floor.terms, name)
        if given < required:
            rule = floor.sources[name]
            zh, en = rule.citation(name)
            out.append(Violation(name, required, given, rule.key, zh, en))
    return out


def require_policy(terms: PolicyTerms, floor: LegalFloor) -> None:
    """Raise ``policy_below_floor`` (with the violations in ``details``) unless ``terms`` meet ``floor``."""
    if violations := check_policy(terms, floor):
        first = violations[0]
        raise DistributionError(
            "policy_below_floor",
            f"{first.field} {first.given} bp is below the {first.required} bp required by {first.citation_en}",
            violations=violations,
        )
