"""What the review engine tells reviewers: new assignments now, reminders before and at the deadline.

Kinds are registered once in :meth:`kechuang.review.apps.ReviewConfig.ready`. Reminders are kept per
reviewer and call (not per item), so a reviewer with five items gets one reminder, not five; they are
cancelled once she has nothing left to submit in the call.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.notifications import kinds
from kechuang.notifications import services as notifications
from kechuang.review.enums import AssignmentStatus
from kechuang.review.models import Assignment, Call

ASSIGNED = "review.assigned"
DUE_SOON = "review.due_soon"
DUE_NOW = "review.due_now"
REMIND_BEFORE = timedelta(days=3)


def register_kinds() -> None:
    kinds.register(
        ASSIGNED,
        title=_("You have new items to review in “%(call)s”"),
        body=_("Please submit your reviews by %(deadline)s."),
        label=_("New review assignments"),
    )
    kinds.register(
        DUE_SOON,
        title=_("Reviews for “%(call)s” are due in three days"),
        body=_("Please submit your reviews by %(deadline)s."),
        label=_("Review deadline approaching"),
    )
    kinds.register(
        DUE_NOW,
        title=_("Reviews for “%(call)s” are due now"),
        body=_("The deadline was %(deadline)s. Submit now or tell the operator."),
        label=_("Review deadline reached"),
    )


def _params(call: Call) -> dict[str, Any]:
    deadline = timezone.localtime(call.review_deadline).strftime("%Y-%m-%d %H:%M")
    return {"call": dict(call.title), "deadline": deadline}


def _keys(call: Call, user_id: int) -> tuple[str, str]:
    return f"review:{call.pk}:{user_id}:soon", f"review:{call.pk}:{user_id}:due"


def tell_assigned(call: Call, reviewers: Iterable[Any], *, actor: Any = None) -> None:
    """Notify reviewers of new assignments and (re)schedule their two reminders. Joins the caller's transaction."""
    people = list({user.pk: user for user in reviewers}.values())
    if not people:
        return
    url = reverse("review:my")
    notifications.notify(recipients=people, kind=ASSIGNED, params=_params(call), url=url, actor=actor)
    now = timezone.now()
    for user in people:
        soon, due = _keys(call, user.pk)
        if call.review_deadline - REMIND_BEFORE > now:
            notifications.schedule_reminder(
                recipient=user,
                kind=DUE_SOON,
                params=_params(call),
                url=url,
                due_at=call.review_deadline - REMIND_BEFORE,
                key=soon,
            )
        notifications.schedule_reminder(
            recipient=user, kind=DUE_NOW, params=_params(call), url=url, due_at=call.review_deadline, key=due
        )


def settle_reminders(call: Call, reviewers: Iterable[Any]) -> None:
    """Cancel the reminders of reviewers who have nothing left to submit in the call."""
    for user in {user.pk: user for user in reviewers}.values():
        pending = Assignment.objects.filter(
            item__call=call, reviewer_id=user.pk, status=AssignmentStatus.ASSIGNED
        ).exists()
        if not pending:
            for key in _keys(call, user.pk):
                notifications.cancel_reminders(key=key, recipient=user)
