"""Admin for operators: organisations, memberships, users, expert profiles, the records conflicts of
interest are computed from (employment history, declared relations, shareholdings) and access tokens.

Every write goes through :mod:`kechuang.accounts.services`: organisations are added and edited
through ``create_organization`` / ``update_organization`` and approved by an action; memberships
and tokens change only through actions; users, profiles, history, relations and shareholdings are
shown, never edited, here (their owners keep them on their own pages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kechuang.accounts import services
from kechuang.accounts.models import (
    AccessToken,
    Affiliation,
    ExpertProfile,
    Membership,
    Organization,
    Relation,
    Shareholding,
    User,
    Work,
)
from kechuang.core.admin import OperatorAdmin, ReadOnlyInline, is_operator_request
from kechuang.core.errors import DomainError
from kechuang.core.i18n import localized
from kechuang.core.regions import all_regions, is_within, region_choices
from kechuang.core.sectors import sector_choices

if TYPE_CHECKING:
    _OrganizationForm = forms.ModelForm[Organization]
else:
    _OrganizationForm = forms.ModelForm


def _actor(request: HttpRequest) -> User:
    # The admin lets in only signed-in staff, so the user is one of ours.
    return cast(User, request.user)


def _apply_each(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    objects: Iterable[Any],
    act: Callable[[Any], object],
    done: Callable[[int], str],
) -> None:
    """Run a service on each selected row; report how many succeeded and why each other one was refused."""
    succeeded = 0
    for obj in objects:
        try:
            act(obj)
        except DomainError as exc:
            model_admin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        model_admin.message_user(request, done(succeeded), messages.SUCCESS)


def _region_name(code: str) -> str:
    region = all_regions().get(code)
    if region is None:
        return code
    parent = all_regions().get(region.parent or "")
    return f"{parent.name} · {region.name}" if parent else region.name


# ---------------------------------------------------------------- organisations


class RegionFilter(admin.SimpleListFilter):
    """Provinces and the districts that hold organisations; a province includes its districts."""

    title = _("region")
    parameter_name = "region"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        present = set(Organization.objects.order_by().values_list("region", flat=True).distinct())
        provinces = sorted({code[:2] + "0000" for code in present})
        choices: list[tuple[str, str]] = []
        for province in provinces:
            choices.append((province, _region_name(province)))
            choices.extend(
                (code, _region_name(code))
                for code in sorted(present)
                if code != province and code.startswith(province[:2])
            )
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        codes = [code for code in all_regions() if is_within(code, value)]
        return queryset.filter(region__in=codes or [value])


class OrganizationAdminForm(_OrganizationForm):
    region = forms.ChoiceField(label=_("Region"), choices=region_choices)
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), choices=sector_choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = services.ORGANIZATION_FIELDS


@admin.register(Organization)
class OrganizationAdmin(OperatorAdmin):
    form = OrganizationAdminForm
    list_display = ("__str__", "kind", "status", "region_display", "uscc", "created_at")
    list_filter = ("kind", "status", RegionFilter)
    search_fields = ("sort_name", "name", "uscc")
    fields = (
        "name",
        "kind",
        "status",
        "region",
        "uscc",
        "sectors",
        "description",
        "website",
        "operates_platform",
        "created_at",
    )
    # Status changes only by the approve action; the platform office is set at installation.
    readonly_fields = ("status", "operates_platform", "created_at")
    actions = ("approve_selected",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_operator_request(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator_request(request)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return is_operator_request(request)

    @admin.display(description=_("region"), ordering="region")
    def region_display(self, organization: Organization) -> str:
        return _region_name(organization.region)

    def save_model(
        self, request: HttpRequest, obj: Organization, form: forms.ModelForm[Organization], change: bool
    ) -> None:
        values = {
            field: form.cleaned_data[field] for field in services.ORGANIZATION_FIELDS if field in form.cleaned_data
        }
        if change:
            changed = {field: value for field, value in values.items() if field in form.changed_data}
            if changed:
                services.update_organization(actor=_actor(request), organization=obj, **changed)
        else:
            created = services.create_organization(actor=_actor(request), **values)
            obj.pk = created.pk

    @admin.action(description=_("Approve selected organizations"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        _apply_each(
            self,
            request,
            queryset,
            lambda organization: services.approve_organization(actor=_actor(request), organization=organization),
            lambda n: (
                ngettext("%(count)d organization approved.", "%(count)d organizations approved.", n) % {"count": n}
            ),
        )


# ---------------------------------------------------------------- memberships


@admin.register(Membership)
class MembershipAdmin(OperatorAdmin):
    list_display = ("user", "organization", "role", "status", "requested_at", "decided_at")
    list_filter = ("status", "role", "organization__kind")
    search_fields = ("user__username", "user__display_name", "organization__sort_name", "organization__uscc")
    list_select_related = ("user", "organization")
    fields = ("user", "organization", "role", "status", "note", "requested_at", "decided_at", "decided_by")
    readonly_fields = fields
    actions = ("approve_selected", "reject_selected")

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return is_operator_request(request)

    @admin.action(description=_("Approve selected membership requests"), permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        _apply_each(
            self,
            request,
            queryset.select_related("user", "organization"),
            lambda membership: services.approve_membership(actor=_actor(request), membership=membership),
            lambda n: ngettext("%(count)d request approved.", "%(count)d requests approved.", n) % {"count": n},
        )

    @admin.action(description=_("Reject selected membership requests"), permissions=["decide"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        _apply_each(
            self,
            request,
            queryset.select_related("user", "organization"),
            lambda membership: services.reject_membership(actor=_actor(request), membership=membership),
            lambda n: ngettext("%(count)d request rejected.", "%(count)d requests rejected.", n) % {"count": n},
        )


# ---------------------------------------------------------------- users


class MembershipInline(ReadOnlyInline):
    model = Membership
    fk_name = "user"
    fields = ("organization", "role", "status", "requested_at", "decided_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("organization")


@admin.register(User)
class UserAdmin(OperatorAdmin):
    list_display = ("username", "display_name", "email", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff")
    search_fields = ("username", "display_name", "email")
    fields = ("username", "display_name", "email", "is_active", "is_staff", "is_superuser", "date_joined", "last_login")
    readonly_fields = fields
    inlines = (MembershipInline,)


# ---------------------------------------------------------------- expert profiles


class WorkInline(ReadOnlyInline):
    model = Work
    fields = ("kind", "title_text", "year", "venue", "identifier", "is_public")
    readonly_fields = fields
    show_change_link = False

    @admin.display(description=_("title"))
    def title_text(self, work: Work) -> str:
        return localized(work.title)


@admin.register(ExpertProfile)
class ExpertProfileAdmin(OperatorAdmin):
    list_display = ("__str__", "affiliation", "orcid", "visibility", "updated_at")
    list_filter = ("visibility",)
    search_fields = ("sort_name", "name", "orcid", "keywords_zh", "keywords_en")
    list_select_related = ("affiliation",)
    fields = ("user", *services.PROFILE_FIELDS, "updated_at")
    readonly_fields = fields
    inlines = (WorkInline,)


# ---------------------------------------------------------------- access tokens


@admin.register(AccessToken)
class AccessTokenAdmin(OperatorAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    # Never the digest: it is all a stolen database would need to recognise a token.
    fields = ("name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke_selected",)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return is_operator_request(request)

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        _apply_each(
            self,
            request,
            queryset.select_related("user"),
            lambda token: services.revoke_access_token(actor=_actor(request), token=token),
            lambda n: ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", n) % {"count": n},
        )


# ---------------------------------------------------------------- conflict-of-interest records


@admin.register(Affiliation)
class AffiliationAdmin(OperatorAdmin):
    list_display = ("profile", "organization", "position", "start_year", "end_year", "created_at")
    search_fields = ("profile__sort_name", "profile__user__username", "organization__sort_name", "position")
    list_select_related = ("profile", "organization")
    raw_id_fields = ("profile", "organization")


@admin.register(Relation)
class RelationAdmin(OperatorAdmin):
    """Declared relations are never public; operators see them to judge conflicts of interest."""

    list_display = ("from_profile", "kind", "to_profile", "start_year", "end_year", "created_at")
    list_filter = ("kind",)
    search_fields = ("from_profile__sort_name", "to_profile__sort_name", "from_profile__user__username")
    list_select_related = ("from_profile", "to_profile")
    raw_id_fields = ("from_profile", "to_profile")


@admin.register(Shareholding)
class ShareholdingAdmin(OperatorAdmin):
    list_display = ("organization", "holder", "share_percent", "as_of")
    search_fields = ("organization__sort_name", "holder_user__username", "holder_organization__sort_name")
    list_select_related = ("organization", "holder_user", "holder_organization")
    raw_id_fields = ("organization", "holder_user", "holder_organization")

    @admin.display(description=_("holder"))
    def holder(self, holding: Shareholding) -> str:
        return str(holding.holder_user or holding.holder_organization)

    @admin.display(description=_("share"), ordering="share_bp")
    def share_percent(self, holding: Shareholding) -> str:
        return holding.share_percent
