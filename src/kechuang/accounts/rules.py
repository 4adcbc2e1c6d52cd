"""Named permission rules of the accounts app (django-rules predicates).

Each action a service performs is checked against one rule here, registered as a Django
permission ``accounts.<action>`` so views, templates and the admin ask the same question.
Predicates read roles through the user's memberships and so import no model.
"""

from __future__ import annotations

from typing import Any

from rules.permissions import add_perm
from rules.predicates import is_authenticated, predicate

APPROVED = "approved"


def _has_role(user: Any, role: str, organization: Any | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    held = user.memberships.filter(role=role, status=APPROVED)
    if organization is not None:
        held = held.filter(organization=organization)
    else:
        held = held.filter(organization__operates_platform=True) if role == "operator" else held
    return bool(held.exists())


@predicate
def is_operator(user: Any) -> bool:
    """An approved operator of the organisation that runs the platform (the S&T office)."""
    return _has_role(user, "operator")


@predicate
def is_org_admin(user: Any, organization: Any) -> bool:
    return organization is not None and _has_role(user, "admin", organization)


@predicate
def is_membership_org_admin(user: Any, membership: Any) -> bool:
    return membership is not None and _has_role(user, "admin", membership.organization)


@predicate
def is_own_membership(user: Any, membership: Any) -> bool:
    return membership is not None and membership.user_id == getattr(user, "pk", None)


@predicate
def is_own_profile(user: Any, profile: Any) -> bool:
    return profile is not None and profile.user_id == getattr(user, "pk", None)


@predicate
def profile_is_public(user: Any, profile: Any) -> bool:
    return profile is not None and profile.visibility == "public"


@predicate
def profile_is_for_members(user: Any, profile: Any) -> bool:
    return profile is not None and profile.visibility == "members" and bool(getattr(user, "is_authenticated", False))


@predicate
def is_own_token(user: Any, token: Any) -> bool:
    return token is not None and token.user_id == getattr(user, "pk", None)


@predicate
def is_relation_party(user: Any, relation: Any) -> bool:
    """One of the two people a declared relation is about."""
    me = getattr(user, "pk", None)
    return (
        relation is not None and me is not None and me in (relation.from_profile.user_id, relation.to_profile.user_id)
    )


@predicate
def is_relation_declarer(user: Any, relation: Any) -> bool:
    return relation is not None and relation.from_profile.user_id == getattr(user, "pk", None)


@predicate
def is_shareholding_org_admin(user: Any, shareholding: Any) -> bool:
    return shareholding is not None and _has_role(user, "admin", shareholding.organization)


@predicate
def organization_is_active(user: Any, organization: Any) -> bool:
    return organization is not None and organization.status == "active"


add_perm("accounts.create_organization", is_operator)
add_perm("accounts.propose_organization", is_authenticated)
add_perm("accounts.approve_organization", is_operator)
add_perm("accounts.change_organization", is_operator | is_org_admin)
add_perm("accounts.view_organization", organization_is_active | is_operator | is_org_admin)
add_perm("accounts.request_membership", is_authenticated & organization_is_active)
add_perm("accounts.decide_membership", is_membership_org_admin | is_operator)
add_perm("accounts.withdraw_membership", is_own_membership)
add_perm("accounts.view_membership", is_membership_org_admin | is_operator | is_own_membership)
add_perm("accounts.revoke_membership", is_membership_org_admin | is_operator | is_own_membership)
add_perm("accounts.view_org_memberships", is_org_admin | is_operator)
add_perm("accounts.view_expert_profile", profile_is_public | profile_is_for_members | is_own_profile | is_operator)
add_perm("accounts.change_expert_profile", is_own_profile)
# Employment history: the expert keeps it; others see it only on a public profile.
add_perm("accounts.change_employment_history", is_own_profile)
add_perm("accounts.view_employment_history", profile_is_public | is_own_profile | is_operator)
# Declared relations: declared by one side, seen by both sides and the operators, never public.
add_perm("accounts.declare_relation", is_own_profile)
add_perm("accounts.view_relation", is_relation_party | is_operator)
add_perm("accounts.withdraw_relation", is_relation_declarer | is_operator)
# Shareholdings of an organisation: its administrators and the operators.
add_perm("accounts.view_shareholdings", is_org_admin | is_operator)
add_perm("accounts.change_shareholdings", is_org_admin | is_operator)
add_perm("accounts.remove_shareholding", is_shareholding_org_admin | is_operator)
add_perm("accounts.create_access_token", is_authenticated)
add_perm("accounts.revoke_access_token", is_own_token | is_operator)
add_perm("accounts.view_audit", is_operator)
