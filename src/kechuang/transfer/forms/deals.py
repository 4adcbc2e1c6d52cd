"""Forms of the deal pages: the terms, the due-diligence record, the completers' answer, each next step's
inputs, documents and the unit's public-notice period. They read and check input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import Organization
from kechuang.core.money import Money
from kechuang.core.widgets import InlineSelect
from kechuang.transfer.enums import DealKind, DealStage, FirstRefusal, LicenceScope, PricingMethod
from kechuang.transfer.models import Deal
from kechuang.transfer.models.deals import MAX_PUBLICITY_DAYS
from kechuang.transfer.services.deals import Terms

SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 3})
# <input type="date"> takes only ISO dates: without a format the localised 2026/11/24 is discarded by the browser.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MoneyField(forms.CharField):
    """An amount typed in yuan ("100万", "1,000,000.00", "12.5万元"), cleaned to :class:`Money`."""

    def to_python(self, value: Any) -> Money | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        # Negative amounts are read so the service can refuse them with its own message.
        return Money.parse(text, allow_negative=True)


class DealForm(forms.Form):
    buyer = forms.ModelChoiceField(label=_("Buyer"), queryset=Organization.objects.none(), widget=InlineSelect)
    kind = forms.ChoiceField(label=_("Kind of deal"), choices=DealKind.choices)
    licence_scope = forms.ChoiceField(
        label=_("Licence scope"),
        choices=[("", "—"), *LicenceScope.choices],
        required=False,
        help_text=_("For a licence only: exclusive, sole or non-exclusive."),
    )
    pricing = forms.ChoiceField(
        label=_("Pricing method"),
        choices=PricingMethod.choices,
        help_text=_("A negotiated price is publicised inside the unit before approval (Art. 18)."),
    )
    price = MoneyField(
        label=_("Price"), help_text=_("In yuan, e.g. 100万. For an investment as equity: the valuation.")
    )
    equity_shares = forms.IntegerField(
        label=_("Shares received"),
        required=False,
        min_value=1,
        help_text=_("For an investment as equity only: the shares the unit receives for the result."),
    )
    usage_right_only = forms.BooleanField(
        label=_("Only a usage right is contributed"),
        required=False,
        help_text=_("For an investment as equity: the unit keeps ownership and contributes the right to use it."),
    )
    notes = forms.CharField(label=_("Notes"), widget=SHORT_TEXTAREA, max_length=4000, required=False)

    def __init__(self, *args: Any, seller_id: int, deal: Deal | None = None, **kwargs: Any) -> None:
        if deal is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "buyer": deal.buyer_id,
                "kind": deal.kind,
                "licence_scope": deal.licence_scope,
                "pricing": deal.pricing,
                "price": str(deal.price.yuan),
                "equity_shares": deal.equity_shares,
                "usage_right_only": deal.usage_right_only,
                "notes": deal.notes,
            }
        super().__init__(*args, **kwargs)
        buyer = self.fields["buyer"]
        assert isinstance(buyer, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        buyer.queryset = Organization.objects.filter(status="active").exclude(pk=seller_id).order_by("pk")

    def terms(self) -> Terms:
        data = self.cleaned_data
        return Terms(
            buyer=data["buyer"],
            kind=data["kind"],
            pricing=data["pricing"],
            price=data["price"],
            licence_scope=data.get("licence_scope") or "",
            equity_shares=data.get("equity_shares"),
            usage_right_only=bool(data.get("usage_right_only")),
            notes=data.get("notes") or "",
        )


class DiligenceForm(forms.Form):
    technology = forms.CharField(
        label=_("The technology"),
        widget=SHORT_TEXTAREA,
        max_length=4000,
        required=False,
        help_text=_("Ownership, IP status and validity, what the result can and cannot do."),
    )
    buyer = forms.CharField(
        label=_("The buyer"),
        widget=SHORT_TEXTAREA,
        max_length=4000,
        required=False,
        help_text=_("Standing, capacity to pay and to implement, relations with the unit's people."),
    )
    plan = forms.CharField(
        label=_("The deal plan"),
        widget=SHORT_TEXTAREA,
        max_length=4000,
        required=False,
        help_text=_("Kind of deal, how the price was set and why it is fair, payment terms."),
    )
    approvals = forms.CharField(
        label=_("The approvals"),
        widget=SHORT_TEXTAREA,
        max_length=4000,
        required=False,
        help_text=_("Who decided, when, in which meeting or document (Beijing regulations, Art. 19)."),
    )


class FirstRefusalForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("The completers' answer"),
        choices=[
            (FirstRefusal.WAIVED, FirstRefusal.WAIVED.label),
            (FirstRefusal.EXERCISED, FirstRefusal.EXERCISED.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Record"),
        widget=SHORT_TEXTAREA,
        max_length=2000,
        help_text=_("Whose answer, on which day, in which signed document."),
    )


class MoveForm(forms.Form):
    """The inputs of one next step (its target comes in the page's ``to`` field): a reason (required to close
    or abandon), and the contract for signing."""

    reason = forms.CharField(label=_("Note"), widget=SHORT_TEXTAREA, max_length=2000, required=False)
    contract_number = forms.CharField(label=_("Contract number"), max_length=60, required=False)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DATE)

    def __init__(self, *args: Any, target: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if target is not None:
            if target != DealStage.SIGNED:
                del self.fields["contract_number"]
                del self.fields["signed_on"]
            if target in (DealStage.CLOSED, DealStage.ABANDONED):
                reason = self.fields["reason"]
                reason.required = True
                reason.label = _("Reason")
                reason.help_text = (
                    _("Why the deal is finished, e.g. every payment has been received.")
                    if target == DealStage.CLOSED
                    else _("Why the deal is given up; it stays in the history.")
                )
            else:
                self.fields["reason"].help_text = _("Optional; kept in the deal's history.")


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, PNG, JPEG, DOCX, XLSX or OFD, at most 20 MB; its SHA-256 is kept.")
    )


class PublicityDaysForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Unit"), queryset=Organization.objects.none())
    publicity_days = forms.IntegerField(
        label=_("Public notice of negotiated prices, in calendar days"),
        min_value=1,
        max_value=MAX_PUBLICITY_DAYS,
        help_text=_("The law requires the notice but fixes no length; 15 days is common practice."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = units


class DealFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("Any")), *DealStage.choices]  # type: ignore[attr-defined]

    def chosen_stage(self) -> str:
        return str(self.cleaned_data.get("stage") or "") if self.is_valid() else ""
