"""Taking up a list (揭榜): teams' applications, and objections raised during the public notice (公示)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.enums import ApplicationStatus
from kechuang.challenges.models.lists import Challenge


class Application(models.Model):
    """A team's proposal. Anyone able may apply: there is deliberately no age, title or seniority field."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="applications")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("team lead"), on_delete=models.PROTECT, related_name="led_applications"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("team members"), blank=True, related_name="challenge_teams"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("applying organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="challenge_applications",
    )
    team_name = models.CharField(_("team name"), max_length=200)
    proposal = models.TextField(_("proposal"), max_length=20000)
    technical_route = models.TextField(_("technical route"), max_length=20000)
    plan = models.TextField(_("work plan and milestones"), max_length=20000)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    shortlist_rank = models.PositiveSmallIntegerField(_("shortlist rank"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            # One live application per team lead and list; withdrawn ones stay as history.
            models.UniqueConstraint(
                fields=["challenge", "lead"],
                condition=~Q(status=ApplicationStatus.WITHDRAWN),
                name="application_one_live_per_lead",
            )
        ]

    def __str__(self) -> str:
        return self.team_name


class Objection(models.Model):
    """An objection to the proposed winners during 公示, from anyone signed in; each gets a logged answer."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="objections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"), max_length=5000)
    created_at = models.DateTimeField(_("raised"))
    answer = models.TextField(_("answer"), blank=True, max_length=5000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
