"""Manual changes to an assignment, and conflicts recorded by reviewers and operators.

Every change says why (a reason is required), locks the call row so it cannot interleave with an
assignment run or another change, and is audited. A reviewer who leaves an item is replaced by the
best alternate without a conflict, who is told at once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.accounts.models import ExpertProfile, User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require
from kechuang.review import notices, selectors
from kechuang.review.enums import AssignmentSource, AssignmentStatus, CallStatus, ConflictKind
from kechuang.review.models import Assignment, Call, ConflictRecord, Item, PoolReviewer

REASON_LENGTH = 1000


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise DomainError(ErrorCode.VALIDATION, errors={"reason": [_("Say why.")]})
    return text[:REASON_LENGTH]


def _lock_call(call_id: int) -> Call:
    call = Call.objects.select_for_update().get(pk=call_id)
    if call.status != CallStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, _("This call is closed."))
    return call


def _refuse_conflicted(item: Item, reviewer_id: int) -> None:
    found = selectors.conflicts_of(item, reviewer_id)
    if found:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("This reviewer has a conflict of interest with the item: %(why)s")
            % {"why": "; ".join(conflict.explanation or selectors.conflict_label(conflict.kind) for conflict in found)},
        )


def _live_load(call: Call, reviewer_id: int) -> int:
    return Assignment.objects.filter(
        item__call=call,
        reviewer_id=reviewer_id,
        status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED],
    ).count()


def _shares_organization(call: Call, item: Item, reviewer_id: int) -> bool:
    """Under the call's rule "no two reviewers of an item from one organisation": whether ``reviewer_id``
    works where a reviewer already on ``item`` works (the current affiliation, as the solver reads it)."""
    if not call.distinct_organizations:
        return False
    on_item = Assignment.objects.filter(
        item=item, status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED]
    ).exclude(reviewer_id=reviewer_id)
    employer = ExpertProfile.objects.filter(user_id=reviewer_id, affiliation__isnull=False).values("affiliation_id")
    return ExpertProfile.objects.filter(user_id__in=on_item.values("reviewer_id"), affiliation_id__in=employer).exists()


@transaction.atomic
def assign(*, actor: User, item: Item, reviewer: User, reason: str) -> Assignment:
    """Put a pool reviewer on an item by hand. Refuses a conflicted reviewer, one already on it,
    one outside the pool and one at her load limit. The reviewer is notified."""
    require(actor, "review.change_assignment", item.call)
    why = _reason(reason)
    call = _lock_call(item.call_id)
    member = PoolReviewer.objects.filter(call=call, user=reviewer).first()
    if member is None:
        raise DomainError(ErrorCode.VALIDATION, errors={"reviewer": [_("Invite this reviewer to the pool first.")]})
    _refuse_conflicted(item, reviewer.pk)
    existing = Assignment.objects.filter(item=item, reviewer=reviewer).first()
    if existing is not None and existing.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED):
        raise DomainError(ErrorCode.DUPLICATE, _("This reviewer is already assigned to the item."))
    if _live_load(call, reviewer.pk) >= member.max_load:
        raise DomainError(ErrorCode.CONFLICT, _("This reviewer has reached her load limit in the call."))
    if _shares_organization(call, item, reviewer.pk):
        raise DomainError(
            ErrorCode.CONFLICT,
            _("Another reviewer of this item works at the same organisation, which this call does not allow."),
        )
    if existing is None:
        existing = Assignment(item=item, reviewer=reviewer)
    before = existing.status or None
    existing.status = AssignmentStatus.ASSIGNED
    existing.alternate_rank = None
    existing.source = AssignmentSource.MANUAL
    existing.reason = why
    existing.save()
    record_event(
        actor=actor,
        verb="review:assignment:assign",
        obj=existing,
        diff={"status": [before, AssignmentStatus.ASSIGNED], "reason": [None, why]},
    )
    notices.tell_assigned(call, [reviewer], actor=actor)
    return existing


def _withdraw(assignment: Assignment, *, actor: User | None, why: str, verb: str) -> None:
    before = assignment.status
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.alternate_rank = None
    assignment.reason = why
    assignment.save(update_fields=["status", "alternate_rank", "reason", "updated_at"])
    record_event(
        actor=actor,
        verb=verb,
        obj=assignment,
        diff={"status": [before, AssignmentStatus.WITHDRAWN], "reason": [None, why]},
    )


def _promote(item: Item, *, actor: User | None, why: str) -> Assignment | None:
    """Make the best-ranked alternate without a conflict and with load left a reviewer of ``item``."""
    call = item.call
    for alternate in Assignment.objects.filter(item=item, status=AssignmentStatus.ALTERNATE).order_by(
        "alternate_rank", "id"
    ):
        member = PoolReviewer.objects.filter(call=call, user_id=alternate.reviewer_id).first()
        if member is None or selectors.conflicts_of(item, alternate.reviewer_id):
            continue
        if _live_load(call, alternate.reviewer_id) >= member.max_load:
            continue
        if _shares_organization(call, item, alternate.reviewer_id):
            continue
        alternate.status = AssignmentStatus.ASSIGNED
        alternate.alternate_rank = None
        alternate.source = AssignmentSource.MANUAL
        alternate.reason = why
        alternate.save(update_fields=["status", "alternate_rank", "source", "reason", "updated_at"])
        record_event(
            actor=actor,
            verb="review:assignment:promote",
            obj=alternate,
            diff={"status": [AssignmentStatus.ALTERNATE, AssignmentStatus.ASSIGNED], "reason": [None, why]},
        )
        notices.tell_assigned(call, [alternate.reviewer], actor=actor)
        return alternate
    return None


@transaction.atomic
def unassign(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """Take a reviewer (or an alternate) off an item by hand; refused once her review is in."""
    require(actor, "review.change_assignment", assignment.item.call)
    why = _reason(reason)
    call = _lock_call(assignment.item.call_id)
    assignment = Assignment.objects.select_related("item", "reviewer").get(pk=assignment.pk)
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.ALTERNATE):
        raise DomainError(ErrorCode.INVALID_STATE, _("Only a pending assignment or an alternate can be removed."))
    _withdraw(assignment, actor=actor, why=why, verb="review:assignment:unassign")
    notices.settle_reminders(call, [assignment.reviewer])
    return assignment


@transaction.atomic
def replace_with_alternate(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """Withdraw a pending reviewer and promote the item's best eligible alternate; returns the new assignment.

    Refused (nothing changed) when no alternate can step in.
    """
    require(actor, "review.change_assignment", assignment.item.call)
    why = _reason(reason)
    call = _lock_call(assignment.item.call_id)
    assignment = Assignment.objects.select_related("item__call", "reviewer").get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise DomainError(ErrorCode.INVALID_STATE, _("Only a pending assignment can be replaced."))
    _withdraw(assignment, actor=actor, why=why, verb="review:assignment:replace")
    promoted = _promote(assignment.item, actor=actor, why=why)
    if promoted is None:
        raise DomainError(
            ErrorCode.INVALID_STATE, _("No alternate without a conflict and with load left is available.")
        )
    notices.settle_reminders(call, [assignment.reviewer])
    return promoted


def _record_conflict(*, item: Item, reviewer: User, kind: str, reason: str, actor: User) -> ConflictRecord:
    if ConflictRecord.objects.filter(item=item, reviewer=reviewer, kind=kind).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This conflict is already recorded."))
    record = ConflictRecord.objects.create(item=item, reviewer=reviewer, kind=kind, reason=reason, created_by=actor)
    record_event(actor=actor, verb=f"review:conflict:{kind}", obj=record, diff={"reason": [None, reason]})
    return record


def _drop_after_conflict(item: Item, reviewer: User, *, actor: User, why: str, include_submitted: bool) -> None:
    statuses = [AssignmentStatus.ASSIGNED, AssignmentStatus.ALTERNATE]
    if include_submitted:
        statuses.append(AssignmentStatus.SUBMITTED)
    held = Assignment.objects.filter(item=item, reviewer=reviewer, status__in=statuses).first()
    if held is None:
        return
    was_reviewer = held.status != AssignmentStatus.ALTERNATE
    _withdraw(held, actor=actor, why=why, verb="review:assignment:conflict")
    if was_reviewer:
        _promote(item, actor=actor, why=why)
    notices.settle_reminders(item.call, [reviewer])


@transaction.atomic
def declare_conflict(*, actor: User, item: Item, reason: str) -> ConflictRecord:
    """The reviewer declares a conflict with ``item``: recorded, her pending assignment (or alternate place)
    dropped, and an alternate promoted. Refused once she has submitted a review of it (tell the operator)."""
    require(actor, "review.declare_conflict", item)
    why = _reason(reason)
    _lock_call(item.call_id)
    item = Item.objects.select_related("call").get(pk=item.pk)
    if Assignment.objects.filter(item=item, reviewer=actor, status=AssignmentStatus.SUBMITTED).exists():
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("You have already submitted a review of this item; ask the operator to set the conflict."),
        )
    record = _record_conflict(item=item, reviewer=actor, kind=ConflictKind.DECLARED, reason=why, actor=actor)
    _drop_after_conflict(item, actor, actor=actor, why=why, include_submitted=False)
    return record


@transaction.atomic
def set_conflict(*, actor: User, item: Item, reviewer: User, reason: str) -> ConflictRecord:
    """An operator records a conflict with a reason. Any assignment of the pair is withdrawn (a submitted
    review then no longer counts) and an alternate promoted."""
    require(actor, "review.set_conflict", item.call)
    why = _reason(reason)
    _lock_call(item.call_id)
    item = Item.objects.select_related("call").get(pk=item.pk)
    record = _record_conflict(item=item, reviewer=reviewer, kind=ConflictKind.OPERATOR, reason=why, actor=actor)
    _drop_after_conflict(item, reviewer, actor=actor, why=why, include_submitted=True)
    return record
