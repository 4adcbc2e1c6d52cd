"""The marketplace: opportunity cards with the fields industry asks for, and interest or a reasoned pass."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.core.i18n import BilingualTextField, localized
from kechuang.transfer.enums import InterestKind, OpportunityStatus, PassReason
from kechuang.transfer.models.achievements import Achievement


class Opportunity(models.Model):
    """An achievement offered to industry. Problem, benefit against the current best, TRL and IP status are required.

    TRL and IP status are the achievement's own, shown on the card; the card adds what a company
    needs to judge fit (IN-PART: fit, the problem solved, an economic comparison with the best competitor).
    """

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="opportunities")
    status = models.CharField(
        _("status"), max_length=10, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    problem = BilingualTextField(_("problem it solves"), max_text_length=2000)
    benefit = BilingualTextField(_("benefit against the current best"), max_text_length=2000)
    economics = BilingualTextField(_("economic comparison"), required=False, blank=True, max_text_length=2000)
    route = BilingualTextField(_("route to market"), required=False, blank=True, max_text_length=2000)
    asking_price_fen = models.BigIntegerField(_("indicative price (fen)"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.UniqueConstraint(
                fields=["achievement"], condition=Q(status=OpportunityStatus.OPEN), name="opportunity_one_open"
            ),
            models.CheckConstraint(
                condition=Q(asking_price_fen__isnull=True) | Q(asking_price_fen__gt=0),
                name="opportunity_price_positive",
            ),
        ]

    def __str__(self) -> str:
        return localized(self.achievement.title)

    def get_absolute_url(self) -> str:
        return reverse("transfer:opportunity", args=[self.pk])


class Interest(models.Model):
    """A company's answer to a card: interested, or passed with a structured reason. One live answer per company."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="interests")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("answer"), max_length=12, choices=InterestKind.choices)
    pass_reason = models.CharField(_("reason for passing"), max_length=20, choices=PassReason.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("answered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "organization"], name="interest_once_per_organization"),
            models.CheckConstraint(
                condition=Q(kind=InterestKind.INTERESTED, pass_reason="")
                | (Q(kind=InterestKind.PASSED) & ~Q(pass_reason="")),
                name="interest_pass_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_kind_display()}"
