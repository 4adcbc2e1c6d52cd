"""E-mailing notifications: queued after the notifying transaction commits, sent by the worker.

Each notification is e-mailed at most once: its ``emailed_at`` is claimed with a conditional
UPDATE before sending (and released if sending fails), so a task run twice, or by two workers,
sends one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kechuang.notifications import kinds
from kechuang.notifications.models import EmailPreference, Notification


def absolute_url(url: str) -> str:
    """``url`` made absolute against ``KECHUANG_SITE_URL`` (a full URL is kept as it is)."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def compose(notification: Notification, *, language: str) -> tuple[str, str]:
    """(subject, plain-text body) of the e-mail for ``notification`` in ``language``."""
    with translation.override(language):
        title, body = kinds.render(notification.kind, notification.params, language=language)
        lines = [title, ""]
        if body:
            lines += [body, ""]
        if notification.url:
            lines += [_("Open: %(url)s") % {"url": absolute_url(notification.url)}, ""]
        lines += [
            "-- ",
            _("You get this e-mail from the Sci-Tech Innovation Platform. Choose which e-mails you get: %(url)s")
            % {"url": absolute_url(reverse("notifications:preferences"))},
        ]
        # A header line must not break; titles are single lines already, this makes sure.
        subject = " ".join(title.split())
        return subject, "\n".join(lines) + "\n"


def should_email(notification: Notification, preference: EmailPreference | None) -> bool:
    """Whether ``notification`` goes out by e-mail: an e-mail kind, an address, not opted out."""
    try:
        kind = kinds.get(notification.kind)
    except kinds.UnknownKindError:  # unregistered since it was stored
        return False
    if not kind.email or not notification.recipient.email or not notification.recipient.is_active:
        return False
    return preference is None or preference.wants(notification.kind)


@task()
def send_notification_emails(ids: list[int]) -> int:
    """E-mail these notifications to their recipients where wanted; returns how many were sent."""
    found = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related("recipient")
    preferences = {p.user_id: p for p in EmailPreference.objects.filter(user__in={n.recipient_id for n in found})}
    sent = 0
    for notification in found:
        preference = preferences.get(notification.recipient_id)
        if not should_email(notification, preference):
            continue
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:  # another run got there first
            continue
        language = preference.language if preference is not None else settings.LANGUAGE_CODE
        subject, body = compose(notification, language=language)
        try:
            send_mail(subject, body, None, [notification.recipient.email])
        except Exception:
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


def schedule_emails(notifications: Sequence[Notification]) -> None:
    """Queue the e-mails of ``notifications`` for after the current transaction commits (none on rollback)."""
    ids = [n.pk for n in notifications if kinds.get(n.kind).email and n.recipient.email]
    if ids:
        transaction.on_commit(partial(send_notification_emails.enqueue, ids))
