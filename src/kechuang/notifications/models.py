"""Notifications in a user's inbox, reminders waiting for their time, and each user's e-mail preference."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one user: a registered kind and its parameters, rendered when read."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=100)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The inbox ("all") and, partial, the unread tab and the bell's count.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class Reminder(models.Model):
    """A notification to send at ``due_at``, once; ``key`` names it for rescheduling and cancelling."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=100)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    due_at = models.DateTimeField(_("due at"))
    key = models.CharField(_("key"), max_length=200)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="reminder_recipient_key_unique")]
        indexes = [
            models.Index(fields=["due_at", "id"], name="reminder_pending", condition=Q(sent_at__isnull=True)),
            models.Index(fields=["key"], name="reminder_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.recipient_id} @ {self.due_at:%Y-%m-%d %H:%M}"


class EmailPreference(models.Model):
    """Whether and in which language a user gets notifications by e-mail. No row: all kinds, in Chinese."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_email_preference",
        verbose_name=_("user"),
    )
    enabled = models.BooleanField(_("send e-mails"), default=True)
    muted_kinds = models.JSONField(_("kinds not e-mailed"), default=list, blank=True)
    language = models.CharField(_("e-mail language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self) -> str:
        return str(self.user_id)

    def wants(self, kind: str) -> bool:
        return self.enabled and kind not in self.muted_kinds
