"""Writes of the notifications app: notify, remind, mark read, choose e-mails.

Any app above this one tells its users something with :func:`notify` (now) or
:func:`schedule_reminder` (later), naming a kind it registered in :mod:`kechuang.notifications.kinds`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require
from kechuang.notifications import kinds
from kechuang.notifications.models import EmailPreference, Notification, Reminder
from kechuang.notifications.tasks import schedule_emails

logger = logging.getLogger(__name__)
REMINDER_BATCH = 500


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    params: Mapping[str, Any],
    url: str = "",
    actor: User | None = None,
) -> list[Notification]:
    """Put a notification of ``kind`` in each recipient's inbox; e-mail it after commit where wanted.

    Joins the caller's transaction: if it rolls back, nobody is notified and nothing is e-mailed.
    Recipients are taken once each; inactive accounts are skipped. ``url`` is a site path
    (``/accounts/memberships/``) or a full URL. Raises :class:`~kechuang.notifications.kinds.UnknownKindError`
    for an unregistered kind and :class:`~kechuang.notifications.kinds.MissingParamsError` when
    ``params`` lacks a placeholder of its texts: both are programming errors, raised before any write.
    """
    stored = kinds.freeze_params(kind, params)
    people = list({user.pk: user for user in recipients if user.is_active}.values())
    if not people:
        return []
    now = timezone.now()
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            [
                Notification(recipient=user, kind=kind, params=stored, url=url, actor=actor, created_at=now)
                for user in people
            ]
        )
        schedule_emails(created)
    return created


@transaction.atomic
def schedule_reminder(
    *, recipient: User, kind: str, params: Mapping[str, Any], url: str, due_at: datetime, key: str
) -> None:
    """Notify ``recipient`` with ``kind`` at ``due_at`` (by the worker's reminder loop).

    Idempotent per (recipient, key): scheduling the same key again replaces the kind, parameters and
    link, and a new ``due_at`` moves the reminder (re-arming it if it was sent already). Checks the
    kind and parameters now, as :func:`notify` does.
    """
    stored = kinds.freeze_params(kind, params)
    reminder = Reminder.objects.select_for_update().filter(recipient=recipient, key=key).first()
    if reminder is None:
        # Two schedulers racing on one new key: the unique constraint keeps one row, the loser updates it.
        try:
            with transaction.atomic():
                Reminder.objects.create(recipient=recipient, kind=kind, params=stored, url=url, due_at=due_at, key=key)
            return
        except IntegrityError:
            reminder = Reminder.objects.select_for_update().get(recipient=recipient, key=key)
    moved = reminder.due_at != due_at
    reminder.kind, reminder.params, reminder.url = kind, stored, url
    if moved:
        reminder.due_at, reminder.sent_at = due_at, None
    reminder.save(update_fields=["kind", "params", "url", "due_at", "sent_at"])


def cancel_reminders(*, key: str, recipient: User | None = None) -> int:
    """Drop the unsent reminders named ``key`` (of ``recipient`` only, if given); returns how many."""
    pending = Reminder.objects.filter(key=key, sent_at__isnull=True)
    if recipient is not None:
        pending = pending.filter(recipient=recipient)
    deleted, _by_model = pending.delete()
    return deleted


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Turn every reminder due by ``now`` into a notification, each exactly once; returns how many.

    Safe to run in several workers at once: a reminder is claimed by a conditional UPDATE
    (``sent_at`` from NULL to now) in the same transaction as its notification, so only one caller
    wins it, and a failure leaves it unclaimed for the next round. A reminder whose kind is no
    longer registered is logged and marked sent, so it does not block the queue.
    """
    moment = now or timezone.now()
    sent = 0
    due = Reminder.objects.filter(sent_at__isnull=True, due_at__lte=moment).order_by("due_at", "pk")
    after: Q = Q()
    while True:
        # Keyset paging: a reminder that failed this round is not picked again in the same call.
        batch = list(due.filter(after).values_list("pk", "due_at")[:REMINDER_BATCH])
        for pk, _due in batch:
            sent += _send_reminder(pk, moment)
        if len(batch) < REMINDER_BATCH:
            return sent
        last_pk, last_due = batch[-1]
        after = Q(due_at__gt=last_due) | Q(due_at=last_due, pk__gt=last_pk)


def _send_reminder(pk: int, moment: datetime) -> int:
    try:
        with transaction.atomic():
            if not Reminder.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=moment):
                return 0  # another worker claimed it, or it was cancelled
            reminder = Reminder.objects.select_related("recipient").get(pk=pk)
            notify(recipients=[reminder.recipient], kind=reminder.kind, params=reminder.params, url=reminder.url)
            return 1
    except (kinds.UnknownKindError, kinds.MissingParamsError):
        logger.exception("reminder %s cannot be sent; marking it sent", pk)
        Reminder.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=moment)
        return 0


def mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark ``notification`` read (its recipient only); reading it again keeps the first time."""
    require(actor, "notifications.read_notification", notification)
    if notification.read_at is None:
        now = timezone.now()
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of ``actor`` read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def update_email_preference(
    *, actor: User, enabled: bool, muted_kinds: Iterable[str], language: str
) -> EmailPreference:
    """Set whether ``actor`` gets e-mails, which kinds not, and in which language (audited).

    Refuses (validation error) an unknown kind or language.
    """
    require(actor, "notifications.change_email_preference")
    muted = sorted(set(muted_kinds))
    known = {kind.name for kind in kinds.email_kinds()}
    errors: dict[str, list[str]] = {}
    if unknown := [name for name in muted if name not in known]:
        errors["muted_kinds"] = [_("Unknown notification kind(s): %(kinds)s.") % {"kinds": ", ".join(unknown)}]
    if language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = [_("Choose a valid language.")]
    if errors:
        raise DomainError(ErrorCode.VALIDATION, errors=errors)
    preference = EmailPreference.objects.select_for_update().filter(user=actor).first()
    before = (
        {"enabled": preference.enabled, "muted_kinds": preference.muted_kinds, "language": preference.language}
        if preference is not None
        else {}
    )
    preference = preference or EmailPreference(user=actor)
    preference.enabled, preference.muted_kinds, preference.language = enabled, muted, language
    preference.save()
    after = {"enabled": enabled, "muted_kinds": muted, "language": language}
    diff = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    if diff:
        record_event(actor=actor, verb="notifications:email_preference:update", obj=preference, diff=diff)
    return preference
