"""Asking for a role in an organisation, and proposing a new organisation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from kechuang.accounts import selectors, services
from kechuang.accounts.enums import OrganizationKind, Role
from kechuang.accounts.forms.base import (
    EMPTY_CHOICE,
    OrganizationPickerMixin,
    ServiceForm,
    picker_query_field,
    text_field,
    textarea_field,
)
from kechuang.accounts.models import Membership, Organization, User
from kechuang.core.errors import DomainError
from kechuang.core.i18n import bilingual
from kechuang.core.regions import region_choices
from kechuang.core.sectors import sector_choices


def role_choices(organization: Organization | None) -> list[tuple[str, str]]:
    """The roles one may ask for in ``organization``; operator only where the platform is run."""
    runs_platform = organization is not None and organization.operates_platform
    return [(value, str(label)) for value, label in Role.choices if value != Role.OPERATOR or runs_platform]


class MembershipRequestForm(OrganizationPickerMixin, ServiceForm):
    organization_query = picker_query_field()
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("accounts:role_options"),
                "hx-trigger": "change",
                "hx-target": "#id_role",
                "hx-swap": "innerHTML",
            }
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())
    note = text_field(
        _("Note to the administrator"),
        max_length=500,
        help_text=_("Optional: your department, or why you need this role."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = selectors.organizations()  # type: ignore[attr-defined]
        chosen = self.chosen_organization()
        self.set_picker_options(include=[chosen])
        self.fields["role"].choices = [EMPTY_CHOICE, *role_choices(chosen)]  # type: ignore[attr-defined]

    def submit(self, *, actor: User) -> Membership | None:
        data = self.cleaned_data
        try:
            return services.request_membership(
                actor=actor, organization=data["organization"], role=data["role"], note=data["note"]
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None


# ---------------------------------------------------------------- organisations


class OrganizationProposalForm(ServiceForm):
    error_fields = {"name": "name_zh", "description": "description_zh"}
    bilingual_required = (("name_zh", "name_en"),)

    name_zh = text_field(_("Name in Chinese"), max_length=200, lang="zh-Hans")
    name_en = text_field(_("Name in English"), max_length=200, lang="en")
    kind = forms.ChoiceField(label=_("Type"), choices=[EMPTY_CHOICE, *OrganizationKind.choices])
    region = forms.ChoiceField(label=_("Region"), choices=())
    uscc = text_field(
        _("Unified social credit code"),
        max_length=30,
        autocomplete="off",
        spellcheck="false",
        help_text=_("The 18 characters on the business licence (统一社会信用代码)."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    description_zh = textarea_field(_("Description in Chinese"), max_length=4000)
    description_en = textarea_field(_("Description in English"), max_length=4000)
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Region and sector names follow the active language, so the choices are built per request.
        self.fields["region"].choices = [EMPTY_CHOICE, *region_choices()]  # type: ignore[attr-defined]
        self.fields["sectors"].choices = sector_choices()  # type: ignore[attr-defined]

    def submit(self, *, actor: User) -> Organization | None:
        data = self.cleaned_data
        try:
            return services.propose_organization(
                actor=actor,
                name=bilingual(data["name_zh"], data["name_en"]),
                kind=data["kind"],
                region=data["region"],
                uscc=data["uscc"].strip() or None,
                sectors=list(data["sectors"]),
                description=bilingual(data["description_zh"], data["description_en"]),
                website=data["website"],
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None
