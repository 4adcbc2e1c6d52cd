"""Assignment runs: queue one in the background, or ask a running one to stop."""

from __future__ import annotations

from functools import partial

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require
from kechuang.review.enums import ACTIVE_RUN_STATUSES, CallStatus, RunStatus
from kechuang.review.models import AssignmentRun, Call
from kechuang.review.tasks import run_assignment


@transaction.atomic
def start_assignment(*, actor: User, call: Call) -> AssignmentRun:
    """Queue an assignment run of ``call``; the worker picks it up after commit.

    Refused while another run of the call is queued or running (a partial unique constraint backs
    the check), when the call is closed, and when it has no items or no pool. Audited.
    """
    require(actor, "review.run_assignment", call)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.status != CallStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, _("This call is closed."))
    if not call.items.exists() or not call.pool.exists():
        raise DomainError(ErrorCode.INVALID_STATE, _("Add items and invite reviewers before running the assignment."))
    if call.runs.filter(status__in=ACTIVE_RUN_STATUSES).exists():
        raise DomainError(ErrorCode.CONFLICT, _("An assignment run of this call is already under way."))
    try:
        with transaction.atomic():
            run = AssignmentRun.objects.create(call=call, started_by=actor)
    except IntegrityError as exc:
        raise DomainError(ErrorCode.CONFLICT, _("An assignment run of this call is already under way.")) from exc
    record_event(actor=actor, verb="review:run:start", obj=run, diff={"status": [None, RunStatus.QUEUED]})
    transaction.on_commit(partial(run_assignment.enqueue, run.pk))
    return run


@transaction.atomic
def cancel_assignment_run(*, actor: User, run: AssignmentRun) -> AssignmentRun:
    """Ask a queued or running run to stop; the worker notices within a second and marks it cancelled.

    A queued run is cancelled at once. Refused for a run that has already ended. Audited.
    """
    require(actor, "review.run_assignment", run.call)
    run = AssignmentRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in ACTIVE_RUN_STATUSES:
        raise DomainError(ErrorCode.INVALID_STATE, _("This run has already ended."))
    run.cancel_requested = True
    fields = ["cancel_requested"]
    if run.status == RunStatus.QUEUED:
        run.status = RunStatus.CANCELLED
        fields.append("status")
    run.save(update_fields=fields)
    record_event(actor=actor, verb="review:run:cancel", obj=run, diff={"cancel_requested": [False, True]})
    return run
