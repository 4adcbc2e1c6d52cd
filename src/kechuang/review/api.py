"""JSON API of the review engine under ``/api/v1/review``: the reviewer's and the operator's actions.

Reviewer responses read items only through :func:`kechuang.review.selectors.item_view`. Objects the
caller may not see answer 404 ``not_found``; refused actions answer problem+json with a stable code.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import AuthenticationError

from kechuang.accounts.models import User
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.i18n import localized
from kechuang.core.paging import paginate
from kechuang.review import selectors, services
from kechuang.review.models import (
    Assignment,
    AssignmentRun,
    Call,
    ConflictRecord,
    Criterion,
    Decision,
    PoolReviewer,
    Reconciliation,
    Review,
)
from kechuang.review.schemas import (
    AssignmentDetailOut,
    AssignmentOut,
    CallOut,
    CallPage,
    CallQuery,
    ConflictOut,
    CriterionFeedbackOut,
    DecisionIn,
    DecisionOut,
    ItemOut,
    PairIn,
    PoolIn,
    PoolOut,
    ReasonIn,
    ReconcileIn,
    ReconciliationOut,
    ResultOut,
    ReviewIn,
    ReviewOut,
    RunOut,
)

router = Router(tags=["review"])


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationError()
    return user


def _operator_only(user: User) -> None:
    if not selectors.is_operator(user):
        raise NotFound()


def item_out(item: Any, viewer: Any) -> dict[str, Any]:
    view = selectors.item_view(item, viewer)
    return {
        "id": view.id,
        "call_id": view.call_id,
        "title": view.title,
        "summary": view.summary,
        "blind": view.blind,
        "identity": view.identity,
        "parties": view.parties,
        "subject_type": view.subject_type,
        "subject_id": view.subject_id,
    }


def criterion_out(criterion: Criterion) -> dict[str, Any]:
    return {
        "id": criterion.pk,
        "name": criterion.name,
        "description": criterion.description,
        "weight": criterion.weight,
        "scale_min": criterion.scale_min,
        "scale_max": criterion.scale_max,
    }


def assignment_out(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "item_id": assignment.item_id,
        "call_id": assignment.item.call_id,
        "item_title": assignment.item.title,
        "reviewer_id": assignment.reviewer_id,
        "status": assignment.status,
        "source": assignment.source,
        "alternate_rank": assignment.alternate_rank,
        "reason": assignment.reason,
        "review_deadline": assignment.item.call.review_deadline,
    }


def review_out(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "assignment_id": review.assignment_id,
        "scores": review.scores,
        "notes": review.notes,
        "comment_to_applicant": review.comment_to_applicant,
        "comment_to_operator": review.comment_to_operator,
        "submitted_at": review.submitted_at,
    }


def conflict_out(record: ConflictRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "item_id": record.item_id,
        "reviewer_id": record.reviewer_id,
        "kind": record.kind,
        "explanation": record.explanation,
        "reason": record.reason,
        "created_at": record.created_at,
    }


def run_out(run: AssignmentRun) -> dict[str, Any]:
    titles = {item.pk: localized(item.title) for item in run.call.items.all()} if run.shortfalls else {}
    return {
        "id": run.pk,
        "call_id": run.call_id,
        "status": run.status,
        "progress": run.progress,
        "cancel_requested": run.cancel_requested,
        "shortfalls": run.shortfalls,
        "explanations": [selectors.explain_shortfall(s, titles) for s in run.shortfalls],
        "error": run.error,
        "total_affinity": run.total_affinity,
        "assigned": run.assigned,
        "timings": run.timings,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def call_summary_out(call: Call) -> dict[str, Any]:
    # Content types are cached per process, so a page of calls costs no query per row.
    kind = ContentType.objects.get_for_id(call.subject_type_id)
    return {
        "id": call.pk,
        "title": call.title,
        "status": call.status,
        "blind": call.blind,
        "subject_type": f"{kind.app_label}.{kind.model}",
        "subject_id": call.subject_id,
        "review_deadline": call.review_deadline,
        "created_at": call.created_at,
    }


def pool_out(member: PoolReviewer) -> dict[str, Any]:
    return {
        "id": member.pk,
        "user_id": member.user_id,
        "display_name": str(member.user),
        "industry": member.industry,
        "max_load": member.max_load,
    }


def decision_out(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "item_id": decision.item_id,
        "outcome": decision.outcome,
        "reasons": decision.reasons,
        "decided_at": decision.decided_at,
    }


# ---------------------------------------------------------------- reviewer


@router.get("/review/assignments", response=list[AssignmentOut], summary="My live review assignments")
def my_assignments(request: HttpRequest) -> list[dict[str, Any]]:
    return [assignment_out(a) for a in selectors.my_assignments(_actor(request))]


@router.get("/review/assignments/{assignment_id}", response=AssignmentDetailOut, summary="An assignment with its item")
def get_assignment(request: HttpRequest, assignment_id: int) -> dict[str, Any]:
    user = _actor(request)
    assignment = selectors.get_assignment_for(user, assignment_id)
    review = Review.objects.filter(assignment=assignment).first()
    return {
        **assignment_out(assignment),
        "item": item_out(assignment.item, user),
        "criteria": [criterion_out(c) for c in selectors.criteria(assignment.item.call)],
        "review": review_out(review) if review else None,
    }


@router.get("/review/items/{item_id}", response=ItemOut, summary="An item (blind-safe)")
def get_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    user = _actor(request)
    return item_out(selectors.get_item_for(user, item_id), user)


@router.post("/review/assignments/{assignment_id}/review", response=ReviewOut, summary="Submit or revise my review")
def submit_review(request: HttpRequest, assignment_id: int, payload: ReviewIn) -> dict[str, Any]:
    user = _actor(request)
    assignment = selectors.get_assignment_for(user, assignment_id)
    review = services.submit_review(
        actor=user,
        assignment=assignment,
        scores=dict(payload.scores),
        notes=dict(payload.notes),
        comment_to_applicant=payload.comment_to_applicant,
        comment_to_operator=payload.comment_to_operator,
    )
    return review_out(review)


@router.post(
    "/review/items/{item_id}/declare-conflict",
    response={201: ConflictOut},
    summary="Declare my conflict of interest with an item",
)
def declare_conflict(request: HttpRequest, item_id: int, payload: ReasonIn) -> Status[dict[str, Any]]:
    user = _actor(request)
    item = selectors.get_item_for(user, item_id)
    return Status(201, conflict_out(services.declare_conflict(actor=user, item=item, reason=payload.reason)))


# ---------------------------------------------------------------- operator


def _subject_type(query: CallQuery) -> ContentType | None:
    """The content type named ``app.model`` by the query; a subject id needs one."""
    if not query.subject_type:
        if query.subject_id is not None:
            raise DomainError(ErrorCode.VALIDATION, errors={"subject_type": [_("Name the subject's type too.")]})
        return None
    app_label, _dot, model = query.subject_type.partition(".")
    found = ContentType.objects.filter(app_label=app_label, model=model).first()
    if found is None:
        message = _("Unknown subject type; write it as app.model, e.g. challenges.challenge.")
        raise DomainError(ErrorCode.VALIDATION, errors={"subject_type": [message]})
    return found


@router.get("/review/calls", response=CallPage, summary="Review calls, newest first (operators)")
def list_calls(request: HttpRequest, query: Query[CallQuery]) -> dict[str, Any]:
    """Every call, or only the calls about one kind of subject or about one subject.

    A challenge list's call: ``?subject_type=challenges.challenge&subject_id=<list id>``. Operators only;
    anyone else gets 404 ``not_found``. An unknown subject type is 422 ``validation_error``.
    """
    _operator_only(_actor(request))
    subject_type = _subject_type(query)
    page = paginate(selectors.calls_about(subject_type, query.subject_id), page=query.page)
    return page.as_dict([call_summary_out(call) for call in page.items])


@router.get("/review/calls/{call_id}", response=CallOut, summary="A call with criteria, pool, items and scores")
def get_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    user = _actor(request)
    call = selectors.get_call_for(user, call_id)
    scores = selectors.call_scores(call)
    run = selectors.latest_run(call)
    return {
        "id": call.pk,
        "title": call.title,
        "status": call.status,
        "blind": call.blind,
        "reviews_per_item": call.reviews_per_item,
        "max_load": call.max_load,
        "min_load": call.min_load,
        "alternates": call.alternates,
        "require_industry": call.require_industry,
        "distinct_organizations": call.distinct_organizations,
        "conflict_years": call.conflict_years,
        "review_deadline": call.review_deadline,
        "criteria": [criterion_out(c) for c in selectors.criteria(call)],
        "pool": [pool_out(m) for m in call.pool.select_related("user").order_by("id")],
        "items": [item_out(r.item, user) for r in scores.items],
        "call_mean": scores.call_mean,
        "call_sd": scores.call_sd,
        "agreement": scores.agreement,
        "latest_run": run_out(run) if run else None,
    }


@router.post("/review/calls/{call_id}/pool", response={201: PoolOut}, summary="Invite a reviewer to the pool")
def invite(request: HttpRequest, call_id: int, payload: PoolIn) -> Status[dict[str, Any]]:
    user = _actor(request)
    call = selectors.get_call_for(user, call_id)
    invited = User.objects.filter(pk=payload.user_id).first()
    if invited is None:
        raise NotFound()
    member = services.invite_reviewer(
        actor=user, call=call, user=invited, industry=payload.industry, max_load=payload.max_load
    )
    return Status(201, pool_out(member))


@router.delete(
    "/review/calls/{call_id}/pool/{user_id}", response={204: None}, summary="Remove a reviewer from the pool"
)
def remove(request: HttpRequest, call_id: int, user_id: int) -> Status[None]:
    user = _actor(request)
    call = selectors.get_call_for(user, call_id)
    member = PoolReviewer.objects.filter(call=call, user_id=user_id).first()
    if member is None:
        raise NotFound()
    services.remove_reviewer(actor=user, member=member)
    return Status(204, None)


@router.post("/review/calls/{call_id}/runs", response={202: RunOut}, summary="Start an assignment run")
def start_run(request: HttpRequest, call_id: int) -> Status[dict[str, Any]]:
    user = _actor(request)
    run = services.start_assignment(actor=user, call=selectors.get_call_for(user, call_id))
    return Status(202, run_out(run))


@router.get("/review/runs/{run_id}", response=RunOut, summary="An assignment run's status and progress")
def get_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return run_out(selectors.get_run_for(_actor(request), run_id))


@router.post("/review/runs/{run_id}/cancel", response=RunOut, summary="Ask an assignment run to stop")
def cancel_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    user = _actor(request)
    run = services.cancel_assignment_run(actor=user, run=selectors.get_run_for(user, run_id))
    return run_out(run)


@router.post("/review/items/{item_id}/assignments", response={201: AssignmentOut}, summary="Assign a reviewer by hand")
def assign(request: HttpRequest, item_id: int, payload: PairIn) -> Status[dict[str, Any]]:
    user = _actor(request)
    _operator_only(user)
    item = selectors.get_item_for(user, item_id)
    reviewer = User.objects.filter(pk=payload.reviewer_id).first()
    if reviewer is None:
        raise NotFound()
    assignment = services.assign(actor=user, item=item, reviewer=reviewer, reason=payload.reason)
    return Status(201, assignment_out(assignment))


@router.post("/review/assignments/{assignment_id}/unassign", response=AssignmentOut, summary="Withdraw an assignment")
def unassign(request: HttpRequest, assignment_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _actor(request)
    _operator_only(user)
    assignment = selectors.get_assignment_for(user, assignment_id)
    return assignment_out(services.unassign(actor=user, assignment=assignment, reason=payload.reason))


@router.post(
    "/review/assignments/{assignment_id}/replace",
    response=AssignmentOut,
    summary="Replace a reviewer with the best alternate; returns the new assignment",
)
def replace(request: HttpRequest, assignment_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = _actor(request)
    _operator_only(user)
    assignment = selectors.get_assignment_for(user, assignment_id)
    return assignment_out(services.replace_with_alternate(actor=user, assignment=assignment, reason=payload.reason))


@router.post("/review/items/{item_id}/conflicts", response={201: ConflictOut}, summary="Record a conflict (operator)")
def set_conflict(request: HttpRequest, item_id: int, payload: PairIn) -> Status[dict[str, Any]]:
    user = _actor(request)
    _operator_only(user)
    item = selectors.get_item_for(user, item_id)
    reviewer = User.objects.filter(pk=payload.reviewer_id).first()
    if reviewer is None:
        raise NotFound()
    record = services.set_conflict(actor=user, item=item, reviewer=reviewer, reason=payload.reason)
    return Status(201, conflict_out(record))


@router.get("/review/calls/{call_id}/ranking", response=list[ResultOut], summary="Items ranked by normalised score")
def ranking(request: HttpRequest, call_id: int) -> list[dict[str, Any]]:
    call = selectors.get_call_for(_actor(request), call_id)
    return [
        {
            "item_id": r.item.pk,
            "subject_id": r.subject_id,
            "title": r.item.title,
            "reviews": r.reviews,
            "mean": r.mean,
            "normalised": r.normalised,
            "spread": r.spread,
            "flagged": r.flagged,
            "reconciled": r.reconciled,
            "decision": decision_out(r.decision) if r.decision else None,
        }
        for r in selectors.ranking(call)
    ]


@router.get(
    "/review/items/{item_id}/feedback",
    response=list[CriterionFeedbackOut],
    summary="Per-criterion feedback for the applicant (no reviewer names)",
)
def feedback(request: HttpRequest, item_id: int) -> list[dict[str, Any]]:
    user = _actor(request)
    _operator_only(user)
    item = selectors.get_item_for(user, item_id)
    return [
        {
            "criterion_id": f.criterion.pk,
            "name": f.name,
            "weight": f.weight,
            "scale_min": f.scale_min,
            "scale_max": f.scale_max,
            "mean": f.mean,
            "scores": f.scores,
            "comments": f.comments,
        }
        for f in selectors.feedback(item)
    ]


@router.post(
    "/review/items/{item_id}/reconciliation", response={201: ReconciliationOut}, summary="Add a reconciliation note"
)
def reconcile(request: HttpRequest, item_id: int, payload: ReconcileIn) -> Status[dict[str, Any]]:
    user = _actor(request)
    _operator_only(user)
    note: Reconciliation = services.reconcile(actor=user, item=selectors.get_item_for(user, item_id), note=payload.note)
    return Status(201, {"id": note.pk, "item_id": note.item_id, "note": note.note, "created_at": note.created_at})


@router.post("/review/items/{item_id}/decision", response={201: DecisionOut}, summary="Decide an item, with reasons")
def decide(request: HttpRequest, item_id: int, payload: DecisionIn) -> Status[dict[str, Any]]:
    user = _actor(request)
    _operator_only(user)
    item = selectors.get_item_for(user, item_id)
    decision = services.decide(actor=user, item=item, outcome=payload.outcome, reasons=payload.reasons)
    return Status(201, decision_out(decision))
