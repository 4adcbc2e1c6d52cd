"""Choices of the challenges app (揭榜挂帅) and the allowed edges of a list's lifecycle."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("challenge status", "Draft")
    OPERATOR_REVIEW = "operator_review", _("Awaiting operator review")
    PUBLISHED = "published", _("Open for applications")
    APPLICATIONS_CLOSED = "applications_closed", _("Applications closed")
    REVIEW = "review", _("Expert review")
    SHORTLIST = "shortlist", _("Shortlist")
    PUBLICITY = "publicity", _("Public notice")
    AWARDED = "awarded", _("Awarded")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Accepted and completed")
    TERMINATED = "terminated", _("Terminated")


# The allowed edges of a list's lifecycle; the guard of each lives in services.lifecycle.
CHALLENGE_EDGES: dict[str, tuple[str, ...]] = {
    ChallengeStatus.DRAFT: (ChallengeStatus.OPERATOR_REVIEW,),
    ChallengeStatus.OPERATOR_REVIEW: (ChallengeStatus.DRAFT, ChallengeStatus.PUBLISHED),
    ChallengeStatus.PUBLISHED: (ChallengeStatus.APPLICATIONS_CLOSED, ChallengeStatus.TERMINATED),
    ChallengeStatus.APPLICATIONS_CLOSED: (ChallengeStatus.REVIEW, ChallengeStatus.TERMINATED),
    ChallengeStatus.REVIEW: (ChallengeStatus.SHORTLIST, ChallengeStatus.TERMINATED),
    ChallengeStatus.SHORTLIST: (ChallengeStatus.PUBLICITY, ChallengeStatus.TERMINATED),
    ChallengeStatus.PUBLICITY: (ChallengeStatus.AWARDED, ChallengeStatus.TERMINATED),
    ChallengeStatus.AWARDED: (ChallengeStatus.IN_PROGRESS, ChallengeStatus.TERMINATED),
    ChallengeStatus.IN_PROGRESS: (ChallengeStatus.COMPLETED, ChallengeStatus.TERMINATED),
    ChallengeStatus.COMPLETED: (),
    ChallengeStatus.TERMINATED: (),
}

# Where the public may see a list: everything from publication on.
PUBLIC_STATUSES = tuple(
    s for s in ChallengeStatus.values if s not in (ChallengeStatus.DRAFT, ChallengeStatus.OPERATOR_REVIEW)
)


class IpTerms(models.TextChoices):
    """Who owns what the solver makes (民法典 Art. 859: the developer, unless agreed otherwise)."""

    SOLVER_LICENCE = "solver_licence", _("Solver keeps the IP and licenses it to the issuer")
    ISSUER_ACQUIRES = "issuer_acquires", _("Issuer acquires the IP")
    SHARED = "shared", _("IP is shared between solver and issuer")
    OPEN = "open", _("Results are published openly")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    NOT_SHORTLISTED = "not_shortlisted", _("Not shortlisted")
    AWARDED = "awarded", _("Awarded")
    NOT_AWARDED = "not_awarded", _("Not awarded")


class MemberStatus(models.TextChoices):
    """A person named on a team: asked by the lead, then their own answer (or the lead takes the ask back)."""

    INVITED = "invited", pgettext_lazy("team invitation status", "Invited")
    ACCEPTED = "accepted", pgettext_lazy("team invitation status", "Accepted")
    DECLINED = "declined", pgettext_lazy("team invitation status", "Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


LIVE_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.AWARDED,
)


class AgreementStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CUT = "cut", _("Cut at a stage gate")
    MERGED = "merged", _("Merged into another team")
    COMPLETED = "completed", _("Accepted")
    TERMINATED = "terminated", _("Terminated")


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SUBMITTED = "submitted", _("Evidence submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class GateDecision(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    CUT = "cut", _("Cut")
    MERGE = "merge", _("Merge into another team")


class FundingSource(models.TextChoices):
    ISSUER = "issuer", _("Issuer")
    SUBSIDY = "subsidy", _("Government subsidy")
