"""The marketplace: the unit publishes an opportunity card for an achievement; companies answer it.

A card carries what industry asks before it looks further (IN-PART's feedback): the problem it solves
and its benefit against the current best are required, and the TRL and IP status shown are the
achievement's own. A company answers once per card, interested or passed with a structured reason
(:class:`~kechuang.transfer.enums.PassReason`); answering again replaces its answer, so the unit's
feedback summary counts each company once.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization, User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import Bilingual
from kechuang.core.money import Money
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise
from kechuang.transfer import notices
from kechuang.transfer.enums import AchievementStatus, InterestKind, IpStatus, OpportunityStatus, PassReason
from kechuang.transfer.models import Achievement, Interest, Opportunity
from kechuang.transfer.selectors.market import answering_organizations
from kechuang.transfer.services.achievements import refresh_status


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, errors={field: [message]})


def publishing_problems(achievement: Achievement) -> dict[str, list[str]]:
    """What keeps ``achievement`` off the marketplace, by field (empty when nothing does).

    The card shows the achievement's TRL and IP status, so both must be known; a filed or granted
    patent shows its number; a withdrawn result is not offered.
    """
    problems: dict[str, list[str]] = {}
    if achievement.status == AchievementStatus.WITHDRAWN:
        problems["achievement"] = [_("A withdrawn achievement cannot be offered.")]
    if not isinstance(achievement.trl, int) or not 1 <= achievement.trl <= 9:
        problems["trl"] = [_("Record the achievement's technology readiness level first.")]
    if achievement.ip_status not in IpStatus.values:
        problems["ip_status"] = [_("Record the achievement's IP status first.")]
    elif achievement.ip_status in (IpStatus.FILED, IpStatus.GRANTED) and not achievement.ip_number:
        problems["ip_number"] = [_("Record the patent or registration number first.")]
    return problems


@transaction.atomic
def publish_opportunity(
    *,
    actor: User,
    achievement: Achievement,
    problem: Bilingual,
    benefit: Bilingual,
    economics: Bilingual | None = None,
    route: Bilingual | None = None,
    asking_price: Money | None = None,
) -> Opportunity:
    """Publish an open card for ``achievement`` (rule ``transfer.publish_opportunity``: the owner's officers).

    Refused (``invalid_state``) when the achievement lacks what the card shows (:func:`publishing_problems`);
    ``duplicate`` when it already has an open card. The problem and the benefit against the current
    best are required; an indicative price, if given, is above zero. The achievement becomes "on the
    marketplace" unless a deal or signature says more. Audited.
    """
    require(actor, "transfer.publish_opportunity", achievement)
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    problems = publishing_problems(achievement)
    if problems:
        raise DomainError(ErrorCode.INVALID_STATE, " ".join(m for ms in problems.values() for m in ms), errors=problems)
    if asking_price is not None and asking_price.fen <= 0:
        raise _invalid("asking_price", _("An indicative price must be more than zero."))
    if achievement.opportunities.filter(status=OpportunityStatus.OPEN).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This achievement already has an open card; close it first."))
    card = Opportunity(
        achievement=achievement,
        problem=problem,
        benefit=benefit,
        economics=economics or {},
        route=route or {},
        asking_price_fen=asking_price.fen if asking_price is not None else None,
        published_at=timezone.now(),
        created_by=actor,
    )
    clean_or_raise(card, exclude=["achievement", "created_by"])
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError as exc:  # another card published at the same moment
        raise DomainError(ErrorCode.DUPLICATE, _("This achievement already has an open card; close it first.")) from exc
    refresh_status(achievement)
    record_event(
        actor=actor,
        verb="transfer:opportunity:publish",
        obj=card,
        diff={"achievement": [None, achievement.pk], "asking_price_fen": [None, card.asking_price_fen]},
    )
    return card


@transaction.atomic
def close_opportunity(*, actor: User, opportunity: Opportunity) -> Opportunity:
    """Take a card off the marketplace (rule ``transfer.close_opportunity``); its answers stay. Audited."""
    require(actor, "transfer.close_opportunity", opportunity)
    card = Opportunity.objects.select_for_update().select_related("achievement").get(pk=opportunity.pk)
    if card.status != OpportunityStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, _("This card is closed already."))
    card.status = OpportunityStatus.CLOSED
    card.closed_at = timezone.now()
    card.save(update_fields=["status", "closed_at"])
    refresh_status(card.achievement)
    record_event(
        actor=actor,
        verb="transfer:opportunity:close",
        obj=card,
        diff={"status": [OpportunityStatus.OPEN, OpportunityStatus.CLOSED]},
    )
    return card


@transaction.atomic
def answer_opportunity(
    *,
    actor: User,
    opportunity: Opportunity,
    organization: Organization,
    kind: str,
    pass_reason: str = "",
    comment: str = "",
) -> Interest:
    """A company's answer to an open card (rule ``transfer.answer_opportunity``: anyone outside the unit).

    ``organization`` is an active company the actor belongs to. ``interested`` takes no reason;
    ``passed`` needs one of :class:`PassReason` (and "other" a comment). One answer per company and
    card: a second answer replaces the first. Notifies the unit's officers; audited.
    """
    require(actor, "transfer.answer_opportunity", opportunity)
    if organization.pk not in {org.pk for org in answering_organizations(actor)}:
        raise _invalid("organization", _("Answer for a company you belong to."))
    card = Opportunity.objects.select_related("achievement").get(pk=opportunity.pk)
    if card.status != OpportunityStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, _("This card is closed."))
    if organization.pk == card.achievement.owner_id:
        raise DomainError(ErrorCode.PERMISSION_DENIED, _("A unit does not answer its own card."))
    if kind not in InterestKind.values:
        raise _invalid("kind", _("Answer interested or passed."))
    reason = pass_reason.strip()
    text = comment.strip()
    if kind == InterestKind.INTERESTED and reason:
        raise _invalid("pass_reason", _("Give a reason only when passing."))
    if kind == InterestKind.PASSED:
        if reason not in PassReason.values:
            raise _invalid("pass_reason", _("Say why you pass."))
        if reason == PassReason.OTHER and not text:
            raise _invalid("comment", _("Say in a comment why you pass."))
    existing = Interest.objects.select_for_update().filter(opportunity=card, organization=organization).first()
    before: list[str | None] = [existing.kind, existing.pass_reason] if existing is not None else [None, None]
    answer = existing or Interest(opportunity=card, organization=organization)
    answer.user = actor
    answer.kind = kind
    answer.pass_reason = reason
    answer.comment = text
    clean_or_raise(answer, exclude=["opportunity", "organization", "user"])
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError as exc:  # the company's first answer sent twice at once
        raise DomainError(ErrorCode.DUPLICATE, _("Your company's answer was just recorded; reload the page.")) from exc
    record_event(
        actor=actor,
        verb="transfer:interest:answer",
        obj=answer,
        diff={"answer": [before, [kind, reason]]},
    )
    label = InterestKind(kind).label if kind == InterestKind.INTERESTED else PassReason(reason).label
    notices.tell(
        notices.unit_officers(card.achievement.owner_id),
        notices.INTEREST_RECEIVED.name,
        url=card.get_absolute_url(),
        actor=actor,
        title=card.achievement.title,
        organization=organization.name,
        answer=label,
        comment=text,
    )
    return answer


__all__ = [
    "answer_opportunity",
    "close_opportunity",
    "publish_opportunity",
    "publishing_problems",
]
