"""Notices to issuers and teams about their lists, through the notification centre."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import User
from kechuang.challenges.models import Application, Challenge
from kechuang.notifications import kinds
from kechuang.notifications.services import notify

STATUS_CHANGED = kinds.register(
    "challenges.status_changed",
    title=_("The list “%(title)s” moved to: %(status)s"),
    body=_("%(reason)s"),
    label=_("Challenge lists: a list you take part in changed stage"),
)
APPLICATION_RECEIVED = kinds.register(
    "challenges.application_received",
    title=_("New application to “%(title)s” from %(team)s"),
    label=_("Challenge lists: a team applied to your list"),
)
OBJECTION_RAISED = kinds.register(
    "challenges.objection_raised",
    title=_("An objection was raised during the public notice of “%(title)s”"),
    label=_("Challenge lists: an objection to answer"),
)
OBJECTION_ANSWERED = kinds.register(
    "challenges.objection_answered",
    title=_("Your objection to “%(title)s” was answered"),
    body=_("%(answer)s"),
    label=_("Challenge lists: an answer to your objection"),
)
EVIDENCE_SUBMITTED = kinds.register(
    "challenges.evidence_submitted",
    title=_("%(team)s submitted evidence for a milestone of “%(title)s”"),
    label=_("Challenge lists: milestone evidence to check"),
)
MILESTONE_DECIDED = kinds.register(
    "challenges.milestone_decided",
    title=_("Your milestone of “%(title)s” was decided: %(outcome)s"),
    body=_("%(reasons)s"),
    label=_("Challenge lists: a decision on your milestone"),
)
TRANCHE_RELEASED = kinds.register(
    "challenges.tranche_released",
    title=_("%(amount)s was released to your team for “%(title)s”"),
    label=_("Challenge lists: money released to your team"),
)

TEAM_INVITATION = kinds.register(
    "challenges.team_invitation",
    title=_("%(lead)s invited you to the team “%(team)s” applying to “%(title)s”"),
    body=_("Open the application to accept or decline. You are shown as a member of the team only once you accept."),
    label=_("Challenge lists: an invitation to join a team"),
)
INVITATION_ANSWERED = kinds.register(
    "challenges.invitation_answered",
    title=_("%(member)s answered your invitation to the team “%(team)s”: %(answer)s"),
    label=_("Challenge lists: an answer to your team invitation"),
)


def issuer_admins(challenge: Challenge) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organization_id=challenge.issuer_id, memberships__role="admin", memberships__status="approved"
        ).distinct()
    )


def team_of(application: Application) -> list[User]:
    """Who hears about the team's work: the lead and the members who accepted (not those merely invited)."""
    return [application.lead, *application.accepted_members]


def page_of(challenge: Challenge) -> str:
    return reverse("challenges:detail", args=[challenge.pk])


def tell(
    recipients: Iterable[User],
    kind: str,
    challenge: Challenge,
    actor: User | None,
    *,
    link: str = "",
    **params: object,
) -> None:
    """Notify ``recipients`` (the actor is left out: one does not need telling what one just did).

    The notice links to ``link``, by default the list's page.
    """
    others = [user for user in recipients if actor is None or user.pk != actor.pk]
    if others:
        notify(
            recipients=others,
            kind=kind,
            params={"title": challenge.title, **params},
            url=link or page_of(challenge),
            actor=actor,
        )
