"""Filter forms of the directories. They only read the query string; a bad value is dropped, not an error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.enums import OrganizationKind
from kechuang.core.regions import grouped_region_choices
from kechuang.core.sectors import sector_choices
from kechuang.core.widgets import InlineSelect


class FilterForm(forms.Form):
    """A GET form whose valid fields are used and whose invalid ones are ignored."""

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or field_default(field) for name, field in self.fields.items()}

    def active(self) -> bool:
        return any(self.filters().values())


def field_default(field: forms.Field) -> Any:
    return None if isinstance(field, forms.IntegerField) else ""


# Choices are callables so each request builds them in its own language.
def kind_choices() -> list[tuple[str, Any]]:
    return [("", _("All types")), *OrganizationKind.choices]


def region_filter_choices() -> list[tuple[str, Any]]:
    # Grouped by province: about 490 cities and districts, too many for one flat list.
    return [("", _("All regions")), *grouped_region_choices()]


def sector_filter_choices() -> list[tuple[str, Any]]:
    return [("", _("All sectors")), *sector_choices()]


class OrganizationFilterForm(FilterForm):
    q = forms.CharField(
        label=_("Name or credit code"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=kind_choices, widget=InlineSelect)
    region = forms.ChoiceField(label=_("Region"), required=False, choices=region_filter_choices, widget=InlineSelect)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=sector_filter_choices, widget=InlineSelect)


class ExpertFilterForm(FilterForm):
    q = forms.CharField(
        label=_("Name or keyword"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    field = forms.CharField(label=_("Field"), required=False, max_length=100)
    org = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
