"""Taking up a list (揭榜) and the public notice's objections."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization, User
from kechuang.challenges.enums import ApplicationStatus, ChallengeStatus
from kechuang.challenges.models import Application, Challenge, Objection
from kechuang.challenges.services import notices, teams
from kechuang.challenges.services.records import locked
from kechuang.core.audit import diff_of, record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise

MAX_MEMBERS = 30


def _required(**texts: str) -> None:
    missing = {name: [_("This field is required.")] for name, text in texts.items() if not text.strip()}
    if missing:
        raise DomainError(ErrorCode.VALIDATION, errors=missing)


@transaction.atomic
def apply(
    *,
    actor: User,
    challenge: Challenge,
    team_name: str,
    proposal: str,
    technical_route: str,
    plan: str,
    organization: Organization | None = None,
    members: Sequence[User] = (),
) -> Application:
    """``actor`` applies as team lead while the list is open and before its deadline.

    Open to any able team: nothing is asked about age, title or seniority. ``organization`` is
    optional and must be one the lead is an approved member of; the issuer cannot apply to its own
    list. One live application per lead and list (``duplicate`` otherwise). ``members`` are only
    invited: each is notified and joins the team by accepting (:mod:`.teams`). Tells the issuer.
    """
    require(actor, "challenges.apply", challenge)
    challenge = locked(challenge)
    now = timezone.now()
    if challenge.status != ChallengeStatus.PUBLISHED:
        raise DomainError(ErrorCode.INVALID_STATE, _("This list is not open for applications."))
    if now >= challenge.application_deadline:
        raise DomainError(ErrorCode.INVALID_STATE, _("The application deadline has passed."))
    _required(team_name=team_name, proposal=proposal, technical_route=technical_route, plan=plan)
    if organization is not None:
        if organization.pk == challenge.issuer_id:
            raise DomainError(
                ErrorCode.VALIDATION, errors={"organization": [_("The issuer cannot apply to its own list.")]}
            )
        if not actor.memberships.filter(organization=organization, status="approved").exists():
            raise DomainError(
                ErrorCode.VALIDATION,
                errors={"organization": [_("You are not an approved member of that organization.")]},
            )
    team = [member for member in dict.fromkeys(members) if member.pk != actor.pk]
    if len(team) > MAX_MEMBERS:
        raise DomainError(
            ErrorCode.VALIDATION,
            errors={"members": [_("A team lists at most %(most)d members.") % {"most": MAX_MEMBERS}]},
        )
    if challenge.applications.filter(lead=actor).exclude(status=ApplicationStatus.WITHDRAWN).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("You already lead an application to this list."))
    application = Application(
        challenge=challenge,
        lead=actor,
        organization=organization,
        team_name=team_name.strip(),
        proposal=proposal.strip(),
        technical_route=technical_route.strip(),
        plan=plan.strip(),
        submitted_at=now,
    )
    clean_or_raise(application, exclude=["challenge", "lead", "organization"])
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:  # a second submission racing the first
        raise DomainError(ErrorCode.DUPLICATE, _("You already lead an application to this list.")) from exc
    teams.invite(actor=actor, application=application, people=team, now=now)
    record_event(
        actor=actor,
        verb="challenges:application:submit",
        obj=application,
        diff=diff_of({}, {"challenge": challenge.pk, "team_name": application.team_name, "invited": len(team)}),
    )
    notices.tell(
        notices.issuer_admins(challenge),
        notices.APPLICATION_RECEIVED.name,
        challenge,
        actor,
        team=application.team_name,
    )
    return application


@transaction.atomic
def withdraw_application(*, actor: User, application: Application) -> Application:
    """The team lead withdraws while the list is still open; the lead may apply again afterwards."""
    require(actor, "challenges.withdraw_application", application)
    if application.challenge.status != ChallengeStatus.PUBLISHED or application.status != ApplicationStatus.SUBMITTED:
        raise DomainError(ErrorCode.INVALID_STATE, _("This application can no longer be withdrawn."))
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = timezone.now()
    application.save(update_fields=["status", "withdrawn_at"])
    record_event(
        actor=actor,
        verb="challenges:application:withdraw",
        obj=application,
        diff={"status": [ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN]},
    )
    return application


@transaction.atomic
def raise_objection(*, actor: User, challenge: Challenge, text: str) -> Objection:
    """Anyone signed in objects to the proposed winners while the public notice runs. Tells the issuer."""
    require(actor, "challenges.object", challenge)
    now = timezone.now()
    if challenge.status != ChallengeStatus.PUBLICITY or (
        challenge.publicity_ends_at is not None and now >= challenge.publicity_ends_at
    ):
        raise DomainError(ErrorCode.INVALID_STATE, _("Objections are taken only while the public notice runs."))
    _required(text=text)
    objection = Objection(challenge=challenge, author=actor, text=text.strip(), created_at=now)
    clean_or_raise(objection, exclude=["challenge", "author"])
    objection.save()
    record_event(actor=actor, verb="challenges:objection:raise", obj=objection, diff={"text": ["", objection.text]})
    notices.tell(notices.issuer_admins(challenge), notices.OBJECTION_RAISED.name, challenge, actor)
    return objection


@transaction.atomic
def answer_objection(*, actor: User, objection: Objection, answer: str) -> Objection:
    """The issuer or an operator answers an objection once, before the award; the answer is public and logged."""
    challenge = objection.challenge
    require(actor, "challenges.answer_objection", challenge)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if challenge.status != ChallengeStatus.PUBLICITY:
        raise DomainError(ErrorCode.INVALID_STATE, _("Objections are answered during the public notice."))
    if objection.answered_at is not None:
        raise DomainError(ErrorCode.INVALID_STATE, _("This objection has been answered already."))
    _required(answer=answer)
    objection.answer = answer.strip()
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    record_event(
        actor=actor, verb="challenges:objection:answer", obj=objection, diff={"answer": ["", objection.answer]}
    )
    notices.tell([objection.author], notices.OBJECTION_ANSWERED.name, challenge, actor, answer=objection.answer)
    return objection
