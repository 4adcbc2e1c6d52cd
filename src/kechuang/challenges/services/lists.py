"""Writing a list (榜单) before it is published: the draft, its indicators and gates, escrow, NDA, views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization, User
from kechuang.challenges import kinds
from kechuang.challenges.enums import ChallengeStatus, FundingSource, IpTerms
from kechuang.challenges.models import (
    MAX_WINNERS,
    Challenge,
    EscrowDeposit,
    Indicator,
    NdaAcceptance,
    StageGate,
)
from kechuang.challenges.services.records import locked, log
from kechuang.core.audit import diff_of, record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import Bilingual
from kechuang.core.money import Money
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise

EDITABLE = (ChallengeStatus.DRAFT, ChallengeStatus.OPERATOR_REVIEW)
FIELDS = (
    "title",
    "summary",
    "problem",
    "details",
    "eligibility",
    "ip_terms",
    "ip_notes",
    "application_deadline",
    "winners",
    "criteria",
    "sectors",
    "region",
    "blind_review",
    "reviews_per_item",
    "publicity_days",
)
# Only the operator sets how the list is reviewed and how long its public notice lasts.
OPERATOR_FIELDS = ("blind_review", "reviews_per_item", "publicity_days")


@dataclass(frozen=True)
class IndicatorSpec:
    """A measurable technical indicator: ``target`` (with ``unit``) and how it is accepted are both required."""

    name: Bilingual
    target: str
    acceptance: Bilingual
    unit: str = ""


@dataclass(frozen=True)
class GateSpec:
    name: Bilingual
    due_on: date


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, errors={field: [message]})


def _check_money(*, bounty: Money, issuer_share: Money, subsidy_share: Money) -> None:
    if bounty.fen <= 0:
        raise _field_error("bounty", _("The bounty must be more than zero."))
    if issuer_share.fen < 0 or subsidy_share.fen < 0:
        raise _field_error("issuer_share", _("Shares cannot be negative."))
    if issuer_share + subsidy_share != bounty:
        raise _field_error(
            "subsidy_share",
            _("The issuer's share and the government subsidy must add up to the bounty (%(bounty)s).")
            % {"bounty": bounty.format()},
        )


def check_criteria(criteria: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Criteria as stored: each a name and an integer weight; weights add up to 100. Empty means the defaults."""
    cleaned: list[dict[str, Any]] = []
    total = 0
    for criterion in criteria:
        name = criterion.get("name")
        weight = criterion.get("weight")
        if not isinstance(name, dict) or not any(str(v).strip() for v in name.values()):
            raise _field_error("criteria", _("Every criterion needs a name."))
        if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
            raise _field_error("criteria", _("Every criterion needs a whole-number weight above zero."))
        cleaned.append({"name": name, "weight": weight, "description": criterion.get("description") or {}})
        total += weight
    if cleaned and total != 100:
        raise _field_error("criteria", _("The criteria's weights must add up to 100."))
    return cleaned


def _check_winners(winners: int) -> None:
    if not 1 <= winners <= MAX_WINNERS:
        raise _field_error("winners", _("A list has between 1 and %(most)d winners.") % {"most": MAX_WINNERS})


def _indicator_rows(challenge: Challenge, indicators: Sequence[IndicatorSpec]) -> None:
    challenge.indicators.all().delete()
    rows = []
    for position, spec in enumerate(indicators):
        row = Indicator(
            challenge=challenge,
            position=position,
            name=spec.name,
            target=spec.target.strip(),
            unit=spec.unit.strip(),
            acceptance=spec.acceptance,
        )
        clean_or_raise(row, exclude=["challenge"])
        rows.append(row)
    Indicator.objects.bulk_create(rows)


def _gate_rows(challenge: Challenge, gates: Sequence[GateSpec]) -> None:
    challenge.stage_gates.all().delete()
    rows = []
    for position, spec in enumerate(sorted(gates, key=lambda g: g.due_on)):
        row = StageGate(challenge=challenge, position=position, name=spec.name, due_on=spec.due_on)
        clean_or_raise(row, exclude=["challenge"])
        rows.append(row)
    StageGate.objects.bulk_create(rows)


def _snapshot(challenge: Challenge) -> dict[str, Any]:
    values = {field: getattr(challenge, field) for field in FIELDS}
    values["application_deadline"] = challenge.application_deadline.isoformat()
    values.update(
        bounty_fen=challenge.bounty_fen,
        issuer_share_fen=challenge.issuer_share_fen,
        subsidy_share_fen=challenge.subsidy_share_fen,
    )
    return values


@transaction.atomic
def create_challenge(
    *,
    actor: User,
    issuer: Organization,
    title: Bilingual,
    summary: Bilingual,
    problem: Bilingual,
    bounty: Money,
    issuer_share: Money,
    subsidy_share: Money,
    application_deadline: datetime,
    region: str,
    details: Bilingual | None = None,
    eligibility: Bilingual | None = None,
    ip_terms: str = IpTerms.SOLVER_LICENCE,
    ip_notes: Bilingual | None = None,
    winners: int = 1,
    criteria: Sequence[dict[str, Any]] = (),
    sectors: Sequence[str] = (),
    indicators: Sequence[IndicatorSpec] = (),
    stage_gates: Sequence[GateSpec] = (),
) -> Challenge:
    """A draft list in ``issuer``'s name (rule ``challenges.create_challenge``: its admin, or an operator).

    Validates the funding mix (issuer share + subsidy = bounty, in fen), 1–5 winners and criteria
    weights; indicators and escrow are required later, at submission and publication.
    """
    require(actor, "challenges.create_challenge", issuer)
    _check_money(bounty=bounty, issuer_share=issuer_share, subsidy_share=subsidy_share)
    _check_winners(winners)
    challenge = Challenge(
        issuer=issuer,
        created_by=actor,
        title=title,
        summary=summary,
        problem=problem,
        details=details or {},
        eligibility=eligibility or {},
        ip_terms=ip_terms,
        ip_notes=ip_notes or {},
        bounty_fen=bounty.fen,
        issuer_share_fen=issuer_share.fen,
        subsidy_share_fen=subsidy_share.fen,
        application_deadline=application_deadline,
        winners=winners,
        criteria=check_criteria(criteria),
        sectors=list(sectors),
        region=region,
    )
    clean_or_raise(challenge, exclude=["created_by", "issuer"])
    challenge.save()
    _indicator_rows(challenge, indicators)
    _gate_rows(challenge, stage_gates)
    record_event(actor=actor, verb="challenges:challenge:create", obj=challenge, diff=diff_of({}, _snapshot(challenge)))
    return challenge


@transaction.atomic
def update_challenge(
    *,
    actor: User,
    challenge: Challenge,
    bounty: Money | None = None,
    issuer_share: Money | None = None,
    subsidy_share: Money | None = None,
    indicators: Sequence[IndicatorSpec] | None = None,
    stage_gates: Sequence[GateSpec] | None = None,
    **fields: Any,
) -> Challenge:
    """Change a list before publication: the issuer while it is a draft, an operator also under review.

    ``fields`` are names of :data:`FIELDS`; the review settings (:data:`OPERATOR_FIELDS`) only an
    operator may change. Money can change only while nothing is escrowed.
    """
    require(actor, "challenges.change_challenge", challenge)
    challenge = locked(challenge)
    operator = actor.has_perm("challenges.moderate_challenge", challenge)
    editable = EDITABLE if operator else (ChallengeStatus.DRAFT,)
    if challenge.status not in editable:
        raise DomainError(ErrorCode.INVALID_STATE, _("This list can no longer be edited."))
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError(ErrorCode.VALIDATION, errors={name: [_("This field cannot be changed.")] for name in unknown})
    if not operator and set(fields) & set(OPERATOR_FIELDS):
        raise DomainError(ErrorCode.PERMISSION_DENIED, _("Only an operator sets how a list is reviewed."))
    before = _snapshot(challenge)
    if bounty is not None or issuer_share is not None or subsidy_share is not None:
        new_bounty = bounty if bounty is not None else challenge.bounty
        new_issuer = issuer_share if issuer_share is not None else challenge.issuer_share
        new_subsidy = subsidy_share if subsidy_share is not None else challenge.subsidy_share
        changed = (new_bounty.fen, new_issuer.fen, new_subsidy.fen) != (
            challenge.bounty_fen,
            challenge.issuer_share_fen,
            challenge.subsidy_share_fen,
        )
        if changed and challenge.escrowed_fen:  # the same amounts sent again (a whole form) are not a change
            raise DomainError(ErrorCode.INVALID_STATE, _("The bounty cannot change once money is in escrow."))
        _check_money(bounty=new_bounty, issuer_share=new_issuer, subsidy_share=new_subsidy)
        challenge.bounty_fen, challenge.issuer_share_fen = new_bounty.fen, new_issuer.fen
        challenge.subsidy_share_fen = new_subsidy.fen
    if "winners" in fields:
        _check_winners(int(fields["winners"]))
    if "criteria" in fields:
        fields["criteria"] = check_criteria(fields["criteria"] or ())
    for name, value in fields.items():
        setattr(challenge, name, value if value is not None else getattr(challenge, name))
    clean_or_raise(challenge, exclude=["created_by", "issuer"])
    challenge.save()
    if indicators is not None:
        _indicator_rows(challenge, indicators)
    if stage_gates is not None:
        _gate_rows(challenge, stage_gates)
    record_event(
        actor=actor, verb="challenges:challenge:update", obj=challenge, diff=diff_of(before, _snapshot(challenge))
    )
    return challenge


@transaction.atomic
def record_escrow(*, actor: User, challenge: Challenge, source: str, amount: Money, reference: str) -> EscrowDeposit:
    """Operator: record money held for the list (before publication), from the issuer or as subsidy.

    Each source's deposits may not exceed its share of the funding mix; the list is publishable once
    the whole bounty is escrowed. Logged to the ledger (kind ``challenge.escrow``).
    """
    require(actor, "challenges.record_escrow", challenge)
    challenge = locked(challenge)
    if challenge.status not in EDITABLE:
        raise DomainError(ErrorCode.INVALID_STATE, _("Escrow is recorded before the list is published."))
    if source not in FundingSource.values:
        raise _field_error("source", _("Choose the issuer or the government subsidy."))
    if amount.fen <= 0:
        raise _field_error("amount", _("The amount must be more than zero."))
    if not reference.strip():
        raise _field_error("reference", _("Give the bank or budget reference."))
    share = challenge.issuer_share_fen if source == FundingSource.ISSUER else challenge.subsidy_share_fen
    held = challenge.escrow_deposits.filter(source=source).aggregate(total=Sum("amount_fen"))["total"] or 0
    if held + amount.fen > share:
        raise _field_error(
            "amount",
            _("This is more than the share still to escrow from this source (%(left)s).")
            % {"left": Money(share - held).format()},
        )
    now = timezone.now()
    entry = log(
        kinds.ESCROW,
        challenge=challenge,
        actor=actor,
        payload={
            "source": source,
            "amount_fen": amount.fen,
            "reference": reference.strip(),
            "bounty_fen": challenge.bounty_fen,
        },
    )
    deposit = EscrowDeposit.objects.create(
        challenge=challenge,
        source=source,
        amount_fen=amount.fen,
        reference=reference.strip(),
        recorded_by=actor,
        recorded_at=now,
        ledger_entry=entry,
    )
    Challenge.objects.filter(pk=challenge.pk).update(escrowed_fen=F("escrowed_fen") + amount.fen)
    record_event(
        actor=actor,
        verb="challenges:escrow:record",
        obj=challenge,
        diff={"escrowed_fen": [challenge.escrowed_fen, challenge.escrowed_fen + amount.fen]},
    )
    return deposit


@transaction.atomic
def accept_nda(*, actor: User, challenge: Challenge) -> NdaAcceptance:
    """The user accepts the list's confidentiality terms (recorded with the time); idempotent."""
    require(actor, "challenges.accept_nda", challenge)
    acceptance, created = NdaAcceptance.objects.get_or_create(
        challenge=challenge, user=actor, defaults={"accepted_at": timezone.now()}
    )
    if created:
        record_event(actor=actor, verb="challenges:nda:accept", obj=challenge)
    return acceptance


def record_view(challenge: Challenge) -> None:
    """Count a page view; an UPDATE of one column, so it neither races nor touches the search index."""
    Challenge.objects.filter(pk=challenge.pk).update(views=F("views") + 1)
