"""Named permission rules of the transfer app (django-rules predicates), one per action.

Roles are read through the user's memberships, so this module imports no model. Lifecycle *state*
is checked by the services, not here: a rule says who may act, the edge table says when.

Contract registry (技术合同认定登记): the seller's people apply through an organisation they belong
to; the platform's operators act as the registration office (登记机构). A registrar never decides a
registration applied for by an organisation they belong to themselves.
"""

from __future__ import annotations

from typing import Any

from rules.permissions import add_perm
from rules.predicates import predicate

from kechuang.accounts.rules import is_operator

APPROVED = "approved"


def _member(user: Any, organization_id: int | None) -> bool:
    if not getattr(user, "is_authenticated", False) or organization_id is None:
        return False
    return bool(user.memberships.filter(organization_id=organization_id, status=APPROVED).exists())


# ---------------------------------------------------------------- contract registry


@predicate
def is_member_of(user: Any, organization: Any) -> bool:
    """An approved member, in any role, of ``organization`` (the object is an Organization) while it is active."""
    return organization is not None and organization.status == "active" and _member(user, organization.pk)


@predicate
def is_applicant_side(user: Any, registration: Any) -> bool:
    """A member of the organisation that applied for ``registration`` (the object is a Registration)."""
    return registration is not None and _member(user, registration.applicant_organization_id)


add_perm("transfer.submit_registration", is_member_of)
add_perm("transfer.view_registration", is_applicant_side | is_operator)
add_perm("transfer.change_registration", is_applicant_side)  # correct and resubmit, apply for an amendment
add_perm("transfer.view_registration_queue", is_operator)
add_perm("transfer.register_contract", is_operator & ~is_applicant_side)
add_perm("transfer.return_registration", is_operator & ~is_applicant_side)
add_perm("transfer.terminate_registration", is_applicant_side | is_operator)
add_perm("transfer.cancel_registration", is_operator & ~is_applicant_side)


# ---------------------------------------------------------------- achievements, marketplace, deals
#
# The unit's people who manage its results are its technology-transfer officers and its administrators.
# Objects: an Organization for ``manage_achievements``; an Achievement, Opportunity or Deal as each rule says.

UNIT_ROLES = ("tto_officer", "admin")


def _holds(user: Any, organization_id: int | None, roles: tuple[str, ...]) -> bool:
    if not getattr(user, "is_authenticated", False) or organization_id is None:
        return False
    return bool(user.memberships.filter(organization_id=organization_id, role__in=roles, status=APPROVED).exists())


def _completes(user: Any, achievement_id: int | None) -> bool:
    """``user`` is named (as a platform user) among the achievement's completers."""
    if not getattr(user, "is_authenticated", False) or achievement_id is None:
        return False
    return bool(user.completed_results.filter(achievement_id=achievement_id).exists())


@predicate
def is_unit_officer(user: Any, organization: Any) -> bool:
    """A TTO officer or administrator of ``organization`` (the object is an Organization)."""
    return organization is not None and _holds(user, organization.pk, UNIT_ROLES)


@predicate
def is_owner_officer(user: Any, achievement: Any) -> bool:
    """A TTO officer or administrator of the unit that owns ``achievement``."""
    return achievement is not None and _holds(user, achievement.owner_id, UNIT_ROLES)


@predicate
def is_completer(user: Any, achievement: Any) -> bool:
    return achievement is not None and _completes(user, achievement.pk)


@predicate
def is_card_officer(user: Any, opportunity: Any) -> bool:
    """The object is an Opportunity: a TTO officer or administrator of its achievement's owner."""
    return opportunity is not None and _holds(user, opportunity.achievement.owner_id, UNIT_ROLES)


@predicate
def is_card_outsider(user: Any, opportunity: Any) -> bool:
    """Signed in and not of the unit offering the card (a unit does not answer its own card)."""
    if opportunity is None or not getattr(user, "is_authenticated", False):
        return False
    return not _member(user, opportunity.achievement.owner_id)


@predicate
def is_seller_officer(user: Any, deal: Any) -> bool:
    """The object is a Deal: a TTO officer or administrator of the selling unit."""
    return deal is not None and _holds(user, deal.seller_id, UNIT_ROLES)


@predicate
def is_deal_completer(user: Any, deal: Any) -> bool:
    return deal is not None and _completes(user, deal.achievement_id)


@predicate
def is_buyer_side(user: Any, deal: Any) -> bool:
    """An approved member, in any role, of the buying organisation."""
    return deal is not None and _member(user, deal.buyer_id)


add_perm("transfer.manage_achievements", is_unit_officer)
add_perm("transfer.change_achievement", is_owner_officer)
add_perm("transfer.view_achievement_private", is_owner_officer | is_completer | is_operator)
add_perm("transfer.request_release", is_completer)
add_perm("transfer.decide_release", is_owner_officer)
add_perm("transfer.publish_opportunity", is_owner_officer)
add_perm("transfer.close_opportunity", is_card_officer)
add_perm("transfer.view_feedback", is_card_officer | is_operator)
add_perm("transfer.answer_opportunity", is_card_outsider)
add_perm("transfer.open_deal", is_owner_officer)
add_perm("transfer.view_deal", is_seller_officer | is_deal_completer | is_buyer_side | is_operator)
add_perm("transfer.change_deal", is_seller_officer)
add_perm("transfer.view_diligence", is_seller_officer | is_operator)  # and the deal's notes
add_perm("transfer.record_first_refusal", is_seller_officer | is_deal_completer)


# ---------------------------------------------------------------- income and its distribution
#
# The unit's officers (TTO officers and administrators) keep its reward policy, record the income of its
# deals and propose each distribution; another of them approves it (four eyes: never the proposer, never a
# payee). The team lead sets the split inside the team; an officer of the unit signs it off.


@predicate
def is_split_lead(user: Any, achievement: Any) -> bool:
    """The object is an Achievement: ``user`` is its completers' lead."""
    if achievement is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.completed_results.filter(achievement_id=achievement.pk, is_lead=True).exists())


@predicate
def is_officer_for_lead_without_account(user: Any, achievement: Any) -> bool:
    """An officer of the owner entering the split for a lead who has no account on the platform."""
    if achievement is None or not _holds(user, achievement.owner_id, UNIT_ROLES):
        return False
    return bool(achievement.completers.filter(is_lead=True, user__isnull=True).exists())


def _distribution_unit(distribution: Any) -> int | None:
    return distribution.receipt.deal.seller_id if distribution is not None else None


@predicate
def is_distribution_officer(user: Any, distribution: Any) -> bool:
    """The object is a Distribution: a TTO officer or administrator of the unit that sold the deal."""
    return distribution is not None and _holds(user, _distribution_unit(distribution), UNIT_ROLES)


@predicate
def is_distribution_proposer(user: Any, distribution: Any) -> bool:
    return distribution is not None and distribution.proposed_by_id == getattr(user, "pk", None)


@predicate
def is_distribution_payee(user: Any, distribution: Any) -> bool:
    """``user`` receives a payout from the distribution (and so may not approve it)."""
    if distribution is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(distribution.payouts.filter(user_id=user.pk).exists())


@predicate
def is_payout_owner(user: Any, payout: Any) -> bool:
    """The object is a Payout: paid to ``user``."""
    return payout is not None and payout.user_id is not None and payout.user_id == getattr(user, "pk", None)


@predicate
def is_payout_officer(user: Any, payout: Any) -> bool:
    """The object is a Payout: an officer of the unit that paid it."""
    return payout is not None and _holds(user, _distribution_unit(payout.distribution), UNIT_ROLES)


add_perm("transfer.propose_policy", is_unit_officer)  # object: the Organization whose policy it is
add_perm("transfer.set_split", is_split_lead | is_officer_for_lead_without_account)
add_perm("transfer.sign_off_split", is_owner_officer)
add_perm("transfer.view_income", is_seller_officer | is_deal_completer | is_operator)  # object: the Deal
add_perm("transfer.record_receipt", is_seller_officer)
add_perm("transfer.propose_distribution", is_seller_officer)
add_perm(
    "transfer.approve_distribution",
    is_distribution_officer & ~is_distribution_proposer & ~is_distribution_payee,
)
add_perm("transfer.view_unit_statement", is_unit_officer)
add_perm("transfer.view_payout", is_payout_owner | is_payout_officer)
