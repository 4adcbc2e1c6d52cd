"""Choices of the review app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ConflictKind(models.TextChoices):
    """Why a reviewer may not review an item. Each kind is explained to the operator in words."""

    SELF = "self", _("Is an applicant")
    SAME_ORGANIZATION = "same_organization", _("Same organisation as an applicant, now or within the window")
    APPLICANT_ORGANIZATION = "applicant_organization", _("Works or worked at the applying organisation")
    COAUTHOR = "coauthor", _("Co-author of an applicant")
    COINVENTOR = "coinventor", _("Co-inventor with an applicant")
    COPROJECT = "coproject", _("Member of a project with an applicant")
    ADVISOR = "advisor", _("Advisor or advisee of an applicant")
    RELATION = "relation", _("Declared personal relation with an applicant")
    ISSUER_STAFF = "issuer_staff", _("Works or worked for the issuer")
    SHAREHOLDER = "shareholder", _("Shareholder of the issuer or of an applying organisation")
    DECLARED = "declared", _("Declared by the reviewer")
    OPERATOR = "operator", _("Set by an operator")


# Kinds computed from platform data by :func:`kechuang.review.conflicts.find_conflicts`; the other two are
# recorded by people and kept until removed.
COMPUTED_CONFLICT_KINDS = frozenset(ConflictKind.values) - {ConflictKind.DECLARED, ConflictKind.OPERATOR}


class CallStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("review call", "Open")
    CLOSED = "closed", pgettext_lazy("review call", "Closed")


class AssignmentStatus(models.TextChoices):
    """An assignment's state. ALTERNATE rows wait (with a rank) to replace a reviewer who drops out."""

    ASSIGNED = "assigned", _("Assigned")
    ALTERNATE = "alternate", _("Alternate")
    SUBMITTED = "submitted", _("Review submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AssignmentSource(models.TextChoices):
    AUTO = "auto", _("Automatic assignment")
    MANUAL = "manual", _("Manual change")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class DecisionOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    RESERVE = "reserve", _("On the reserve list")
    REJECTED = "rejected", _("Rejected")
