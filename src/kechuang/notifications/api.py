"""JSON API of the notifications app, mounted at ``/api/v1``: a user's own inbox and e-mail preference."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import AuthenticationError

from kechuang.accounts.models import User
from kechuang.core.paging import paginate
from kechuang.notifications import kinds, selectors, services
from kechuang.notifications.models import EmailPreference, Notification
from kechuang.notifications.schemas import (
    EmailPreferenceIn,
    EmailPreferenceOut,
    NotificationOut,
    NotificationPage,
    ReadAllOut,
)

router = Router(tags=["notifications"])


def _actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationError()
    return user


def notification_out(notification: Notification) -> dict[str, Any]:
    title, body = kinds.render(notification.kind, notification.params)
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": title,
        "body": body,
        "url": notification.url,
        "actor": str(notification.actor) if notification.actor else None,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


def preference_out(preference: EmailPreference) -> dict[str, Any]:
    return {
        "enabled": preference.enabled,
        "muted_kinds": list(preference.muted_kinds),
        "language": preference.language,
        "kinds": [
            {"kind": kind.name, "label": str(kind.label), "email": preference.wants(kind.name)}
            for kind in kinds.email_kinds()
        ],
    }


class InboxFilters(Schema):
    unread: bool = False
    page: int = 1
    page_size: int = 20


@router.get("/notifications", response=NotificationPage, summary="My notifications, newest first, paged")
def list_notifications(request: HttpRequest, filters: Query[InboxFilters]) -> dict[str, Any]:
    user = _actor(request)
    page = paginate(selectors.inbox(user, unread=filters.unread), page=filters.page, page_size=filters.page_size)
    return {**page.as_dict([notification_out(n) for n in page.items]), "unread": selectors.unread_count(user)}


@router.post("/notifications/read-all", response=ReadAllOut, summary="Mark all my notifications read")
def read_all(request: HttpRequest) -> dict[str, Any]:
    return {"marked": services.mark_all_read(actor=_actor(request))}


@router.get("/notifications/preferences", response=EmailPreferenceOut, summary="Which notifications I get by e-mail")
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    return preference_out(selectors.email_preference_of(_actor(request)))


@router.put(
    "/notifications/preferences", response=EmailPreferenceOut, summary="Choose which notifications I get by e-mail"
)
def put_preferences(request: HttpRequest, payload: EmailPreferenceIn) -> dict[str, Any]:
    preference = services.update_email_preference(
        actor=_actor(request), enabled=payload.enabled, muted_kinds=payload.muted_kinds, language=payload.language
    )
    return preference_out(preference)


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="Mark a notification read")
def read_one(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    user = _actor(request)
    notification = selectors.get_notification_for(user, notification_id)
    return notification_out(services.mark_read(actor=user, notification=notification))
