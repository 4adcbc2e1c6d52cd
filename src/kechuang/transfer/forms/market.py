"""Forms of the marketplace: publishing a card, a company's answer, and the public list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization
from kechuang.core.i18n import bilingual
from kechuang.core.sectors import sector_choices
from kechuang.transfer.enums import AchievementKind, InterestKind, PassReason
from kechuang.transfer.forms.deals import MoneyField

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class OpportunityForm(forms.Form):
    problem_zh = forms.CharField(label=_("Problem it solves (Chinese)"), widget=TEXTAREA, max_length=2000)
    problem_en = forms.CharField(
        label=_("Problem it solves (English)"), widget=TEXTAREA, max_length=2000, required=False
    )
    benefit_zh = forms.CharField(
        label=_("Benefit against the current best (Chinese)"),
        widget=TEXTAREA,
        max_length=2000,
        help_text=_("Compare with the best solution on the market today, in figures where you can."),
    )
    benefit_en = forms.CharField(
        label=_("Benefit against the current best (English)"), widget=TEXTAREA, max_length=2000, required=False
    )
    economics_zh = forms.CharField(label=_("Economic comparison"), widget=TEXTAREA, max_length=2000, required=False)
    route_zh = forms.CharField(label=_("Route to market"), widget=TEXTAREA, max_length=2000, required=False)
    asking_price = MoneyField(label=_("Indicative price"), required=False, help_text=_("Optional, in yuan."))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "problem": bilingual(zh=data["problem_zh"], en=data.get("problem_en", "")),
            "benefit": bilingual(zh=data["benefit_zh"], en=data.get("benefit_en", "")),
            "economics": bilingual(zh=data.get("economics_zh", "")),
            "route": bilingual(zh=data.get("route_zh", "")),
            "asking_price": data.get("asking_price"),
        }


class InterestForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("For the company"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Your answer"), choices=InterestKind.choices, widget=forms.RadioSelect)
    pass_reason = forms.ChoiceField(
        label=_("Why you pass"),
        choices=[("", "—"), *PassReason.choices],
        required=False,
        help_text=_("Needed when you pass: the unit learns what industry is missing."),
    )
    comment = forms.CharField(label=_("Comment"), widget=TEXTAREA, max_length=2000, required=False)

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = Organization.objects.filter(pk__in=[org.pk for org in organizations]).order_by("pk")
        if len(organizations) == 1:
            field.initial = organizations[0].pk


class MarketFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Type"), required=False)
    trl = forms.TypedChoiceField(label=_("TRL at least"), required=False, coerce=int, empty_value=None)
    sector = forms.ChoiceField(label=_("Sector"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        self.fields["kind"].choices = any_choice + list(AchievementKind.choices)  # type: ignore[attr-defined]
        self.fields["trl"].choices = any_choice + [(n, str(n)) for n in range(1, 10)]  # type: ignore[attr-defined]
        self.fields["sector"].choices = any_choice + list(sector_choices())  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": str(data.get("q") or ""),
            "kind": str(data.get("kind") or ""),
            "trl_min": data.get("trl"),
            "sector": str(data.get("sector") or ""),
        }

    def active(self) -> bool:
        return any(value not in ("", None) for value in self.filters().values())
