"""Achievements (科技成果) registered with their unit, their completers, and the idle clock.

A result registered with the unit on ``registered_on`` and left unused for more than a year without
good reason may be commercialised by its completers (北京市促进科技成果转化条例 §11). The clock
runs from ``registered_on`` and stops once a deal is signed; ``idle_since`` is derived, never typed.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.i18n import BilingualTextField, localized
from kechuang.core.sectors import validate_sectors
from kechuang.transfer.enums import AchievementKind, AchievementStatus, IpStatus, ReleaseRequestStatus

# 北京市促进科技成果转化条例 §11: more than one year unused.
IDLE_AFTER = timedelta(days=365)


class Achievement(models.Model):
    """A result of research owned by a unit (university, institute, company). Written through services only."""

    owner = models.ForeignKey(
        "accounts.Organization", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="achievements"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=AchievementKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=AchievementStatus.choices, default=AchievementStatus.REGISTERED
    )
    title = BilingualTextField(_("title"), max_text_length=300)
    summary = BilingualTextField(_("summary"), max_text_length=4000)
    ip_status = models.CharField(_("IP status"), max_length=12, choices=IpStatus.choices)
    # A CNIPA application or patent number for patent kinds (checked with its check character), a
    # registration number for software, IC layouts and plant varieties; empty for technical secrets.
    ip_number = models.CharField(_("patent or registration number"), max_length=40, blank=True, db_index=True)
    trl = models.PositiveSmallIntegerField(_("technology readiness level (1–9)"))
    # [{"source": "国家自然科学基金", "number": "62171234"}]: who paid for the research.
    funding = models.JSONField(_("funding sources"), default=list, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True, validators=[validate_sectors])
    registered_on = models.DateField(_("registered with the unit on"))
    # Set when the first deal on it is signed: the idle clock stops.
    commercialised_on = models.DateField(_("commercialised on"), null=True, blank=True)
    idle_alerted_on = models.DateField(null=True, blank=True, editable=False)
    title_text = models.CharField(max_length=700, editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        indexes = [models.Index(fields=["owner", "status"], name="achievement_owner_status")]
        constraints = [
            models.CheckConstraint(condition=Q(trl__gte=1, trl__lte=9), name="achievement_trl_1_to_9"),
        ]

    def __str__(self) -> str:
        return localized(self.title)

    def save(self, *args: object, **kwargs: object) -> None:
        self.title_text = " ".join(text for text in self.title.values() if text)[:700]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "title_text"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("transfer:achievement", args=[self.pk])

    def idle_since(self, today: date) -> date | None:
        """The day the result became idle under §11, or None while it is not (or no longer can be)."""
        if self.commercialised_on is not None or self.status == AchievementStatus.WITHDRAWN:
            return None
        since = self.registered_on + IDLE_AFTER
        return since if since <= today else None


class Completer(models.Model):
    """A person who made the result, with their contribution; one is the lead who splits the team's share."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="completers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="completed_results"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    contribution_bp = models.PositiveIntegerField(_("contribution (basis points)"))
    is_lead = models.BooleanField(_("team lead"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("completer")
        verbose_name_plural = _("completers")
        constraints = [
            models.CheckConstraint(
                condition=Q(contribution_bp__gte=0, contribution_bp__lte=10_000), name="completer_contribution_range"
            ),
            models.UniqueConstraint(
                fields=["achievement"], condition=Q(is_lead=True), name="completer_one_lead_per_achievement"
            ),
            models.UniqueConstraint(
                fields=["achievement", "user"], condition=Q(user__isnull=False), name="completer_user_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReleaseRequest(models.Model):
    """The completers ask to commercialise an idle result themselves (北京条例 §11; 促进法 §19)."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="release_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    plan = models.TextField(_("how the completers will commercialise it"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=12, choices=ReleaseRequestStatus.choices, default=ReleaseRequestStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("request to commercialise")
        verbose_name_plural = _("requests to commercialise")
        constraints = [
            models.UniqueConstraint(
                fields=["achievement"],
                condition=Q(status=ReleaseRequestStatus.REQUESTED),
                name="release_request_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.achievement} · {self.get_status_display()}"
