"""The one transition function of a list's lifecycle, with the rule and guard of every edge.

draft → operator review → published → applications closed → review → shortlist → public notice
(公示) → awarded → in progress → completed (验收); from publication on, an operator may also
terminate a list (with the due-diligence record of every team still working). The edges are
:data:`kechuang.challenges.enums.CHALLENGE_EDGES`; :data:`EDGES` here names each one's permission
rule, guard and effect. A refused transition raises ``DomainError`` and changes nothing: the whole
step (status, effects, ledger records, notices) is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kechuang.accounts.models import User
from kechuang.challenges import kinds, selectors
from kechuang.challenges.enums import (
    CHALLENGE_EDGES,
    LIVE_APPLICATION_STATUSES,
    AgreementStatus,
    ApplicationStatus,
    ChallengeStatus,
    MilestoneStatus,
)
from kechuang.challenges.models import (
    Agreement,
    Application,
    Challenge,
    Closure,
    DiligenceRecord,
    Milestone,
    StatusChange,
)
from kechuang.challenges.services import notices, reviewing
from kechuang.challenges.services.records import locked, log
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.money import Money
from kechuang.core.permissions import require


@dataclass(frozen=True)
class MilestoneSpec:
    deliverable: str
    due_on: date
    amount: Money
    criterion: str = ""


@dataclass(frozen=True)
class AwardPlan:
    """One winner: its application, the share of the bounty it may earn, the agreement's terms and milestones."""

    application_id: int
    amount: Money
    milestones: Sequence[MilestoneSpec]
    terms: str = ""


@dataclass(frozen=True)
class DiligenceSpec:
    """A team's original records (科学技术进步法 Art. 68) and the finding on its diligence."""

    agreement_id: int
    records: str
    diligent: bool
    finding: str
    files: Sequence[dict[str, object]] = ()


@dataclass
class Step:
    """What one transition works with; guards read it, effects write through it."""

    actor: User
    challenge: Challenge
    to: str
    reason: str
    now: datetime
    shortlist: Sequence[int] = ()
    awards: Sequence[AwardPlan] = ()
    diligence: Sequence[DiligenceSpec] = ()
    notified: list[str] = field(default_factory=list)


def _refuse(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_STATE, message)


def _invalid(field_name: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, errors={field_name: [message]})


def _live_applications(challenge: Challenge) -> list[Application]:
    return list(
        challenge.applications.filter(status__in=LIVE_APPLICATION_STATUSES)
        .select_related("lead", "organization")
        .prefetch_related(selectors.team_prefetch())
        .order_by("submitted_at", "id")
    )


# ---------------------------------------------------------------- guards


def measurable_problems(challenge: Challenge) -> list[str]:
    """What stops ``challenge`` being published for lack of content (empty when nothing does)."""
    problems = []
    indicators = list(challenge.indicators.all())
    if not indicators:
        problems.append(_("Add at least one measurable technical indicator."))
    elif any(not row.target.strip() or not any(v.strip() for v in row.acceptance.values()) for row in indicators):
        problems.append(_("Every indicator needs a target value and how it is accepted."))
    if challenge.application_deadline <= timezone.now():
        problems.append(_("The application deadline must lie in the future."))
    return problems


def _guard_complete(step: Step) -> None:
    problems = measurable_problems(step.challenge)
    if problems:
        raise DomainError(ErrorCode.INVALID_STATE, " ".join(problems), errors={"indicators": problems})


def _guard_publishable(step: Step) -> None:
    _guard_complete(step)
    challenge = step.challenge
    if challenge.escrowed_fen != challenge.bounty_fen:
        raise _refuse(
            _("The whole bounty must be in escrow before publication: %(held)s of %(bounty)s is recorded.")
            % {"held": challenge.escrowed.format(), "bounty": challenge.bounty.format()}
        )


def _guard_reason(step: Step) -> None:
    if not step.reason.strip():
        raise _invalid("reason", _("Give the reason."))


def _guard_close(step: Step) -> None:
    # Closing before the deadline is the operator's call alone, and needs a reason on the record.
    if step.now < step.challenge.application_deadline:
        require(step.actor, "challenges.moderate_challenge", step.challenge)
        if not step.reason.strip():
            raise _invalid("reason", _("The deadline has not passed; give the reason for closing early."))


def _guard_has_applications(step: Step) -> None:
    if not _live_applications(step.challenge):
        raise _refuse(_("No team has applied; terminate the list or extend it instead."))


def _guard_shortlist(step: Step) -> None:
    if not step.shortlist:
        raise _invalid("shortlist", _("Choose the teams on the shortlist."))
    live = {a.pk for a in _live_applications(step.challenge)}
    if len(set(step.shortlist)) != len(step.shortlist) or not set(step.shortlist) <= live:
        raise _invalid("shortlist", _("The shortlist may name only this list's applications, each once."))
    _guard_reason(step)
    reviewing.check_review_complete(step.challenge)


def _guard_award(step: Step) -> None:
    challenge = step.challenge
    if challenge.publicity_ends_at is None or step.now < challenge.publicity_ends_at:
        raise _refuse(_("The public notice has not ended yet."))
    if challenge.objections.filter(answered_at__isnull=True).exists():
        raise _refuse(_("Every objection must be answered before the award."))
    if not 1 <= len(step.awards) <= challenge.winners:
        raise _invalid(
            "awards", _("Award between 1 and %(most)d teams, as the list says.") % {"most": challenge.winners}
        )
    shortlisted = set(challenge.applications.filter(status=ApplicationStatus.SHORTLISTED).values_list("pk", flat=True))
    chosen = [plan.application_id for plan in step.awards]
    if len(set(chosen)) != len(chosen) or not set(chosen) <= shortlisted:
        raise _invalid("awards", _("Only shortlisted teams can be awarded, each once."))
    total = sum((plan.amount for plan in step.awards), Money(0))
    if total > challenge.bounty:
        raise _invalid(
            "awards",
            _("The agreements add up to %(total)s, more than the bounty of %(bounty)s.")
            % {"total": total.format(), "bounty": challenge.bounty.format()},
        )
    for plan in step.awards:
        if plan.amount.fen <= 0 or not plan.milestones:
            raise _invalid("awards", _("Every agreement needs an amount and at least one milestone."))
        if sum((m.amount for m in plan.milestones), Money(0)) != plan.amount:
            raise _invalid("awards", _("An agreement's milestone tranches must add up to its amount."))
        if any(m.amount.fen < 0 or not m.deliverable.strip() for m in plan.milestones):
            raise _invalid("awards", _("Every milestone needs a deliverable and a tranche of zero or more."))


def _guard_start(step: Step) -> None:
    if not step.challenge.agreements.filter(status=AgreementStatus.ACTIVE).exists():
        raise _refuse(_("No agreement is active."))


def _guard_complete_work(step: Step) -> None:
    _guard_reason(step)
    open_milestones = Milestone.objects.filter(
        agreement__challenge=step.challenge, agreement__status=AgreementStatus.ACTIVE
    ).exclude(status__in=(MilestoneStatus.ACCEPTED, MilestoneStatus.CANCELLED))
    if open_milestones.exists():
        raise _refuse(
            _("%(count)d milestone(s) are not accepted yet; accept them or terminate the list.")
            % {"count": open_milestones.count()}
        )


def _guard_terminate(step: Step) -> None:
    _guard_reason(step)
    working = set(step.challenge.agreements.filter(status=AgreementStatus.ACTIVE).values_list("pk", flat=True))
    given = {spec.agreement_id for spec in step.diligence}
    if not given <= working:
        raise _invalid("diligence", _("Due-diligence records may name only teams still working on this list."))
    if working - given:
        raise _invalid(
            "diligence",
            _("Give the due-diligence record of every team still working (%(count)d missing).")
            % {"count": len(working - given)},
        )
    if any(not spec.records.strip() or not spec.finding.strip() for spec in step.diligence):
        raise _invalid("diligence", _("Each due-diligence record names the original records and a finding."))


# ---------------------------------------------------------------- effects


def _publish(step: Step) -> None:
    step.challenge.published_at = step.now


def _open_review(step: Step) -> None:
    reviewing.open_review(actor=step.actor, challenge=step.challenge, applications=_live_applications(step.challenge))


def _shortlist(step: Step) -> None:
    chosen = {pk: rank for rank, pk in enumerate(step.shortlist, start=1)}
    shortlisted, others = [], []
    for application in _live_applications(step.challenge):
        if application.pk in chosen:
            application.status, application.shortlist_rank = ApplicationStatus.SHORTLISTED, chosen[application.pk]
            shortlisted.append(application)
        else:
            application.status = ApplicationStatus.NOT_SHORTLISTED
            others.append(application)
        application.decision_reason = step.reason.strip()
        application.save(update_fields=["status", "shortlist_rank", "decision_reason"])
    reviewing.record_decisions(
        actor=step.actor, challenge=step.challenge, shortlisted=shortlisted, others=others, reason=step.reason.strip()
    )


def _start_publicity(step: Step) -> None:
    step.challenge.publicity_ends_at = step.now + timedelta(days=step.challenge.publicity_days)


def _award(step: Step) -> None:
    challenge = step.challenge
    winners = {plan.application_id: plan for plan in step.awards}
    applications = {a.pk: a for a in _live_applications(challenge)}
    made = []
    for application_id, plan in winners.items():
        application = applications[application_id]
        application.status = ApplicationStatus.AWARDED
        application.save(update_fields=["status"])
        agreement = Agreement.objects.create(
            challenge=challenge,
            application=application,
            amount_fen=plan.amount.fen,
            terms=plan.terms,
            signed_at=step.now,
        )
        Milestone.objects.bulk_create(
            [
                Milestone(
                    agreement=agreement,
                    position=position,
                    deliverable=spec.deliverable.strip(),
                    criterion=spec.criterion.strip(),
                    due_on=spec.due_on,
                    amount_fen=spec.amount.fen,
                )
                for position, spec in enumerate(plan.milestones)
            ]
        )
        agreement.ledger_entry = log(
            kinds.AGREEMENT,
            challenge=challenge,
            actor=step.actor,
            payload={
                "agreement": agreement.pk,
                "team": application.team_name,
                "lead": str(application.lead),
                "amount_fen": plan.amount.fen,
                "ip_terms": challenge.ip_terms,
                "milestones": [
                    {
                        "deliverable": m.deliverable.strip(),
                        "criterion": m.criterion.strip(),
                        "due_on": m.due_on.isoformat(),
                        "amount_fen": m.amount.fen,
                    }
                    for m in plan.milestones
                ],
            },
        )
        agreement.save(update_fields=["ledger_entry"])
        made.append(agreement)
    for application in applications.values():
        if application.pk not in winners:
            application.status = ApplicationStatus.NOT_AWARDED
            application.save(update_fields=["status"])
    challenge.allocated_fen = sum(a.amount_fen for a in made)
    challenge.award_entry = log(
        kinds.AWARD,
        challenge=challenge,
        actor=step.actor,
        payload={
            "reason": step.reason.strip(),
            "bounty_fen": challenge.bounty_fen,
            "winners": [{"agreement": a.pk, "team": a.application.team_name, "amount_fen": a.amount_fen} for a in made],
        },
    )


def _close(step: Step, outcome: str, agreement_status: str) -> None:
    challenge = step.challenge
    for spec in step.diligence:
        agreement = challenge.agreements.get(pk=spec.agreement_id)
        entry = log(
            kinds.DILIGENCE,
            challenge=challenge,
            actor=step.actor,
            payload={
                "agreement": agreement.pk,
                "team": agreement.application.team_name,
                "diligent": spec.diligent,
                "finding": spec.finding.strip(),
                "records": spec.records.strip(),
                "files": [dict(f) for f in spec.files],
            },
        )
        DiligenceRecord.objects.create(
            agreement=agreement,
            records=spec.records.strip(),
            record_files=[dict(f) for f in spec.files],
            diligent=spec.diligent,
            finding=spec.finding.strip(),
            recorded_by=step.actor,
            recorded_at=step.now,
            ledger_entry=entry,
        )
    active = challenge.agreements.filter(status=AgreementStatus.ACTIVE)
    Milestone.objects.filter(agreement__in=active).exclude(status=MilestoneStatus.ACCEPTED).update(
        status=MilestoneStatus.CANCELLED
    )
    active.update(status=agreement_status)
    owed = _owed_tranches(challenge)
    owed_fen = sum(row["amount_fen"] for row in owed)
    entry = log(
        kinds.CLOSURE,
        challenge=challenge,
        actor=step.actor,
        payload={
            "outcome": outcome,
            "report": step.reason.strip(),
            "bounty_fen": challenge.bounty_fen,
            "escrowed_fen": challenge.escrowed_fen,
            "released_fen": challenge.released_fen,
            # Tranches of milestones accepted before the end and not paid yet are the teams' money:
            # the escrow keeps them, and the operator still releases them after the list closed.
            "owed_fen": owed_fen,
            "owed": owed,
            # Only what is neither paid nor owed goes back to the issuer and the subsidy budget.
            "returned_fen": challenge.escrowed_fen - challenge.released_fen - owed_fen,
        },
    )
    Closure.objects.create(
        challenge=challenge,
        outcome=outcome,
        report=step.reason.strip(),
        decided_by=step.actor,
        decided_at=step.now,
        ledger_entry=entry,
    )


def _owed_tranches(challenge: Challenge) -> list[dict[str, int]]:
    """Every accepted milestone of the list (any agreement: a cut team keeps what it earned) with what it
    has still to be paid, by milestone id; milestones paid in full are left out."""
    accepted = (
        Milestone.objects.filter(agreement__challenge=challenge, status=MilestoneStatus.ACCEPTED)
        .annotate(paid=Coalesce(Sum("releases__amount_fen"), 0))
        .order_by("id")
        .values_list("agreement_id", "id", "amount_fen", "paid")
    )
    return [
        {"agreement": agreement, "milestone": milestone, "amount_fen": amount - paid}
        for agreement, milestone, amount, paid in accepted
        if amount > paid
    ]


def _complete(step: Step) -> None:
    _close(step, ChallengeStatus.COMPLETED, AgreementStatus.COMPLETED)


def _terminate(step: Step) -> None:
    _close(step, ChallengeStatus.TERMINATED, AgreementStatus.TERMINATED)


def _nothing(step: Step) -> None:
    return None


@dataclass(frozen=True)
class Edge:
    """One step: who may take it, what must hold, what it does; ``label`` names the button that takes it,
    and ``asks_reason`` says the pages ask for a reason or report (the guard may require one)."""

    permission: str
    guard: Callable[[Step], None] = _nothing
    effect: Callable[[Step], None] = _nothing
    label: str | Promise = ""
    asks_reason: bool = False


S = ChallengeStatus
TERMINATE = Edge("challenges.moderate_challenge", _guard_terminate, _terminate, _l("Terminate the list"), True)
EDGES: dict[tuple[str, str], Edge] = {
    (S.DRAFT, S.OPERATOR_REVIEW): Edge("challenges.submit_challenge", _guard_complete, label=_l("Submit for review")),
    (S.OPERATOR_REVIEW, S.DRAFT): Edge(
        "challenges.moderate_challenge", _guard_reason, label=_l("Return to the issuer"), asks_reason=True
    ),
    (S.OPERATOR_REVIEW, S.PUBLISHED): Edge(
        "challenges.moderate_challenge", _guard_publishable, _publish, label=_l("Publish")
    ),
    (S.PUBLISHED, S.APPLICATIONS_CLOSED): Edge(
        "challenges.close_applications", _guard_close, label=_l("Close applications"), asks_reason=True
    ),
    (S.APPLICATIONS_CLOSED, S.REVIEW): Edge(
        "challenges.moderate_challenge", _guard_has_applications, _open_review, label=_l("Start the expert review")
    ),
    (S.REVIEW, S.SHORTLIST): Edge(
        "challenges.moderate_challenge", _guard_shortlist, _shortlist, _l("Publish the shortlist"), True
    ),
    (S.SHORTLIST, S.PUBLICITY): Edge(
        "challenges.moderate_challenge", effect=_start_publicity, label=_l("Start the public notice")
    ),
    (S.PUBLICITY, S.AWARDED): Edge(
        "challenges.moderate_challenge", _guard_award, _award, _l("Award and sign the agreements"), True
    ),
    (S.AWARDED, S.IN_PROGRESS): Edge("challenges.close_applications", _guard_start, label=_l("Start the work")),
    (S.IN_PROGRESS, S.COMPLETED): Edge(
        "challenges.moderate_challenge", _guard_complete_work, _complete, _l("Accept and complete"), True
    ),
    **{(source, S.TERMINATED): TERMINATE for source, targets in CHALLENGE_EDGES.items() if S.TERMINATED in targets},
}
# The table above and the enum's edge list must say the same thing.
assert set(EDGES) == {(a, b) for a, targets in CHALLENGE_EDGES.items() for b in targets}  # noqa: S101


def allowed_next(challenge: Challenge, actor: User | None) -> list[str]:
    """The statuses ``actor`` may move ``challenge`` to by rule (guards are checked only when trying)."""
    return [
        to
        for to in CHALLENGE_EDGES[challenge.status]
        if actor is not None and actor.has_perm(EDGES[(challenge.status, to)].permission, challenge)
    ]


@transaction.atomic
def transition(
    *,
    actor: User,
    challenge: Challenge,
    to: str,
    reason: str = "",
    shortlist: Sequence[int] = (),
    awards: Sequence[AwardPlan] = (),
    diligence: Sequence[DiligenceSpec] = (),
) -> Challenge:
    """Move ``challenge`` to ``to`` if the edge exists, ``actor`` holds its rule and its guard passes.

    Inputs by edge: ``shortlist`` (application ids, best first) for review → shortlist; ``awards``
    for 公示 → awarded; ``diligence`` (one per working team) for → terminated; ``reason`` is required
    when returning a draft, shortlisting, closing early, completing (the 验收 report) and terminating.
    Writes the status, a :class:`StatusChange`, an audit event, the edge's effects (review call,
    agreements, ledger records) and notices, all in this transaction. Raises ``DomainError``
    (``invalid_state`` for an edge that does not exist or whose guard fails, ``permission_denied``,
    ``validation_error`` for bad inputs); nothing is changed then.
    """
    challenge = locked(challenge)
    source = challenge.status
    edge = EDGES.get((source, to))
    if edge is None:
        allowed = ", ".join(str(ChallengeStatus(s).label) for s in CHALLENGE_EDGES.get(source, ())) or "—"
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("A list that is “%(current)s” cannot move to “%(wanted)s”. Next steps allowed: %(allowed)s.")
            % {
                "current": ChallengeStatus(source).label,
                "wanted": ChallengeStatus(to).label if to in ChallengeStatus.values else to,
                "allowed": allowed,
            },
        )
    require(actor, edge.permission, challenge)
    step = Step(
        actor=actor,
        challenge=challenge,
        to=to,
        reason=reason,
        now=timezone.now(),
        shortlist=list(shortlist),
        awards=list(awards),
        diligence=list(diligence),
    )
    edge.guard(step)
    edge.effect(step)
    challenge.status = to
    challenge.save()
    StatusChange.objects.create(
        challenge=challenge, from_status=source, to_status=to, actor=actor, reason=reason.strip(), at=step.now
    )
    record_event(
        actor=actor,
        verb="challenges:challenge:transition",
        obj=challenge,
        diff={"status": [source, to], "reason": ["", reason.strip()]},
    )
    _tell(step, source)
    return challenge


def _tell(step: Step, source: str) -> None:
    challenge = step.challenge
    recipients = notices.issuer_admins(challenge)
    if step.to not in (S.DRAFT, S.OPERATOR_REVIEW, S.PUBLISHED):
        for application in _live_applications(challenge) + list(
            challenge.applications.filter(status__in=(ApplicationStatus.NOT_SHORTLISTED, ApplicationStatus.NOT_AWARDED))
            .select_related("lead")
            .prefetch_related(selectors.team_prefetch())
        ):
            recipients.extend(notices.team_of(application))
    notices.tell(
        recipients,
        notices.STATUS_CHANGED.name,
        challenge,
        step.actor,
        status=ChallengeStatus(step.to).label,
        reason=step.reason.strip(),
    )


__all__ = [
    "EDGES",
    "AwardPlan",
    "DiligenceSpec",
    "MilestoneSpec",
    "allowed_next",
    "measurable_problems",
    "transition",
]
