"""Tables of the challenges app, split by stage; everything is re-exported here."""

from kechuang.challenges.models.applications import Application, ApplicationMember, Objection
from kechuang.challenges.models.delivery import (
    Agreement,
    Closure,
    DiligenceRecord,
    Milestone,
    StageGateDecision,
    TrancheRelease,
)
from kechuang.challenges.models.lists import (
    DEFAULT_PUBLICITY_DAYS,
    MAX_WINNERS,
    Challenge,
    EscrowDeposit,
    Indicator,
    NdaAcceptance,
    StageGate,
    StatusChange,
)

__all__ = [
    "DEFAULT_PUBLICITY_DAYS",
    "MAX_WINNERS",
    "Agreement",
    "Application",
    "ApplicationMember",
    "Challenge",
    "Closure",
    "DiligenceRecord",
    "EscrowDeposit",
    "Indicator",
    "Milestone",
    "NdaAcceptance",
    "Objection",
    "StageGate",
    "StageGateDecision",
    "StatusChange",
    "TrancheRelease",
]
