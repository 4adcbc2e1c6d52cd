"""The review engine in the admin, for operators to look things up: read-only.

Calls, pools, assignments, conflicts, reviews and decisions change only through
:mod:`kechuang.review.services` (the call and item pages run them), which check the rules, keep the
one-run-per-call and blind-review guarantees and write the audit trail; so nothing is added,
changed or deleted here. Only operators get in (``OperatorAdmin``), and they may see identities.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kechuang.core.admin import OperatorAdmin, ReadOnlyInline
from kechuang.core.i18n import localized
from kechuang.review.models import (
    Assignment,
    AssignmentRun,
    Call,
    ConflictRecord,
    Criterion,
    Decision,
    Item,
    PoolReviewer,
    Reconciliation,
    Review,
)


class CriterionInline(ReadOnlyInline):
    model = Criterion
    fields = ("name", "weight", "scale_min", "scale_max", "order")
    readonly_fields = fields
    show_change_link = False


@admin.register(Call)
class CallAdmin(OperatorAdmin):
    list_display = ("__str__", "status", "blind", "reviews_per_item", "max_load", "review_deadline", "created_at")
    list_filter = ("status", "blind", "require_industry")
    search_fields = ("title",)
    raw_id_fields = ("created_by",)
    inlines = (CriterionInline,)


@admin.register(Criterion)
class CriterionAdmin(OperatorAdmin):
    list_display = ("__str__", "call", "weight", "scale_min", "scale_max", "order")
    search_fields = ("name", "call__title")
    list_select_related = ("call",)


@admin.register(Item)
class ItemAdmin(OperatorAdmin):
    list_display = ("__str__", "call", "subject_type", "subject_id", "created_at")
    search_fields = ("title", "call__title")
    list_select_related = ("call", "subject_type")


@admin.register(PoolReviewer)
class PoolReviewerAdmin(OperatorAdmin):
    list_display = ("user", "call", "industry", "max_load", "invited_at")
    list_filter = ("industry",)
    search_fields = ("user__username", "user__display_name", "call__title")
    list_select_related = ("user", "call")
    raw_id_fields = ("user", "invited_by")


@admin.register(Assignment)
class AssignmentAdmin(OperatorAdmin):
    list_display = ("reviewer", "item", "status", "source", "alternate_rank", "affinity", "updated_at")
    list_filter = ("status", "source")
    search_fields = ("reviewer__username", "reviewer__display_name", "item__title", "reason")
    list_select_related = ("reviewer", "item")
    raw_id_fields = ("reviewer",)


@admin.register(AssignmentRun)
class AssignmentRunAdmin(OperatorAdmin):
    list_display = ("call", "status", "progress", "assigned", "total_affinity", "created_at", "finished_at")
    list_filter = ("status", "cancel_requested")
    search_fields = ("call__title", "error")
    list_select_related = ("call",)
    raw_id_fields = ("started_by",)


@admin.register(ConflictRecord)
class ConflictRecordAdmin(OperatorAdmin):
    list_display = ("reviewer", "item", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("reviewer__username", "reviewer__display_name", "item__title", "reason", "explanation")
    list_select_related = ("reviewer", "item")
    raw_id_fields = ("reviewer", "created_by")


@admin.register(Review)
class ReviewAdmin(OperatorAdmin):
    list_display = ("reviewer", "item", "submitted_at")
    search_fields = ("assignment__reviewer__username", "assignment__reviewer__display_name", "assignment__item__title")
    list_select_related = ("assignment__reviewer", "assignment__item")
    raw_id_fields = ("assignment",)

    @admin.display(description=_("reviewer"), ordering="assignment__reviewer__username")
    def reviewer(self, review: Review) -> str:
        return str(review.assignment.reviewer)

    @admin.display(description=_("item"), ordering="assignment__item_id")
    def item(self, review: Review) -> str:
        return localized(review.assignment.item.title)


@admin.register(Reconciliation)
class ReconciliationAdmin(OperatorAdmin):
    list_display = ("item", "author", "created_at")
    search_fields = ("item__title", "note", "author__username")
    list_select_related = ("item", "author")
    raw_id_fields = ("author",)


@admin.register(Decision)
class DecisionAdmin(OperatorAdmin):
    list_display = ("item", "outcome", "decided_by", "decided_at")
    list_filter = ("outcome",)
    search_fields = ("item__title", "reasons", "decided_by__username")
    list_select_related = ("item", "decided_by")
    raw_id_fields = ("decided_by",)
