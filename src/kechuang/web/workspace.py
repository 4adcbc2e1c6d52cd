"""What the home page shows a signed-in user: one panel per role they hold, read through selectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kechuang.accounts import selectors
from kechuang.accounts.enums import MembershipStatus, OrganizationKind, Role
from kechuang.accounts.models import ExpertProfile, Membership, Organization

# The order panels appear in. "operator" is granted by the platform office only; "researcher" and
# "guest" are situations, not roles: keeps an expert profile or works at a research organisation;
# has nothing else to show yet.
PANEL_ORDER = (
    "operator",
    Role.ADMIN.value,
    Role.MEMBER.value,
    Role.TTO_OFFICER.value,
    Role.FACILITY_MANAGER.value,
    Role.FUND_MANAGER.value,
    Role.REVIEWER.value,
    "researcher",
    "guest",
)
RESEARCH_KINDS = {OrganizationKind.UNIVERSITY, OrganizationKind.INSTITUTE, OrganizationKind.HOSPITAL}
# A panel lists a few items and links to the full list.
SHOWN = 5


@dataclass
class Workspace:
    panels: list[str]
    organizations: dict[str, list[Organization]] = field(default_factory=dict)
    research_organizations: list[Organization] = field(default_factory=list)
    own_requests: list[Membership] = field(default_factory=list)
    expert_profile: ExpertProfile | None = None
    pending_memberships: list[Membership] = field(default_factory=list)
    pending_memberships_count: int = 0
    pending_organizations: list[Organization] = field(default_factory=list)
    pending_organizations_count: int = 0


def workspace_for(user: Any) -> Workspace | None:
    """The panels for ``user``, or ``None`` for an anonymous visitor."""
    if not getattr(user, "is_authenticated", False):
        return None
    roles = selectors.approved_roles(user)
    memberships = list(selectors.memberships_of(user))
    organizations: dict[str, list[Organization]] = {}
    for membership in memberships:
        if membership.status == MembershipStatus.APPROVED:
            organizations.setdefault(membership.role, []).append(membership.organization)
    profile = selectors.expert_profile_of(user)
    # Only the platform office's operators operate; an "operator" row elsewhere grants nothing.
    is_operator = user.has_perm("accounts.view_audit")
    # A member of a university, institute or hospital is taken to do research; its officers are not.
    research_organizations = [org for org in organizations.get(Role.MEMBER, []) if org.kind in RESEARCH_KINDS]
    shown = {role for role in roles if role != Role.OPERATOR}
    if is_operator:
        shown.add("operator")
    if profile is not None or research_organizations:
        shown.add("researcher")
    # A researcher without a role gets the researcher panel, which also says how to join an organisation.
    if not shown:
        shown.add("guest")
    workspace = Workspace(
        panels=[panel for panel in PANEL_ORDER if panel in shown],
        organizations=organizations,
        research_organizations=research_organizations,
        own_requests=[m for m in memberships if m.status == MembershipStatus.REQUESTED],
        expert_profile=profile,
    )
    if is_operator or Role.ADMIN in roles:
        pending = selectors.pending_memberships_for_admin(user)
        workspace.pending_memberships = list(pending[:SHOWN])
        workspace.pending_memberships_count = pending.count()
    if is_operator:
        proposed = selectors.pending_organizations()
        workspace.pending_organizations = list(proposed[:SHOWN])
        workspace.pending_organizations_count = proposed.count()
    return workspace
