"""Writes of the review engine. Each checks its rule, validates, writes in one transaction and audits.

Split by the object written; everything is re-exported here, so callers import
``kechuang.review.services`` and never a sub-module.
"""

from kechuang.review.services.calls import (
    CriterionSpec,
    ItemSpec,
    add_items,
    close_call,
    industry_by_default,
    invite_reviewer,
    open_call,
    remove_reviewer,
)
from kechuang.review.services.changes import (
    assign,
    declare_conflict,
    replace_with_alternate,
    set_conflict,
    unassign,
)
from kechuang.review.services.reviews import decide, reconcile, submit_review
from kechuang.review.services.runs import cancel_assignment_run, start_assignment

__all__ = [
    "CriterionSpec",
    "ItemSpec",
    "add_items",
    "assign",
    "cancel_assignment_run",
    "close_call",
    "decide",
    "declare_conflict",
    "industry_by_default",
    "invite_reviewer",
    "open_call",
    "reconcile",
    "remove_reviewer",
    "replace_with_alternate",
    "set_conflict",
    "start_assignment",
    "submit_review",
    "unassign",
]
