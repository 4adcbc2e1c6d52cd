"""The technology-contract registry (技术合同认定登记) and the figures the city reports from it.

The seller applies once the contract is in force; a registrar registers it with a number, or returns
it with reasons, within a number of working days held as data (15, or 30 for large or disputed
contracts in the 2024 MIIT draft; parameters, since the final 2026 text may differ). The same
contract may not be registered twice: a fingerprint of both parties' USCC, the type, the amount and
the signing date is unique among live registrations. Amendments supersede; terminations and
cancellations leave the row and take it out of the statistics.

Statistics read :class:`RegistryTally`, kept in the same transaction as every change of a counted
registration, so year × type × field × origin → destination figures stay fast at 10^7 contracts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kechuang.core.identifiers import validate_uscc
from kechuang.core.money import Money
from kechuang.core.regions import validate_region
from kechuang.transfer.enums import ContractType, NonTechnicalItem, RegistrationStatus
from kechuang.transfer.models.deals import Deal


class Registration(models.Model):
    number = models.CharField(_("registration number"), max_length=40, null=True, blank=True, unique=True)
    contract_type = models.CharField(_("contract type"), max_length=12, choices=ContractType.choices)
    title = models.CharField(_("contract title"), max_length=300)
    contract_number = models.CharField(_("contract's own number"), max_length=80, blank=True)
    seller_name = models.CharField(_("seller"), max_length=200)
    seller_uscc = models.CharField(_("seller USCC"), max_length=18, validators=[validate_uscc])
    seller_region = models.CharField(_("seller region"), max_length=6, validators=[validate_region])
    buyer_name = models.CharField(_("buyer"), max_length=200)
    buyer_uscc = models.CharField(_("buyer USCC"), max_length=18, blank=True)
    buyer_region = models.CharField(_("buyer region"), max_length=6, validators=[validate_region])
    # Province codes, derived from the regions, for the flow statistics.
    seller_province = models.CharField(max_length=6, editable=False, db_index=True)
    buyer_province = models.CharField(max_length=6, editable=False)
    field = models.CharField(_("technical field"), max_length=40, blank=True)
    contract_amount_fen = models.BigIntegerField(_("contract amount (fen)"))
    non_technical_fen = models.BigIntegerField(_("non-technical items (fen)"), default=0)
    technology_amount_fen = models.BigIntegerField(_("technology-trade amount (fen)"))
    signed_on = models.DateField(_("signed on"))
    effective_on = models.DateField(_("in force from"))
    disputed = models.BooleanField(_("disputed"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.SUBMITTED
    )
    fingerprint = models.CharField(max_length=64, editable=False)
    submitted_at = models.DateTimeField(_("submitted"))
    due_on = models.DateField(_("decision due"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    # The statistics year: the year of registration.
    year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    return_reasons = models.TextField(_("reasons for returning"), blank=True, max_length=4000)
    ended_on = models.DateField(_("terminated or cancelled on"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True, max_length=2000)
    # Tax benefits claimed on the certificate that an ending must report back (VAT exemption, income tax relief).
    benefits_claimed = models.JSONField(_("tax benefits claimed"), default=list, blank=True)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("amends")
    )
    deal = models.ForeignKey(Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applicant_organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    registrar = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ledger_entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("contract registration")
        verbose_name_plural = _("contract registrations")
        indexes = [
            models.Index(fields=["status", "due_on"], name="registration_queue"),
            models.Index(fields=["fingerprint"], name="registration_fingerprint"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(contract_amount_fen__gt=0), name="registration_amount_positive"),
            models.CheckConstraint(
                condition=Q(non_technical_fen__gte=0, non_technical_fen__lte=F("contract_amount_fen")),
                name="registration_deductions_in_amount",
            ),
            models.CheckConstraint(
                condition=Q(technology_amount_fen=F("contract_amount_fen") - F("non_technical_fen")),
                name="registration_technology_amount_adds_up",
            ),
            # The same contract is not registered twice while a registration of it is live.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(status__in=[RegistrationStatus.SUBMITTED, RegistrationStatus.REGISTERED]),
                name="registration_not_twice",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.title

    @property
    def contract_amount(self) -> Money:
        return Money(self.contract_amount_fen)

    @property
    def technology_amount(self) -> Money:
        return Money(self.technology_amount_fen)


class NonTechnicalLine(models.Model):
    """One non-technical item deducted from the contract amount to give the technology-trade amount."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="non_technical_lines")
    kind = models.CharField(_("kind"), max_length=12, choices=NonTechnicalItem.choices)
    label = models.CharField(_("what"), max_length=200)
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="non_technical_positive")]

    def __str__(self) -> str:
        return f"{self.label} {Money(self.amount_fen)}"


class RegistrationEvent(models.Model):
    """The registration's history: submitted, returned, registered, amended, terminated, cancelled."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, max_length=4000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.from_status} → {self.to_status}"


class RegistryTally(models.Model):
    """Running totals of registered contracts by year, type, field and seller → buyer province.

    Changed only by the registry services, in the transaction that registers, amends, terminates or
    cancels; a check (``kechuang transfer tally --verify``) recomputes them from the rows.
    """

    year = models.PositiveSmallIntegerField()
    contract_type = models.CharField(max_length=12, choices=ContractType.choices)
    field = models.CharField(max_length=40, blank=True)
    seller_province = models.CharField(max_length=6)
    buyer_province = models.CharField(max_length=6)
    contracts = models.BigIntegerField(default=0)
    contract_amount_fen = models.BigIntegerField(default=0)
    technology_amount_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "contract_type", "field", "seller_province", "buyer_province"],
                name="registry_tally_cell_once",
            ),
            models.CheckConstraint(condition=Q(contracts__gte=0), name="registry_tally_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.contract_type} {self.seller_province}→{self.buyer_province}"


class PublishedFigure(models.Model):
    """A figure from a published statistical series (yearbook, bulletin), kept apart from registry figures.

    ``dataset`` names the series (e.g. ``tech_market_outflow``); ``source`` says where it came from
    (file, upstream repository and commit, publication).
    """

    dataset = models.CharField(max_length=60)
    region = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    item = models.CharField(max_length=60)
    var_code = models.CharField(max_length=60, blank=True)
    unit = models.CharField(max_length=20)
    # Money in fen when the unit is money, else the count as published.
    value = models.BigIntegerField()
    source = models.TextField(max_length=2000)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset", "region", "year"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "region", "year", "item"], name="published_figure_once")
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.region} {self.year} {self.item}"
