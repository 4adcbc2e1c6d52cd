"""The Django admin as operators use it: who may enter, bilingual fields, and the audit trail (read-only).

Operators get ``is_staff`` from the operator bootstrap and hold no Django permission rows; each
admin here asks the operator rule instead. Nothing is added, changed or deleted through the admin
unless a subclass routes the write through its app's services.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kechuang.core.i18n import BilingualTextField, bilingual
from kechuang.core.models import AuditEvent

# The rule that makes someone an operator (kept as a name: core imports no domain app).
OPERATOR_RULE = "accounts.view_audit"
_CACHE_KEY = "_kechuang_admin_is_operator"

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
    _TabularInline = admin.TabularInline[Any, Any]
else:
    _ModelAdmin = admin.ModelAdmin
    _TabularInline = admin.TabularInline


def is_operator_request(request: HttpRequest) -> bool:
    """Whether the signed-in user is an operator, asked once per request (the admin asks often)."""
    state = vars(request)
    if _CACHE_KEY not in state:
        user = getattr(request, "user", None)
        state[_CACHE_KEY] = bool(user is not None and user.is_active and user.has_perm(OPERATOR_RULE))
    return bool(state[_CACHE_KEY])


class BilingualWidget(forms.MultiWidget):
    """A Chinese and an English input for one ``{"zh-hans": …, "en": …}`` value."""

    def __init__(self, *, textarea: bool = False) -> None:
        def one(lang: str, placeholder: str) -> forms.Widget:
            attrs = {"lang": lang, "placeholder": placeholder}
            if textarea:
                return forms.Textarea(attrs={**attrs, "rows": 3})
            return forms.TextInput(attrs={**attrs, "size": 60})

        super().__init__(widgets={"zh": one("zh-Hans", "中文"), "en": one("en", "English")})

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = {"zh-hans": value}
        value = value if isinstance(value, dict) else {}
        return [value.get("zh-hans", ""), value.get("en", "")]


class BilingualFormField(forms.MultiValueField):
    def __init__(
        self, *, required: bool = True, max_length: int | None = None, textarea: bool = False, **kwargs: Any
    ) -> None:
        parts = (
            forms.CharField(required=False, max_length=max_length),
            forms.CharField(required=False, max_length=max_length),
        )
        super().__init__(
            fields=parts,
            require_all_fields=False,
            required=required,
            widget=BilingualWidget(textarea=textarea),
            **kwargs,
        )

    def compress(self, data_list: list[str]) -> dict[str, str]:
        zh, en = [*(data_list or []), "", ""][:2]
        return bilingual(zh or "", en or "")


class OperatorAdmin(_ModelAdmin):
    """Visible to operators only, read-only by default."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_operator_request(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator_request(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_dbfield(self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, BilingualTextField):
            limit = db_field.max_text_length
            return BilingualFormField(
                required=db_field.required,
                max_length=limit,
                textarea=bool(limit and limit > 300),
                label=capfirst(db_field.verbose_name),
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ReadOnlyInline(_TabularInline):
    """Rows shown beside their parent, for operators, never edited here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator_request(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(OperatorAdmin):
    list_display = ("created_at", "verb", "object_type", "object_id", "actor")
    list_filter = ("object_type", "verb")
    search_fields = ("verb", "object_type", "object_id", "actor__username")
    list_select_related = ("actor",)
    # The trail grows without end: no exact total under every filtered page.
    show_full_result_count = False
    fields = ("created_at", "actor", "verb", "object_type", "object_id", "change")
    readonly_fields = fields

    @admin.display(description=_("change"))
    def change(self, event: AuditEvent) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(event.diff, ensure_ascii=False, indent=2, default=str))
