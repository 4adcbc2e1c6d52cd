"""Achievements as search documents (kind ``achievement``), registered in ``TransferConfig.ready``.

Only public facts reach the index (ADR 0007: what is findable is public): the title, the summary, the
type, TRL and IP status, the sectors, the owner, and the problem and benefit of an open marketplace
card. Funding and the completers' contributions never do. With the card's text in the body, a
company's need or a challenge list finds the results that answer it through ``search.match``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization
from kechuang.core.regions import all_regions
from kechuang.core.sectors import BY_CODE
from kechuang.search.documents import SearchDocument
from kechuang.transfer.enums import AchievementKind, AchievementStatus, OpportunityStatus
from kechuang.transfer.models import Achievement, Opportunity


def _both(value: dict[str, str] | None) -> str:
    return "\n".join(text for text in (value or {}).values() if text)


def _regions(code: str) -> list[str]:
    """The region and every region above it, so a filter on a province finds its districts' results."""
    regions = all_regions()
    chain: list[str] = []
    while code and code not in chain:
        chain.append(code)
        parent = regions.get(code)
        code = parent.parent if parent is not None and parent.parent else ""
    return chain


def _in_both(label: Any) -> dict[str, str]:
    texts = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts[language] = str(label)
    return texts


class AchievementDocuments:
    kind = "achievement"
    label = _("Achievements")
    model = Achievement
    dependents: dict[Any, Any] = {
        Opportunity: lambda card: [card.achievement_id],
        Organization: lambda org: Achievement.objects.filter(owner=org).values_list("pk", flat=True),
    }

    def queryset(self) -> QuerySet[Achievement]:
        return (
            Achievement.objects.exclude(status=AchievementStatus.WITHDRAWN)
            .select_related("owner")
            .prefetch_related(
                Prefetch(
                    "opportunities",
                    queryset=Opportunity.objects.filter(status=OpportunityStatus.OPEN),
                    to_attr="open_cards",
                )
            )
        )

    def document(self, obj: Achievement) -> SearchDocument:
        kind = AchievementKind(obj.kind)
        sectors = [f"{BY_CODE[c].zh} {BY_CODE[c].en}" for c in obj.sectors if c in BY_CODE]
        cards = getattr(obj, "open_cards", [])
        card_text = [f"{_both(card.problem)}\n{_both(card.benefit)}" for card in cards]
        kind_words = _in_both(kind.label)
        return SearchDocument(
            kind=self.kind,
            pk=obj.pk,
            text={
                "title": _both(obj.title),
                "keywords": " ".join([*sectors, _both(obj.owner.name), *kind_words.values(), obj.ip_number]),
                "body": "\n".join([_both(obj.summary), *card_text]),
            },
            filters={
                "region": _regions(obj.owner.region),
                "sector": list(obj.sectors),
                "org_type": [obj.owner.kind],
                "organization": [str(obj.owner_id)],
            },
            display={
                "title": obj.title,
                "subtitle": obj.owner.name,
                "badge": {lang: f"{text} · TRL {obj.trl}" for lang, text in kind_words.items()},
                "url": reverse("transfer:achievement", args=[obj.pk]),
            },
        )
