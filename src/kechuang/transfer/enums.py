"""Choices of the transfer app (科技成果转化) and the allowed edges of a deal's and a registration's lifecycle."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AchievementKind(models.TextChoices):
    INVENTION_PATENT = "invention_patent", _("Invention patent")
    UTILITY_MODEL = "utility_model", _("Utility model")
    DESIGN = "design", _("Design patent")
    SOFTWARE = "software", _("Software copyright")
    IC_LAYOUT = "ic_layout", _("IC layout design")
    PLANT_VARIETY = "plant_variety", _("Plant variety")
    NEW_DRUG = "new_drug", _("New drug")
    TECHNICAL_SECRET = "technical_secret", _("Technical secret (know-how)")


# Kinds whose IP status is a CNIPA patent number, checked with its check character.
PATENT_KINDS = (AchievementKind.INVENTION_PATENT, AchievementKind.UTILITY_MODEL, AchievementKind.DESIGN)


class IpStatus(models.TextChoices):
    NOT_FILED = "not_filed", _("Not filed")
    FILED = "filed", _("Application filed")
    GRANTED = "granted", _("Granted or registered")
    SECRET = "secret", _("Kept as a trade secret")
    LAPSED = "lapsed", _("Lapsed")


class AchievementStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered with the unit")
    LISTED = "listed", _("On the marketplace")
    IN_DEAL = "in_deal", _("In a deal")
    COMMERCIALISED = "commercialised", _("Commercialised")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReleaseRequestStatus(models.TextChoices):
    """The completers' request to commercialise an idle result themselves (北京条例 §11)."""

    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", pgettext_lazy("opportunity status", "Closed")


class InterestKind(models.TextChoices):
    INTERESTED = "interested", _("Interested")
    PASSED = "passed", _("Passed")


class PassReason(models.TextChoices):
    """Why industry passes on an opportunity (IN-PART's feedback categories)."""

    TOO_EARLY = "too_early", _("Too early stage")
    BENEFIT_UNCLEAR = "benefit_unclear", _("Benefit over the current best is unclear")
    ROUTE_UNCLEAR = "route_unclear", _("Route to market is unclear")
    DESCRIPTION_UNCLEAR = "description_unclear", _("Description is unclear")
    NOT_OUR_FIELD = "not_our_field", _("Outside our field")
    OTHER = "other", _("Other")


class DealKind(models.TextChoices):
    """The ways to commercialise (促进科技成果转化法 §16) that involve another party."""

    ASSIGNMENT = "assignment", pgettext_lazy("deal kind", "Assignment")
    LICENCE = "licence", _("Licence")
    EQUITY = "equity", _("Investment as equity")
    CO_DEVELOPMENT = "co_development", _("Joint development")


class LicenceScope(models.TextChoices):
    EXCLUSIVE = "exclusive", _("Exclusive")
    SOLE = "sole", _("Sole")
    NON_EXCLUSIVE = "non_exclusive", _("Non-exclusive")


class PricingMethod(models.TextChoices):
    """促进科技成果转化法 §18: negotiated (and publicised), listed on an exchange, or auctioned."""

    NEGOTIATED = "negotiated", _("Negotiated (with public notice)")
    EXCHANGE = "exchange", _("Listed on a technology exchange")
    AUCTION = "auction", _("Auction")


class DealStage(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("deal stage", "Draft")
    FIRST_REFUSAL = "first_refusal", _("Completers' right of first refusal")
    PUBLICITY = "publicity", _("Price public notice")
    APPROVAL = "approval", _("Due diligence and approval")
    SIGNED = "signed", _("Signed")
    CLOSED = "closed", _("Closed")
    ABANDONED = "abandoned", _("Abandoned")


DEAL_EDGES: dict[str, tuple[str, ...]] = {
    DealStage.DRAFT: (DealStage.FIRST_REFUSAL, DealStage.PUBLICITY, DealStage.APPROVAL, DealStage.ABANDONED),
    DealStage.FIRST_REFUSAL: (DealStage.PUBLICITY, DealStage.APPROVAL, DealStage.ABANDONED),
    DealStage.PUBLICITY: (DealStage.APPROVAL, DealStage.ABANDONED),
    DealStage.APPROVAL: (DealStage.SIGNED, DealStage.ABANDONED),
    DealStage.SIGNED: (DealStage.CLOSED,),
    DealStage.CLOSED: (),
    DealStage.ABANDONED: (),
}


class FirstRefusal(models.TextChoices):
    PENDING = "pending", _("Awaiting the completers")
    WAIVED = "waived", _("Waived by the completers")
    EXERCISED = "exercised", _("Exercised by the completers")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class PolicyScope(models.TextChoices):
    NATIONAL = "national", _("National law (floor)")
    LOCAL = "local", _("Local regulation")
    INSTITUTION = "institution", _("Institution policy")
    EMPOWERMENT = "empowerment", _("Empowerment agreement (赋权)")


class ReceiptKind(models.TextChoices):
    UPFRONT = "upfront", _("Upfront payment")
    MILESTONE = "milestone", _("Milestone payment")
    ROYALTY = "royalty", _("Royalty")
    EQUITY_GRANT = "equity_grant", _("Equity granted")
    REVERSAL = "reversal", _("Reversal")


class DeductionKind(models.TextChoices):
    """北京市促进科技成果转化条例 §12: what is taken off before the net income is shared."""

    TAX = "tax", _("Related taxes")
    MAINTENANCE = "maintenance", _("Cost of maintaining the result")
    DIRECT_COST = "direct_cost", _("Direct cost of the deal (valuation, appraisal, negotiation)")


class DistributionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved and paid")
    REVERSED = "reversed", _("Reversed")


class SplitStatus(models.TextChoices):
    PROPOSED = "proposed", _("Set by the team lead")
    SIGNED_OFF = "signed_off", _("Signed off")
    SUPERSEDED = "superseded", _("Superseded")


class ContractType(models.TextChoices):
    """民法典 §843: the five kinds of technology contract."""

    DEVELOPMENT = "development", _("Technology development")
    ASSIGNMENT = "assignment", _("Technology assignment")
    LICENCE = "licence", _("Technology licence")
    CONSULTING = "consulting", _("Technology consulting")
    SERVICE = "service", _("Technology service")


class RegistrationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    RETURNED = "returned", _("Returned with reasons")
    TERMINATED = "terminated", _("Terminated")
    CANCELLED = "cancelled", _("Cancelled")
    SUPERSEDED = "superseded", _("Superseded by an amendment")


REGISTRATION_EDGES: dict[str, tuple[str, ...]] = {
    RegistrationStatus.SUBMITTED: (RegistrationStatus.REGISTERED, RegistrationStatus.RETURNED),
    RegistrationStatus.RETURNED: (RegistrationStatus.SUBMITTED,),
    RegistrationStatus.REGISTERED: (
        RegistrationStatus.TERMINATED,
        RegistrationStatus.CANCELLED,
        RegistrationStatus.SUPERSEDED,
    ),
    RegistrationStatus.TERMINATED: (),
    RegistrationStatus.CANCELLED: (),
    RegistrationStatus.SUPERSEDED: (),
}

# Registered contracts that count in the statistics.
COUNTED_STATUSES = (RegistrationStatus.REGISTERED,)


class NonTechnicalItem(models.TextChoices):
    """Amounts in a contract that are not technology trade (equipment, materials beyond the carriers, …)."""

    EQUIPMENT = "equipment", _("Equipment and instruments")
    MATERIALS = "materials", _("Materials and consumables")
    CONSTRUCTION = "construction", _("Construction and installation")
    OTHER = "other", _("Other non-technical items")
