"""Named permission rules of the challenges app (django-rules predicates), one per action.

The object is a ``Challenge`` unless the rule says otherwise. Roles are read through the user's
memberships, so this module imports no model. Lifecycle *state* is checked by the services, not
here: a rule says who may act, the edge table says when.
"""

from __future__ import annotations

from typing import Any

from rules.permissions import add_perm
from rules.predicates import is_authenticated, predicate

from kechuang.accounts.rules import is_operator
from kechuang.challenges.enums import PUBLIC_STATUSES, MemberStatus

APPROVED = "approved"


def _holds(user: Any, organization_id: int | None, roles: tuple[str, ...]) -> bool:
    if not getattr(user, "is_authenticated", False) or organization_id is None:
        return False
    return bool(user.memberships.filter(organization_id=organization_id, role__in=roles, status=APPROVED).exists())


@predicate
def is_issuer_admin_of_org(user: Any, organization: Any) -> bool:
    """Administers ``organization`` (the object is an Organization): may publish lists in its name."""
    return organization is not None and _holds(user, organization.pk, ("admin",))


@predicate
def is_issuer_admin(user: Any, challenge: Any) -> bool:
    return challenge is not None and _holds(user, challenge.issuer_id, ("admin",))


@predicate
def is_issuer_member(user: Any, challenge: Any) -> bool:
    return challenge is not None and _holds(user, challenge.issuer_id, ("admin", "member"))


@predicate
def is_public(user: Any, challenge: Any) -> bool:
    return challenge is not None and challenge.status in PUBLIC_STATUSES


@predicate
def has_accepted_nda(user: Any, challenge: Any) -> bool:
    if challenge is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(challenge.nda_acceptances.filter(user=user).exists())


@predicate
def is_team_lead(user: Any, application: Any) -> bool:
    """The object is an Application."""
    return application is not None and application.lead_id == getattr(user, "pk", None)


@predicate
def is_team_member(user: Any, application: Any) -> bool:
    """The lead, a member who accepted, or someone invited (who must read the application to answer)."""
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    if application.lead_id == user.pk:
        return True
    named = application.memberships.filter(user_id=user.pk, status__in=(MemberStatus.INVITED, MemberStatus.ACCEPTED))
    return bool(named.exists())


@predicate
def is_named_member(user: Any, application: Any) -> bool:
    """Named on the team by the lead, whatever the answer so far: the invitation is this person's to answer."""
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(application.memberships.filter(user_id=user.pk).exists())


@predicate
def is_application_issuer(user: Any, application: Any) -> bool:
    return application is not None and _holds(user, application.challenge.issuer_id, ("admin",))


@predicate
def is_agreement_lead(user: Any, agreement: Any) -> bool:
    """The object is an Agreement: its winning team's lead."""
    return agreement is not None and agreement.application.lead_id == getattr(user, "pk", None)


@predicate
def is_agreement_issuer(user: Any, agreement: Any) -> bool:
    return agreement is not None and _holds(user, agreement.challenge.issuer_id, ("admin",))


add_perm("challenges.create_challenge", is_issuer_admin_of_org | is_operator)
add_perm("challenges.change_challenge", is_issuer_admin | is_operator)
add_perm("challenges.submit_challenge", is_issuer_admin)
add_perm("challenges.moderate_challenge", is_operator)
add_perm("challenges.close_applications", is_issuer_admin | is_operator)
add_perm("challenges.record_escrow", is_operator)
add_perm("challenges.view_challenge", is_public | is_issuer_member | is_operator)
add_perm("challenges.view_details", is_issuer_member | is_operator | (is_public & has_accepted_nda))
add_perm("challenges.accept_nda", is_authenticated & is_public)
add_perm("challenges.apply", is_authenticated & is_public & ~is_issuer_member)  # the issuer does not take its own list
add_perm("challenges.view_applications", is_issuer_admin | is_operator)
add_perm("challenges.view_application", is_team_member | is_application_issuer | is_operator)
add_perm("challenges.withdraw_application", is_team_lead)
add_perm("challenges.withdraw_invitation", is_team_lead)
add_perm("challenges.answer_invitation", is_named_member)
add_perm("challenges.object", is_authenticated & is_public)
add_perm("challenges.answer_objection", is_issuer_admin | is_operator)
add_perm("challenges.submit_evidence", is_agreement_lead)
add_perm("challenges.accept_milestone", is_agreement_issuer | is_operator)
add_perm("challenges.release_tranche", is_operator)
add_perm("challenges.decide_stage_gate", is_operator)
add_perm("challenges.view_evidence", is_agreement_lead | is_agreement_issuer | is_operator)
