"""Taking up a list (揭榜): teams' applications, and objections raised during the public notice (公示)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.enums import ApplicationStatus, MemberStatus
from kechuang.challenges.models.lists import Challenge

if TYPE_CHECKING:
    from kechuang.accounts.models import User


class Application(models.Model):
    """A team's proposal. Anyone able may apply: there is deliberately no age, title or seniority field."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="applications")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("team lead"), on_delete=models.PROTECT, related_name="led_applications"
    )
    # Everyone the lead ever named, whatever they answered: read the team through accepted_members
    # (who is on it) or party_members (who is connected to it), not through this field.
    members: models.ManyToManyField[User, ApplicationMember] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team members"),
        blank=True,
        related_name="challenge_teams",
        through="ApplicationMember",
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

    def member_rows(self) -> list[ApplicationMember]:
        """The team's invitations in the order made, with their users (no query when ``memberships__user``
        was prefetched)."""
        if "memberships" in getattr(self, "_prefetched_objects_cache", {}):
            return list(self.memberships.all())
        return list(self.memberships.select_related("user").order_by("invited_at", "id"))

    def members_in(self, statuses: Iterable[str]) -> list[User]:
        wanted = set(statuses)
        return [row.user for row in self.member_rows() if row.status in wanted]

    @property
    def accepted_members(self) -> list[User]:
        """The team as shown to anyone: the people who accepted the lead's invitation (the lead not included)."""
        return self.members_in((MemberStatus.ACCEPTED,))

    @property
    def party_members(self) -> list[User]:
        """Everyone connected to the team for conflicts of interest: accepted and still invited."""
        return self.members_in((MemberStatus.INVITED, MemberStatus.ACCEPTED))


class ApplicationMember(models.Model):
    """A person the team lead names on an application, and their own answer.

    Nobody joins a team on someone else's word: the lead's application invites them, and only once
    they accept are they shown as members (team pages, non-blind reviewers, participation figures).
    The lead may take an invitation back while the application can still change.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="challenge_team_invitations"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.INVITED, db_index=True
    )
    invited_at = models.DateTimeField(_("invited"))
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["application", "user"], name="application_member_once"),
            # An answer (or a withdrawal) is dated; a pending invitation is not.
            models.CheckConstraint(
                condition=Q(status=MemberStatus.INVITED, decided_at__isnull=True)
                | (~Q(status=MemberStatus.INVITED) & Q(decided_at__isnull=False)),
                name="application_member_answer_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.application_id} · {self.status}"


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
