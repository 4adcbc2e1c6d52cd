"""What every account form shares: service errors onto fields, field helpers, the organisation picker."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from kechuang.accounts import selectors
from kechuang.accounts.models import Organization
from kechuang.core.errors import DomainError

ORGANIZATION_OPTIONS_LIMIT = 50
EMPTY_CHOICE = ("", "—")


class ServiceForm(forms.Form):
    """A form whose ``submit`` calls a service; ``error_fields`` maps the service's field names to ours."""

    error_fields: ClassVar[dict[str, str]] = {}
    #: Pairs of (Chinese, English) fields of which at least one must be filled in.
    bilingual_required: ClassVar[tuple[tuple[str, str], ...]] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for zh, en in self.bilingual_required:
            if zh in cleaned and en in cleaned and not (cleaned[zh].strip() or cleaned[en].strip()):
                self.add_error(zh, _("Give the text in Chinese or English."))
        return cleaned

    def add_domain_error(self, exc: DomainError) -> None:
        if not exc.errors:
            self.add_error(None, str(exc.detail))
            return
        for field, messages in exc.errors.items():
            target = self.error_fields.get(field, field)
            for message in messages:
                self.add_error(target if target in self.fields else None, str(message))


def text_field(
    label: Any,
    *,
    max_length: int,
    required: bool = False,
    help_text: Any = "",
    validators: Sequence[Callable[[Any], None]] = (),
    **attrs: Any,
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        validators=validators,
        widget=forms.TextInput(attrs=attrs) if attrs else None,
    )


def textarea_field(label: Any, *, max_length: int) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, widget=forms.Textarea(attrs={"rows": 5}))


def comma_list(values: Iterable[str]) -> str:
    return ", ".join(values)


# ---------------------------------------------------------------- organisation picker


def organization_options(*, query: str = "", include: Iterable[Organization | None] = ()) -> list[Organization]:
    """Active organisations for a picker: those matching ``query`` (at most 50) after the ones in ``include``.

    Each organisation is listed once, even when ``include`` names it twice (the current affiliation is
    usually one of the user's own organisations too) or it also matches ``query``.
    """
    matches = selectors.organizations(query=query.strip())[:ORGANIZATION_OPTIONS_LIMIT]
    options: list[Organization] = []
    seen: set[int] = set()
    for organization in [*include, *matches]:
        if organization is not None and organization.pk not in seen:
            seen.add(organization.pk)
            options.append(organization)
    return options


def picker_query_field() -> forms.CharField:
    # htmx refreshes only the options of the select next to it; without JavaScript the "Find"
    # button posts the whole form back, which re-renders it with every value kept.
    return forms.CharField(
        label=_("Find an organization"),
        required=False,
        max_length=100,
        help_text=_("Type part of the name or the unified social credit code."),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "hx-get": reverse_lazy("accounts:organization_options"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-swap": "innerHTML",
            }
        ),
    )


class OrganizationPickerMixin(forms.Form):
    """Narrows the select of ``picker_field`` to the organisations that match ``organization_query``."""

    picker_field: ClassVar[str] = "organization"

    def chosen_organization(self) -> Organization | None:
        name = self.picker_field
        raw = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        if isinstance(raw, Organization):
            return raw
        if raw is None or not str(raw).isdigit():
            return None
        return selectors.organizations().filter(pk=int(str(raw))).first()

    def set_picker_options(self, include: Iterable[Organization | None] = ()) -> None:
        query = str(self.data.get(self.add_prefix("organization_query"), "")) if self.is_bound else ""
        options = organization_options(query=query, include=include)
        field = self.fields[self.picker_field]
        field.widget.choices = [EMPTY_CHOICE, *((o.pk, str(o)) for o in options)]
        self.fields["organization_query"].widget.attrs["hx-target"] = f"#{self[self.picker_field].auto_id}"

    def keep_values_only(self) -> None:
        """Re-show the form after "Find" with what was typed and no error messages."""
        self.is_valid()
        self.errors.clear()
