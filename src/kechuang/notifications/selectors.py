"""Reads of the notifications app: a user's inbox, their unread count, their e-mail preference."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from kechuang.core.errors import NotFound
from kechuang.notifications.models import EmailPreference, Notification


def inbox(user: Any, *, unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first; only the unread ones when ``unread``."""
    found = Notification.objects.filter(recipient_id=user.pk).select_related("actor")
    return found.filter(read_at__isnull=True) if unread else found


def unread_count(user: Any) -> int:
    """How many notifications the user has not read (0 for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def get_notification_for(user: Any, pk: int) -> Notification:
    """The notification ``pk`` if ``user`` may see it; "not found" for missing and someone else's alike."""
    notification = Notification.objects.filter(pk=pk).first()
    if notification is None or not user.has_perm("notifications.view_notification", notification):
        raise NotFound()
    return notification


def email_preference_of(user: Any) -> EmailPreference:
    """The user's e-mail preference; an unsaved default (everything, in Chinese) when they never set one."""
    found = EmailPreference.objects.filter(user_id=user.pk).first()
    return found if found is not None else EmailPreference(user_id=user.pk, language=settings.LANGUAGE_CODE)
