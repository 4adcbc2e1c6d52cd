"""Choices of the accounts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    INSTITUTE = "institute", _("Research institute")
    FACILITY_OPERATOR = "facility_operator", _("Facility operator")
    FUND = "fund", pgettext_lazy("organization kind", "Fund")
    GOVERNMENT = "government", _("Government agency")
    INCUBATOR = "incubator", _("Incubator")
    HOSPITAL = "hospital", _("Hospital")


class OrganizationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Role(models.TextChoices):
    ADMIN = "admin", pgettext_lazy("role", "Administrator")
    MEMBER = "member", pgettext_lazy("role", "Member")
    TTO_OFFICER = "tto_officer", _("Technology-transfer officer")
    FACILITY_MANAGER = "facility_manager", _("Facility manager")
    FUND_MANAGER = "fund_manager", _("Fund manager")
    REVIEWER = "reviewer", _("Reviewer")
    OPERATOR = "operator", _("Platform operator")


class MembershipStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")


# The allowed edges of a membership's lifecycle.
MEMBERSHIP_EDGES: dict[str, set[str]] = {
    MembershipStatus.REQUESTED: {MembershipStatus.APPROVED, MembershipStatus.REJECTED},
    MembershipStatus.APPROVED: {MembershipStatus.REVOKED},
    MembershipStatus.REJECTED: set(),
    MembershipStatus.REVOKED: set(),
}


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    MEMBERS = "members", _("Signed-in users")
    PRIVATE = "private", _("Only me")


class WorkKind(models.TextChoices):
    PAPER = "paper", _("Paper")
    PATENT = "patent", _("Patent")
    PROJECT = "project", _("Project")


class RelationKind(models.TextChoices):
    """What the other person is to the one who declares the relation (OpenReview's reading)."""

    ADVISOR = "advisor", _("My advisor")
    ADVISEE = "advisee", _("My student (advisee)")
    FAMILY = "family", _("Family member")
    COLLABORATOR = "collaborator", _("Close collaborator")
    OTHER = "other", _("Other personal relation")


# The same relation read from the other side: my advisor has me as an advisee.
INVERSE_RELATION: dict[str, str] = {
    RelationKind.ADVISOR: RelationKind.ADVISEE,
    RelationKind.ADVISEE: RelationKind.ADVISOR,
    RelationKind.FAMILY: RelationKind.FAMILY,
    RelationKind.COLLABORATOR: RelationKind.COLLABORATOR,
    RelationKind.OTHER: RelationKind.OTHER,
}
