"""Reviews, reconciliation notes and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require
from kechuang.review import notices, selectors
from kechuang.review.enums import AssignmentStatus, CallStatus, DecisionOutcome
from kechuang.review.models import Assignment, Call, Decision, Item, Reconciliation, Review

COMMENT_LENGTH = 8000


def _scores(call: Call, scores: Mapping[Any, object]) -> dict[str, int]:
    """Every criterion of the call scored with a whole number inside its scale, and nothing else."""
    wanted = {str(criterion.pk): criterion for criterion in selectors.criteria(call)}
    given = {str(key): value for key, value in scores.items()}
    errors: dict[str, list[str]] = {}
    for key in sorted(set(given) - set(wanted)):
        errors[f"scores.{key}"] = [_("This is not a criterion of the call.")]
    clean: dict[str, int] = {}
    for key, criterion in wanted.items():
        value = given.get(key)
        if value is None or value == "":
            errors[f"scores.{key}"] = [_("Score this criterion.")]
            continue
        try:
            number = int(str(value))
        except ValueError:
            errors[f"scores.{key}"] = [_("Give a whole number.")]
            continue
        if not criterion.scale_min <= number <= criterion.scale_max:
            errors[f"scores.{key}"] = [
                _("Give a score from %(low)d to %(high)d.") % {"low": criterion.scale_min, "high": criterion.scale_max}
            ]
            continue
        clean[key] = number
    if errors:
        raise DomainError(ErrorCode.VALIDATION, errors=errors)
    return clean


@transaction.atomic
def submit_review(
    *,
    actor: User,
    assignment: Assignment,
    scores: Mapping[Any, object],
    comment_to_applicant: str = "",
    comment_to_operator: str = "",
    notes: Mapping[Any, str] | None = None,
) -> Review:
    """The assigned reviewer submits (or, before the deadline, revises) her review.

    ``scores`` maps each criterion id to a whole number in its scale; ``notes`` optional remarks per
    criterion for the applicant. Refused after the deadline, on a closed call, and for anyone but the
    assigned reviewer. Her reminders are cancelled once nothing is left to submit in the call. Audited.
    """
    require(actor, "review.submit_review", assignment)
    call = Call.objects.select_for_update().get(pk=assignment.item.call_id)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    require(actor, "review.submit_review", assignment)  # still live after the lock
    if call.status != CallStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, _("This call is closed."))
    if timezone.now() > call.review_deadline:
        raise DomainError(ErrorCode.INVALID_STATE, _("The review deadline has passed."))
    clean = _scores(call, scores)
    criterion_keys = set(clean)
    remarks = {
        str(key): str(text).strip()[:COMMENT_LENGTH]
        for key, text in (notes or {}).items()
        if str(key) in criterion_keys and str(text).strip()
    }
    review = Review.objects.filter(assignment=assignment).first()
    before = dict(review.scores) if review else None
    if review is None:
        review = Review(assignment=assignment)
    review.scores = clean
    review.notes = remarks
    review.comment_to_applicant = comment_to_applicant.strip()[:COMMENT_LENGTH]
    review.comment_to_operator = comment_to_operator.strip()[:COMMENT_LENGTH]
    review.submitted_at = timezone.now()
    review.save()
    if assignment.status != AssignmentStatus.SUBMITTED:
        assignment.status = AssignmentStatus.SUBMITTED
        assignment.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        verb="review:review:submit" if before is None else "review:review:revise",
        obj=review,
        diff={"scores": [before, clean]},
    )
    notices.settle_reminders(call, [actor])
    return review


@transaction.atomic
def reconcile(*, actor: User, item: Item, note: str) -> Reconciliation:
    """An operator's note on how the reviewers' disagreement on ``item`` was resolved. Audited."""
    require(actor, "review.reconcile", item.call)
    text = note.strip()
    if not text:
        raise DomainError(ErrorCode.VALIDATION, errors={"note": [_("Write the note.")]})
    reconciliation = Reconciliation.objects.create(item=item, note=text[:COMMENT_LENGTH], author=actor)
    record_event(actor=actor, verb="review:item:reconcile", obj=reconciliation, diff={"item": [None, item.pk]})
    return reconciliation


@transaction.atomic
def decide(
    *, actor: User, item: Item, outcome: str, reasons: str, result: selectors.ItemResult | None = None
) -> Decision:
    """Decide an item (accepted, reserve, rejected) with reasons. Operators only; once per item.

    A flagged item (reviewers' spread above twice the call's SD) must have a reconciliation note
    first. ``result`` is the item's standing from :func:`~kechuang.review.selectors.call_scores`
    (or ``ranking``) when the caller decides many items of one call and scored the call once, in
    this transaction; without it the call is scored here, which costs a pass over all its reviews.
    Audited.
    """
    require(actor, "review.decide", item.call)
    Call.objects.select_for_update().get(pk=item.call_id)
    if outcome not in DecisionOutcome.values:
        raise DomainError(ErrorCode.VALIDATION, errors={"outcome": [_("Choose a valid outcome.")]})
    text = reasons.strip()
    if not text:
        raise DomainError(ErrorCode.VALIDATION, errors={"reasons": [_("Give the reasons for the decision.")]})
    if Decision.objects.filter(item=item).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This item has already been decided."))
    if result is None or result.item.pk != item.pk:
        result = selectors.item_result(item)
    if result.flagged and not result.reconciled:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("The reviewers' scores of this item spread more than two standard deviations; reconcile them first."),
        )
    decision = Decision.objects.create(item=item, outcome=outcome, reasons=text[:COMMENT_LENGTH], decided_by=actor)
    record_event(actor=actor, verb="review:item:decide", obj=decision, diff={"outcome": [None, outcome]})
    return decision
