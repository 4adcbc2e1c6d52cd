"""Reads of the marketplace: the public list of open cards with its filters, one card, the companies a
person may answer for, and the feedback summary a unit sees (answers counted per reason)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from kechuang.accounts.enums import OrganizationKind
from kechuang.accounts.models import Organization
from kechuang.core.errors import NotFound
from kechuang.core.i18n import LANGS
from kechuang.transfer.enums import InterestKind, OpportunityStatus, PassReason
from kechuang.transfer.models import Interest, Opportunity

# Who answers a card: people of a company (an enterprise on the platform).
ANSWERING_KINDS = (OrganizationKind.ENTERPRISE,)


def public_opportunities(
    *, query: str = "", kind: str = "", trl_min: int | None = None, sector: str = ""
) -> QuerySet[Opportunity]:
    """Open cards, newest first: words in the title, problem or benefit; the achievement's type, a least
    TRL, a sector."""
    found = Opportunity.objects.filter(status=OpportunityStatus.OPEN)
    if kind:
        found = found.filter(achievement__kind=kind)
    if trl_min is not None:
        found = found.filter(achievement__trl__gte=trl_min)
    if sector:
        # JSON containment is not on SQLite; sector codes are short tokens, so a quoted substring is exact.
        found = found.filter(achievement__sectors__icontains=f'"{sector}"')
    if query.strip():
        words = query.strip()
        # Per language key: SQLite keeps JSON with \u escapes, so only the extracted text matches Chinese.
        texts = Q(achievement__title_text__icontains=words)
        for field in ("problem", "benefit"):
            for language in LANGS:
                texts |= Q(**{f"{field}__{language}__icontains": words})
        found = found.filter(texts)
    return found.select_related("achievement", "achievement__owner").order_by("-published_at", "-id")


def get_opportunity_for(user: Any, pk: int) -> Opportunity:
    """A card: open or closed, it shows only the achievement's public facts, so anyone may read it."""
    card = Opportunity.objects.select_related("achievement", "achievement__owner").filter(pk=pk).first()
    if card is None:
        raise NotFound()
    return card


def opportunities_of(achievement: Any) -> list[Opportunity]:
    return list(achievement.opportunities.order_by("-published_at", "-id"))


def answering_organizations(user: Any) -> list[Organization]:
    """The active companies ``user`` may answer for (approved memberships in any role)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Organization.objects.filter(
            memberships__user=user, memberships__status="approved", status="active", kind__in=ANSWERING_KINDS
        )
        .distinct()
        .order_by("pk")
    )


def answers_of(user: Any, card: Opportunity) -> list[Interest]:
    """The answers already given to ``card`` for the companies ``user`` belongs to."""
    companies = [org.pk for org in answering_organizations(user)]
    if not companies:
        return []
    return list(card.interests.filter(organization_id__in=companies).select_related("organization"))


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class Feedback:
    """Answers to one card: interested companies, passes and their reasons (every reason listed, even at 0)."""

    interested: int
    passed: int
    reasons: list[ReasonCount]

    @property
    def answers(self) -> int:
        return self.interested + self.passed


def feedback_of(card: Opportunity) -> Feedback:
    rows = card.interests.values("kind", "pass_reason").annotate(n=Count("id"))
    interested = sum(row["n"] for row in rows if row["kind"] == InterestKind.INTERESTED)
    by_reason = {row["pass_reason"]: row["n"] for row in rows if row["kind"] == InterestKind.PASSED}
    reasons = [ReasonCount(reason, str(label), by_reason.get(reason, 0)) for reason, label in PassReason.choices]
    return Feedback(interested=interested, passed=sum(by_reason.values()), reasons=reasons)


def interests_of(card: Opportunity) -> list[Interest]:
    """Every company's answer with its comment, newest first (for the unit's officers)."""
    return list(card.interests.select_related("organization", "user").order_by("-updated_at", "-id"))
