"""The search page's GET form. It only reads the query string: a bad value is dropped, never an error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import OrganizationKind
from kechuang.core.regions import grouped_region_choices
from kechuang.core.sectors import sector_choices
from kechuang.core.widgets import InlineSelect
from kechuang.search import registry


# Choices are callables so each request builds them in its own language (and sees every registered kind).
def _kind_choices() -> list[tuple[str, Any]]:
    return [("", ""), *((kind, registry.provider(kind).label) for kind in registry.kinds())]


def _region_choices() -> list[tuple[str, Any]]:
    # Grouped by province: about 490 cities and districts, too many for one flat list.
    return [("", _("All regions")), *grouped_region_choices()]


def _sector_choices() -> list[tuple[str, Any]]:
    return [("", _("All sectors")), *sector_choices()]


def _org_type_choices() -> list[tuple[str, Any]]:
    return [("", _("All types")), *OrganizationKind.choices]


@dataclass(frozen=True)
class SearchParams:
    """What the visitor asked for, every value valid (or empty)."""

    q: str
    kind: str
    region: str
    sector: str
    org_type: str
    page: int

    @property
    def filters(self) -> dict[str, list[str]]:
        """The filters as ``selectors.search`` takes them (several values each; one here)."""
        return {name: [value] for name in ("region", "sector", "org_type") if (value := getattr(self, name))}


class SearchForm(forms.Form):
    # No max_length: a long query is searched for its first words and the page says so (never an error).
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(label=_("Region"), required=False, choices=_region_choices, widget=InlineSelect)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=_sector_choices, widget=InlineSelect)
    org_type = forms.ChoiceField(
        label=_("Organization type"), required=False, choices=_org_type_choices, widget=InlineSelect
    )
    kind = forms.ChoiceField(required=False, choices=_kind_choices, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def params(self) -> SearchParams:
        """The valid values; an invalid one (unknown kind, junk page, a NUL in the words) counts as not given."""
        self.is_valid()
        cleaned: dict[str, Any] = getattr(self, "cleaned_data", {})
        return SearchParams(
            q=cleaned.get("q") or "",
            kind=cleaned.get("kind") or "",
            region=cleaned.get("region") or "",
            sector=cleaned.get("sector") or "",
            org_type=cleaned.get("org_type") or "",
            page=cleaned.get("page") or 1,
        )
