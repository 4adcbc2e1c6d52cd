"""Reward policies: the rows that carry the law, and a unit's own versions checked against the binding floor.

The national floor (促进科技成果转化法 §45) and Beijing's permitted standard (北京市促进科技成果转化条例 §12)
are rows made from the distribution engine's data (``distribution/data/legal_floors.json``), one per rule:
migration 0003 adds them and :func:`ensure_legal_policies` adds any rule the data gained since. A unit's
own policy is entered by its TTO officer or administrator as a new version (its rules are its own to set
after consulting its staff, §44; the platform records them with the unit's citation). A university's or
institute's version below the floor in force on its effective date is refused, citing the article
(see :mod:`kechuang.transfer.selectors.income` for whom the floor binds).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization, User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require
from kechuang.transfer.distribution import DistributionError, PolicyTerms, legal_rules, require_policy
from kechuang.transfer.enums import PolicyScope
from kechuang.transfer.models import Distribution, Policy
from kechuang.transfer.selectors.income import domain_error, floor_for

MAX_TEXT = 2000


def ensure_legal_policies() -> int:
    """Add a policy row for every rule of the engine's data that has none; returns how many were added.

    Idempotent (rows are keyed by the rule's key). Services that need the national row call it inside
    their own transaction; the rows are never changed afterwards, so distributions keep pointing at them.
    """
    made = 0
    for rule in legal_rules():
        if Policy.objects.filter(rule_key=rule.key).exists():
            continue
        Policy.objects.create(
            scope=PolicyScope.NATIONAL if rule.region_code is None else PolicyScope.LOCAL,
            institution=None,
            name=rule.citation_zh,
            version=1,
            effective_from=rule.effective_from,
            effective_to=rule.effective_to,
            cash_bp=rule.terms.cash_bp,
            equity_bp=rule.terms.equity_bp,
            profit_bp=rule.terms.profit_bp,
            profit_years=rule.terms.profit_years_max,
            profit_years_min=rule.terms.profit_years_min,
            citation=f"{rule.citation_zh}\n{rule.citation_en}",
            rule_key=rule.key,
        )
        made += 1
    return made


def _text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise DomainError(ErrorCode.VALIDATION, message, errors={field: [message]})
    return text


def check_terms(*, institution: Organization, effective_from: date, terms: PolicyTerms) -> None:
    """Refuse ``terms`` below the floor binding ``institution`` on ``effective_from`` (``policy_below_floor``,
    every figure's article in the problem). Changes nothing; the proposal and the API's checks share it."""
    floor = floor_for(institution, effective_from)
    if floor is None:
        return
    try:
        require_policy(terms, floor)
    except DistributionError as exc:
        raise domain_error(exc) from exc


def propose_policy(
    *,
    actor: User,
    institution: Organization,
    name: str,
    citation: str,
    effective_from: date,
    cash_bp: int,
    equity_bp: int,
    profit_bp: int,
    profit_years: int,
    profit_years_min: int | None = None,
) -> Policy:
    """Record a new version of ``institution``'s own reward policy, in force from ``effective_from``.

    Preconditions: ``actor`` holds ``transfer.propose_policy`` on the unit (its TTO officer or
    administrator); the figures lie in 0–10,000 bp with ``profit_years_min`` ≤ ``profit_years``
    (``profit_years_min`` defaults to ``profit_years``: one figure, as policies state it); for a university
    or institute the figures meet the floor in force on ``effective_from`` (``policy_below_floor``, citing
    the article); ``effective_from`` is after the previous version's, and no distribution under the previous
    version is for a receipt on or after it (``invalid_state``: that would change which policy paid it).

    Effects, in one transaction: the previous version ends the day before; the new one is saved with
    ``approved_by`` = ``actor`` and the next version number; an audit event. A refusal saves nothing.
    """
    require(actor, "transfer.propose_policy", institution)
    name = _text(name, "name", _("Name the policy."))
    citation = _text(citation, "citation", _("Cite the unit's own rule (its title, number and article)."))
    try:
        terms = PolicyTerms(
            cash_bp=cash_bp,
            equity_bp=equity_bp,
            profit_bp=profit_bp,
            profit_years_min=profit_years if profit_years_min is None else profit_years_min,
            profit_years_max=profit_years,
        )
    except DistributionError as exc:
        raise domain_error(exc) from exc
    check_terms(institution=institution, effective_from=effective_from, terms=terms)
    with transaction.atomic():
        # The unit's row, then its versions in key order: two proposals at once cannot take one version number.
        Organization.objects.select_for_update().filter(pk=institution.pk).first()
        versions = list(Policy.objects.select_for_update().filter(institution=institution).order_by("pk"))
        previous = max(versions, key=lambda policy: policy.version, default=None)
        if previous is not None:
            _end_previous(previous, effective_from)
        policy = Policy.objects.create(
            scope=PolicyScope.INSTITUTION,
            institution=institution,
            name=name,
            version=1 if previous is None else previous.version + 1,
            effective_from=effective_from,
            cash_bp=terms.cash_bp,
            equity_bp=terms.equity_bp,
            profit_bp=terms.profit_bp,
            profit_years=terms.profit_years_max,
            profit_years_min=terms.profit_years_min,
            citation=citation,
            approved_by=actor,
        )
        record_event(
            actor=actor,
            verb="transfer:policy:propose",
            obj=policy,
            diff={
                "version": [None if previous is None else previous.version, policy.version],
                "cash_bp": [None if previous is None else previous.cash_bp, policy.cash_bp],
                "equity_bp": [None if previous is None else previous.equity_bp, policy.equity_bp],
                "effective_from": [None, effective_from.isoformat()],
            },
        )
    return policy


def _end_previous(previous: Policy, effective_from: date) -> None:
    """End ``previous`` the day before ``effective_from``, unless that would re-date a distribution under it."""
    if effective_from <= previous.effective_from:
        message = _("A new version starts after the previous one, which took effect on %(day)s.") % {
            "day": previous.effective_from.isoformat()
        }
        raise DomainError(ErrorCode.VALIDATION, message, errors={"effective_from": [message]})
    used = Distribution.objects.filter(policy=previous, receipt__received_on__gte=effective_from).exists()
    if used:
        message = _("Income received on or after this date was already distributed under the previous version.")
        raise DomainError(ErrorCode.INVALID_STATE, message, errors={"effective_from": [message]})
    last_day = effective_from - timedelta(days=1)
    if previous.effective_to is None or previous.effective_to > last_day:
        previous.effective_to = last_day
        previous.save(update_fields=["effective_to"])
