"""Notifications for events of apps below this one, which cannot call :func:`notify` themselves.

accounts sits below notifications in the dependency order, so it announces membership decisions
with its own signal (:data:`kechuang.accounts.signals.membership_decided`) and this module, connected
in :meth:`NotificationsConfig.ready`, turns them into notifications. Apps above notifications call
:func:`~kechuang.notifications.services.notify` directly instead.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import MembershipStatus, Role
from kechuang.accounts.models import Membership, User
from kechuang.accounts.signals import membership_decided
from kechuang.notifications import kinds
from kechuang.notifications.services import notify

MEMBERSHIP_APPROVED = kinds.register(
    "accounts.membership_approved",
    title=_("You are now %(role)s of %(organization)s"),
    body=_("%(actor)s approved your request. You can now act for %(organization)s in this role."),
    label=_("My membership request is approved"),
)
MEMBERSHIP_REJECTED = kinds.register(
    "accounts.membership_rejected",
    title=_("Your request to be %(role)s of %(organization)s was declined"),
    body=_("%(actor)s declined your request. Ask an administrator of %(organization)s if you think this is a mistake."),
    label=_("My membership request is declined"),
)
MEMBERSHIP_REVOKED = kinds.register(
    "accounts.membership_revoked",
    title=_("You are no longer %(role)s of %(organization)s"),
    body=_("%(actor)s ended this role."),
    label=_("A role of mine is ended by an administrator"),
)

KIND_OF_STATUS = {
    MembershipStatus.APPROVED: MEMBERSHIP_APPROVED.name,
    MembershipStatus.REJECTED: MEMBERSHIP_REJECTED.name,
    MembershipStatus.REVOKED: MEMBERSHIP_REVOKED.name,
}


def on_membership_decided(sender: Any, *, membership: Membership, actor: User, **kwargs: Any) -> None:
    """Tell the member about a decision someone else made on their membership."""
    kind = KIND_OF_STATUS.get(MembershipStatus(membership.status))
    if kind is None or actor.pk == membership.user_id:  # giving up one's own role needs no message
        return
    notify(
        recipients=[membership.user],
        kind=kind,
        params={
            "role": Role(membership.role).label,
            "organization": membership.organization.name,
            "actor": str(actor),
        },
        url=reverse("accounts:memberships") + "#mine",
        actor=actor,
    )


def connect() -> None:
    membership_decided.connect(on_membership_decided, dispatch_uid="notifications.membership_decided")
