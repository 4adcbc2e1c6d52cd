"""Assignment runs in the background (the immediate task backend): progress, cancel, shortfalls, re-runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from kechuang.core.errors import DomainError
from kechuang.notifications.models import Notification, Reminder
from kechuang.review import runner, selectors, services
from kechuang.review.assignment import solve
from kechuang.review.enums import AssignmentSource, AssignmentStatus, ConflictKind, RunStatus
from kechuang.review.models import Assignment, AssignmentRun, ConflictRecord
from kechuang.review.runner import execute_run
from tests.review.conftest import Setup, build

pytestmark = pytest.mark.django_db


def run(setup: Setup, capture: Any) -> AssignmentRun:
    with capture(execute=True):
        queued = services.start_assignment(actor=setup.operator, call=setup.call)
    return AssignmentRun.objects.get(pk=queued.pk)


def test_a_run_assigns_every_item_its_demand_with_alternates(
    setup: Setup, django_capture_on_commit_callbacks: Any
) -> None:
    done = run(setup, django_capture_on_commit_callbacks)
    assert (done.status, done.progress, done.assigned, done.shortfalls) == (RunStatus.SUCCEEDED, 100, 4, [])
    assert set(done.timings) == {"affinity", "conflicts", "solve", "store"}
    for item in setup.items:
        statuses = sorted(item.assignments.values_list("status", flat=True))
        assert statuses == ["alternate", "assigned", "assigned"]
    loads = [Assignment.objects.filter(reviewer=u, status=AssignmentStatus.ASSIGNED).count() for u in setup.reviewers]
    assert max(loads) <= 3
    assigned = {a.reviewer_id for a in Assignment.objects.filter(status=AssignmentStatus.ASSIGNED)}
    told = set(Notification.objects.filter(kind="review.assigned").values_list("recipient_id", flat=True))
    assert told == assigned
    keys = set(Reminder.objects.values_list("key", flat=True))
    assert keys == {f"review:{setup.call.pk}:{pk}:{kind}" for pk in assigned for kind in ("soon", "due")}


def test_the_best_matching_reviewer_is_assigned(setup: Setup, django_capture_on_commit_callbacks: Any) -> None:
    run(setup, django_capture_on_commit_callbacks)
    # Reviewer 0 writes on item 0's topic and reviewer 1 on item 1's.
    first = setup.items[0].assignments.filter(status=AssignmentStatus.ASSIGNED)
    assert setup.reviewers[0].pk in set(first.values_list("reviewer_id", flat=True))
    best = max(first, key=lambda a: a.affinity)
    assert best.reviewer_id == setup.reviewers[0].pk


def test_a_conflicted_reviewer_is_never_assigned(db: None, django_capture_on_commit_callbacks: Any) -> None:
    setup = build()
    # The applicant of item 0 is a reviewer of the pool: SELF conflict, found by find_conflicts.
    item = setup.items[0]
    item.parties = {**item.parties, "people": [setup.reviewers[0].pk]}
    item.save()
    services.set_conflict(actor=setup.operator, item=setup.items[1], reviewer=setup.reviewers[1], reason="同一课题组")
    run(setup, django_capture_on_commit_callbacks)
    assert not Assignment.objects.filter(item=setup.items[0], reviewer=setup.reviewers[0]).exists()
    assert not Assignment.objects.filter(item=setup.items[1], reviewer=setup.reviewers[1]).exists()
    kinds = set(ConflictRecord.objects.filter(item=item, reviewer=setup.reviewers[0]).values_list("kind", flat=True))
    assert ConflictKind.SELF in kinds


def test_an_infeasible_call_explains_which_items_lack_reviewers_and_why(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    setup = build(items=2, reviewers=2, per_item=2)
    services.set_conflict(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[0], reason="亲属")
    done = run(setup, django_capture_on_commit_callbacks)
    assert done.status == RunStatus.FAILED
    assert [(s["item"], s["demand"], s["eligible"], s["reasons"]) for s in done.shortfalls] == [
        (setup.items[0].pk, 2, 1, {"conflict": 1})
    ]
    assert Assignment.objects.count() == 0
    with translation.override("en"):
        words = selectors.explain_shortfall(done.shortfalls[0], {setup.items[0].pk: "甲"})
    assert words == "“甲” needs 2 reviews but has 1 eligible reviewers. 1 reviewer has a conflict of interest."
    words = selectors.explain_shortfall(done.shortfalls[0], {setup.items[0].pk: "甲"})
    assert words == "“甲”需要 2 份评审，但只有 1 位符合条件的评审专家。1 位评审专家存在利益冲突。"


def test_only_one_run_at_a_time_and_a_queued_run_can_be_cancelled(setup: Setup) -> None:
    queued = services.start_assignment(actor=setup.operator, call=setup.call)  # not executed: no commit here
    with pytest.raises(DomainError) as refused:
        services.start_assignment(actor=setup.operator, call=setup.call)
    assert refused.value.code == "conflict"
    cancelled = services.cancel_assignment_run(actor=setup.operator, run=queued)
    assert (cancelled.status, cancelled.cancel_requested) == (RunStatus.CANCELLED, True)
    assert execute_run(queued.pk) == RunStatus.CANCELLED
    with pytest.raises(DomainError) as ended:
        services.cancel_assignment_run(actor=setup.operator, run=queued)
    assert ended.value.code == "invalid_state"


def test_a_cancel_requested_while_running_stops_the_run(setup: Setup) -> None:
    queued = services.start_assignment(actor=setup.operator, call=setup.call)
    # The worker has taken it: running, and the operator asks it to stop before the solver starts.
    AssignmentRun.objects.filter(pk=queued.pk).update(cancel_requested=True)
    assert execute_run(queued.pk) == RunStatus.CANCELLED
    assert Assignment.objects.count() == 0


def test_a_rerun_keeps_manual_and_submitted_assignments_and_withdrawn_pairs(
    setup: Setup, django_capture_on_commit_callbacks: Any
) -> None:
    run(setup, django_capture_on_commit_callbacks)
    item = setup.items[0]
    pending = item.assignments.filter(status=AssignmentStatus.ASSIGNED).order_by("affinity").first()
    assert pending is not None
    services.unassign(actor=setup.operator, assignment=pending, reason="出差无法评审")
    run(setup, django_capture_on_commit_callbacks)
    pending.refresh_from_db()
    assert (pending.status, pending.source) == (AssignmentStatus.WITHDRAWN, AssignmentSource.AUTO)
    assert item.assignments.filter(status=AssignmentStatus.ASSIGNED).count() == 2


def test_a_conflict_recorded_while_the_solver_runs_fails_the_run_and_writes_nothing(
    setup: Setup, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # queued, not run: the test plays the worker
        queued = services.start_assignment(actor=setup.operator, call=setup.call)
    built = runner.build_problem(setup.call)
    solution = solve(built.problem)
    item_key, reviewers = sorted(solution.assignment.items())[0]
    item = next(item for item in setup.items if str(item.pk) == item_key)
    reviewer = next(user for user in setup.reviewers if str(user.pk) == reviewers[0])
    services.set_conflict(actor=setup.operator, item=item, reviewer=reviewer, reason="评审期间申报的亲属关系")
    with pytest.raises(runner.StaleRunError):
        runner.store(queued, built, solution)
    assert Assignment.objects.count() == 0
