"""Reads of the accounts app. Lists are paged by the caller and never load more than they show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kechuang.accounts.enums import MembershipStatus, OrganizationStatus, Role, Visibility
from kechuang.accounts.models import AccessToken, ExpertProfile, LoginFailure, Membership, Organization, User
from kechuang.core.errors import NotFound
from kechuang.core.regions import all_regions


def organizations(
    *, query: str = "", kind: str = "", region: str = "", sector: str = "", include_pending: bool = False
) -> QuerySet[Organization]:
    """Active organisations matching the filters; ``region`` matches the region and its sub-divisions."""
    found = Organization.objects.all()
    if not include_pending:
        found = found.filter(status=OrganizationStatus.ACTIVE)
    if query:
        found = found.filter(Q(sort_name__icontains=query) | Q(name__icontains=query) | Q(uscc=query.upper()))
    if kind:
        found = found.filter(kind=kind)
    if region:
        codes = [code for code in all_regions() if code == region or all_regions()[code].parent == region]
        found = found.filter(region__in=codes or [region])
    if sector:
        found = found.filter(sectors__contains=[sector]) if _json_contains_supported() else found.filter(
            sectors__icontains=f'"{sector}"'
        )
    return found


def _json_contains_supported() -> bool:
    from django.db import connection

    return bool(connection.features.supports_json_field_contains)


def get_organization_for(user: Any, pk: int) -> Organization:
    """The organisation if ``user`` may see it; 'not found' for both missing and hidden ones."""
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None or not user.has_perm("accounts.view_organization", organization):
        raise NotFound()
    return organization


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization")


def approved_roles(user: Any) -> set[str]:
    """The roles ``user`` holds anywhere, e.g. ``{"admin", "tto_officer"}``."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Membership.objects.filter(user=user, status=MembershipStatus.APPROVED).values_list("role", flat=True)
    )


def organization_members(organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user", "decided_by")


def pending_memberships_for_admin(user: Any) -> QuerySet[Membership]:
    """Requests waiting for a decision ``user`` may take: in organisations they administer, or all for operators."""
    pending = Membership.objects.filter(status=MembershipStatus.REQUESTED).select_related("user", "organization")
    if user.has_perm("accounts.view_audit"):
        return pending
    administered = Membership.objects.filter(user=user, role=Role.ADMIN, status=MembershipStatus.APPROVED)
    return pending.filter(organization__in=administered.values("organization"))


def get_membership_for(user: Any, pk: int) -> Membership:
    membership = Membership.objects.select_related("organization", "user").filter(pk=pk).first()
    if membership is None or not (
        user.has_perm("accounts.decide_membership", membership) or membership.user_id == user.pk
    ):
        raise NotFound()
    return membership


def expert_profiles_visible_to(user: Any, *, query: str = "", field: str = "", affiliation: int | None = None) -> QuerySet[ExpertProfile]:
    visible = Q(visibility=Visibility.PUBLIC)
    if getattr(user, "is_authenticated", False):
        visible |= Q(visibility=Visibility.MEMBERS) | Q(user=user)
    found = ExpertProfile.objects.filter(visible).select_related("affiliation", "user")
    if query:
        found = found.filter(
            Q(sort_name__icontains=query) | Q(name__icontains=query) | Q(keywords_zh__icontains=query)
            | Q(keywords_en__icontains=query) | Q(fields__icontains=query)
        )
    if field:
        found = found.filter(fields__icontains=field)
    if affiliation:
        found = found.filter(affiliation_id=affiliation)
    return found


def get_expert_profile_for(user: Any, pk: int) -> ExpertProfile:
    profile = ExpertProfile.objects.select_related("affiliation", "user").filter(pk=pk).first()
    if profile is None or not user.has_perm("accounts.view_expert_profile", profile):
        raise NotFound()
    return profile


def visible_works(user: Any, profile: ExpertProfile) -> list[Any]:
    if profile.user_id == getattr(user, "pk", None):
        return list(profile.works.all())
    if not profile.show_works:
        return []
    return list(profile.works.filter(is_public=True))


def tokens_of(user: User) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(user=user)


def login_locked(*, username: str, ip: str | None) -> bool:
    """Whether sign-in is locked for this account name or address after too many recent failures."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    limit = settings.LOGIN_MAX_FAILURES
    if recent.filter(username=username.strip().lower()).count() >= limit:
        return True
    # An address gets more room than an account: several people may share one office NAT.
    return bool(ip) and recent.filter(ip=ip).count() >= limit * 4


def platform_counts() -> dict[str, int]:
    """Live figures for the home page, in one query per table."""
    orgs = Organization.objects.filter(status=OrganizationStatus.ACTIVE).aggregate(
        total=Count("id"),
        enterprises=Count("id", filter=Q(kind="enterprise")),
        institutions=Count("id", filter=Q(kind__in=["university", "institute"])),
        funds=Count("id", filter=Q(kind="fund")),
    )
    return {
        "organizations": orgs["total"],
        "enterprises": orgs["enterprises"],
        "institutions": orgs["institutions"],
        "funds": orgs["funds"],
        "experts": ExpertProfile.objects.filter(visibility=Visibility.PUBLIC).count(),
    }
