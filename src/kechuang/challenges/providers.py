"""Published lists as search documents (kind ``challenge``), registered in ``ChallengesConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization
from kechuang.challenges.enums import PUBLIC_STATUSES, ChallengeStatus
from kechuang.challenges.models import Challenge, Indicator
from kechuang.core.regions import all_regions
from kechuang.core.sectors import BY_CODE
from kechuang.search.documents import SearchDocument


def _both(value: dict[str, str] | None) -> str:
    return "\n".join(text for text in (value or {}).values() if text)


def _regions(code: str) -> list[str]:
    regions = all_regions()
    chain: list[str] = []
    while code and code not in chain:
        chain.append(code)
        parent = regions.get(code)
        code = parent.parent if parent is not None and parent.parent else ""
    return chain


def _label(status: str, language: str) -> str:
    with translation.override(language):
        return str(ChallengeStatus(status).label)


class ChallengeDocuments:
    kind = "challenge"
    label = _("Challenge lists")
    model = Challenge
    # Public text only: the NDA-gated details never reach the index.
    dependents: dict[Any, Any] = {
        Indicator: lambda row: [row.challenge_id],
        Organization: lambda org: Challenge.objects.filter(issuer=org).values_list("pk", flat=True),
    }

    def queryset(self) -> QuerySet[Challenge]:
        return (
            Challenge.objects.filter(status__in=PUBLIC_STATUSES).select_related("issuer").prefetch_related("indicators")
        )

    def document(self, obj: Challenge) -> SearchDocument:
        indicators = [f"{_both(row.name)} {row.target}{row.unit}" for row in obj.indicators.all()]
        sectors = [f"{BY_CODE[c].zh} {BY_CODE[c].en}" for c in obj.sectors if c in BY_CODE]
        return SearchDocument(
            kind=self.kind,
            pk=obj.pk,
            text={
                "title": _both(obj.title),
                "keywords": " ".join([*sectors, _both(obj.issuer.name)]),
                "body": "\n".join([_both(obj.summary), _both(obj.problem), *indicators]),
            },
            filters={
                "region": _regions(obj.region),
                "sector": list(obj.sectors),
                "org_type": [obj.issuer.kind],
                "organization": [str(obj.issuer_id)],
            },
            display={
                "title": obj.title,
                "subtitle": obj.issuer.name,
                "badge": {"zh-hans": _label(obj.status, "zh-hans"), "en": _label(obj.status, "en")},
                "url": reverse("challenges:detail", args=[obj.pk]),
            },
        )
