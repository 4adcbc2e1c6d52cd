"""Team invitations: the lead names people on an application, and each of them answers for themselves.

Being shown as someone's team member is their own decision: an application only *invites* the
people it names (:class:`~kechuang.challenges.models.ApplicationMember`), each is notified with a
link to accept or decline, and only accepted members count as the team. The lead may take an
invitation back while the application can still change (the list open, the application submitted).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.challenges.enums import ApplicationStatus, ChallengeStatus, MemberStatus
from kechuang.challenges.models import Application, ApplicationMember
from kechuang.challenges.services import notices
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.permissions import require


def page_of(application: Application) -> str:
    """Where an invited person answers: the application's page, at its team section."""
    return reverse("challenges:application", args=[application.pk]) + "#membership"


def is_editable(application: Application) -> bool:
    """The lead may still change the application: the list is open and the application submitted."""
    return (
        application.status == ApplicationStatus.SUBMITTED and application.challenge.status == ChallengeStatus.PUBLISHED
    )


def invite(*, actor: User, application: Application, people: Sequence[User], now: datetime) -> list[ApplicationMember]:
    """Invite ``people`` (the lead and duplicates left out by the caller) and notify each of them.

    Joins the caller's transaction (:func:`~kechuang.challenges.services.apply`). Nobody is a
    member until they accept.
    """
    made = ApplicationMember.objects.bulk_create(
        [ApplicationMember(application=application, user=user, invited_at=now) for user in people]
    )
    if people:
        notices.tell(
            people,
            notices.TEAM_INVITATION.name,
            application.challenge,
            actor,
            link=page_of(application),
            lead=str(application.lead),
            team=application.team_name,
        )
    return made


def _invitation(application: Application, user: User) -> ApplicationMember:
    row = ApplicationMember.objects.select_for_update().filter(application=application, user=user).first()
    if row is None:
        raise NotFound()
    return row


@transaction.atomic
def answer_invitation(*, actor: User, application: Application, accept: bool) -> ApplicationMember:
    """The invited person accepts or declines being on ``application``'s team; once, while it is pending.

    Only the person invited may answer (``challenges.answer_invitation``). Refused with
    ``invalid_state`` when the invitation was answered or withdrawn already, or the application was
    withdrawn. Audited; tells the team lead.
    """
    require(actor, "challenges.answer_invitation", application)
    row = _invitation(application, actor)
    application = Application.objects.select_related("challenge", "lead").get(pk=application.pk)
    if row.status != MemberStatus.INVITED:
        raise DomainError(ErrorCode.INVALID_STATE, _("This invitation is no longer waiting for an answer."))
    if application.status == ApplicationStatus.WITHDRAWN:
        raise DomainError(ErrorCode.INVALID_STATE, _("This application has been withdrawn."))
    row.status = MemberStatus.ACCEPTED if accept else MemberStatus.DECLINED
    row.decided_at = timezone.now()
    row.save(update_fields=["status", "decided_at"])
    record_event(
        actor=actor,
        verb="challenges:team:accept" if accept else "challenges:team:decline",
        obj=application,
        diff={"member": [None, actor.pk], "status": [MemberStatus.INVITED, row.status]},
    )
    notices.tell(
        [application.lead],
        notices.INVITATION_ANSWERED.name,
        application.challenge,
        actor,
        link=reverse("challenges:application", args=[application.pk]),
        member=str(actor),
        team=application.team_name,
        answer=MemberStatus(row.status).label,
    )
    return row


@transaction.atomic
def withdraw_invitation(*, actor: User, application: Application, user: User) -> ApplicationMember:
    """The team lead takes back a pending invitation of ``user`` while the application can still change.

    Refused with ``invalid_state`` once the list has closed or the application left ``submitted``,
    and for an invitation already answered (an accepted member is on the team by their own choice).
    Audited; the person is not notified (their invitation link now answers "not found").
    """
    require(actor, "challenges.withdraw_invitation", application)
    application = Application.objects.select_related("challenge").get(pk=application.pk)
    if not is_editable(application):
        raise DomainError(ErrorCode.INVALID_STATE, _("This application can no longer be changed."))
    row = _invitation(application, user)
    if row.status != MemberStatus.INVITED:
        raise DomainError(ErrorCode.INVALID_STATE, _("This invitation is no longer waiting for an answer."))
    row.status = MemberStatus.WITHDRAWN
    row.decided_at = timezone.now()
    row.save(update_fields=["status", "decided_at"])
    record_event(
        actor=actor,
        verb="challenges:team:withdraw_invitation",
        obj=application,
        diff={"member": [user.pk, None], "status": [MemberStatus.INVITED, row.status]},
    )
    return row


def join_merged_team(*, target: Application, people: Sequence[User], now: datetime) -> None:
    """Stage-gate merge: ``people`` (the merged team's lead and accepted members) join ``target`` as accepted.

    They agreed to work on this list when they joined their own team, and the merge is the
    operator's decision with reasons on the ledger; asking them again would leave the merged work
    without its people. Anyone already named on ``target`` is marked accepted. Joins the caller's
    transaction.
    """
    for user in people:
        if user.pk == target.lead_id:
            continue
        ApplicationMember.objects.update_or_create(
            application=target,
            user=user,
            defaults={"status": MemberStatus.ACCEPTED, "decided_at": now},
            create_defaults={"status": MemberStatus.ACCEPTED, "decided_at": now, "invited_at": now},
        )


__all__ = ["answer_invitation", "invite", "is_editable", "join_merged_team", "page_of", "withdraw_invitation"]
