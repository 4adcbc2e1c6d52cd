"""Reads of deals: one accessor that answers "not found" for deals a viewer is not party to, each party's
list, a deal's path of stages, its history and documents, and the unit's public-notice period."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from kechuang.accounts.models import Organization
from kechuang.core.errors import NotFound
from kechuang.transfer.enums import DealKind, DealStage, PricingMethod
from kechuang.transfer.models import Completer, Deal, DealDocument, DealSettings, DealStageChange
from kechuang.transfer.models.deals import DEFAULT_PUBLICITY_DAYS
from kechuang.transfer.rules import UNIT_ROLES

D = DealStage
# Tsinghua's 尽职调查 (reference B2.5): the technology, the buyer, the deal plan, the approval steps.
DILIGENCE_PARTS = ("technology", "buyer", "plan", "approvals")


def get_deal_for(user: Any, pk: int) -> Deal:
    """The deal if ``user`` is party to it (seller's officers, buyer's members, completers) or an operator."""
    deal = Deal.objects.select_related("achievement", "seller", "buyer", "ledger_entry__leaf").filter(pk=pk).first()
    if deal is None or not getattr(user, "is_authenticated", False) or not user.has_perm("transfer.view_deal", deal):
        raise NotFound()
    return deal


def deals_for(user: Any, *, stage: str = "", achievement: int | None = None) -> QuerySet[Deal]:
    """Deals ``user`` is party to: sold by a unit they manage, bought by an organisation they belong to, or
    on a result they completed; newest first."""
    if not getattr(user, "is_authenticated", False):
        return Deal.objects.none()
    memberships = user.memberships.filter(status="approved")
    selling = memberships.filter(role__in=UNIT_ROLES).values("organization_id")
    buying = memberships.values("organization_id")
    completed = Completer.objects.filter(achievement=OuterRef("achievement_id"), user=user)
    found = Deal.objects.filter(Q(seller_id__in=selling) | Q(buyer_id__in=buying) | Q(Exists(completed)))
    if stage in DealStage.values:
        found = found.filter(stage=stage)
    if achievement is not None:
        found = found.filter(achievement_id=achievement)
    return found.select_related("achievement", "seller", "buyer").order_by("-created_at", "-id")


def path_of(deal: Deal) -> list[str]:
    """The stages this deal passes in order, by its kind and pricing (the stepper shows them)."""
    stages: list[str] = [D.DRAFT]
    if deal.kind == DealKind.ASSIGNMENT:
        stages.append(D.FIRST_REFUSAL)
    if deal.pricing == PricingMethod.NEGOTIATED:
        stages.append(D.PUBLICITY)
    return [*stages, D.APPROVAL, D.SIGNED, D.CLOSED]


def stepper(deal: Deal, history: list[DealStageChange]) -> list[dict[str, Any]]:
    """The path as the page shows it: each stage's label and whether it is done, current, to come or (on an
    abandoned deal) skipped; ``history`` is :func:`history_of` the deal."""
    stages = path_of(deal)
    if deal.stage == D.ABANDONED:
        reached = {change.from_stage for change in history}
        return [
            {"stage": s, "label": DealStage(s).label, "state": "done" if s in reached else "skipped"} for s in stages
        ] + [{"stage": D.ABANDONED, "label": DealStage(D.ABANDONED).label, "state": "current"}]
    here = stages.index(deal.stage) if deal.stage in stages else 0
    return [
        {
            "stage": s,
            "label": DealStage(s).label,
            "state": "done" if i < here else ("current" if i == here else "todo"),
        }
        for i, s in enumerate(stages)
    ]


def history_of(deal: Deal) -> list[DealStageChange]:
    return list(deal.stage_changes.select_related("actor").order_by("at", "id"))


def documents_of(deal: Deal) -> list[DealDocument]:
    return list(deal.documents.select_related("uploaded_by").order_by("uploaded_at", "id"))


def get_document_for(user: Any, pk: int) -> DealDocument:
    """A document, for whoever may see its deal."""
    document = DealDocument.objects.select_related("deal").filter(pk=pk).first()
    if document is None:
        raise NotFound()
    get_deal_for(user, document.deal_id)
    return document


def diligence_missing(deal: Deal) -> list[str]:
    """The parts of the due-diligence record still empty."""
    return [part for part in DILIGENCE_PARTS if not str(deal.diligence.get(part, "")).strip()]


def publicity_days_of(organization: Organization) -> int:
    """The unit's public-notice period for negotiated prices (15 calendar days unless it set its own)."""
    row = DealSettings.objects.filter(organization=organization).first()
    return row.publicity_days if row is not None else DEFAULT_PUBLICITY_DAYS
