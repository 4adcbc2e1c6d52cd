"""Notifications, reminders and e-mail preferences in the admin, for operators to look things up: read-only.

A notification is a record of what a user was told; reminders are scheduled and cancelled by the
apps through :mod:`kechuang.notifications.services`, and each user sets their own preference. So
nothing is added, changed or deleted here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kechuang.core.admin import OperatorAdmin
from kechuang.notifications import kinds
from kechuang.notifications.models import EmailPreference, Notification, Reminder


class KindFilter(admin.SimpleListFilter):
    """The registered kinds, read from the registry: no DISTINCT over a table that grows without end."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [(kind.name, str(kind.label)) for kind in kinds.all_kinds()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(kind=value) if value else queryset


@admin.register(Notification)
class NotificationAdmin(OperatorAdmin):
    list_display = ("recipient", "kind", "title", "actor", "created_at", "read_at", "emailed_at")
    list_filter = (KindFilter, ("read_at", admin.EmptyFieldListFilter), ("emailed_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__username", "recipient__display_name", "kind")
    list_select_related = ("recipient", "actor")
    raw_id_fields = ("recipient", "actor")
    # Every user's inbox together grows without end: no exact total under every filtered page.
    show_full_result_count = False

    @admin.display(description=_("title"))
    def title(self, notification: Notification) -> str:
        return kinds.render(notification.kind, notification.params)[0]


@admin.register(Reminder)
class ReminderAdmin(OperatorAdmin):
    list_display = ("key", "recipient", "kind", "due_at", "sent_at")
    list_filter = (KindFilter, ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("key", "recipient__username", "recipient__display_name")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)


@admin.register(EmailPreference)
class EmailPreferenceAdmin(OperatorAdmin):
    list_display = ("user", "enabled", "language", "updated_at")
    list_filter = ("enabled", "language")
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
