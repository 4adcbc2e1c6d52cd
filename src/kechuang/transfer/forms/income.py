"""Forms of the income pages: a unit's policy, the team's split, a receipt (with its deductions and a preview),
a reversal, proposing and approving a distribution, and the statement's filters. Percentages are typed as
people write them (97, 33.33) and become basis points; amounts in yuan become fen. They read and check
input; the services decide."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization
from kechuang.core.idempotency import new_form_token
from kechuang.core.money import Money
from kechuang.transfer.enums import DeductionKind, ReceiptKind
from kechuang.transfer.forms.deals import MoneyField
from kechuang.transfer.models import Completer
from kechuang.transfer.services.income import DeductionSpec

HUNDRED = Decimal(100)
# <input type="date"> takes only ISO dates: without a format the localised 2026/11/24 is discarded by the browser.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PercentField(forms.DecimalField):
    """A percentage from 0 to 100 with at most two decimals, cleaned to basis points (97 → 9,700)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", HUNDRED)
        super().__init__(max_digits=5, decimal_places=2, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def clean(self, value: Any) -> int | None:
        cleaned = super().clean(value)
        return None if cleaned is None else int(cleaned * HUNDRED)


def percent(bp: int) -> Decimal:
    """Basis points as the percentage a field shows (9,700 → 97.00)."""
    return (Decimal(bp) / HUNDRED).quantize(Decimal("0.01"))


class OnceForm(forms.Form):
    """A form that moves money: a hidden one-time token, claimed in the write's transaction."""

    once = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("once", new_form_token())
        super().__init__(*args, **kwargs)


class PolicyForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Unit"), queryset=Organization.objects.none())
    name = forms.CharField(label=_("Name of the policy"), max_length=200)
    citation = forms.CharField(
        label=_("The unit's own rule"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Its title, document number and article, as published (Law, Art. 44)."),
    )
    effective_from = forms.DateField(label=_("In force from"), widget=DATE)
    cash = PercentField(label=_("Team's share of net cash income (%)"))
    equity = PercentField(label=_("Team's share of equity (%)"))
    profit = PercentField(label=_("Team's share of operating profit (%)"))
    profit_years = forms.IntegerField(label=_("Years of profit sharing"), min_value=0, max_value=50)

    def __init__(self, *args: Any, units: Iterable[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = Organization.objects.filter(pk__in=[unit.pk for unit in units]).order_by("pk")
        chosen = [unit.pk for unit in units]
        if len(chosen) == 1 and not self.is_bound:
            self.initial.setdefault("institution", chosen[0])


class SplitForm(forms.Form):
    """One percentage per completer, in the completers' order; they must add up to 100."""

    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, completers: list[Completer], initial_bp: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.completers = completers
        for completer in completers:
            self.fields[f"share_{completer.pk}"] = PercentField(
                label=completer.name, initial=percent(initial_bp.get(completer.pk, completer.contribution_bp))
            )
        self.order_fields([f"share_{completer.pk}" for completer in completers] + ["note"])

    def shares(self) -> dict[int, int]:
        return {completer.pk: self.cleaned_data[f"share_{completer.pk}"] for completer in self.completers}


RECEIPT_KINDS = [
    (ReceiptKind.UPFRONT.value, ReceiptKind.UPFRONT.label),
    (ReceiptKind.MILESTONE.value, ReceiptKind.MILESTONE.label),
    (ReceiptKind.ROYALTY.value, ReceiptKind.ROYALTY.label),
    (ReceiptKind.EQUITY_GRANT.value, ReceiptKind.EQUITY_GRANT.label),
]


class ReceiptForm(OnceForm):
    """A receipt with up to one itemised deduction of each kind (the API takes any number)."""

    kind = forms.ChoiceField(label=_("Kind of income"), choices=RECEIPT_KINDS)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    gross = MoneyField(
        label=_("Amount received"),
        required=False,
        help_text=_("Cash, in yuan, e.g. 100万. Leave empty for an equity grant."),
    )
    shares = forms.IntegerField(
        label=_("Shares received"),
        required=False,
        min_value=0,
        help_text=_("For an equity grant only: the number of shares."),
    )
    tax_label = forms.CharField(label=_("Related taxes: what"), max_length=200, required=False)
    tax_amount = MoneyField(label=_("Related taxes: amount"), required=False)
    maintenance_label = forms.CharField(label=_("Maintaining the result: what"), max_length=200, required=False)
    maintenance_amount = MoneyField(label=_("Maintaining the result: amount"), required=False)
    direct_cost_label = forms.CharField(label=_("Direct costs of the deal: what"), max_length=200, required=False)
    direct_cost_amount = MoneyField(label=_("Direct costs of the deal: amount"), required=False)
    reference = forms.CharField(label=_("Bank or transfer reference"), max_length=100, required=False)

    def deductions(self) -> list[DeductionSpec]:
        found = []
        for kind in DeductionKind.values:
            amount = self.cleaned_data.get(f"{kind}_amount")
            label = self.cleaned_data.get(f"{kind}_label") or ""
            if amount is not None or label:
                found.append(DeductionSpec(kind, label or str(DeductionKind(kind).label), amount or Money(0)))
        return found


class ReversalForm(OnceForm):
    received_on = forms.DateField(label=_("Taken back on"), widget=DATE)
    gross = MoneyField(
        label=_("Amount taken back"),
        required=False,
        help_text=_("Negative, in yuan; leave empty to reverse the whole receipt."),
    )
    shares = forms.IntegerField(label=_("Shares taken back"), required=False, max_value=-1)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class ProposeForm(OnceForm):
    deferral_101 = forms.BooleanField(
        label=_("The completers chose to defer tax on the shares until they are sold (Caishui [2016] No. 101)"),
        required=False,
    )


class StatementFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - narrows the type
        field.choices = [("", _("All years")), *[(year, str(year)) for year in years]]

    def chosen_year(self) -> int | None:
        return self.cleaned_data.get("year") if self.is_valid() else None
