"""Employment history and declared relations on the profile page; shareholdings on the organisation's page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.accounts import selectors, services
from kechuang.accounts.enums import RelationKind
from kechuang.accounts.forms.base import (
    EMPTY_CHOICE,
    ORGANIZATION_OPTIONS_LIMIT,
    OrganizationPickerMixin,
    ServiceForm,
    picker_query_field,
    text_field,
)
from kechuang.accounts.models import Affiliation, ExpertProfile, Organization, Relation, Shareholding, User
from kechuang.core.errors import DomainError


def _year(label: Any, *, required: bool = False, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=1900,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class AffiliationForm(OrganizationPickerMixin, ServiceForm):
    """One row of the expert's employment history."""

    organization_query = picker_query_field()
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=Organization.objects.none())
    position = text_field(_("Position"), max_length=200, help_text=_("e.g. 副研究员, Associate Professor"))
    start_year = _year(_("From (year)"), required=True)
    end_year = _year(_("Until (year)"), help_text=_("Leave empty if you are still there."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The page holds the profile form's own organisation picker: ids of their own keep them apart.
        kwargs.setdefault("auto_id", "id_history_%s")
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.organizations()  # type: ignore[attr-defined]
        self.set_picker_options(include=[self.chosen_organization()])

    def submit(self, *, actor: User, profile: ExpertProfile) -> Affiliation | None:
        data = self.cleaned_data
        try:
            return services.add_affiliation(
                actor=actor,
                profile=profile,
                organization=data["organization"],
                start_year=data["start_year"],
                end_year=data["end_year"],
                position=data["position"],
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None


def expert_options(user: Any, *, query: str = "", include: ExpertProfile | None = None) -> list[ExpertProfile]:
    """Experts ``user`` may see (never themselves) matching ``query``, at most 50, after ``include``."""
    found = selectors.expert_profiles_visible_to(user, query=query.strip()).exclude(user=user)
    options = [include] if include is not None else []
    options += [p for p in found[:ORGANIZATION_OPTIONS_LIMIT] if include is None or p.pk != include.pk]
    return options


class RelationForm(ServiceForm):
    """A relation the expert declares with another expert; seen by the two of them and the operators only."""

    expert_query = forms.CharField(
        label=_("Find an expert"),
        required=False,
        max_length=100,
        help_text=_("Type part of the name or a keyword."),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "hx-get": reverse_lazy("accounts:expert_options"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-swap": "innerHTML",
                "hx-target": "#id_relation_other",
            }
        ),
    )
    other = forms.ModelChoiceField(label=_("Expert"), queryset=ExpertProfile.objects.none())
    kind = forms.ChoiceField(label=_("They are my"), choices=RelationKind.choices)
    start_year = _year(_("From (year)"))
    end_year = _year(_("Until (year)"), help_text=_("Leave empty if it goes on."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_relation_%s")
        super().__init__(*args, **kwargs)
        visible = selectors.expert_profiles_visible_to(user).exclude(user=user)
        self.fields["other"].queryset = visible  # type: ignore[attr-defined]
        raw = self.data.get("other") if self.is_bound else None
        chosen = visible.filter(pk=int(raw)).first() if raw and str(raw).isdigit() else None
        query = str(self.data.get("expert_query", "")) if self.is_bound else ""
        options = expert_options(user, query=query, include=chosen)
        self.fields["other"].widget.choices = [EMPTY_CHOICE, *((p.pk, str(p)) for p in options)]

    def keep_values_only(self) -> None:
        """Re-show the form after "Find" with what was typed and no error messages."""
        self.is_valid()
        self.errors.clear()

    def submit(self, *, actor: User, profile: ExpertProfile) -> Relation | None:
        data = self.cleaned_data
        try:
            return services.declare_relation(
                actor=actor,
                profile=profile,
                other=data["other"],
                kind=data["kind"],
                start_year=data["start_year"],
                end_year=data["end_year"],
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None


class ShareholdingForm(OrganizationPickerMixin, ServiceForm):
    """Who holds how much of an organisation: a person (by user name) or another organisation."""

    error_fields = {"share_bp": "share_percent", "holder": "holder_username"}
    picker_field = "holder_organization"

    holder_username = text_field(
        _("Holder: a person's user name"),
        max_length=150,
        autocomplete="off",
        spellcheck="false",
        help_text=_("Or choose a holding organization below."),
    )
    organization_query = picker_query_field()
    holder_organization = forms.ModelChoiceField(
        label=_("Holder: an organization"), required=False, queryset=Organization.objects.none()
    )
    share_percent = forms.DecimalField(
        label=_("Share in per cent"), min_value=Decimal("0.01"), max_value=Decimal(100), decimal_places=2
    )
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder_organization"].queryset = selectors.organizations()  # type: ignore[attr-defined]
        self.fields["as_of"].initial = timezone.localdate()
        self.set_picker_options(include=[self.chosen_organization()])

    def submit(self, *, actor: User, organization: Organization) -> Shareholding | None:
        data = self.cleaned_data
        username = data["holder_username"].strip()
        holder_user = User.objects.filter(username=username, is_active=True).first() if username else None
        if username and holder_user is None:
            self.add_error("holder_username", _("No account has this user name."))
            return None
        try:
            return services.set_shareholding(
                actor=actor,
                organization=organization,
                holder_user=holder_user,
                holder_organization=data["holder_organization"],
                share_bp=int((data["share_percent"] * 100).to_integral_value()),
                as_of=data["as_of"],
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None
