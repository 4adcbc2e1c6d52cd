"""Operators edit the search lexicon: domain terms for segmentation and synonym groups."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kechuang.core.admin import OperatorAdmin, is_operator_request
from kechuang.search.lexicon import forget
from kechuang.search.models import DomainTerm, SynonymGroup


class LexiconAdmin(OperatorAdmin):
    """Operators add, change and delete; the change reaches queries within seconds (``lexicon.CHECK_SECONDS``)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_operator_request(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator_request(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator_request(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        forget()


@admin.register(DomainTerm)
class DomainTermAdmin(LexiconAdmin):
    list_display = ["word", "frequency", "updated_at"]
    search_fields = ["word"]


@admin.register(SynonymGroup)
class SynonymGroupAdmin(LexiconAdmin):
    list_display = ["words", "updated_at"]
    search_fields = ["words"]
