"""Tables of the transfer app, split by area; everything is re-exported here."""

from kechuang.transfer.models.achievements import IDLE_AFTER, Achievement, Completer, ReleaseRequest
from kechuang.transfer.models.deals import Deal, DealDocument, DealSettings, DealStageChange
from kechuang.transfer.models.income import (
    Deduction,
    Distribution,
    Payout,
    Policy,
    Receipt,
    SplitLine,
    TeamSplit,
)
from kechuang.transfer.models.market import Interest, Opportunity
from kechuang.transfer.models.registry import (
    NonTechnicalLine,
    PublishedFigure,
    Registration,
    RegistrationEvent,
    RegistryTally,
)

__all__ = [
    "IDLE_AFTER",
    "Achievement",
    "Completer",
    "Deal",
    "DealDocument",
    "DealSettings",
    "DealStageChange",
    "Deduction",
    "Distribution",
    "Interest",
    "NonTechnicalLine",
    "Opportunity",
    "Payout",
    "Policy",
    "PublishedFigure",
    "Receipt",
    "Registration",
    "RegistrationEvent",
    "RegistryTally",
    "ReleaseRequest",
    "SplitLine",
    "TeamSplit",
]
