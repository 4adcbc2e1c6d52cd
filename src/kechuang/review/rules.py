"""Named permission rules of the review engine (django-rules predicates), one per action.

Operators of the platform run calls; a reviewer acts only on her own assignments. Predicates
follow relations of the object they are given and so import no model.
"""

from __future__ import annotations

from typing import Any

from rules.permissions import add_perm
from rules.predicates import predicate

from kechuang.accounts.rules import is_operator

# Assignment statuses under which a reviewer may read an item (alternates wait unseen).
READING = ("assigned", "submitted")


@predicate
def is_assigned_reviewer(user: Any, assignment: Any) -> bool:
    """The assignment is the user's and is live (assigned, or already reviewed)."""
    return (
        assignment is not None and assignment.reviewer_id == getattr(user, "pk", None) and assignment.status in READING
    )


@predicate
def reviews_item(user: Any, item: Any) -> bool:
    """The user holds a live assignment on the item."""
    if item is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(item.assignments.filter(reviewer_id=user.pk, status__in=READING).exists())


@predicate
def in_pool_of_item(user: Any, item: Any) -> bool:
    """The user is in the reviewer pool of the item's call."""
    if item is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(item.call.pool.filter(user_id=user.pk).exists())


add_perm("review.open_call", is_operator)
add_perm("review.view_call", is_operator)
add_perm("review.add_items", is_operator)
add_perm("review.manage_pool", is_operator)
add_perm("review.run_assignment", is_operator)
add_perm("review.change_assignment", is_operator)
add_perm("review.set_conflict", is_operator)
add_perm("review.declare_conflict", in_pool_of_item)
add_perm("review.view_item", is_operator | reviews_item)
add_perm("review.view_assignment", is_operator | is_assigned_reviewer)
add_perm("review.submit_review", is_assigned_reviewer)
add_perm("review.reconcile", is_operator)
add_perm("review.decide", is_operator)
