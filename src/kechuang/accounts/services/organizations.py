"""Organisations: created by operators, or proposed by users and approved by operators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import (
    MembershipStatus,
    OrganizationKind,
    OrganizationStatus,
    Role,
)
from kechuang.accounts.models import (
    Membership,
    Organization,
    User,
)
from kechuang.accounts.services.memberships import _set_membership_state
from kechuang.core.audit import diff_of, record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import Bilingual
from kechuang.core.identifiers import normalise_uscc
from kechuang.core.permissions import require
from kechuang.core.validation import clean_or_raise

# ---------------------------------------------------------------- organisations

ORGANIZATION_FIELDS = ("name", "kind", "region", "uscc", "sectors", "description", "website")


def _organization_snapshot(organization: Organization) -> dict[str, Any]:
    return {field: getattr(organization, field) for field in (*ORGANIZATION_FIELDS, "status")}


def _normalised_uscc(uscc: str | None) -> str | None:
    if not uscc:
        return None
    try:
        return normalise_uscc(uscc)
    except ValidationError as exc:
        raise DomainError(ErrorCode.VALIDATION, errors={"uscc": [str(m) for m in exc.messages]}) from exc


def _insert_organization(*, actor: User | None, verb: str, uscc: str | None, **fields: Any) -> Organization:
    """Validate, insert and audit a new organisation; a USCC taken meanwhile is a field error, not a 500."""
    organization = Organization(uscc=_normalised_uscc(uscc), **fields)
    clean_or_raise(organization)
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as exc:  # a concurrent insert of the same USCC
        raise DomainError(
            ErrorCode.VALIDATION, errors={"uscc": [str(_("An organization with this code exists already."))]}
        ) from exc
    record_event(actor=actor, verb=verb, obj=organization, diff=diff_of({}, _organization_snapshot(organization)))
    return organization


@transaction.atomic
def create_organization(
    *,
    actor: User,
    name: Bilingual,
    kind: str,
    region: str,
    uscc: str | None = None,
    sectors: list[str] | None = None,
    description: Bilingual | None = None,
    website: str = "",
    operates_platform: bool = False,
) -> Organization:
    """Operator only: add an active organisation. The USCC, when given, must be valid and unused."""
    require(actor, "accounts.create_organization")
    return _insert_organization(
        actor=actor,
        verb="accounts:organization:create",
        name=name,
        kind=kind,
        region=region,
        uscc=uscc,
        sectors=list(sectors or []),
        description=description or {},
        website=website,
        operates_platform=operates_platform,
        status=OrganizationStatus.ACTIVE,
    )


@transaction.atomic
def propose_organization(
    *,
    actor: User,
    name: Bilingual,
    kind: str,
    region: str,
    uscc: str | None = None,
    sectors: list[str] | None = None,
    description: Bilingual | None = None,
    website: str = "",
) -> Organization:
    """Any signed-in user registers an organisation for an operator to approve, and asks to be its admin."""
    require(actor, "accounts.propose_organization")
    organization = _insert_organization(
        actor=actor,
        verb="accounts:organization:propose",
        name=name,
        kind=kind,
        region=region,
        uscc=uscc,
        sectors=list(sectors or []),
        description=description or {},
        website=website,
        status=OrganizationStatus.PENDING,
    )
    Membership.objects.create(
        user=actor, organization=organization, role=Role.ADMIN, note=str(_("Registered the organization"))
    )
    return organization


@transaction.atomic
def approve_organization(*, actor: User, organization: Organization) -> Organization:
    """PENDING → ACTIVE; the proposer's admin request is approved with it."""
    require(actor, "accounts.approve_organization", organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status != OrganizationStatus.PENDING:
        raise DomainError(ErrorCode.INVALID_STATE, _("Only an organization awaiting approval can be approved."))
    organization.status = OrganizationStatus.ACTIVE
    organization.save(update_fields=["status"])
    for membership in organization.memberships.filter(role=Role.ADMIN, status=MembershipStatus.REQUESTED):
        _set_membership_state(membership, MembershipStatus.APPROVED, actor=actor)
    record_event(
        actor=actor,
        verb="accounts:organization:approve",
        obj=organization,
        diff={"status": [OrganizationStatus.PENDING, OrganizationStatus.ACTIVE]},
    )
    return organization


@transaction.atomic
def update_organization(*, actor: User, organization: Organization, **changes: Any) -> Organization:
    """Change the listed fields (any of name, kind, region, uscc, sectors, description, website)."""
    require(actor, "accounts.change_organization", organization)
    unknown = set(changes) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise DomainError(ErrorCode.BAD_REQUEST, f"unknown fields: {', '.join(sorted(unknown))}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = _organization_snapshot(organization)
    if "uscc" in changes:
        changes["uscc"] = _normalised_uscc(changes["uscc"])
    for field, value in changes.items():
        setattr(organization, field, value)
    clean_or_raise(organization)
    organization.save()
    record_event(
        actor=actor,
        verb="accounts:organization:update",
        obj=organization,
        diff=diff_of(before, _organization_snapshot(organization)),
    )
    return organization


@transaction.atomic
def create_platform_office(*, name: Bilingual, region: str, uscc: str | None = None) -> Organization:
    """Installation only: the organisation that runs the platform (the S&T office), when none exists."""
    existing = Organization.objects.filter(operates_platform=True).order_by("id").first()
    if existing is not None:
        return existing
    return _insert_organization(
        actor=None,
        verb="accounts:organization:create",
        name=name,
        kind=OrganizationKind.GOVERNMENT,
        region=region,
        uscc=uscc,
        operates_platform=True,
        status=OrganizationStatus.ACTIVE,
    )
