"""Memberships: roles requested by users and decided by admins or operators."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import (
    MEMBERSHIP_EDGES,
    MembershipStatus,
    Role,
)
from kechuang.accounts.models import (
    Membership,
    Organization,
    User,
)
from kechuang.accounts.signals import membership_decided
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require

# ---------------------------------------------------------------- memberships


def _set_membership_state(membership: Membership, new: str, *, actor: User) -> Membership:
    old = membership.status
    if new not in MEMBERSHIP_EDGES[old]:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("A membership that is %(old)s cannot become %(new)s.")
            % {"old": MembershipStatus(old).label, "new": MembershipStatus(new).label},
        )
    membership.status = new
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    verb = {
        MembershipStatus.APPROVED: "approve",
        MembershipStatus.REJECTED: "reject",
        MembershipStatus.REVOKED: "revoke",
    }[MembershipStatus(new)]
    record_event(actor=actor, verb=f"accounts:membership:{verb}", obj=membership, diff={"status": [old, new]})
    return membership


def _decided(membership: Membership, *, actor: User) -> Membership:
    # Higher apps (the notification centre) listen; accounts imports none of them.
    membership_decided.send(sender=Membership, membership=membership, actor=actor)
    return membership


@transaction.atomic
def request_membership(*, actor: User, organization: Organization, role: str, note: str = "") -> Membership:
    """Ask to hold ``role`` in ``organization``; its admin (or an operator) decides."""
    require(actor, "accounts.request_membership", organization)
    if role not in Role.values:
        raise DomainError(ErrorCode.VALIDATION, errors={"role": [str(_("Choose a valid role."))]})
    if role == Role.OPERATOR and not organization.operates_platform:
        raise DomainError(
            ErrorCode.VALIDATION,
            errors={"role": [str(_("The operator role exists only in the organization that runs the platform."))]},
        )
    live = Membership.objects.filter(
        user=actor,
        organization=organization,
        role=role,
        status__in=[MembershipStatus.REQUESTED, MembershipStatus.APPROVED],
    ).first()
    if live is not None:
        raise DomainError(ErrorCode.DUPLICATE, _("You have already asked for or hold this role here."))
    membership = Membership.objects.create(user=actor, organization=organization, role=role, note=note.strip()[:500])
    record_event(
        actor=actor,
        verb="accounts:membership:request",
        obj=membership,
        diff={"role": [None, role], "organization": [None, organization.pk]},
    )
    return membership


@transaction.atomic
def approve_membership(*, actor: User, membership: Membership) -> Membership:
    """REQUESTED → APPROVED, by an admin of the organisation or an operator."""
    require(actor, "accounts.decide_membership", membership)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    return _decided(_set_membership_state(membership, MembershipStatus.APPROVED, actor=actor), actor=actor)


@transaction.atomic
def reject_membership(*, actor: User, membership: Membership) -> Membership:
    """REQUESTED → REJECTED, by an admin of the organisation or an operator."""
    require(actor, "accounts.decide_membership", membership)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    return _decided(_set_membership_state(membership, MembershipStatus.REJECTED, actor=actor), actor=actor)


@transaction.atomic
def revoke_membership(*, actor: User, membership: Membership) -> Membership:
    """APPROVED → REVOKED, by an admin, an operator, or the member leaving.

    Refuses to revoke an organisation's last admin, which would leave nobody to decide its requests.
    The organisation's approved admin rows are locked (in primary-key order) before counting.
    """
    require(actor, "accounts.revoke_membership", membership)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN and membership.status == MembershipStatus.APPROVED:
        admins = list(
            Membership.objects.select_for_update()
            .filter(organization_id=membership.organization_id, role=Role.ADMIN, status=MembershipStatus.APPROVED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if admins == [membership.pk]:
            raise DomainError(
                ErrorCode.INVALID_STATE,
                _("This is the organization's only administrator; make someone else an administrator first."),
            )
    return _decided(_set_membership_state(membership, MembershipStatus.REVOKED, actor=actor), actor=actor)


def grant_membership(*, actor: User, user: User, organization: Organization, role: str) -> Membership:
    """Request and approve in one step (operators and the demo seed); the same rules and audit apply."""
    with transaction.atomic():
        membership = Membership.objects.filter(
            user=user, organization=organization, role=role, status=MembershipStatus.APPROVED
        ).first()
        if membership is not None:
            return membership
        require(actor, "accounts.decide_membership", Membership(organization=organization, role=role))
        membership = Membership.objects.create(user=user, organization=organization, role=role)
        record_event(actor=actor, verb="accounts:membership:request", obj=membership, diff={"role": [None, role]})
        return _set_membership_state(membership, MembershipStatus.APPROVED, actor=actor)


@transaction.atomic
def bootstrap_operator(*, user: User, organization: Organization) -> Membership:
    """Make ``user`` an operator of the platform-running ``organization`` with no approver.

    Only for installation: the demo seed and ``kechuang accounts make-operator``, run by whoever
    controls the server. Audited with no actor. Operators also get the Django admin.
    """
    if not organization.operates_platform:
        raise DomainError(
            ErrorCode.VALIDATION, errors={"organization": [str(_("This organization does not run the platform."))]}
        )
    membership = Membership.objects.filter(
        user=user, organization=organization, role=Role.OPERATOR, status=MembershipStatus.APPROVED
    ).first()
    if membership is None:
        membership = Membership.objects.create(
            user=user,
            organization=organization,
            role=Role.OPERATOR,
            status=MembershipStatus.APPROVED,
            decided_at=timezone.now(),
        )
        record_event(
            actor=None, verb="accounts:membership:bootstrap", obj=membership, diff={"role": [None, Role.OPERATOR]}
        )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership
