"""Forms of the registry's pages: the seller's application (with rows of non-technical items, no
JavaScript needed), the registrar's decisions, endings, and the statistics filter.

Forms only shape input; the services validate the contract and refuse what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization
from kechuang.core.money import Money
from kechuang.core.regions import all_regions, children, provinces
from kechuang.core.sectors import sector_choices
from kechuang.core.widgets import InlineSelect
from kechuang.transfer import registry_terms as terms
from kechuang.transfer.enums import ContractType, NonTechnicalItem
from kechuang.transfer.models import Registration
from kechuang.transfer.services.registry import ContractSpec, NonTechnicalSpec, Party

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ROWS = 3  # non-technical rows shown at first; "add a row" gives one more
MAX_ROWS = 30

_COUNTY_CHOICES: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}


def county_choices() -> list[tuple[str, Any]]:
    """County-level regions grouped by province, in the active language (a region without subdivisions is one)."""
    language = get_language() or "zh-hans"
    if language not in _COUNTY_CHOICES:
        regions = all_regions()
        groups = []
        for province in provinces():
            leaves = []
            for region in regions.values():
                if region.province_code != province.code or children(region.code):
                    continue
                parent = regions.get(region.parent or "")
                label = region.name
                if parent is not None and parent.level == "prefecture":
                    label = f"{parent.name} · {region.name}"
                leaves.append((region.code, label))
            groups.append((province.name, sorted(leaves)))
        _COUNTY_CHOICES[language] = groups
    return [("", _("Choose…")), *_COUNTY_CHOICES[language]]


def field_choices() -> list[tuple[str, Any]]:
    return [("", _("Not given")), *sector_choices()]


class MoneyField(forms.CharField):
    """An amount typed in yuan ("1,250,000.00", "12.5万", "3亿"), cleaned to :class:`Money`."""

    def to_python(self, value: Any) -> Money | None:  # type: ignore[override]
        text = super().to_python(value)
        return Money.parse(text) if text else None

    def prepare_value(self, value: Any) -> Any:
        return str(value.yuan) if isinstance(value, Money) else value


class ContractForm(forms.Form):
    """The contract as the seller states it; the seller's own fields start from the applying organisation."""

    organization = forms.ModelChoiceField(
        label=_("Applying organisation"), queryset=Organization.objects.none(), empty_label=None
    )
    contract_type = forms.ChoiceField(
        label=_("Contract type"), choices=ContractType.choices, widget=forms.RadioSelect, help_text=_("民法典 §843.")
    )
    title = forms.CharField(label=_("Contract title"), max_length=300)
    contract_number = forms.CharField(label=_("Contract's own number"), max_length=80, required=False)
    seller_name = forms.CharField(label=_("Seller"), max_length=200)
    seller_uscc = forms.CharField(label=_("Seller's unified social credit code"), max_length=30)
    seller_region = forms.ChoiceField(
        label=_("Seller's district or county"), choices=county_choices, widget=InlineSelect
    )
    buyer_name = forms.CharField(label=_("Buyer"), max_length=200)
    buyer_uscc = forms.CharField(
        label=_("Buyer's unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("Leave empty for a natural person."),
    )
    buyer_region = forms.ChoiceField(
        label=_("Buyer's district or county"),
        choices=county_choices,
        widget=InlineSelect,
        help_text=_("Where the buyer is located; the flow statistics (e.g. Beijing → Tianjin, Hebei) read it."),
    )
    field = forms.ChoiceField(label=_("Technical field"), choices=field_choices, required=False, widget=InlineSelect)
    contract_amount = MoneyField(
        label=_("Contract amount (成交额)"), help_text=_("In yuan, e.g. 1,250,000.00, 125万 or 1.2亿.")
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    effective_on = forms.DateField(label=_("In force from"), widget=DATE)
    disputed = forms.BooleanField(
        label=_("The parties dispute the contract"),
        required=False,
        help_text=_("A disputed contract gets the longer time limit."),
    )

    def __init__(self, *args: Any, organizations: Iterable[Organization] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])

    def spec(self, lines: list[NonTechnicalSpec]) -> ContractSpec:
        data = self.cleaned_data
        return ContractSpec(
            contract_type=data["contract_type"],
            title=data["title"],
            contract_number=data["contract_number"],
            seller=Party(name=data["seller_name"], uscc=data["seller_uscc"], region=data["seller_region"]),
            buyer=Party(name=data["buyer_name"], uscc=data["buyer_uscc"], region=data["buyer_region"]),
            field=data["field"],
            contract_amount=data["contract_amount"],
            non_technical=lines,
            signed_on=data["signed_on"],
            effective_on=data["effective_on"],
            disputed=data["disputed"],
        )


def contract_initial(registration: Registration) -> dict[str, Any]:
    """A registration's contract as the form's initial values (for correcting and amending)."""
    return {
        "organization": registration.applicant_organization_id,
        "contract_type": registration.contract_type,
        "title": registration.title,
        "contract_number": registration.contract_number,
        "seller_name": registration.seller_name,
        "seller_uscc": registration.seller_uscc,
        "seller_region": registration.seller_region,
        "buyer_name": registration.buyer_name,
        "buyer_uscc": registration.buyer_uscc,
        "buyer_region": registration.buyer_region,
        "field": registration.field,
        "contract_amount": Money(registration.contract_amount_fen),
        "signed_on": registration.signed_on,
        "effective_on": registration.effective_on,
        "disputed": registration.disputed,
    }


def seller_initial(organization: Organization) -> dict[str, Any]:
    return {
        "organization": organization.pk,
        "seller_name": str(organization),
        "seller_uscc": organization.uscc or "",
        "seller_region": organization.region if not children(organization.region) else "",
    }


class NonTechnicalRowForm(forms.Form):
    """One non-technical item; a row left wholly empty is ignored, a row begun needs all three parts.

    The parts are not marked required: the rows are optional, and an asterisk on each would say otherwise."""

    # A blank first choice: a browser sends a select's first option, and a row left untouched must stay empty.
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "—"), *NonTechnicalItem.choices], widget=InlineSelect, required=False
    )
    label = forms.CharField(label=pgettext_lazy("non-technical item", "What"), max_length=200, required=False)
    amount = MoneyField(label=_("Amount (yuan)"), required=False)

    PARTS = ("kind", "label", "amount")

    def filled(self) -> bool:
        """Whether the row holds anything (after cleaning); an emptied row counts as no row."""
        cleaned = getattr(self, "cleaned_data", None) or {}
        return any(cleaned.get(name) not in (None, "") for name in self.PARTS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.filled():
            for name in self.PARTS:
                if cleaned.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, forms.Field.default_error_messages["required"])
        return cleaned


class OptionalRows(forms.BaseFormSet[NonTechnicalRowForm]):
    """Rows of which any may be left empty, however many were shown (no initial forms)."""

    def initial_form_count(self) -> int:
        return 0

    def specs(self) -> list[NonTechnicalSpec]:
        return [
            NonTechnicalSpec(
                kind=f.cleaned_data["kind"], label=f.cleaned_data["label"], amount=f.cleaned_data["amount"]
            )
            for f in self.forms
            if f.has_changed() and f.filled()
        ]


def non_technical_rows(rows: int = ROWS, **kwargs: Any) -> OptionalRows:
    formset = forms.formset_factory(
        NonTechnicalRowForm,
        formset=OptionalRows,
        extra=max(1, min(rows, MAX_ROWS)),
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
    )
    bound = formset(prefix="items", **kwargs)
    assert isinstance(bound, OptionalRows)  # noqa: S101 - formset_factory was given OptionalRows
    return bound


def line_initial(registration: Registration) -> list[dict[str, Any]]:
    return [
        {"kind": line.kind, "label": line.label, "amount": Money(line.amount_fen)}
        for line in registration.non_technical_lines.all()
    ]


class BenefitsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Tax benefits claimed on the certificate"),
            choices=terms.benefit_choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            help_text=_("Each benefit claimed must be reported back to the tax office."),
            **kwargs,
        )


class AmendmentForm(forms.Form):
    reason = forms.CharField(label=_("What changes, and why"), max_length=4000, widget=TEXTAREA)
    benefits_claimed = BenefitsField()


class ReturnForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons for returning"), max_length=4000, widget=TEXTAREA)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling the registration"), max_length=4000, widget=TEXTAREA)
    benefits_claimed = BenefitsField()


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Why the contract ended"), max_length=4000, widget=TEXTAREA)
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE, initial=date.today)
    benefits_claimed = BenefitsField()


class StatisticsFilterForm(forms.Form):
    """The statistics page's years; a bad value is dropped rather than refused."""

    start = forms.IntegerField(label=_("From year"), required=False, min_value=1980, max_value=2100)
    end = forms.IntegerField(label=_("To year"), required=False, min_value=1980, max_value=2100)

    def years(self, default: tuple[int, int]) -> tuple[int, int]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        start = cleaned.get("start") or default[0]
        end = cleaned.get("end") or default[1]
        return (start, end) if start <= end else (end, start)
