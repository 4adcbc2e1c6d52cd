"""Reads of achievements: one accessor that answers "not found" for what a viewer may not see, the unit's
list with its filters, and who sees the private facts (funding, contributions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from kechuang.accounts.models import Organization
from kechuang.core.errors import NotFound
from kechuang.transfer.enums import AchievementStatus, ReleaseRequestStatus
from kechuang.transfer.models import IDLE_AFTER, Achievement, Completer, ReleaseRequest
from kechuang.transfer.rules import UNIT_ROLES


def get_achievement_for(user: Any, pk: int) -> Achievement:
    """The achievement if ``user`` may see it: anyone, unless it is withdrawn (then its unit, completers and
    operators). Its public facts only; ask :func:`can_see_private` before showing funding or contributions."""
    achievement = Achievement.objects.select_related("owner").filter(pk=pk).first()
    if achievement is None:
        raise NotFound()
    if achievement.status == AchievementStatus.WITHDRAWN and not can_see_private(user, achievement):
        raise NotFound()
    return achievement


def can_see_private(user: Any, achievement: Achievement) -> bool:
    """Funding and the completers' contributions: the unit's officers, the completers, the operators."""
    return bool(
        getattr(user, "is_authenticated", False) and user.has_perm("transfer.view_achievement_private", achievement)
    )


def managed_units(user: Any) -> QuerySet[Organization]:
    """The active organisations whose results ``user`` manages (TTO officer or administrator)."""
    if not getattr(user, "is_authenticated", False):
        return Organization.objects.none()
    return (
        Organization.objects.filter(
            memberships__user=user, memberships__role__in=UNIT_ROLES, memberships__status="approved", status="active"
        )
        .distinct()
        .order_by("pk")
    )


def achievements_for(
    user: Any,
    *,
    unit: int | None = None,
    status: str = "",
    kind: str = "",
    query: str = "",
    idle_on: date | None = None,
) -> QuerySet[Achievement]:
    """The achievements of the units ``user`` manages and those ``user`` completed, newest registration first.

    Filters: one unit, a status, a type, words in the title, and ``idle_on`` — only results idle under
    §11 on that day (registered a year or more before it, no deal signed, not withdrawn).
    """
    if not getattr(user, "is_authenticated", False):
        return Achievement.objects.none()
    mine = Completer.objects.filter(achievement=OuterRef("pk"), user=user)
    found = Achievement.objects.filter(Q(owner__in=managed_units(user)) | Q(Exists(mine)))
    if unit is not None:
        found = found.filter(owner_id=unit)
    if status in AchievementStatus.values:
        found = found.filter(status=status)
    if kind:
        found = found.filter(kind=kind)
    if query.strip():
        found = found.filter(title_text__icontains=query.strip())
    if idle_on is not None:
        found = found.filter(commercialised_on__isnull=True, registered_on__lte=idle_on - IDLE_AFTER).exclude(
            status=AchievementStatus.WITHDRAWN
        )
    return found.select_related("owner").order_by("-registered_on", "-id")


def completers_of(achievement: Achievement) -> list[Completer]:
    return list(achievement.completers.select_related("user").order_by("position", "id"))


def release_requests_of(achievement: Achievement) -> list[ReleaseRequest]:
    return list(achievement.release_requests.select_related("requested_by", "decided_by").order_by("-created_at"))


def open_release_request(achievement: Achievement) -> ReleaseRequest | None:
    return achievement.release_requests.filter(status=ReleaseRequestStatus.REQUESTED).first()
