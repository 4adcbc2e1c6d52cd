"""A list (榜单) and what hangs off it before anyone applies: indicators, stage gates, escrow, NDA, history.

Money is whole fen. The database keeps the last line of the money rules (check constraints):
the funding mix adds up to the bounty, and escrowed, allocated and released totals never exceed it.
The totals are running columns updated by the services under a row lock, in the same transaction
as the row that moves the money.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.challenges.enums import ChallengeStatus, FundingSource, IpTerms
from kechuang.core.i18n import BilingualTextField, localized
from kechuang.core.money import Money
from kechuang.core.regions import validate_region
from kechuang.core.sectors import validate_sectors

# Until programmes exist as rows, the 公示 period defaults to this many days, set per list by the operator.
DEFAULT_PUBLICITY_DAYS = 7
MAX_WINNERS = 5


class Challenge(models.Model):
    """A published need with money behind it. Written only through :mod:`kechuang.challenges.services`."""

    issuer = models.ForeignKey(
        "accounts.Organization", verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="challenges"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT, db_index=True
    )
    title = BilingualTextField(_("title"), max_text_length=200)
    summary = BilingualTextField(_("public summary"), max_text_length=2000)
    problem = BilingualTextField(_("problem statement"), max_text_length=8000)
    details = BilingualTextField(_("confidential details"), required=False, blank=True, max_text_length=20000)
    eligibility = BilingualTextField(_("who may apply"), required=False, blank=True, max_text_length=2000)
    ip_terms = models.CharField(_("IP terms"), max_length=20, choices=IpTerms.choices, default=IpTerms.SOLVER_LICENCE)
    ip_notes = BilingualTextField(_("IP notes"), required=False, blank=True, max_text_length=2000)
    bounty_fen = models.BigIntegerField(_("bounty (fen)"))
    issuer_share_fen = models.BigIntegerField(_("issuer share (fen)"))
    subsidy_share_fen = models.BigIntegerField(_("government subsidy share (fen)"), default=0)
    escrowed_fen = models.BigIntegerField(_("escrowed (fen)"), default=0, editable=False)
    allocated_fen = models.BigIntegerField(_("allocated to winners (fen)"), default=0, editable=False)
    released_fen = models.BigIntegerField(_("released (fen)"), default=0, editable=False)
    application_deadline = models.DateTimeField(_("application deadline"))
    winners = models.PositiveSmallIntegerField(_("number of winners"), default=1)
    publicity_days = models.PositiveSmallIntegerField(_("public notice days"), default=DEFAULT_PUBLICITY_DAYS)
    publicity_ends_at = models.DateTimeField(_("public notice ends"), null=True, blank=True)
    # [{"name": {"zh-hans": …, "en": …}, "weight": 30, "description": {…}}], weights adding up to 100.
    criteria = models.JSONField(_("evaluation criteria"), default=list, blank=True)
    blind_review = models.BooleanField(_("blind review"), default=True)
    reviews_per_item = models.PositiveSmallIntegerField(_("reviews per application"), default=3)
    sectors = models.JSONField(_("sectors"), default=list, blank=True, validators=[validate_sectors])
    region = models.CharField(_("region"), max_length=6, validators=[validate_region], db_index=True)
    views = models.PositiveBigIntegerField(_("views"), default=0, editable=False)
    # Both languages of the title as plain text, kept by save(): JSON text cannot be matched by words on SQLite.
    title_text = models.CharField(max_length=500, editable=False, default="")
    award_entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        indexes = [models.Index(fields=["status", "-published_at", "-id"], name="challenge_status_published")]
        constraints = [
            models.CheckConstraint(condition=Q(bounty_fen__gt=0), name="challenge_bounty_positive"),
            models.CheckConstraint(
                condition=Q(issuer_share_fen__gte=0, subsidy_share_fen__gte=0), name="challenge_shares_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(bounty_fen=F("issuer_share_fen") + F("subsidy_share_fen")),
                name="challenge_funding_mix_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(escrowed_fen__gte=0, escrowed_fen__lte=F("bounty_fen")), name="challenge_escrow_in_bounty"
            ),
            models.CheckConstraint(
                condition=Q(allocated_fen__gte=0, allocated_fen__lte=F("bounty_fen")),
                name="challenge_allocation_in_bounty",
            ),
            # The last line of "released money never exceeds the bounty" (nor what was escrowed).
            models.CheckConstraint(
                condition=Q(released_fen__gte=0, released_fen__lte=F("bounty_fen")),
                name="challenge_released_within_bounty",
            ),
            models.CheckConstraint(
                condition=Q(released_fen__lte=F("escrowed_fen")), name="challenge_released_within_escrow"
            ),
            models.CheckConstraint(
                condition=Q(winners__gte=1, winners__lte=MAX_WINNERS), name="challenge_winners_one_to_five"
            ),
            models.CheckConstraint(
                condition=Q(publicity_days__gte=1, publicity_days__lte=60), name="challenge_publicity_days_range"
            ),
        ]

    def __str__(self) -> str:
        return localized(self.title)

    def save(self, *args: object, **kwargs: object) -> None:
        self.title_text = " ".join(text for text in self.title.values() if text)[:500]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "title_text"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        """The list's public page; other apps (a review call's page) link to their subject through it."""
        return reverse("challenges:detail", args=[self.pk])

    @property
    def bounty(self) -> Money:
        return Money(self.bounty_fen)

    @property
    def issuer_share(self) -> Money:
        return Money(self.issuer_share_fen)

    @property
    def subsidy_share(self) -> Money:
        return Money(self.subsidy_share_fen)

    @property
    def escrowed(self) -> Money:
        return Money(self.escrowed_fen)

    @property
    def released(self) -> Money:
        return Money(self.released_fen)

    @property
    def remaining(self) -> Money:
        """What may still be released: the bounty less what was released."""
        return Money(self.bounty_fen - self.released_fen)

    @property
    def is_race(self) -> bool:
        """赛马: several teams funded in parallel."""
        return self.winners > 1


class Indicator(models.Model):
    """A measurable technical indicator: what, the target value and unit, and how it is accepted."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    name = BilingualTextField(_("indicator"), max_text_length=200)
    target = models.CharField(_("target value"), max_length=100)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    acceptance = BilingualTextField(_("how it is accepted"), max_text_length=1000)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("technical indicator")
        verbose_name_plural = _("technical indicators")

    def __str__(self) -> str:
        return f"{localized(self.name)} {self.target}{self.unit}"


class StageGate(models.Model):
    """A dated review point of a race at which each team is continued, cut or merged."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="stage_gates")
    position = models.PositiveSmallIntegerField(_("display order"), default=0)
    name = BilingualTextField(_("stage gate"), max_text_length=200)
    due_on = models.DateField(_("date"))

    class Meta:
        ordering = ["position", "due_on", "id"]
        verbose_name = _("stage gate")
        verbose_name_plural = _("stage gates")

    def __str__(self) -> str:
        return f"{localized(self.name)} {self.due_on}"


class NdaAcceptance(models.Model):
    """A user accepted the list's confidentiality terms at ``accepted_at``; only then do they see the details."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="nda_acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        verbose_name = _("NDA acceptance")
        verbose_name_plural = _("NDA acceptances")
        constraints = [models.UniqueConstraint(fields=["challenge", "user"], name="challenge_nda_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.challenge_id}"


class EscrowDeposit(models.Model):
    """Money recorded as held for the list (by the operator, on the bank's or the budget's confirmation)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="escrow_deposits")
    source = models.CharField(_("source"), max_length=10, choices=FundingSource.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reference = models.CharField(_("bank or budget reference"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    ledger_entry = models.ForeignKey("ledger.Entry", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("escrow deposit")
        verbose_name_plural = _("escrow deposits")
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="escrow_amount_positive")]

    def __str__(self) -> str:
        return f"{Money(self.amount_fen)} · {self.challenge_id}"


class StatusChange(models.Model):
    """One step of a list's lifecycle, with who took it and why: the public timeline."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=ChallengeStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=ChallengeStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
