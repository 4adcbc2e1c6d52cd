"""Named permission rules of the ledger (django-rules predicates, registered as ``ledger.<action>``)."""

from __future__ import annotations

from typing import Any

from rules.permissions import add_perm
from rules.predicates import predicate

from kechuang.accounts.rules import is_operator
from kechuang.ledger import kinds

APPROVED = "approved"


def _member_of(user: Any, organization_id: int | None) -> bool:
    if organization_id is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.memberships.filter(organization_id=organization_id, status=APPROVED).exists())


@predicate
def is_active_member(user: Any, organization: Any) -> bool:
    """An approved member (any role) of an active organisation."""
    return organization is not None and organization.status == "active" and _member_of(user, organization.pk)


@predicate
def entry_is_public(user: Any, entry: Any) -> bool:
    try:
        return entry is not None and kinds.get(entry.kind).public
    except kinds.UnknownKindError:
        return False


@predicate
def recorded_entry(user: Any, entry: Any) -> bool:
    """The user recorded the entry, or belongs to the organisation it was recorded for."""
    if entry is None or not getattr(user, "is_authenticated", False):
        return False
    return entry.actor_id == user.pk or _member_of(user, entry.organization_id)


add_perm("ledger.notarise", is_active_member)
add_perm("ledger.view_entry", entry_is_public | recorded_entry | is_operator)
