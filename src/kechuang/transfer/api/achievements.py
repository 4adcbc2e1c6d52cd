"""``/api/v1/transfer/achievements``: register and edit achievements, and the completers' release requests.

An achievement's public facts are open to anyone; ``funding`` and each completer's ``contribution_bp``
are null unless the caller is of the unit, a completer or an operator. Refusals are problem+json:
``shares_not_100`` when the contributions do not add up to exactly 10,000 basis points,
``validation_error`` for a bad patent number, ``permission_denied`` for a stranger.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from kechuang.accounts.api import PUBLIC, PUBLIC_OPENAPI, actor
from kechuang.accounts.models import Organization, User
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import localized
from kechuang.core.idempotency import idempotent
from kechuang.core.paging import paginate
from kechuang.transfer.models import Achievement, ReleaseRequest
from kechuang.transfer.selectors import achievements as selectors
from kechuang.transfer.services import achievements as services

router = Router(tags=["transfer"])
Bilingual = dict[str, str]


class CompleterIn(Schema):
    username: str = Field("", description="a platform user; or give only ``name``")
    name: str = Field("", max_length=100)
    contribution_bp: int = Field(description="basis points; all completers add up to exactly 10000")
    is_lead: bool = False


class FundingIn(Schema):
    source: str = Field(max_length=200)
    number: str = Field("", max_length=100)


class AchievementIn(Schema):
    owner: int = Field(description="id of the unit (you are its TTO officer or administrator)")
    kind: str
    title: Bilingual
    summary: Bilingual
    ip_status: str
    ip_number: str = ""
    trl: int
    funding: list[FundingIn] = Field(default_factory=list)
    sectors: list[str] = Field(default_factory=list)
    registered_on: date
    completers: list[CompleterIn]


class AchievementPatch(Schema):
    kind: str | None = None
    title: Bilingual | None = None
    summary: Bilingual | None = None
    ip_status: str | None = None
    ip_number: str | None = None
    trl: int | None = None
    funding: list[FundingIn] | None = None
    sectors: list[str] | None = None
    completers: list[CompleterIn] | None = None


class CompleterOut(Schema):
    name: str
    username: str | None
    is_lead: bool
    contribution_bp: int | None = Field(description="null unless you may see the private facts")


class AchievementSummaryOut(Schema):
    id: int
    owner: int
    owner_name: str
    kind: str
    status: str
    title: Bilingual
    display_title: str
    ip_status: str
    ip_number: str
    trl: int
    sectors: list[str]
    registered_on: date
    commercialised_on: date | None
    idle_since: date | None


class AchievementOut(AchievementSummaryOut):
    summary: Bilingual
    private: bool
    funding: list[dict[str, str]] | None
    completers: list[CompleterOut]


class AchievementPage(Schema):
    items: list[AchievementSummaryOut]
    count: int
    page: int
    pages: int
    page_size: int


class ReleaseIn(Schema):
    plan: str = Field(max_length=4000)


class ReleaseDecisionIn(Schema):
    grant: bool
    reason: str = Field("", max_length=2000)


class ReleaseOut(Schema):
    id: int
    achievement: int
    requested_by: str
    plan: str
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None


class ListQuery(Schema):
    unit: int | None = None
    status: str = ""
    kind: str = ""
    q: str = ""
    idle: bool = False
    page: int = 1


def summary_out(achievement: Achievement) -> dict[str, Any]:
    return {
        "id": achievement.pk,
        "owner": achievement.owner_id,
        "owner_name": localized(achievement.owner.name),
        "kind": achievement.kind,
        "status": achievement.status,
        "title": achievement.title,
        "display_title": localized(achievement.title),
        "ip_status": achievement.ip_status,
        "ip_number": achievement.ip_number,
        "trl": achievement.trl,
        "sectors": achievement.sectors,
        "registered_on": achievement.registered_on,
        "commercialised_on": achievement.commercialised_on,
        "idle_since": achievement.idle_since(timezone.localdate()),
    }


def achievement_out(request: HttpRequest, achievement: Achievement) -> dict[str, Any]:
    private = selectors.can_see_private(request.user, achievement)
    return {
        **summary_out(achievement),
        "summary": achievement.summary,
        "private": private,
        "funding": achievement.funding if private else None,
        "completers": [
            {
                "name": row.name,
                "username": row.user.username if row.user is not None else None,
                "is_lead": row.is_lead,
                "contribution_bp": row.contribution_bp if private else None,
            }
            for row in selectors.completers_of(achievement)
        ],
    }


def release_out(release: ReleaseRequest) -> dict[str, Any]:
    return {
        "id": release.pk,
        "achievement": release.achievement_id,
        "requested_by": release.requested_by.username,
        "plan": release.plan,
        "status": release.status,
        "reason": release.reason,
        "created_at": release.created_at,
        "decided_at": release.decided_at,
    }


def _organization(pk: int) -> Organization:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise DomainError(ErrorCode.VALIDATION, errors={"owner": [_("No such organization.")]})
    return organization


def completer_specs(rows: list[CompleterIn]) -> list[services.CompleterSpec]:
    names = [row.username for row in rows if row.username]
    found = {user.username: user for user in User.objects.filter(username__in=names, is_active=True)}
    missing = [name for name in names if name not in found]
    if missing:
        raise DomainError(
            ErrorCode.VALIDATION,
            errors={"completers": [_("Unknown user names: %(names)s.") % {"names": ", ".join(missing)}]},
        )
    return [
        services.CompleterSpec(
            contribution_bp=row.contribution_bp,
            is_lead=row.is_lead,
            user=found[row.username] if row.username else None,
            name=row.name,
        )
        for row in rows
    ]


@router.get("/achievements", response=AchievementPage, summary="Achievements of your units and those you completed")
def list_achievements(request: HttpRequest, query: Query[ListQuery]) -> dict[str, Any]:
    found = selectors.achievements_for(
        actor(request),
        unit=query.unit,
        status=query.status,
        kind=query.kind,
        query=query.q,
        idle_on=timezone.localdate() if query.idle else None,
    )
    page = paginate(found, page=query.page)
    return page.as_dict([summary_out(a) for a in page.items])


@router.post("/achievements", response={201: AchievementOut}, summary="Register an achievement with its unit")
@decorate_view(idempotent)
def register_achievement(request: HttpRequest, payload: AchievementIn) -> Status[dict[str, Any]]:
    achievement = services.register_achievement(
        actor=actor(request),
        owner=_organization(payload.owner),
        kind=payload.kind,
        title=payload.title,
        summary=payload.summary,
        ip_status=payload.ip_status,
        ip_number=payload.ip_number,
        trl=payload.trl,
        funding=[row.dict() for row in payload.funding],
        sectors=payload.sectors,
        registered_on=payload.registered_on,
        completers=completer_specs(payload.completers),
    )
    return Status(201, achievement_out(request, achievement))


@router.get("/achievements/{achievement_id}", response=AchievementOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def get_achievement(request: HttpRequest, achievement_id: int) -> dict[str, Any]:
    """Public facts for anyone; funding and contributions for the unit, the completers and operators."""
    return achievement_out(request, selectors.get_achievement_for(request.user, achievement_id))


@router.patch("/achievements/{achievement_id}", response=AchievementOut, summary="Change an achievement")
def update_achievement(request: HttpRequest, achievement_id: int, payload: AchievementPatch) -> dict[str, Any]:
    achievement = selectors.get_achievement_for(request.user, achievement_id)
    data = payload.dict(exclude_unset=True)
    completers = data.pop("completers", None)
    if "funding" in data and data["funding"] is None:
        data.pop("funding")
    updated = services.update_achievement(
        actor=actor(request),
        achievement=achievement,
        completers=completer_specs(payload.completers or []) if completers is not None else None,
        **{name: value for name, value in data.items() if value is not None},
    )
    return achievement_out(request, updated)


@router.post(
    "/achievements/{achievement_id}/release-requests",
    response={201: ReleaseOut},
    summary="Ask to commercialise an idle achievement (completers)",
)
@decorate_view(idempotent)
def request_release(request: HttpRequest, achievement_id: int, payload: ReleaseIn) -> Status[dict[str, Any]]:
    achievement = selectors.get_achievement_for(request.user, achievement_id)
    release = services.request_release(actor=actor(request), achievement=achievement, plan=payload.plan)
    return Status(201, release_out(release))


@router.post(
    "/achievements/release-requests/{request_id}/decision",
    response=ReleaseOut,
    summary="Grant or refuse a release request (the unit; a refusal gives its reason)",
)
@decorate_view(idempotent)
def decide_release(request: HttpRequest, request_id: int, payload: ReleaseDecisionIn) -> dict[str, Any]:
    release = get_object_or_404(ReleaseRequest.objects.select_related("achievement", "requested_by"), pk=request_id)
    selectors.get_achievement_for(request.user, release.achievement_id)
    decided = services.decide_release(actor=actor(request), release=release, grant=payload.grant, reason=payload.reason)
    return release_out(decided)
