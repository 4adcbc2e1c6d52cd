"""Deals: assignment, licence, investment as equity or joint development of an achievement, by stages.

促进科技成果转化法 §18 fixes how a state unit sets the price (negotiated with a public notice inside
the unit, exchange listing, or auction); 民法典 §847 gives the completers a right of first refusal
on equal terms before an assignment; 北京条例 §19 protects decision makers who kept a due-diligence
record (technology, buyer, deal plan, approvals). Each is a field or row here, filled by services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.money import Money
from kechuang.transfer.enums import DealKind, DealStage, FirstRefusal, LicenceScope, PricingMethod
from kechuang.transfer.models.achievements import Achievement

# 促进科技成果转化法 §18 requires a negotiated price to be publicised inside the unit but fixes no
# length; 15 calendar days is common practice, and each unit may set its own (DealSettings).
DEFAULT_PUBLICITY_DAYS = 15
MAX_PUBLICITY_DAYS = 60


class Deal(models.Model):
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="deals")
    # The unit that owns the result when the deal is opened; checked against the achievement's owner.
    seller = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="sales")
    buyer = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="purchases")
    kind = models.CharField(_("kind of deal"), max_length=20, choices=DealKind.choices)
    licence_scope = models.CharField(_("licence scope"), max_length=20, choices=LicenceScope.choices, blank=True)
    pricing = models.CharField(_("pricing method"), max_length=12, choices=PricingMethod.choices)
    price_fen = models.BigIntegerField(_("price (fen)"))
    # 作价投资: the company's shares that pay for the result, in whole shares, and their valuation.
    equity_shares = models.BigIntegerField(_("shares received"), null=True, blank=True)
    # True when a usage right, not ownership, is contributed (the equity tax deferral is doubtful then).
    usage_right_only = models.BooleanField(_("usage right only"), default=False)
    stage = models.CharField(_("stage"), max_length=16, choices=DealStage.choices, default=DealStage.DRAFT)
    first_refusal = models.CharField(
        _("completers' right of first refusal"),
        max_length=16,
        choices=FirstRefusal.choices,
        default=FirstRefusal.NOT_APPLICABLE,
    )
    first_refusal_note = models.TextField(_("first refusal record"), blank=True, max_length=2000)
    publicity_starts_on = models.DateField(_("public notice from"), null=True, blank=True)
    publicity_ends_on = models.DateField(_("public notice until"), null=True, blank=True)
    publicity_text = models.TextField(_("public notice"), blank=True, max_length=4000)
    # Calendar days of the notice, taken from the seller's DealSettings when the deal is opened.
    publicity_days = models.PositiveSmallIntegerField(_("public notice days"), default=DEFAULT_PUBLICITY_DAYS)
    # {"technology": …, "buyer": …, "plan": …, "approvals": …}: the 尽职免责 record.
    diligence = models.JSONField(_("due-diligence record"), default=dict, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ledger_entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [models.Index(fields=["seller", "stage"], name="deal_seller_stage")]
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gte=0), name="deal_price_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind=DealKind.LICENCE) | ~Q(licence_scope=""), name="deal_licence_has_scope"
            ),
            models.CheckConstraint(
                condition=~Q(kind=DealKind.EQUITY) | Q(equity_shares__gt=0), name="deal_equity_has_shares"
            ),
            models.CheckConstraint(condition=~Q(seller=models.F("buyer")), name="deal_buyer_not_seller"),
            models.CheckConstraint(
                condition=Q(publicity_days__gte=1, publicity_days__lte=MAX_PUBLICITY_DAYS),
                name="deal_publicity_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.achievement} · {self.get_kind_display()} · {self.buyer}"

    def get_absolute_url(self) -> str:
        return reverse("transfer:deal", args=[self.pk])

    @property
    def price(self) -> Money:
        return Money(self.price_fen)


class DealDocument(models.Model):
    """A file of the deal (contract, valuation, notice), kept with its SHA-256 so a ledger entry can name it."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="transfer/deals/%Y/")
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveBigIntegerField(editable=False)
    # The type read from the file's first bytes when it was uploaded, served back with it.
    content_type = models.CharField(max_length=100, editable=False, default="application/octet-stream")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("deal document")
        verbose_name_plural = _("deal documents")

    def __str__(self) -> str:
        return self.title


class DealStageChange(models.Model):
    """One move of a deal between stages, by whom and why: the deal's history."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=DealStage.choices)
    to_stage = models.CharField(max_length=16, choices=DealStage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage} → {self.to_stage}"


class DealSettings(models.Model):
    """A unit's own settings for its deals: how many calendar days a negotiated price is publicised."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="deal_settings", verbose_name=_("unit")
    )
    publicity_days = models.PositiveSmallIntegerField(_("public notice days"), default=DEFAULT_PUBLICITY_DAYS)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("deal settings")
        verbose_name_plural = _("deal settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(publicity_days__gte=1, publicity_days__lte=MAX_PUBLICITY_DAYS),
                name="deal_settings_publicity_days_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.publicity_days}"
