"""JSON API of the challenges app, mounted at ``/api/v1``: every role's actions on lists (榜单).

Money moves only through POSTs that accept an ``Idempotency-Key`` (escrow, transitions, milestone
decisions, releases, stage-gate decisions): a retried request is answered from the first one's record.
Refusals are problem+json with a stable ``code`` (``invalid_state`` for a step out of order).
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view

from kechuang.accounts.api import PUBLIC, PUBLIC_OPENAPI, actor
from kechuang.accounts.models import Organization, User
from kechuang.challenges import selectors, services
from kechuang.challenges.models import (
    Agreement,
    Application,
    ApplicationMember,
    Challenge,
    Milestone,
    Objection,
    StageGate,
)
from kechuang.challenges.schemas import (
    AnswerIn,
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationOut,
    ChallengeIn,
    ChallengeOut,
    ChallengePage,
    ChallengePatch,
    EscrowIn,
    EscrowOut,
    EvidenceIn,
    GateDecisionIn,
    GateDecisionOut,
    MilestoneDecisionIn,
    MilestoneOut,
    NdaOut,
    ObjectionIn,
    ObjectionOut,
    ReleaseIn,
    ReleaseOut,
    ReviewRowOut,
    TeamMemberOut,
    TransitionIn,
)
from kechuang.challenges.services import reviewing
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.i18n import localized
from kechuang.core.idempotency import idempotent
from kechuang.core.money import Money
from kechuang.core.paging import paginate
from kechuang.ledger.models import Entry

router = Router(tags=["challenges"])


# ---------------------------------------------------------------- output


def receipt_out(entry: Entry | None) -> dict[str, Any] | None:
    receipt = selectors.receipt_of(entry)
    if receipt is None:
        return None
    return {"entry_id": receipt.entry_id, "index": receipt.index, "receipt_url": receipt.api_receipt_url or None}


def summary_out(challenge: Challenge, stats: dict[str, int] | None = None) -> dict[str, Any]:
    if stats is None:
        stats = {
            "applications": getattr(challenge, "application_count", 0),
            "people": getattr(challenge, "lead_count", 0) + getattr(challenge, "member_count", 0),
            "organizations": getattr(challenge, "organization_count", 0),
            "views": challenge.views,
        }
    return {
        "id": challenge.pk,
        "title": challenge.title,
        "display_title": localized(challenge.title),
        "issuer": challenge.issuer_id,
        "issuer_name": localized(challenge.issuer.name),
        "status": challenge.status,
        "bounty_fen": challenge.bounty_fen,
        "application_deadline": challenge.application_deadline,
        "winners": challenge.winners,
        "ip_terms": challenge.ip_terms,
        "sectors": challenge.sectors,
        "region": challenge.region,
        "stats": stats,
    }


def milestone_out(milestone: Milestone) -> dict[str, Any]:
    return {
        "id": milestone.pk,
        "deliverable": milestone.deliverable,
        "criterion": milestone.criterion,
        "due_on": milestone.due_on,
        "amount_fen": milestone.amount_fen,
        "status": milestone.status,
        "decision_reason": milestone.decision_reason,
        "acceptance": receipt_out(milestone.acceptance_entry),
        "releases": [release_out(r) for r in milestone.releases.all()],
    }


def release_out(release: Any) -> dict[str, Any]:
    return {
        "id": release.pk,
        "amount_fen": release.amount_fen,
        "released_at": release.released_at,
        "receipt": receipt_out(release.ledger_entry),
    }


def agreement_out(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "application": agreement.application_id,
        "team_name": agreement.application.team_name,
        "amount_fen": agreement.amount_fen,
        "released_fen": agreement.released_fen,
        "status": agreement.status,
        "merged_into": agreement.merged_into_id,
        "receipt": receipt_out(agreement.ledger_entry),
        "milestones": [milestone_out(m) for m in agreement.milestones.all()],
    }


def objection_out(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.pk,
        "text": objection.text,
        "created_at": objection.created_at,
        "answer": objection.answer,
        "answered_at": objection.answered_at,
    }


def challenge_out(request: HttpRequest, challenge: Challenge) -> dict[str, Any]:
    challenge.refresh_from_db()
    user = request.user
    sees_details = selectors.can_see_details(user, challenge)
    return {
        **summary_out(challenge, selectors.participation(challenge)),
        "summary": challenge.summary,
        "problem": challenge.problem,
        "details": challenge.details if sees_details else None,
        "nda_accepted": sees_details,
        "eligibility": challenge.eligibility,
        "ip_notes": challenge.ip_notes,
        "issuer_share_fen": challenge.issuer_share_fen,
        "subsidy_share_fen": challenge.subsidy_share_fen,
        "escrowed_fen": challenge.escrowed_fen,
        "allocated_fen": challenge.allocated_fen,
        "released_fen": challenge.released_fen,
        "remaining_fen": challenge.remaining.fen,
        "publicity_days": challenge.publicity_days,
        "publicity_ends_at": challenge.publicity_ends_at,
        "blind_review": challenge.blind_review,
        "reviews_per_item": challenge.reviews_per_item,
        "criteria": reviewing.criteria_of(challenge),
        "indicators": list(challenge.indicators.all()),
        "stage_gates": list(challenge.stage_gates.all()),
        "objections": [objection_out(o) for o in challenge.objections.all()],
        "agreements": [agreement_out(a) for a in selectors.agreements_of(challenge)],
        "award_receipt": receipt_out(challenge.award_entry),
        "allowed_next": services.allowed_next(challenge, user if isinstance(user, User) else None),
    }


def application_out(application: Application) -> dict[str, Any]:
    agreement = getattr(application, "agreement", None)
    return {
        "id": application.pk,
        "challenge": application.challenge_id,
        "team_name": application.team_name,
        "lead": application.lead.username,
        "members": [m.username for m in application.accepted_members],
        "organization": application.organization_id,
        "proposal": application.proposal,
        "technical_route": application.technical_route,
        "plan": application.plan,
        "status": application.status,
        "shortlist_rank": application.shortlist_rank,
        "decision_reason": application.decision_reason,
        "submitted_at": application.submitted_at,
        "agreement": agreement.pk if agreement is not None else None,
    }


def team_member_out(row: ApplicationMember) -> dict[str, Any]:
    return {
        "application": row.application_id,
        "username": row.user.username,
        "status": row.status,
        "invited_at": row.invited_at,
        "decided_at": row.decided_at,
    }


# ---------------------------------------------------------------- lookups


def _challenge(request: HttpRequest, pk: int) -> Challenge:
    return selectors.get_challenge_for(request.user, pk)


def _organization(pk: int) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise DomainError(ErrorCode.VALIDATION, errors={"organization": [_("No such organization.")]})
    return organization


def _users(usernames: list[str]) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise DomainError(
            ErrorCode.VALIDATION,
            errors={"members": [_("Unknown user names: %(names)s.") % {"names": ", ".join(missing)}]},
        )
    return [found[name] for name in usernames]


def _money(fen: int | None) -> Money | None:
    return Money(fen) if fen is not None else None


# ---------------------------------------------------------------- lists


class ListQuery(Schema):
    q: str = ""
    status: str = ""
    sector: str = ""
    region: str = ""
    page: int = 1


@router.get("/challenges", response=ChallengePage, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def list_challenges(request: HttpRequest, query: Query[ListQuery]) -> dict[str, Any]:
    """Published lists with live participation figures, newest first."""
    found = selectors.public_challenges(query=query.q, status=query.status, sector=query.sector, region=query.region)
    page = paginate(found, page=query.page)
    return page.as_dict([summary_out(c) for c in page.items])


@router.post("/challenges", response={201: ChallengeOut}, summary="Create a draft list")
def create_challenge(request: HttpRequest, payload: ChallengeIn) -> Status[dict[str, Any]]:
    challenge = services.create_challenge(
        actor=actor(request),
        issuer=_organization(payload.issuer),
        title=payload.title,
        summary=payload.summary,
        problem=payload.problem,
        details=payload.details,
        eligibility=payload.eligibility,
        ip_terms=payload.ip_terms,
        ip_notes=payload.ip_notes,
        bounty=Money(payload.bounty_fen),
        issuer_share=Money(payload.issuer_share_fen),
        subsidy_share=Money(payload.subsidy_share_fen),
        application_deadline=payload.application_deadline,
        winners=payload.winners,
        criteria=[c.dict() for c in payload.criteria],
        sectors=payload.sectors,
        region=payload.region,
        indicators=[services.IndicatorSpec(**i.dict()) for i in payload.indicators],
        stage_gates=[services.GateSpec(**g.dict()) for g in payload.stage_gates],
    )
    return Status(201, challenge_out(request, challenge))


@router.get("/challenges/mine", response=list[ApplicationOut], summary="Applications you lead or belong to")
def my_applications(request: HttpRequest) -> list[dict[str, Any]]:
    found = selectors.my_applications(actor(request)).prefetch_related(selectors.team_prefetch())[:200]
    return [application_out(a) for a in found]


@router.get("/challenges/{challenge_id}", response=ChallengeOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def get_challenge(request: HttpRequest, challenge_id: int) -> dict[str, Any]:
    """A list; its confidential details only after you accepted its NDA (issuer and operators always)."""
    return challenge_out(request, _challenge(request, challenge_id))


@router.patch("/challenges/{challenge_id}", response=ChallengeOut, summary="Change a list before publication")
def update_challenge(request: HttpRequest, challenge_id: int, payload: ChallengePatch) -> dict[str, Any]:
    challenge = _challenge(request, challenge_id)
    data = payload.dict(exclude_unset=True)
    indicators = data.pop("indicators", None)
    gates = data.pop("stage_gates", None)
    money = {key: _money(data.pop(f"{key}_fen", None)) for key in ("bounty", "issuer_share", "subsidy_share")}
    updated = services.update_challenge(
        actor=actor(request),
        challenge=challenge,
        indicators=[services.IndicatorSpec(**i) for i in indicators] if indicators is not None else None,
        stage_gates=[services.GateSpec(**g) for g in gates] if gates is not None else None,
        **money,
        **data,
    )
    return challenge_out(request, updated)


@router.post("/challenges/{challenge_id}/nda", response=NdaOut, summary="Accept the list's NDA")
def accept_nda(request: HttpRequest, challenge_id: int) -> dict[str, Any]:
    acceptance = services.accept_nda(actor=actor(request), challenge=_challenge(request, challenge_id))
    return {"accepted_at": acceptance.accepted_at}


@router.post("/challenges/{challenge_id}/escrow", response={201: EscrowOut}, summary="Record escrowed money")
@decorate_view(idempotent)
def record_escrow(request: HttpRequest, challenge_id: int, payload: EscrowIn) -> Status[dict[str, Any]]:
    deposit = services.record_escrow(
        actor=actor(request),
        challenge=_challenge(request, challenge_id),
        source=payload.source,
        amount=Money(payload.amount_fen),
        reference=payload.reference,
    )
    deposit.challenge.refresh_from_db()
    return Status(
        201,
        {
            "id": deposit.pk,
            "source": deposit.source,
            "amount_fen": deposit.amount_fen,
            "escrowed_fen": deposit.challenge.escrowed_fen,
            "receipt": receipt_out(deposit.ledger_entry),
        },
    )


@router.post("/challenges/{challenge_id}/transitions", response=ChallengeOut, summary="Move a list to its next stage")
@decorate_view(idempotent)
def transition(request: HttpRequest, challenge_id: int, payload: TransitionIn) -> dict[str, Any]:
    """One edge of the lifecycle; a step out of order is refused with ``invalid_state`` and changes nothing."""
    challenge = services.transition(
        actor=actor(request),
        challenge=_challenge(request, challenge_id),
        to=payload.to,
        reason=payload.reason,
        shortlist=payload.shortlist,
        awards=[
            services.AwardPlan(
                application_id=a.application,
                amount=Money(a.amount_fen),
                terms=a.terms,
                milestones=[
                    services.MilestoneSpec(
                        deliverable=m.deliverable, criterion=m.criterion, due_on=m.due_on, amount=Money(m.amount_fen)
                    )
                    for m in a.milestones
                ],
            )
            for a in payload.awards
        ],
        diligence=[
            services.DiligenceSpec(
                agreement_id=d.agreement,
                records=d.records,
                diligent=d.diligent,
                finding=d.finding,
                files=[f.dict() for f in d.files],
            )
            for d in payload.diligence
        ],
    )
    return challenge_out(request, challenge)


@router.get("/challenges/{challenge_id}/review", response=list[ReviewRowOut], summary="The review's ranking")
def review(request: HttpRequest, challenge_id: int) -> list[dict[str, Any]]:
    challenge = _challenge(request, challenge_id)
    if not request.user.has_perm("challenges.view_applications", challenge):
        raise NotFound()
    return [
        {
            "application": row.application_id,
            "reviews": row.reviews,
            "mean": row.mean,
            "normalised": row.normalised,
            "flagged": row.flagged,
            "reconciled": row.reconciled,
            "decided": row.decided,
        }
        for row in reviewing.review_rows(challenge)
    ]


# ---------------------------------------------------------------- applications


@router.get("/challenges/{challenge_id}/applications", response=list[ApplicationOut])
def list_applications(request: HttpRequest, challenge_id: int) -> list[dict[str, Any]]:
    """The issuer's and operators' view of a list's applications."""
    challenge = _challenge(request, challenge_id)
    if not request.user.has_perm("challenges.view_applications", challenge):
        raise NotFound()
    return [application_out(a) for a in selectors.applications_of(challenge)]


@router.post("/challenges/{challenge_id}/applications", response={201: ApplicationOut}, summary="Apply (揭榜)")
def apply(request: HttpRequest, challenge_id: int, payload: ApplicationIn) -> Status[dict[str, Any]]:
    application = services.apply(
        actor=actor(request),
        challenge=_challenge(request, challenge_id),
        team_name=payload.team_name,
        proposal=payload.proposal,
        technical_route=payload.technical_route,
        plan=payload.plan,
        organization=_organization(payload.organization) if payload.organization else None,
        members=_users(payload.members),
    )
    return Status(201, application_out(application))


@router.get("/challenges/applications/{application_id}", response=ApplicationDetailOut)
def get_application(request: HttpRequest, application_id: int) -> dict[str, Any]:
    """An application, with the per-criterion feedback of its review (no reviewer names)."""
    application = selectors.get_application_for(request.user, application_id)
    feedback = [
        {"name": f.name, "weight": f.weight, "mean": f.mean, "scores": list(f.scores), "comments": list(f.comments)}
        for f in reviewing.feedback_for(application)
    ]
    viewer = request.user.pk
    team = [team_member_out(row) for row in application.member_rows() if viewer in (application.lead_id, row.user_id)]
    return {**application_out(application), "feedback": feedback, "team": team}


@router.post("/challenges/applications/{application_id}/withdraw", response=ApplicationOut)
def withdraw(request: HttpRequest, application_id: int) -> dict[str, Any]:
    application = selectors.get_application_for(request.user, application_id)
    return application_out(services.withdraw_application(actor=actor(request), application=application))


@router.post(
    "/challenges/applications/{application_id}/membership/{answer}",
    response=TeamMemberOut,
    summary="Accept or decline an invitation onto a team",
)
def answer_invitation(
    request: HttpRequest, application_id: int, answer: Literal["accept", "decline"]
) -> dict[str, Any]:
    """Only the person invited may answer, once; the team lead is told."""
    application = selectors.get_application_for(request.user, application_id)
    row = services.answer_invitation(actor=actor(request), application=application, accept=answer == "accept")
    return team_member_out(row)


@router.post(
    "/challenges/applications/{application_id}/invitations/{username}/withdraw",
    response=TeamMemberOut,
    summary="Take back a pending invitation onto your team",
)
def withdraw_invitation(request: HttpRequest, application_id: int, username: str) -> dict[str, Any]:
    application = selectors.get_application_for(request.user, application_id)
    (user,) = _users([username])
    return team_member_out(services.withdraw_invitation(actor=actor(request), application=application, user=user))


# ---------------------------------------------------------------- 公示


@router.post("/challenges/{challenge_id}/objections", response={201: ObjectionOut}, summary="Object during 公示")
def object_to(request: HttpRequest, challenge_id: int, payload: ObjectionIn) -> Status[dict[str, Any]]:
    objection = services.raise_objection(
        actor=actor(request), challenge=_challenge(request, challenge_id), text=payload.text
    )
    return Status(201, objection_out(objection))


@router.post("/challenges/objections/{objection_id}/answer", response=ObjectionOut)
def answer(request: HttpRequest, objection_id: int, payload: AnswerIn) -> dict[str, Any]:
    objection = get_object_or_404(Objection.objects.select_related("challenge"), pk=objection_id)
    _challenge(request, objection.challenge_id)
    return objection_out(services.answer_objection(actor=actor(request), objection=objection, answer=payload.answer))


# ---------------------------------------------------------------- milestones and money


@router.post("/challenges/milestones/{milestone_id}/evidence", response=MilestoneOut)
def submit_evidence(request: HttpRequest, milestone_id: int, payload: EvidenceIn) -> dict[str, Any]:
    milestone = selectors.get_milestone_for(request.user, milestone_id)
    done = services.submit_evidence(
        actor=actor(request), milestone=milestone, evidence=payload.evidence, files=[f.dict() for f in payload.files]
    )
    return milestone_out(done)


@router.post("/challenges/milestones/{milestone_id}/decision", response=MilestoneOut)
@decorate_view(idempotent)
def decide_milestone(request: HttpRequest, milestone_id: int, payload: MilestoneDecisionIn) -> dict[str, Any]:
    milestone = selectors.get_milestone_for(request.user, milestone_id)
    done = services.decide_milestone(
        actor=actor(request), milestone=milestone, accept=payload.accept, reasons=payload.reasons
    )
    return milestone_out(done)


@router.post("/challenges/milestones/{milestone_id}/releases", response={201: ReleaseOut}, summary="Release a tranche")
@decorate_view(idempotent)
def release(request: HttpRequest, milestone_id: int, payload: ReleaseIn) -> Status[dict[str, Any]]:
    milestone = selectors.get_milestone_for(request.user, milestone_id)
    made = services.release_tranche(actor=actor(request), milestone=milestone, amount=_money(payload.amount_fen))
    return Status(201, release_out(made))


@router.post("/challenges/{challenge_id}/stage-gates/{gate_id}/decisions", response={201: GateDecisionOut})
@decorate_view(idempotent)
def decide_gate(
    request: HttpRequest, challenge_id: int, gate_id: int, payload: GateDecisionIn
) -> Status[dict[str, Any]]:
    challenge = _challenge(request, challenge_id)
    gate = get_object_or_404(StageGate, pk=gate_id, challenge=challenge)
    agreement = get_object_or_404(Agreement, pk=payload.agreement, challenge=challenge)
    target = get_object_or_404(Agreement, pk=payload.merged_into, challenge=challenge) if payload.merged_into else None
    made = services.decide_stage_gate(
        actor=actor(request),
        gate=gate,
        agreement=agreement,
        decision=payload.decision,
        reasons=payload.reasons,
        merged_into=target,
    )
    return Status(
        201,
        {
            "id": made.pk,
            "gate": made.gate_id,
            "agreement": made.agreement_id,
            "decision": made.decision,
            "merged_into": made.merged_into_id,
            "reasons": made.reasons,
            "receipt": receipt_out(made.ledger_entry),
        },
    )
