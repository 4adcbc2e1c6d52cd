"""Notices of the transfer app through the notification centre: the idle clock, release requests, the
marketplace and deals. Kinds are declared once here, registered when the module is imported
(``TransferConfig.ready``); their texts are rendered in the reader's language at read time."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import User
from kechuang.notifications import kinds
from kechuang.notifications.services import notify
from kechuang.transfer.models import Achievement
from kechuang.transfer.rules import UNIT_ROLES

IDLE = kinds.register(
    "transfer.achievement_idle",
    title=_("“%(title)s” has been registered for more than a year without a signed deal"),
    body=_(
        "Under the Beijing Regulations on Promoting the Transformation of S&T Achievements (Art. 11), the "
        "completers may now ask to commercialise it themselves; the unit decides and gives its reasons."
    ),
    label=_("Technology transfer: an achievement has been idle for a year"),
)
RELEASE_REQUESTED = kinds.register(
    "transfer.release_requested",
    title=_("The completers of “%(title)s” ask to commercialise it themselves"),
    body=_("%(plan)s"),
    label=_("Technology transfer: a request to commercialise an idle achievement"),
)
RELEASE_DECIDED = kinds.register(
    "transfer.release_decided",
    title=_("The request to commercialise “%(title)s” was decided: %(outcome)s"),
    body=_("%(reason)s"),
    label=_("Technology transfer: a decision on a request to commercialise"),
)
INTEREST_RECEIVED = kinds.register(
    "transfer.interest_received",
    title=_("%(organization)s answered the opportunity “%(title)s”: %(answer)s"),
    body=_("%(comment)s"),
    label=_("Technology transfer: a company answered an opportunity"),
)
DEAL_STAGE_CHANGED = kinds.register(
    "transfer.deal_stage_changed",
    title=_("The deal on “%(title)s” with %(buyer)s moved to: %(stage)s"),
    body=_("%(reason)s"),
    label=_("Technology transfer: a deal you take part in changed stage"),
)
FIRST_REFUSAL_OFFERED = kinds.register(
    "transfer.first_refusal_offered",
    title=_("Your unit intends to assign “%(title)s” for %(price)s: you may take it on equal terms first"),
    body=_(
        "As a completer you have a right of first refusal on equal terms (Civil Code, Art. 847). Open the "
        "deal to waive or exercise it."
    ),
    label=_("Technology transfer: your right of first refusal"),
)

FIRST_REFUSAL_ANSWERED = kinds.register(
    "transfer.first_refusal_answered",
    title=_("The completers' right of first refusal on “%(title)s” is recorded: %(outcome)s"),
    body=_("%(note)s"),
    label=_("Technology transfer: the completers answered the offer on equal terms"),
)


def unit_officers(organization_id: int) -> list[User]:
    """The unit's technology-transfer officers and administrators (approved memberships)."""
    return list(
        User.objects.filter(
            memberships__organization_id=organization_id,
            memberships__role__in=UNIT_ROLES,
            memberships__status="approved",
        ).distinct()
    )


def completers_of(achievement: Achievement) -> list[User]:
    """The completers who are platform users (named-only completers cannot be notified)."""
    return [row.user for row in achievement.completers.select_related("user") if row.user is not None]


def tell(
    recipients: Iterable[User],
    kind: str,
    *,
    url: str,
    actor: User | None,
    **params: object,
) -> None:
    """Notify ``recipients`` except ``actor`` (one does not need telling what one just did); joins the
    caller's transaction."""
    others = [user for user in recipients if actor is None or user.pk != actor.pk]
    if others:
        notify(recipients=others, kind=kind, params=params, url=url, actor=actor)
