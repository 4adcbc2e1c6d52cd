"""Reads of the accounts app. Lists are paged by the caller and never load more than they show."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kechuang.accounts.enums import MembershipStatus, OrganizationStatus, Role, Visibility
from kechuang.accounts.models import (
    AccessToken,
    Affiliation,
    ExpertProfile,
    LoginFailure,
    Membership,
    Organization,
    Relation,
    Shareholding,
    User,
)
from kechuang.core.errors import NotFound
from kechuang.core.regions import codes_within


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
        # Every level below (a province's prefectures and their counties), not only the one beneath.
        found = found.filter(region__in=codes_within(region) or [region])
    if sector:
        found = (
            found.filter(sectors__contains=[sector])
            if _json_contains_supported()
            else found.filter(sectors__icontains=f'"{sector}"')
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
    return set(Membership.objects.filter(user=user, status=MembershipStatus.APPROVED).values_list("role", flat=True))


def organization_members(organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user", "decided_by")


def members_administered_by(user: Any) -> QuerySet[Membership]:
    """Approved memberships in every organisation ``user`` administers, grouped by organisation."""
    administered = Membership.objects.filter(user=user, role=Role.ADMIN, status=MembershipStatus.APPROVED)
    return (
        Membership.objects.filter(
            organization__in=administered.values("organization"), status=MembershipStatus.APPROVED
        )
        .select_related("user", "organization")
        .order_by("organization__sort_name", "organization_id", "user__username", "role", "id")
    )


def pending_memberships_for_admin(user: Any) -> QuerySet[Membership]:
    """Requests waiting for a decision ``user`` may take: in organisations they administer, or all for operators."""
    pending = Membership.objects.filter(status=MembershipStatus.REQUESTED).select_related("user", "organization")
    if user.has_perm("accounts.view_audit"):
        return pending
    administered = Membership.objects.filter(user=user, role=Role.ADMIN, status=MembershipStatus.APPROVED)
    return pending.filter(organization__in=administered.values("organization"))


def get_membership_for(user: Any, pk: int) -> Membership:
    membership = Membership.objects.select_related("organization", "user").filter(pk=pk).first()
    if membership is None or not user.has_perm("accounts.view_membership", membership):
        raise NotFound()
    return membership


def _json_text_contains(field: str, text: str) -> Q:
    """Whether JSON column ``field`` contains ``text`` (ignoring case) on both databases.

    SQLite stores JSON with non-ASCII characters escaped (``"\\u673a"``), PostgreSQL stores them
    as they are, so Chinese text is looked for in both spellings.
    """
    found = Q(**{f"{field}__icontains": text})
    escaped = json.dumps(text)[1:-1]
    return found | Q(**{f"{field}__icontains": escaped}) if escaped != text else found


def expert_profiles_visible_to(
    user: Any, *, query: str = "", field: str = "", affiliation: int | None = None
) -> QuerySet[ExpertProfile]:
    visible = Q(visibility=Visibility.PUBLIC)
    if getattr(user, "is_authenticated", False):
        visible |= Q(visibility=Visibility.MEMBERS) | Q(user=user)
        if user.has_perm("accounts.view_audit"):  # operators, as the rule view_expert_profile allows
            visible = Q()
    found = ExpertProfile.objects.filter(visible).select_related("affiliation", "user")
    if query:
        found = found.filter(
            Q(sort_name__icontains=query)
            | _json_text_contains("name", query)
            | _json_text_contains("keywords_zh", query)
            | _json_text_contains("keywords_en", query)
            | _json_text_contains("fields", query)
        )
    if field:
        found = found.filter(_json_text_contains("fields", field))
    if affiliation:
        found = found.filter(affiliation_id=affiliation)
    return found


def get_expert_profile_for(user: Any, pk: int) -> ExpertProfile:
    profile = ExpertProfile.objects.select_related("affiliation", "user").filter(pk=pk).first()
    if profile is None or not user.has_perm("accounts.view_expert_profile", profile):
        raise NotFound()
    return profile


def visible_works(user: Any, profile: ExpertProfile) -> list[Any]:
    if user.has_perm("accounts.change_expert_profile", profile):  # the expert sees every work of their own
        return list(profile.works.all())
    if not profile.show_works:
        return []
    return list(profile.works.filter(is_public=True))


def visible_history(user: Any, profile: ExpertProfile) -> list[Affiliation]:
    """``profile``'s employment history, newest first, if ``user`` may see it (public profile, owner, operator)."""
    if not user.has_perm("accounts.view_employment_history", profile):
        return []
    return list(profile.history.select_related("organization"))


def relations_of(profile: ExpertProfile) -> QuerySet[Relation]:
    """Relations ``profile`` declared and those declared about it: for the expert's own page only."""
    return (
        Relation.objects.filter(Q(from_profile=profile) | Q(to_profile=profile))
        .select_related("from_profile", "to_profile")
        .order_by("-created_at", "-id")
    )


def get_relation_for(user: Any, pk: int) -> Relation:
    """A declared relation ``user`` may see (one of its two people, or an operator); else 'not found'."""
    relation = Relation.objects.select_related("from_profile", "to_profile").filter(pk=pk).first()
    if relation is None or not user.has_perm("accounts.view_relation", relation):
        raise NotFound()
    return relation


def shareholdings_of(organization: Organization) -> QuerySet[Shareholding]:
    """Who holds shares in ``organization``, largest first. Callers check ``accounts.view_shareholdings``."""
    return Shareholding.objects.filter(organization=organization).select_related("holder_user", "holder_organization")


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
    # One GROUP BY kind is read from the (status, kind, sort_name) index alone; four filtered
    # COUNTs over the table took twice as long with 10,000 organisations (docs/benchmarks.md).
    by_kind: dict[str, int] = dict(
        Organization.objects.filter(status=OrganizationStatus.ACTIVE)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "organizations": sum(by_kind.values()),
        "enterprises": by_kind.get("enterprise", 0),
        "institutions": by_kind.get("university", 0) + by_kind.get("institute", 0),
        "funds": by_kind.get("fund", 0),
        "experts": ExpertProfile.objects.filter(visibility=Visibility.PUBLIC).count(),
    }


def pending_organizations() -> QuerySet[Organization]:
    """Organisations proposed and awaiting an operator's approval, oldest first."""
    return Organization.objects.filter(status=OrganizationStatus.PENDING).order_by("created_at", "id")


def expert_profile_of(user: Any) -> ExpertProfile | None:
    """The expert profile ``user`` keeps, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return ExpertProfile.objects.filter(user=user).first()
