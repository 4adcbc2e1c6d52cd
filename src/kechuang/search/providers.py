"""The accounts app's kinds as search documents: active organisations and public expert profiles, both languages.

Apps above search register their own providers; accounts sits below search, so its kinds are described here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import OrganizationKind, OrganizationStatus, Visibility
from kechuang.accounts.models import ExpertProfile, Organization, Work
from kechuang.core.regions import all_regions
from kechuang.core.sectors import BY_CODE
from kechuang.search.documents import SearchDocument


def _both(value: dict[str, str] | None) -> str:
    """Both languages of a bilingual value, for the index (a Chinese query finds the English too via synonyms)."""
    return "\n".join(text for text in (value or {}).values() if text)


def _regions(code: str) -> list[str]:
    """The region and every region above it (a district, its city, its province), so a filter on any finds it."""
    regions = all_regions()
    chain = []
    while code and code not in chain:
        chain.append(code)
        parent = regions.get(code)
        code = parent.parent if parent is not None and parent.parent else ""
    return chain


def _region_words(code: str) -> str:
    """Names of the region and those above it, so 天津 or Haidian finds what lies there."""
    regions = all_regions()
    return " ".join(f"{regions[c].zh} {regions[c].en}" for c in _regions(code) if c in regions)


def _region_name(code: str) -> dict[str, str]:
    region = all_regions().get(code)
    return {"zh-hans": region.zh, "en": region.en} if region is not None else {}


def _sector_names(codes: Iterable[str]) -> list[str]:
    return [f"{BY_CODE[code].zh} {BY_CODE[code].en}" for code in codes if code in BY_CODE]


class OrganizationDocuments:
    kind = "organization"
    label = _("Organizations")
    model = Organization
    dependents: dict[Any, Any] = {}

    def queryset(self) -> QuerySet[Organization]:
        return Organization.objects.filter(status=OrganizationStatus.ACTIVE)

    def document(self, obj: Organization) -> SearchDocument:
        kind = OrganizationKind(obj.kind)
        return SearchDocument(
            kind=self.kind,
            pk=obj.pk,
            text={
                "title": _both(obj.name),
                "keywords": " ".join([*_sector_names(obj.sectors), _region_words(obj.region)]),
                "body": _both(obj.description),
            },
            filters={
                "region": _regions(obj.region),
                "sector": list(obj.sectors),
                "org_type": [obj.kind],
                "organization": [str(obj.pk)],
            },
            display={
                "title": obj.name,
                "subtitle": _region_name(obj.region),
                "badge": {"zh-hans": str(_kind_label(kind, "zh-hans")), "en": str(_kind_label(kind, "en"))},
                "url": reverse("web:organization", args=[obj.pk]),
            },
        )


class ExpertDocuments:
    kind = "expert"
    label = _("Experts")
    model = ExpertProfile
    dependents: dict[Any, Any] = {
        Work: lambda work: [work.profile_id],
        Organization: lambda org: ExpertProfile.objects.filter(affiliation=org).values_list("pk", flat=True),
    }

    def queryset(self) -> QuerySet[ExpertProfile]:
        return (
            ExpertProfile.objects.filter(visibility=Visibility.PUBLIC)
            .select_related("affiliation")
            .prefetch_related(Prefetch("works", queryset=Work.objects.filter(is_public=True)))
        )

    def document(self, obj: ExpertProfile) -> SearchDocument:
        works = list(obj.works.all()) if obj.show_works else []
        affiliation = (
            obj.affiliation if obj.affiliation and obj.affiliation.status == OrganizationStatus.ACTIVE else None
        )
        keywords = [*obj.fields, *obj.keywords_zh, *obj.keywords_en]
        if affiliation:
            keywords.append(_region_words(affiliation.region))
        body = [_both(obj.bio), *(f"{_both(w.title)}\n{_both(w.abstract)}" for w in works)]
        return SearchDocument(
            kind=self.kind,
            pk=obj.pk,
            text={
                "title": _both(obj.name),
                "keywords": "，".join(str(word) for word in keywords),
                "body": "\n".join(part for part in body if part),
            },
            filters={
                "region": _regions(affiliation.region) if affiliation else [],
                "sector": list(affiliation.sectors) if affiliation else [],
                "org_type": [affiliation.kind] if affiliation else [],
                "organization": [str(affiliation.pk)] if affiliation else [],
            },
            display={
                "title": obj.name,
                "subtitle": affiliation.name if affiliation else {},
                "badge": obj.title,
                "url": reverse("web:expert", args=[obj.pk]),
            },
        )


def _kind_label(kind: OrganizationKind, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return str(kind.label)
