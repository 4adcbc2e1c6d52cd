"""Named permission rules of the notifications app (django-rules predicates).

A notification is its recipient's alone: nobody else, operators included, reads or marks it.
"""

from __future__ import annotations

from typing import Any

from rules.permissions import add_perm
from rules.predicates import is_authenticated, predicate


@predicate
def is_recipient(user: Any, notification: Any) -> bool:
    return notification is not None and notification.recipient_id == getattr(user, "pk", None)


add_perm("notifications.view_notification", is_recipient)
add_perm("notifications.read_notification", is_recipient)
add_perm("notifications.change_email_preference", is_authenticated)
