"""Tables of the review engine. Writes go through :mod:`kechuang.review.services`.

A :class:`Call` belongs to any reviewable object (a challenge, a facility proposal call, a grant
programme) through a generic relation, and so does each :class:`Item` (an application, a
proposal). Everything else hangs off those two.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.core.i18n import BilingualTextField, localized
from kechuang.review.enums import (
    AssignmentSource,
    AssignmentStatus,
    CallStatus,
    ConflictKind,
    DecisionOutcome,
    RunStatus,
)

USER = settings.AUTH_USER_MODEL


class Call(models.Model):
    """A round of expert review over the items of one subject, with its criteria, pool and rules."""

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    title = BilingualTextField(_("title"), max_text_length=300)
    blind = models.BooleanField(_("blind review"), default=True)
    reviews_per_item = models.PositiveSmallIntegerField(_("reviews per item"), default=3)
    max_load = models.PositiveSmallIntegerField(_("most items per reviewer"), default=6)
    min_load = models.PositiveSmallIntegerField(_("fewest items per reviewer"), default=0)
    alternates = models.PositiveSmallIntegerField(_("alternates per item"), default=2)
    require_industry = models.BooleanField(_("at least one industry expert per item"), default=False)
    distinct_organizations = models.BooleanField(_("no two reviewers of an item from one organisation"), default=False)
    conflict_years = models.PositiveSmallIntegerField(_("conflict window (years)"), default=5)
    review_deadline = models.DateTimeField(_("review deadline"))
    status = models.CharField(_("status"), max_length=10, choices=CallStatus.choices, default=CallStatus.OPEN)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review call")
        verbose_name_plural = _("review calls")
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(reviews_per_item__gte=1), name="review_call_demand_positive"),
            models.CheckConstraint(condition=models.Q(min_load__lte=models.F("max_load")), name="review_call_loads"),
        ]

    def __str__(self) -> str:
        return localized(self.title)


class Criterion(models.Model):
    """One scored aspect. A review gives each criterion an integer in [scale_min, scale_max]."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name = BilingualTextField(_("name"), max_text_length=200)
    description = BilingualTextField(_("description"), required=False, blank=True, max_text_length=2000)
    weight = models.PositiveSmallIntegerField(_("weight (%)"))
    scale_min = models.SmallIntegerField(_("lowest score"), default=0)
    scale_max = models.SmallIntegerField(_("highest score"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["call", "order", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(condition=models.Q(scale_max__gt=models.F("scale_min")), name="review_scale_wide"),
            models.CheckConstraint(condition=models.Q(weight__lte=100), name="review_weight_percent"),
        ]

    def __str__(self) -> str:
        return localized(self.name)


class Item(models.Model):
    """One thing reviewed. ``identity`` and ``parties`` are hidden from reviewers of a blind call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="items")
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    title = BilingualTextField(_("title"), max_text_length=500)
    summary = BilingualTextField(_("summary"), required=False, blank=True, max_text_length=8000)
    # {"people": [user id…], "organizations": [organisation id…], "issuer": organisation id | null}
    parties = models.JSONField(_("parties"), default=dict, blank=True)
    # Whatever the subject's app shows a non-blind reviewer: applicant and team names, organisation…
    identity = models.JSONField(_("identity"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["call", "id"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        constraints = [
            models.UniqueConstraint(fields=["call", "subject_type", "subject_id"], name="review_item_once_per_call")
        ]

    def __str__(self) -> str:
        return localized(self.title)


class PoolReviewer(models.Model):
    """A reviewer invited to a call, with her own load limit and whether she counts as industry."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="pool")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="review_pools")
    industry = models.BooleanField(_("industry expert"), default=False)
    max_load = models.PositiveSmallIntegerField(_("most items"))
    invited_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)

    class Meta:
        ordering = ["call", "id"]
        verbose_name = _("pool reviewer")
        verbose_name_plural = _("pool reviewers")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="review_pool_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.call}"


class Assignment(models.Model):
    """A reviewer on an item, or (status ALTERNATE, with a rank) waiting to step in."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="review_assignments")
    affinity = models.FloatField(_("affinity"), default=0.0)
    alternate_rank = models.PositiveSmallIntegerField(_("alternate rank"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=AssignmentSource.choices)
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AssignmentStatus.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["item", "alternate_rank", "-affinity", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["item", "reviewer"], name="review_assignment_once"),
            # An alternate has a rank and nothing else has one.
            models.CheckConstraint(
                condition=(models.Q(status=AssignmentStatus.ALTERNATE) & models.Q(alternate_rank__isnull=False))
                | (~models.Q(status=AssignmentStatus.ALTERNATE) & models.Q(alternate_rank__isnull=True)),
                name="review_alternate_has_rank",
            ),
            # A manual change always says why.
            models.CheckConstraint(
                condition=~models.Q(source=AssignmentSource.MANUAL) | ~models.Q(reason=""),
                name="review_manual_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "status"])]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.item}"


class AssignmentRun(models.Model):
    """One background optimisation of a call's assignment, watched (progress) and stoppable (cancel)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    # [{"item": id, "demand": n, "eligible": n, "reasons": {reason: count}}], or [{"message": …}] for a global cause
    shortfalls = models.JSONField(_("shortfalls"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    total_affinity = models.FloatField(_("total affinity"), null=True, blank=True)
    assigned = models.PositiveIntegerField(_("assignments made"), default=0)
    timings = models.JSONField(_("timings (seconds)"), default=dict, blank=True)
    started_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assignment run")
        verbose_name_plural = _("assignment runs")
        constraints = [
            # One run at a time per call: two would overwrite each other's assignments.
            models.UniqueConstraint(
                fields=["call"],
                condition=models.Q(status__in=["queued", "running"]),
                name="review_one_active_run",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="review_run_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.call} · {self.get_status_display()}"


class ConflictRecord(models.Model):
    """A conflict on (item, reviewer): declared, set by an operator, or a computed one kept as found."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="review_conflicts")
    kind = models.CharField(_("kind"), max_length=30, choices=ConflictKind.choices)
    explanation = models.CharField(_("explanation"), max_length=1000, blank=True)
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["item", "reviewer", "kind", "id"]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["item", "reviewer", "kind"], name="review_conflict_once_per_kind"),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["declared", "operator"]) | ~models.Q(reason=""),
                name="review_conflict_recorded_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} × {self.item}: {self.get_kind_display()}"


class Review(models.Model):
    """The reviewer's scores (``{criterion id: int}``) and comments; one per assignment."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    scores = models.JSONField(_("scores"), default=dict)
    # Optional remarks per criterion ({criterion id: text}), shown to the applicant with that criterion.
    notes = models.JSONField(_("remarks per criterion"), default=dict, blank=True)
    comment_to_applicant = models.TextField(_("comment to the applicant"), blank=True)
    comment_to_operator = models.TextField(_("comment to the operator"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        ordering = ["assignment", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.assignment}"


class Reconciliation(models.Model):
    """An operator's note on an item whose reviewers disagree, needed before it is decided."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="reconciliations")
    note = models.TextField(_("note"))
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["item", "created_at", "id"]
        verbose_name = _("reconciliation note")
        verbose_name_plural = _("reconciliation notes")

    def __str__(self) -> str:
        return f"{self.item}: {self.note[:40]}"


class Decision(models.Model):
    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(_("outcome"), max_length=10, choices=DecisionOutcome.choices)
    reasons = models.TextField(_("reasons"))
    decided_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [models.CheckConstraint(condition=~models.Q(reasons=""), name="review_decision_has_reasons")]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_outcome_display()}"
