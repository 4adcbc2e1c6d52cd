"""The body of an assignment run, executed by the background task in :mod:`kechuang.review.tasks`.

Phases and the share of the progress bar each takes: affinity of the pool's works to the items
(0–30 %), conflicts (30–40 %), the exact solver (40–90 %), storing (90–100 %). Progress and status
are written to the run row in their own small transactions, so a page polling the row sees them at
once; a cancel is read from the same row, at most twice a second.

Eligibility: affinity (``kechuang.search.affinity.score`` over each reviewer's works against each
item's title and summary) ranks the pool for each item and the best ``TOP_K`` are eligible. A pool
no larger than ``TOP_K`` is wholly eligible, zero affinity included, because the operator chose its
members for this call; the solver still prefers the best matches.

Kept across runs: submitted reviews and manual assignments (passed to the solver as forced pairs),
and withdrawn pairs (passed as conflicts, so a reviewer taken off an item is not put back).
Automatic assignments and alternates are replaced by the new solution.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import ExpertProfile, User
from kechuang.core.audit import record_event
from kechuang.review import assignment as solver
from kechuang.review import notices, selectors
from kechuang.review.conflicts import find_conflicts
from kechuang.review.enums import (
    COMPUTED_CONFLICT_KINDS,
    AssignmentSource,
    AssignmentStatus,
    RunStatus,
)
from kechuang.review.models import Assignment, AssignmentRun, Call, ConflictRecord, Item, PoolReviewer
from kechuang.search import affinity

logger = logging.getLogger(__name__)

TOP_K = 200  # eligible reviewers per item in a large pool
CANCEL_POLL_SECONDS = 0.5


@dataclass
class Built:
    problem: solver.Problem
    items: dict[str, Item]
    users: dict[str, User]
    timings: dict[str, float] = field(default_factory=dict)


def _both(value: dict[str, str] | None) -> str:
    """Both languages of a bilingual value, so a Chinese work matches an English proposal's words too."""
    return "\n".join(text for text in (value or {}).values() if text)


class _Watch:
    """Writes progress to the run row and reads its cancel flag, both throttled."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.shown = -1
        self.checked = 0.0
        self.stop = False

    def progress(self, percent: float) -> None:
        value = max(0, min(100, int(percent)))
        if value != self.shown:
            self.shown = value
            AssignmentRun.objects.filter(pk=self.run_id).update(progress=value)

    def between(self, low: float, high: float) -> Callable[[float], None]:
        return lambda fraction: self.progress(low + (high - low) * max(0.0, min(1.0, fraction)))

    def cancelled(self) -> bool:
        now = time.monotonic()
        if not self.stop and now - self.checked >= CANCEL_POLL_SECONDS:
            self.checked = now
            self.stop = bool(
                AssignmentRun.objects.filter(pk=self.run_id).values_list("cancel_requested", flat=True).first()
            )
        return self.stop


def eligible_scores(
    items: list[Item], pool: list[PoolReviewer], profiles: dict[int, ExpertProfile]
) -> dict[tuple[str, str], float]:
    """(item key, reviewer key) → affinity for the eligible pairs: the whole pool when it has at most
    ``TOP_K`` members, else each item's ``TOP_K`` best matches with a positive score."""
    if not items or not pool:
        return {}
    experts = [
        affinity.Expert(
            key=str(member.user_id),
            works=[
                affinity.Work(title=_both(work.title), abstract=_both(work.abstract), year=work.year)
                for work in (profiles[member.user_id].works.all() if member.user_id in profiles else [])
            ],
        )
        for member in pool
    ]
    documents = [
        affinity.Document(key=str(item.pk), title=_both(item.title), abstract=_both(item.summary)) for item in items
    ]
    whole_pool = len(pool) <= TOP_K
    matrix = affinity.score(experts, documents, keep=None if whole_pool else TOP_K)
    scores: dict[tuple[str, str], float] = {}
    if whole_pool:
        dense = matrix.matrix.toarray()
        for j, item in enumerate(items):
            for i, member in enumerate(pool):
                scores[(str(item.pk), str(member.user_id))] = float(dense[i, j])
        return scores
    coo = matrix.matrix.tocoo()
    for i, j, value in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
        scores[(str(items[j].pk), str(pool[i].user_id))] = float(value)
    return scores


def build_problem(call: Call, watch: _Watch | None = None) -> Built:
    """The solver's input for ``call``; also snapshots computed conflicts as :class:`ConflictRecord` rows."""
    started = time.monotonic()
    items = list(call.items.order_by("id"))
    pool = list(PoolReviewer.objects.filter(call=call).select_related("user").order_by("id"))
    user_ids = [member.user_id for member in pool]
    profiles = {
        profile.user_id: profile
        for profile in ExpertProfile.objects.filter(user_id__in=user_ids).prefetch_related("works")
    }
    scores = eligible_scores(items, pool, profiles)
    timings = {"affinity": round(time.monotonic() - started, 3)}
    if watch:
        watch.progress(30)

    started = time.monotonic()
    parties = {str(item.pk): selectors.parties_of(item) for item in items}
    computed = find_conflicts(user_ids, parties, years=call.conflict_years) if items and pool else {}
    conflicts = {(item_key, str(user_id)) for (item_key, user_id) in computed}
    with transaction.atomic():
        ConflictRecord.objects.filter(item__call=call, kind__in=COMPUTED_CONFLICT_KINDS).delete()
        ConflictRecord.objects.bulk_create(
            [
                ConflictRecord(
                    item_id=int(item_key),
                    reviewer_id=user_id,
                    kind=conflict.kind,
                    explanation=conflict.explanation[:1000],
                )
                for (item_key, user_id), found in computed.items()
                for conflict in {c.kind: c for c in found}.values()
            ],
            ignore_conflicts=True,
        )
    for item_id, reviewer_id in ConflictRecord.objects.filter(item__call=call).values_list("item_id", "reviewer_id"):
        conflicts.add((str(item_id), str(reviewer_id)))
    forced: set[tuple[str, str]] = set()
    for row in Assignment.objects.filter(item__call=call).values("item_id", "reviewer_id", "status", "source"):
        pair = (str(row["item_id"]), str(row["reviewer_id"]))
        if row["status"] == AssignmentStatus.WITHDRAWN:
            conflicts.add(pair)
        elif row["status"] == AssignmentStatus.SUBMITTED or (
            row["status"] == AssignmentStatus.ASSIGNED and row["source"] == AssignmentSource.MANUAL
        ):
            forced.add(pair)
    forced -= conflicts  # a conflict found since wins over an earlier manual choice
    pool_keys = {str(member.user_id) for member in pool}
    forced = {pair for pair in forced if pair[1] in pool_keys}
    for pair in forced:
        scores.setdefault(pair, 0.0)
    timings["conflicts"] = round(time.monotonic() - started, 3)
    if watch:
        watch.progress(40)

    reviewers = [
        solver.Reviewer(
            key=str(member.user_id),
            max_load=member.max_load,
            min_load=min(call.min_load, member.max_load),
            organization=(
                str(profiles[member.user_id].affiliation_id)
                if member.user_id in profiles and profiles[member.user_id].affiliation_id
                else None
            ),
            industry=member.industry,
        )
        for member in pool
    ]
    problem = solver.Problem(
        items=[solver.Item(key=str(item.pk), demand=call.reviews_per_item) for item in items],
        reviewers=reviewers,
        scores=scores,
        conflicts=frozenset(conflicts),
        forced=frozenset(forced),
        require_industry=call.require_industry,
        distinct_organizations=call.distinct_organizations,
        alternates=call.alternates,
    )
    return Built(
        problem=problem,
        items={str(item.pk): item for item in items},
        users={str(member.user_id): member.user for member in pool},
        timings=timings,
    )


class StaleRunError(solver.Infeasible):
    """The call changed under the run in a way its plan cannot absorb; nothing was written. The run
    fails with the message, as an infeasible one does."""


def _revise(
    existing: dict[tuple[str, str], Assignment],
    *,
    wanted: set[tuple[str, str]],
    ranks: dict[tuple[str, str], int],
    conflicted: set[tuple[str, str]],
    scores: Mapping[tuple[str, str], float],
    users: dict[str, User],
) -> tuple[dict[int, User], dict[int, User]]:
    """Bring the call's existing rows to the plan; returns the reviewers newly assigned and those dropped."""
    newly: dict[int, User] = {}
    dropped: dict[int, User] = {}
    for pair, row in existing.items():
        if row.status in (AssignmentStatus.WITHDRAWN, AssignmentStatus.SUBMITTED):
            continue
        if pair in wanted:
            if row.status != AssignmentStatus.ASSIGNED:
                newly[row.reviewer_id] = users.get(pair[1]) or row.reviewer
            row.status, row.alternate_rank, row.affinity = AssignmentStatus.ASSIGNED, None, scores.get(pair, 0.0)
            row.save(update_fields=["status", "alternate_rank", "affinity", "updated_at"])
        elif pair in ranks and row.source == AssignmentSource.AUTO:
            if row.status == AssignmentStatus.ASSIGNED:
                dropped[row.reviewer_id] = row.reviewer
            row.status, row.alternate_rank, row.affinity = (
                AssignmentStatus.ALTERNATE,
                ranks[pair],
                scores.get(pair, 0.0),
            )
            row.save(update_fields=["status", "alternate_rank", "affinity", "updated_at"])
        elif row.source == AssignmentSource.AUTO or row.status == AssignmentStatus.ALTERNATE:
            if row.status == AssignmentStatus.ASSIGNED:
                dropped[row.reviewer_id] = row.reviewer
            row.delete()
        elif pair in conflicted:  # a manual assignment the solver could not keep: a conflict was found since
            row.status = AssignmentStatus.WITHDRAWN
            row.reason = row.reason or _("Withdrawn: a conflict of interest was found.")
            row.save(update_fields=["status", "reason", "updated_at"])
            dropped[row.reviewer_id] = row.reviewer
        # else: a manual assignment made while the solver ran; the operator's choice stays.
    return newly, dropped


def store(run: AssignmentRun, built: Built, solution: solver.Solution) -> int:
    """Write the solution over the call's automatic assignments; notify the reviewers with new items.

    Returns how many reviewer assignments the call holds after it. Locks the call row first.
    """
    call = Call.objects.select_for_update().get(pk=run.call_id)
    # Conflicts recorded while the solver ran (a reviewer's declaration, an operator's) were not in its
    # input: the plan is stale for those pairs. Alternates are only dropped; an assignment fails the run.
    conflicted = {
        (str(item), str(reviewer))
        for item, reviewer in ConflictRecord.objects.filter(item__call=call).values_list("item_id", "reviewer_id")
    }
    wanted = {(item, reviewer) for item, reviewers in solution.assignment.items() for reviewer in reviewers}
    if wanted & conflicted:
        raise StaleRunError(_("A conflict of interest was recorded while the assignment ran; run it again."))
    ranks = {
        (item, reviewer): rank
        for item, reviewers in solution.alternates.items()
        for rank, reviewer in enumerate(reviewers, start=1)
        if (item, reviewer) not in conflicted
    }
    scores = built.problem.scores
    existing = {(str(row.item_id), str(row.reviewer_id)): row for row in Assignment.objects.filter(item__call=call)}
    newly, dropped = _revise(
        existing, wanted=wanted, ranks=ranks, conflicted=conflicted, scores=scores, users=built.users
    )
    new_rows = []
    for pair in sorted(wanted | set(ranks)):
        if pair in existing:
            continue
        item_key, reviewer_key = pair
        assigned = pair in wanted
        new_rows.append(
            Assignment(
                item_id=int(item_key),
                reviewer_id=int(reviewer_key),
                affinity=scores.get(pair, 0.0),
                alternate_rank=None if assigned else ranks[pair],
                source=AssignmentSource.AUTO,
                status=AssignmentStatus.ASSIGNED if assigned else AssignmentStatus.ALTERNATE,
            )
        )
        if assigned:
            newly[int(reviewer_key)] = built.users[reviewer_key]
    Assignment.objects.bulk_create(new_rows)
    notices.tell_assigned(call, newly.values(), actor=run.started_by)
    notices.settle_reminders(call, [user for pk, user in dropped.items() if pk not in newly])
    return len(wanted)


def _finish(run_id: int, status: str, **fields: Any) -> None:
    AssignmentRun.objects.filter(pk=run_id).update(status=status, finished_at=timezone.now(), **fields)


def execute_run(run_id: int) -> str:
    """Run a queued assignment run to its end; returns the final status. Never raises for solver outcomes."""
    run = AssignmentRun.objects.select_related("call", "started_by").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return str(run.status)
    if run.cancel_requested:
        _finish(run_id, RunStatus.CANCELLED)
        return RunStatus.CANCELLED
    AssignmentRun.objects.filter(pk=run_id).update(status=RunStatus.RUNNING, started_at=timezone.now(), progress=0)
    watch = _Watch(run_id)
    timings: dict[str, float] = {}
    try:
        built = build_problem(run.call, watch)
        timings.update(built.timings)
        if watch.cancelled():
            raise solver.Cancelled()
        started = time.monotonic()
        solution = solver.solve(built.problem, progress=watch.between(40, 90), cancelled=watch.cancelled)
        timings["solve"] = round(time.monotonic() - started, 3)
        watch.progress(90)
        started = time.monotonic()
        with transaction.atomic():
            assigned = store(run, built, solution)
            record_event(
                actor=run.started_by,
                verb="review:run:succeed",
                obj=run,
                diff={"total_affinity": [None, solution.total], "assigned": [None, assigned]},
            )
        timings["store"] = round(time.monotonic() - started, 3)
    except solver.Cancelled:
        _finish(run_id, RunStatus.CANCELLED, timings=timings)
        return RunStatus.CANCELLED
    except solver.Infeasible as exc:
        shortfalls: list[dict[str, Any]] = [
            {"item": int(s.item), "demand": s.demand, "eligible": s.eligible, "reasons": dict(s.reasons)}
            for s in exc.shortfalls
        ] or [{"message": exc.message}]
        _finish(run_id, RunStatus.FAILED, shortfalls=shortfalls, timings=timings, error=exc.message[:2000])
        return RunStatus.FAILED
    except Exception as exc:  # the run must end visibly failed, never stay "running"
        logger.exception("assignment run %s failed", run_id)
        _finish(run_id, RunStatus.FAILED, timings=timings, error=f"{type(exc).__name__}: {exc}"[:2000])
        return RunStatus.FAILED
    _finish(
        run_id,
        RunStatus.SUCCEEDED,
        progress=100,
        total_affinity=solution.total,
        assigned=assigned,
        shortfalls=[],
        timings=timings,
    )
    return RunStatus.SUCCEEDED
