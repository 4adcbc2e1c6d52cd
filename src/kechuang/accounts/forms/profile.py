"""The expert's own profile and works."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.accounts import selectors, services
from kechuang.accounts.enums import MembershipStatus, Visibility, WorkKind
from kechuang.accounts.forms.base import (
    OrganizationPickerMixin,
    ServiceForm,
    comma_list,
    picker_query_field,
    text_field,
    textarea_field,
)
from kechuang.accounts.models import ExpertProfile, Organization, User, Work
from kechuang.core.errors import DomainError
from kechuang.core.i18n import Bilingual, bilingual


class ExpertProfileForm(OrganizationPickerMixin, ServiceForm):
    error_fields = {"name": "name_zh", "title": "title_zh", "bio": "bio_zh", "fields": "expertise"}
    bilingual_required = (("name_zh", "name_en"),)
    picker_field = "affiliation"

    name_zh = text_field(_("Name in Chinese"), max_length=100, lang="zh-Hans")
    name_en = text_field(_("Name in English"), max_length=100, lang="en")
    title_zh = text_field(_("Job title in Chinese"), max_length=100, lang="zh-Hans", help_text=_("e.g. 教授、研究员"))
    title_en = text_field(_("Job title in English"), max_length=100, lang="en", help_text=_("e.g. Professor"))
    organization_query = picker_query_field()
    affiliation = forms.ModelChoiceField(label=_("Affiliation"), required=False, queryset=Organization.objects.none())
    expertise = text_field(_("Fields of expertise"), max_length=1000, help_text=_("Separate with commas."))
    keywords_zh = text_field(
        _("Keywords in Chinese"),
        max_length=2000,
        lang="zh-Hans",
        help_text=_("Separate with commas, e.g. 力控，手术机器人"),
    )
    keywords_en = text_field(
        _("Keywords in English"),
        max_length=2000,
        lang="en",
        help_text=_("Separate with commas, e.g. force control, surgical robotics"),
    )
    orcid = text_field(
        "ORCID iD",
        max_length=40,
        autocomplete="off",
        spellcheck="false",
        help_text=_("Optional, e.g. 0000-0002-1825-0097."),
    )
    bio_zh = textarea_field(_("Biography in Chinese"), max_length=4000)
    bio_en = textarea_field(_("Biography in English"), max_length=4000)
    visibility = forms.ChoiceField(
        label=_("Who may see this profile"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    show_works = forms.BooleanField(label=_("Show my public works on the profile"), required=False, initial=True)
    show_email = forms.BooleanField(label=_("Show my e-mail address on the profile"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["affiliation"].queryset = selectors.organizations()  # type: ignore[attr-defined]
        own = [m.organization for m in selectors.memberships_of(user).filter(status=MembershipStatus.APPROVED)]
        self.set_picker_options(include=[self.chosen_organization(), *own])

    @staticmethod
    def initial_for(profile: ExpertProfile | None, user: User) -> dict[str, Any]:
        if profile is None:
            return {"name_zh": user.display_name, "visibility": Visibility.PUBLIC, "show_works": True}
        return {
            "name_zh": profile.name.get("zh-hans", ""),
            "name_en": profile.name.get("en", ""),
            "title_zh": profile.title.get("zh-hans", ""),
            "title_en": profile.title.get("en", ""),
            "affiliation": profile.affiliation,
            "expertise": comma_list(profile.fields),
            "keywords_zh": comma_list(profile.keywords_zh),
            "keywords_en": comma_list(profile.keywords_en),
            "orcid": profile.orcid or "",
            "bio_zh": profile.bio.get("zh-hans", ""),
            "bio_en": profile.bio.get("en", ""),
            "visibility": profile.visibility,
            "show_works": profile.show_works,
            "show_email": profile.show_email,
        }

    def submit(self, *, actor: User) -> ExpertProfile | None:
        data = self.cleaned_data
        try:
            return services.save_expert_profile(
                actor=actor,
                name=bilingual(data["name_zh"], data["name_en"]),
                title=bilingual(data["title_zh"], data["title_en"]),
                affiliation=data["affiliation"],
                fields=data["expertise"],
                keywords_zh=data["keywords_zh"],
                keywords_en=data["keywords_en"],
                orcid=data["orcid"].strip() or None,
                bio=bilingual(data["bio_zh"], data["bio_en"]),
                visibility=data["visibility"],
                show_works=data["show_works"],
                show_email=data["show_email"],
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None


class WorkForm(ServiceForm):
    error_fields = {"title": "title_zh", "abstract": "abstract_zh"}
    bilingual_required = (("title_zh", "title_en"),)

    kind = forms.ChoiceField(label=_("Kind"), choices=WorkKind.choices)
    title_zh = text_field(_("Work title in Chinese"), max_length=500, lang="zh-Hans")
    title_en = text_field(_("Work title in English"), max_length=500, lang="en")
    abstract_zh = textarea_field(_("Abstract in Chinese"), max_length=8000)
    abstract_en = textarea_field(_("Abstract in English"), max_length=8000)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2100)
    venue = text_field(_("Journal, office or funder"), max_length=200)
    identifier = text_field(_("DOI, patent or project number"), max_length=100, spellcheck="false")
    is_public = forms.BooleanField(label=_("Show this work publicly"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The work form shares its page with the profile form, which has a title_zh and title_en of
        # its own: ids of their own keep each label, help text and error tied to this form's input.
        kwargs.setdefault("auto_id", "id_work_%s")
        super().__init__(*args, **kwargs)

    def submit(self, *, actor: User, profile: ExpertProfile) -> Work | None:
        data = self.cleaned_data
        title: Bilingual = bilingual(data["title_zh"], data["title_en"])
        try:
            return services.add_work(
                actor=actor,
                profile=profile,
                kind=data["kind"],
                title=title,
                abstract=bilingual(data["abstract_zh"], data["abstract_en"]),
                year=data["year"],
                venue=data["venue"].strip(),
                identifier=data["identifier"].strip(),
                is_public=data["is_public"],
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None
