"""After the award: one agreement per winner with its milestone plan, tranches paid against accepted
milestones, stage-gate decisions of a race, and how the list ended (验收 or termination) with the
due-diligence record that protects a diligent team (科学技术进步法 2021, Art. 68)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.enums import AgreementStatus, GateDecision, MilestoneStatus
from kechuang.challenges.models.applications import Application
from kechuang.challenges.models.lists import Challenge, StageGate
from kechuang.core.money import Money


class Agreement(models.Model):
    """The issuer's agreement with one winning team: the share of the bounty it may earn, paid by milestones."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="agreements")
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="agreement")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    released_fen = models.BigIntegerField(_("released (fen)"), default=0, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    terms = models.TextField(_("terms"), blank=True, max_length=20000)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from")
    signed_at = models.DateTimeField(_("signed"))
    ledger_entry = models.ForeignKey("ledger.Entry", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["challenge", "id"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            # Zero once a team is cut before earning anything: what it may still earn goes back to the list.
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="agreement_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(released_fen__gte=0, released_fen__lte=F("amount_fen")),
                name="agreement_released_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {Money(self.amount_fen)}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_fen)

    @property
    def released(self) -> Money:
        return Money(self.released_fen)


class Milestone(models.Model):
    """A deliverable with a due date and the tranche it earns; evidence → acceptance (or rejection with reasons)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    deliverable = models.TextField(_("deliverable"), max_length=2000)
    criterion = models.TextField(_("acceptance criterion"), blank=True, max_length=1500)
    due_on = models.DateField(_("due"))
    amount_fen = models.BigIntegerField(_("tranche (fen)"))
    status = models.CharField(
        _("status"), max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    evidence = models.TextField(_("evidence"), blank=True, max_length=20000)
    # [{"name": "report.pdf", "sha256": "…", "size": 1234}]: digests of the original records, not the files.
    evidence_files = models.JSONField(_("evidence files"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("evidence submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(_("reasons"), blank=True, max_length=5000)
    acceptance_entry = models.ForeignKey("ledger.Entry", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agreement", "position", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=0), name="milestone_amount_not_negative")]

    def __str__(self) -> str:
        return self.deliverable[:60]

    @property
    def amount(self) -> Money:
        return Money(self.amount_fen)


class TrancheRelease(models.Model):
    """Money paid out of escrow to a team against an accepted milestone."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="releases")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="releases")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="releases")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    released_at = models.DateTimeField(_("released"))
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ledger_entry = models.ForeignKey("ledger.Entry", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["released_at", "id"]
        verbose_name = _("tranche release")
        verbose_name_plural = _("tranche releases")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="release_amount_positive")]

    def __str__(self) -> str:
        return f"{Money(self.amount_fen)} → {self.agreement_id}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_fen)


class StageGateDecision(models.Model):
    """At a stage gate of a race: continue, cut or merge one team, with reasons."""

    gate = models.ForeignKey(StageGate, on_delete=models.PROTECT, related_name="decisions")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="gate_decisions")
    decision = models.CharField(_("decision"), max_length=10, choices=GateDecision.choices)
    merged_into = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="merges_received"
    )
    reasons = models.TextField(_("reasons"), max_length=5000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))
    ledger_entry = models.ForeignKey("ledger.Entry", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["gate", "id"]
        verbose_name = _("stage-gate decision")
        verbose_name_plural = _("stage-gate decisions")
        constraints = [
            models.UniqueConstraint(fields=["gate", "agreement"], name="gate_decision_once_per_team"),
            models.CheckConstraint(
                condition=Q(decision=GateDecision.MERGE, merged_into__isnull=False)
                | (~Q(decision=GateDecision.MERGE) & Q(merged_into__isnull=True)),
                name="gate_merge_names_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gate_id} · {self.agreement_id} · {self.decision}"


class Closure(models.Model):
    """How a list ended: 验收 (accepted, completed) or termination, with the report and reasons."""

    challenge = models.OneToOneField(Challenge, on_delete=models.PROTECT, related_name="closure")
    outcome = models.CharField(_("outcome"), max_length=20)  # ChallengeStatus.COMPLETED or TERMINATED
    report = models.TextField(_("report"), max_length=20000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))
    ledger_entry = models.ForeignKey("ledger.Entry", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")

    def __str__(self) -> str:
        return f"{self.challenge_id} {self.outcome}"


class DiligenceRecord(models.Model):
    """A team's original records and the finding on its diligence, kept when its work stops short.

    科学技术进步法 (2021) Art. 68: researchers on an exploratory, high-risk project who show by original
    records that they were diligent are not held liable when it fails. The record names those records
    and their digests; the digests go to the ledger so the records can later be shown unaltered.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="diligence_records")
    records = models.TextField(_("original records kept"), max_length=20000)
    record_files = models.JSONField(_("record files"), default=list, blank=True)
    diligent = models.BooleanField(_("the team was diligent"))
    finding = models.TextField(_("finding"), max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"))
    ledger_entry = models.ForeignKey("ledger.Entry", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("due-diligence record")
        verbose_name_plural = _("due-diligence records")

    def __str__(self) -> str:
        return f"{self.agreement_id} diligent={self.diligent}"
