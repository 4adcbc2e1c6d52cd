"""``/api/v1/transfer/opportunities``: the marketplace — publish and close cards, answer them, and the unit's
feedback summary. A company's answer accepts an ``Idempotency-Key``; a card refused for an achievement
without TRL or IP status answers ``invalid_state``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from kechuang.accounts.api import PUBLIC, PUBLIC_OPENAPI, actor
from kechuang.accounts.models import Organization
from kechuang.core.errors import DomainError, ErrorCode, NotFound
from kechuang.core.i18n import localized
from kechuang.core.idempotency import idempotent
from kechuang.core.money import Money
from kechuang.core.paging import paginate
from kechuang.transfer.models import Interest, Opportunity
from kechuang.transfer.selectors import achievements as achievement_selectors
from kechuang.transfer.selectors import market as selectors
from kechuang.transfer.services import market as services

router = Router(tags=["transfer"])
Bilingual = dict[str, str]


class OpportunityIn(Schema):
    achievement: int
    problem: Bilingual
    benefit: Bilingual = Field(description="against the current best solution; required")
    economics: Bilingual = Field(default_factory=dict)
    route: Bilingual = Field(default_factory=dict)
    asking_price_fen: int | None = Field(None, gt=0)


class OpportunityOut(Schema):
    id: int
    achievement: int
    title: Bilingual
    display_title: str
    owner: int
    owner_name: str
    kind: str
    trl: int
    ip_status: str
    ip_number: str
    sectors: list[str]
    status: str
    problem: Bilingual
    benefit: Bilingual
    economics: Bilingual
    route: Bilingual
    asking_price_fen: int | None
    published_at: datetime
    closed_at: datetime | None


class OpportunityPage(Schema):
    items: list[OpportunityOut]
    count: int
    page: int
    pages: int
    page_size: int


class InterestIn(Schema):
    organization: int = Field(description="the company you answer for (you belong to it)")
    kind: str = Field(description="interested | passed")
    pass_reason: str = Field("", description="required when passing: one of the PassReason codes")
    comment: str = Field("", max_length=2000)


class InterestOut(Schema):
    id: int
    opportunity: int
    organization: int
    organization_name: str
    kind: str
    pass_reason: str
    comment: str
    updated_at: datetime


class ReasonOut(Schema):
    reason: str
    label: str
    count: int


class FeedbackOut(Schema):
    interested: int
    passed: int
    reasons: list[ReasonOut]
    answers: list[InterestOut]


class MarketQuery(Schema):
    q: str = ""
    kind: str = ""
    trl_min: int | None = Field(None, ge=1, le=9)
    sector: str = ""
    page: int = 1


def opportunity_out(card: Opportunity) -> dict[str, Any]:
    achievement = card.achievement
    return {
        "id": card.pk,
        "achievement": achievement.pk,
        "title": achievement.title,
        "display_title": localized(achievement.title),
        "owner": achievement.owner_id,
        "owner_name": localized(achievement.owner.name),
        "kind": achievement.kind,
        "trl": achievement.trl,
        "ip_status": achievement.ip_status,
        "ip_number": achievement.ip_number,
        "sectors": achievement.sectors,
        "status": card.status,
        "problem": card.problem,
        "benefit": card.benefit,
        "economics": card.economics,
        "route": card.route,
        "asking_price_fen": card.asking_price_fen,
        "published_at": card.published_at,
        "closed_at": card.closed_at,
    }


def interest_out(answer: Interest) -> dict[str, Any]:
    return {
        "id": answer.pk,
        "opportunity": answer.opportunity_id,
        "organization": answer.organization_id,
        "organization_name": localized(answer.organization.name),
        "kind": answer.kind,
        "pass_reason": answer.pass_reason,
        "comment": answer.comment,
        "updated_at": answer.updated_at,
    }


@router.get("/opportunities", response=OpportunityPage, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def list_opportunities(request: HttpRequest, query: Query[MarketQuery]) -> dict[str, Any]:
    """Open cards, newest first; filter by words, the achievement's type, a least TRL and a sector."""
    found = selectors.public_opportunities(query=query.q, kind=query.kind, trl_min=query.trl_min, sector=query.sector)
    page = paginate(found, page=query.page)
    return page.as_dict([opportunity_out(card) for card in page.items])


@router.post("/opportunities", response={201: OpportunityOut}, summary="Publish an opportunity card")
@decorate_view(idempotent)
def publish_opportunity(request: HttpRequest, payload: OpportunityIn) -> Status[dict[str, Any]]:
    achievement = achievement_selectors.get_achievement_for(request.user, payload.achievement)
    card = services.publish_opportunity(
        actor=actor(request),
        achievement=achievement,
        problem=payload.problem,
        benefit=payload.benefit,
        economics=payload.economics,
        route=payload.route,
        asking_price=Money(payload.asking_price_fen) if payload.asking_price_fen is not None else None,
    )
    return Status(201, opportunity_out(card))


@router.get("/opportunities/{opportunity_id}", response=OpportunityOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI)
def get_opportunity(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    return opportunity_out(selectors.get_opportunity_for(request.user, opportunity_id))


@router.post("/opportunities/{opportunity_id}/close", response=OpportunityOut, summary="Close a card")
@decorate_view(idempotent)
def close_opportunity(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    card = selectors.get_opportunity_for(request.user, opportunity_id)
    return opportunity_out(services.close_opportunity(actor=actor(request), opportunity=card))


@router.post(
    "/opportunities/{opportunity_id}/interest",
    response=InterestOut,
    summary="Answer a card for your company: interested, or passed with a reason",
)
@decorate_view(idempotent)
def answer_opportunity(request: HttpRequest, opportunity_id: int, payload: InterestIn) -> dict[str, Any]:
    """One answer per company and card; answering again replaces it."""
    card = selectors.get_opportunity_for(request.user, opportunity_id)
    organization = Organization.objects.filter(pk=payload.organization).first()
    if organization is None:
        raise DomainError(ErrorCode.VALIDATION, errors={"organization": [_("No such organization.")]})
    answer = services.answer_opportunity(
        actor=actor(request),
        opportunity=card,
        organization=organization,
        kind=payload.kind,
        pass_reason=payload.pass_reason,
        comment=payload.comment,
    )
    return interest_out(answer)


@router.get("/opportunities/{opportunity_id}/feedback", response=FeedbackOut, summary="Answers counted per reason")
def feedback(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    """For the unit's officers and operators: how many companies are interested, and why the others passed."""
    card = selectors.get_opportunity_for(request.user, opportunity_id)
    if not request.user.has_perm("transfer.view_feedback", card):
        raise NotFound()
    summary = selectors.feedback_of(card)
    return {
        "interested": summary.interested,
        "passed": summary.passed,
        "reasons": [{"reason": r.reason, "label": r.label, "count": r.count} for r in summary.reasons],
        "answers": [interest_out(answer) for answer in selectors.interests_of(card)],
    }
