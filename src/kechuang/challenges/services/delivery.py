"""Work after the award: milestone evidence, acceptance, tranche releases, and a race's stage gates.

Money leaves escrow only here (:func:`release_tranche`), against an accepted milestone, under a row
lock on the list, and the database's check constraints stand behind the service's own checks:
released ≤ escrowed ≤ bounty for the list, released ≤ amount for the agreement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.challenges import kinds
from kechuang.challenges.enums import AgreementStatus, ChallengeStatus, GateDecision, MilestoneStatus
from kechuang.challenges.models import (
    Agreement,
    Challenge,
    Milestone,
    StageGate,
    StageGateDecision,
    TrancheRelease,
)
from kechuang.challenges.services import notices, teams
from kechuang.challenges.services.records import locked, log
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.money import Money
from kechuang.core.permissions import require

WORKING = (ChallengeStatus.AWARDED, ChallengeStatus.IN_PROGRESS)
# A tranche is paid wherever a milestone can be accepted (work may be evidenced and accepted while the
# list is still "awarded"), and a milestone accepted before a list ended is still paid afterwards.
PAYABLE = (*WORKING, ChallengeStatus.COMPLETED, ChallengeStatus.TERMINATED)
SHA256_HEX = 64


def _invalid(field_name: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, errors={field_name: [message]})


def clean_files(files: Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    """Evidence files as stored: name, SHA-256 (hex) and size. Only digests are kept, never the files."""
    cleaned = []
    for item in files:
        name = str(item.get("name", "")).strip()[:200]
        digest = str(item.get("sha256", "")).strip().lower()
        size = item.get("size", 0)
        if not name or len(digest) != SHA256_HEX or any(c not in "0123456789abcdef" for c in digest):
            raise _invalid("files", _("Each file needs a name and its SHA-256 digest (64 hexadecimal digits)."))
        cleaned.append({"name": name, "sha256": digest, "size": int(size) if isinstance(size, int) else 0})
    return cleaned


@transaction.atomic
def submit_evidence(
    *, actor: User, milestone: Milestone, evidence: str, files: Sequence[Mapping[str, object]] = ()
) -> Milestone:
    """The winning team's lead submits evidence for a planned (or rejected) milestone. Tells the issuer."""
    agreement = milestone.agreement
    require(actor, "challenges.submit_evidence", agreement)
    challenge = locked(agreement.challenge)  # serialised with stage gates and closure, which cancel milestones
    agreement = Agreement.objects.get(pk=agreement.pk)  # as it is now that the list is locked
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if challenge.status not in WORKING or agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, _("Evidence is taken while the team's agreement is active."))
    if milestone.status not in (MilestoneStatus.PLANNED, MilestoneStatus.REJECTED):
        raise DomainError(ErrorCode.INVALID_STATE, _("This milestone is not waiting for evidence."))
    if not evidence.strip():
        raise _invalid("evidence", _("Describe the evidence."))
    before = milestone.status
    milestone.evidence = evidence.strip()
    milestone.evidence_files = clean_files(files)
    milestone.status = MilestoneStatus.SUBMITTED
    milestone.submitted_at = timezone.now()
    milestone.save(update_fields=["evidence", "evidence_files", "status", "submitted_at"])
    record_event(
        actor=actor, verb="challenges:milestone:submit", obj=milestone, diff={"status": [before, milestone.status]}
    )
    notices.tell(
        notices.issuer_admins(challenge),
        notices.EVIDENCE_SUBMITTED.name,
        challenge,
        actor,
        team=agreement.application.team_name,
    )
    return milestone


@transaction.atomic
def decide_milestone(*, actor: User, milestone: Milestone, accept: bool, reasons: str = "") -> Milestone:
    """The issuer (or an operator) accepts submitted evidence, or rejects it with reasons.

    An acceptance is logged to the ledger (``challenge.milestone_acceptance``); the tranche is then
    released by :func:`release_tranche`. A rejected milestone waits for new evidence.
    """
    agreement = milestone.agreement
    require(actor, "challenges.accept_milestone", agreement)
    challenge = locked(agreement.challenge)  # serialised with stage gates and closure, which cancel milestones
    agreement = Agreement.objects.get(pk=agreement.pk)  # as it is now that the list is locked
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if challenge.status not in WORKING or agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, _("Milestones are decided while the team's agreement is active."))
    if milestone.status != MilestoneStatus.SUBMITTED:
        raise DomainError(ErrorCode.INVALID_STATE, _("This milestone has no evidence waiting for a decision."))
    if not accept and not reasons.strip():
        raise _invalid("reasons", _("Give the reasons for rejecting the evidence."))
    now = timezone.now()
    milestone.status = MilestoneStatus.ACCEPTED if accept else MilestoneStatus.REJECTED
    milestone.decided_at, milestone.decided_by, milestone.decision_reason = now, actor, reasons.strip()
    if accept:
        milestone.acceptance_entry = log(
            kinds.ACCEPTANCE,
            challenge=challenge,
            actor=actor,
            payload={
                "agreement": agreement.pk,
                "team": agreement.application.team_name,
                "milestone": milestone.pk,
                "deliverable": milestone.deliverable,
                "amount_fen": milestone.amount_fen,
                "evidence_files": list(milestone.evidence_files),
                "reasons": milestone.decision_reason,
            },
        )
    milestone.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "acceptance_entry"])
    record_event(
        actor=actor,
        verb="challenges:milestone:decide",
        obj=milestone,
        diff={"status": [MilestoneStatus.SUBMITTED, milestone.status], "reasons": ["", milestone.decision_reason]},
    )
    notices.tell(
        notices.team_of(agreement.application),
        notices.MILESTONE_DECIDED.name,
        challenge,
        actor,
        outcome=MilestoneStatus(milestone.status).label,
        reasons=milestone.decision_reason,
    )
    return milestone


@transaction.atomic
def release_tranche(*, actor: User, milestone: Milestone, amount: Money | None = None) -> TrancheRelease:
    """Operator: pay ``amount`` (default: what the milestone still has to pay) out of escrow to the team.

    Refused unless the milestone is accepted; refused when the amount is above what remains of the
    bounty (bounty − released) or of the escrow, or above what the milestone still has to pay. The
    list's and the agreement's running totals are updated under row locks in this transaction, and
    check constraints refuse any total above the bounty even if a caller skipped these checks.
    Logged to the ledger (``challenge.tranche_release``).
    """
    require(actor, "challenges.release_tranche", milestone.agreement.challenge)
    challenge = locked(milestone.agreement.challenge)
    agreement = Agreement.objects.select_for_update().get(pk=milestone.agreement_id)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if challenge.status not in PAYABLE:
        raise DomainError(ErrorCode.INVALID_STATE, _("Tranches are released once work is in progress."))
    if milestone.status != MilestoneStatus.ACCEPTED:
        raise DomainError(ErrorCode.INVALID_STATE, _("Only an accepted milestone's tranche can be released."))
    paid = milestone.releases.aggregate(total=Sum("amount_fen"))["total"] or 0
    due = Money(milestone.amount_fen - paid)
    wanted = amount if amount is not None else due
    if wanted.fen <= 0:
        raise _invalid("amount", _("Nothing is left to release for this milestone."))
    if wanted > challenge.remaining:
        raise _invalid(
            "amount",
            _("%(amount)s is more than what remains of the bounty (%(remaining)s).")
            % {"amount": wanted.format(), "remaining": challenge.remaining.format()},
        )
    if wanted.fen > challenge.escrowed_fen - challenge.released_fen:
        raise _invalid("amount", _("%(amount)s is more than the escrow still holds.") % {"amount": wanted.format()})
    if wanted > due:
        raise _invalid(
            "amount",
            _("%(amount)s is more than this milestone still has to pay (%(due)s).")
            % {"amount": wanted.format(), "due": due.format()},
        )
    entry = log(
        kinds.RELEASE,
        challenge=challenge,
        actor=actor,
        payload={
            "agreement": agreement.pk,
            "team": agreement.application.team_name,
            "milestone": milestone.pk,
            "amount_fen": wanted.fen,
            "released_before_fen": challenge.released_fen,
            "bounty_fen": challenge.bounty_fen,
        },
    )
    release = TrancheRelease.objects.create(
        challenge=challenge,
        agreement=agreement,
        milestone=milestone,
        amount_fen=wanted.fen,
        released_at=timezone.now(),
        released_by=actor,
        ledger_entry=entry,
    )
    Challenge.objects.filter(pk=challenge.pk).update(released_fen=F("released_fen") + wanted.fen)
    Agreement.objects.filter(pk=agreement.pk).update(released_fen=F("released_fen") + wanted.fen)
    record_event(
        actor=actor,
        verb="challenges:tranche:release",
        obj=challenge,
        diff={"released_fen": [challenge.released_fen, challenge.released_fen + wanted.fen]},
    )
    notices.tell(
        notices.team_of(agreement.application),
        notices.TRANCHE_RELEASED.name,
        challenge,
        actor,
        amount=wanted.format(),
    )
    return release


def _open_milestones(agreement: Agreement) -> list[Milestone]:
    """The milestones not accepted or cancelled yet: what a cut cancels and a merge hands over."""
    return list(
        agreement.milestones.exclude(status__in=(MilestoneStatus.ACCEPTED, MilestoneStatus.CANCELLED)).order_by(
            "position", "id"
        )
    )


@transaction.atomic
def decide_stage_gate(
    *,
    actor: User,
    gate: StageGate,
    agreement: Agreement,
    decision: str,
    reasons: str,
    merged_into: Agreement | None = None,
) -> StageGateDecision:
    """Operator, in a race (赛马) at work: continue, cut or merge one team at a stage gate, with reasons.

    Cut: the team's open milestones are cancelled and what it had not yet earned goes back to the
    list (its agreement keeps what it earned: released, plus accepted and not yet paid). Merge: its
    open milestones move to the team it joins, with their tranches, and its people (lead and accepted
    members) join that team as accepted members.
    Logged (``challenge.stage_gate``).
    """
    challenge = locked(gate.challenge)
    require(actor, "challenges.decide_stage_gate", challenge)
    if challenge.status != ChallengeStatus.IN_PROGRESS:
        raise DomainError(ErrorCode.INVALID_STATE, _("Stage gates are decided while work is in progress."))
    if not challenge.is_race:
        raise DomainError(ErrorCode.INVALID_STATE, _("Stage gates are for lists with several teams."))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.challenge_id != challenge.pk or agreement.status != AgreementStatus.ACTIVE:
        raise _invalid("agreement", _("Choose a team still working on this list."))
    if decision not in GateDecision.values:
        raise _invalid("decision", _("Choose continue, cut or merge."))
    if not reasons.strip():
        raise _invalid("reasons", _("Give the reasons."))
    if StageGateDecision.objects.filter(gate=gate, agreement=agreement).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This team has a decision at this gate already."))
    if decision == GateDecision.MERGE:
        if (
            merged_into is None
            or merged_into.pk == agreement.pk
            or merged_into.challenge_id != challenge.pk
            or merged_into.status != AgreementStatus.ACTIVE
        ):
            raise _invalid("merged_into", _("Choose another team still working on this list to merge into."))
    elif merged_into is not None:
        raise _invalid("merged_into", _("Only a merge names another team."))
    before = {"status": agreement.status, "amount_fen": agreement.amount_fen}
    open_ones = _open_milestones(agreement)
    moved = sum(m.amount_fen for m in open_ones)
    if decision == GateDecision.CUT:
        Milestone.objects.filter(pk__in=[m.pk for m in open_ones]).update(status=MilestoneStatus.CANCELLED)
        agreement.status = AgreementStatus.CUT
        agreement.amount_fen -= moved  # accepted, unpaid milestones stay payable
        Challenge.objects.filter(pk=challenge.pk).update(allocated_fen=F("allocated_fen") - moved)
    elif decision == GateDecision.MERGE and merged_into is not None:
        target = Agreement.objects.select_for_update().get(pk=merged_into.pk)
        start = (target.milestones.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        for offset, milestone in enumerate(open_ones):
            Milestone.objects.filter(pk=milestone.pk).update(
                agreement=target, position=start + offset, status=MilestoneStatus.PLANNED
            )
        Agreement.objects.filter(pk=target.pk).update(amount_fen=F("amount_fen") + moved)
        merged = agreement.application
        teams.join_merged_team(
            target=target.application, people=[merged.lead, *merged.accepted_members], now=timezone.now()
        )
        agreement.status = AgreementStatus.MERGED
        agreement.merged_into = target
        agreement.amount_fen -= moved
    agreement.save(update_fields=["status", "amount_fen", "merged_into"])
    entry = log(
        kinds.GATE,
        challenge=challenge,
        actor=actor,
        payload={
            "gate": gate.pk,
            "agreement": agreement.pk,
            "team": agreement.application.team_name,
            "decision": decision,
            "merged_into": merged_into.pk if merged_into else None,
            "reasons": reasons.strip(),
            "moved_fen": moved if decision != GateDecision.CONTINUE else 0,
        },
    )
    made = StageGateDecision.objects.create(
        gate=gate,
        agreement=agreement,
        decision=decision,
        merged_into=merged_into if decision == GateDecision.MERGE else None,
        reasons=reasons.strip(),
        decided_by=actor,
        decided_at=timezone.now(),
        ledger_entry=entry,
    )
    record_event(
        actor=actor,
        verb="challenges:stage_gate:decide",
        obj=agreement,
        diff={"decision": ["", decision], "status": [before["status"], agreement.status]},
    )
    return made


__all__ = [
    "clean_files",
    "decide_milestone",
    "decide_stage_gate",
    "release_tranche",
    "submit_evidence",
]
