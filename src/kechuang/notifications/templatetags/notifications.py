"""Template tags of the notifications app: the header's bell, and "3 分钟前"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from kechuang.notifications.selectors import unread_count

register = template.Library()
MAX_SHOWN = 99


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: dict[str, Any]) -> dict[str, Any]:
    """The bell linking to the inbox, with the unread count (one COUNT query; nothing for anonymous visitors)."""
    user = context.get("user")
    count = unread_count(user) if user is not None else 0
    return {"count": count, "shown": f"{MAX_SHOWN}+" if count > MAX_SHOWN else str(count)}


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago ``moment`` was, in the largest unit: "刚刚", "3 分钟前", "2 天前"."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, depth=1)}
