"""Writes of the challenges app. Each checks its rule, validates, writes in one transaction, audits,
and where money or a legal step is involved appends to the ledger. Re-exported here, so callers
import ``kechuang.challenges.services`` and never a sub-module."""

from kechuang.challenges.services.applications import answer_objection, apply, raise_objection, withdraw_application
from kechuang.challenges.services.delivery import decide_milestone, decide_stage_gate, release_tranche, submit_evidence
from kechuang.challenges.services.lifecycle import (
    EDGES,
    AwardPlan,
    DiligenceSpec,
    MilestoneSpec,
    allowed_next,
    measurable_problems,
    transition,
)
from kechuang.challenges.services.lists import (
    GateSpec,
    IndicatorSpec,
    accept_nda,
    create_challenge,
    record_escrow,
    record_view,
    update_challenge,
)
from kechuang.challenges.services.teams import answer_invitation, withdraw_invitation

__all__ = [
    "EDGES",
    "AwardPlan",
    "DiligenceSpec",
    "GateSpec",
    "IndicatorSpec",
    "MilestoneSpec",
    "accept_nda",
    "allowed_next",
    "answer_invitation",
    "answer_objection",
    "apply",
    "create_challenge",
    "decide_milestone",
    "decide_stage_gate",
    "measurable_problems",
    "raise_objection",
    "record_escrow",
    "record_view",
    "release_tranche",
    "submit_evidence",
    "transition",
    "update_challenge",
    "withdraw_application",
    "withdraw_invitation",
]
