"""Income from deals and its distribution to the team by law and policy.

A receipt (upfront, milestone, royalty, equity grant, or a reversal) arrives on a signed deal; its
net income is the gross less itemised deductions (北京条例 §12); a distribution applies the policy
version in force on the day of receipt and the team split signed off at the time, and pays every
completer a line. Every payout therefore traces contract → receipt → policy version → approver.
Amounts are whole fen, equity whole shares; the arithmetic lives in :mod:`kechuang.transfer.distribution`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.money import Money
from kechuang.transfer.enums import DeductionKind, DistributionStatus, PolicyScope, ReceiptKind, SplitStatus
from kechuang.transfer.models.achievements import Achievement, Completer
from kechuang.transfer.models.deals import Deal


class Policy(models.Model):
    """One version of a reward policy: the completers' share of cash, equity and profit, with its citation.

    National and local rows (``institution`` empty) carry the law; an institution's own rows must
    not fall below the binding floor on their effective date, which the services check.
    """

    scope = models.CharField(_("scope"), max_length=12, choices=PolicyScope.choices)
    institution = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="reward_policies"
    )
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    cash_bp = models.PositiveIntegerField(_("share of net cash income (basis points)"))
    equity_bp = models.PositiveIntegerField(_("share of equity (basis points)"))
    profit_bp = models.PositiveIntegerField(_("share of operating profit (basis points)"))
    # The years profit is shared: at least ``profit_years_min`` (what the floor holds the unit to) and at most
    # ``profit_years``; an institution's own policy usually states one figure, both then the same.
    profit_years = models.PositiveSmallIntegerField(_("years of profit sharing"))
    profit_years_min = models.PositiveSmallIntegerField(_("years of profit sharing at least"), default=0)
    citation = models.TextField(_("citation"), max_length=2000)
    # For a row carrying the law: the key of its rule in the distribution engine's data
    # (``distribution/data/legal_floors.json``), which keeps those rows one per rule.
    rule_key = models.CharField(_("legal rule"), max_length=64, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["institution_id", "-version"]
        verbose_name = _("reward policy")
        verbose_name_plural = _("reward policies")
        constraints = [
            models.UniqueConstraint(fields=["institution", "version"], name="policy_version_once"),
            models.CheckConstraint(
                condition=Q(cash_bp__lte=10_000, equity_bp__lte=10_000, profit_bp__lte=10_000),
                name="policy_shares_at_most_whole",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="policy_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=[PolicyScope.NATIONAL, PolicyScope.LOCAL]) | Q(institution__isnull=False),
                name="policy_institution_for_own_rules",
            ),
            models.CheckConstraint(
                condition=Q(profit_years_min__lte=F("profit_years")), name="policy_profit_years_in_order"
            ),
            models.UniqueConstraint(fields=["rule_key"], condition=~Q(rule_key=""), name="policy_legal_rule_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Receipt(models.Model):
    """Money (or shares) received on a signed deal, with its deductions; a reversal is a negative receipt."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(_("kind"), max_length=14, choices=ReceiptKind.choices)
    gross_fen = models.BigIntegerField(_("gross amount (fen)"))
    deductions_fen = models.BigIntegerField(_("deductions (fen)"), default=0)
    net_fen = models.BigIntegerField(_("net income (fen)"))
    shares = models.BigIntegerField(_("shares received"), default=0)
    received_on = models.DateField(_("received on"))
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    reference = models.CharField(_("bank or transfer reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.CheckConstraint(condition=Q(deductions_fen__gte=0), name="receipt_deductions_not_negative"),
            # Net income (北京条例 §12) is the gross less the deductions; a reversal (a refund, negative) nets
            # symmetrically, -(|gross| − deductions), as the distribution engine does, so a reversal of a
            # whole receipt carries the same deductions and exactly the negated net income.
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, net_fen=F("gross_fen") - F("deductions_fen"))
                | Q(reverses__isnull=False, net_fen=F("gross_fen") + F("deductions_fen")),
                name="receipt_net_income_by_sign",
            ),
            # Income is positive; only a reversal, which names what it reverses, goes below zero.
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, gross_fen__gte=0, net_fen__gte=0, shares__gte=0)
                | Q(reverses__isnull=False, gross_fen__lte=0, net_fen__lte=0, shares__lte=0),
                name="receipt_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=ReceiptKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=ReceiptKind.REVERSAL) & Q(reverses__isnull=True)),
                name="receipt_reversal_names_its_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {Money(self.gross_fen)}"

    @property
    def net(self) -> Money:
        return Money(self.net_fen)


class Deduction(models.Model):
    """An itemised deduction from a receipt's gross amount (tax, maintenance, direct deal cost)."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="deductions")
    kind = models.CharField(_("kind"), max_length=12, choices=DeductionKind.choices)
    label = models.CharField(_("what"), max_length=200)
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=0), name="deduction_not_negative")]

    def __str__(self) -> str:
        return f"{self.label} {Money(self.amount_fen)}"


class TeamSplit(models.Model):
    """How the team lead splits the team's share inside the team; signed off before it is used."""

    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="splits")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=SplitStatus.choices, default=SplitStatus.PROPOSED)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["achievement", "-version"]
        verbose_name = _("team split")
        verbose_name_plural = _("team splits")
        constraints = [
            models.UniqueConstraint(fields=["achievement", "version"], name="split_version_once"),
            models.UniqueConstraint(
                fields=["achievement"], condition=Q(status=SplitStatus.SIGNED_OFF), name="split_one_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.achievement} split v{self.version}"


class SplitLine(models.Model):
    split = models.ForeignKey(TeamSplit, on_delete=models.CASCADE, related_name="lines")
    completer = models.ForeignKey(Completer, on_delete=models.PROTECT, related_name="+")
    share_bp = models.PositiveIntegerField(_("share (basis points)"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["split", "completer"], name="split_line_once"),
            models.CheckConstraint(condition=Q(share_bp__lte=10_000), name="split_line_at_most_whole"),
        ]

    def __str__(self) -> str:
        return f"{self.completer} {self.share_bp / 100:.2f}%"


class Distribution(models.Model):
    """One receipt's net income shared out: the unit's part, the team's part, and a payout per completer."""

    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, related_name="distribution")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="distributions")
    split = models.ForeignKey(TeamSplit, on_delete=models.PROTECT, related_name="distributions")
    status = models.CharField(
        _("status"), max_length=10, choices=DistributionStatus.choices, default=DistributionStatus.PROPOSED
    )
    distributable_fen = models.BigIntegerField(_("distributable (fen)"))
    team_fen = models.BigIntegerField(_("team (fen)"))
    unit_fen = models.BigIntegerField(_("unit (fen)"))
    distributable_shares = models.BigIntegerField(_("distributable shares"), default=0)
    team_shares = models.BigIntegerField(_("team shares"), default=0)
    unit_shares = models.BigIntegerField(_("unit shares"), default=0)
    # The engine's steps, kept as computed so the statement can show its working.
    working = models.JSONField(_("working"), default=list, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    ledger_entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # The record whose salted commitment is the ledger entry, kept verbatim so it can be disclosed with the
    # entry's salt and opened offline (ADR 0006) however the rows it was built from change later.
    committed = models.JSONField(_("committed record"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        constraints = [
            models.CheckConstraint(
                condition=Q(distributable_fen=F("team_fen") + F("unit_fen")), name="distribution_cash_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(distributable_shares=F("team_shares") + F("unit_shares")),
                name="distribution_shares_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} → {Money(self.team_fen)}"


class Payout(models.Model):
    """What one completer receives from one distribution, with its tax tags; negative in a reversal."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="payouts")
    completer = models.ForeignKey(Completer, on_delete=models.PROTECT, related_name="payouts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="transfer_payouts"
    )
    share_bp = models.PositiveIntegerField(_("share (basis points)"))
    cash_fen = models.BigIntegerField(_("cash (fen)"), default=0)
    shares = models.BigIntegerField(_("shares"), default=0)
    tax_tags = models.JSONField(_("tax treatment"), default=list, blank=True)
    ledger_entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # The committed record of this payout, which its owner discloses with the entry's salt (see Distribution).
    committed = models.JSONField(_("committed record"), default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["distribution", "id"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [models.UniqueConstraint(fields=["distribution", "completer"], name="payout_once")]

    def __str__(self) -> str:
        return f"{self.completer} {Money(self.cash_fen)} {self.shares}"

    @property
    def cash(self) -> Money:
        return Money(self.cash_fen)
