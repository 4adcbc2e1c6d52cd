"""Request and response bodies of ``/api/v1/challenges``. Money is integer fen (``*_fen``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

Bilingual = dict[str, str]


class IndicatorIn(Schema):
    name: Bilingual
    target: str = Field(max_length=100)
    unit: str = Field("", max_length=40)
    acceptance: Bilingual


class GateIn(Schema):
    name: Bilingual
    due_on: date


class CriterionIn(Schema):
    name: Bilingual
    weight: int = Field(gt=0, le=100)
    description: Bilingual = Field(default_factory=dict)


class ChallengeIn(Schema):
    issuer: int = Field(description="id of the issuing organisation (you administer it)")
    title: Bilingual
    summary: Bilingual
    problem: Bilingual
    details: Bilingual = Field(default_factory=dict, description="shown only after the NDA is accepted")
    eligibility: Bilingual = Field(default_factory=dict)
    ip_terms: str = "solver_licence"
    ip_notes: Bilingual = Field(default_factory=dict)
    bounty_fen: int = Field(gt=0)
    issuer_share_fen: int = Field(ge=0)
    subsidy_share_fen: int = Field(0, ge=0)
    application_deadline: datetime
    winners: int = Field(1, ge=1, le=5)
    criteria: list[CriterionIn] = Field(default_factory=list)
    sectors: list[str] = Field(default_factory=list)
    region: str
    indicators: list[IndicatorIn] = Field(default_factory=list)
    stage_gates: list[GateIn] = Field(default_factory=list)


class ChallengePatch(Schema):
    title: Bilingual | None = None
    summary: Bilingual | None = None
    problem: Bilingual | None = None
    details: Bilingual | None = None
    eligibility: Bilingual | None = None
    ip_terms: str | None = None
    ip_notes: Bilingual | None = None
    bounty_fen: int | None = Field(None, gt=0)
    issuer_share_fen: int | None = Field(None, ge=0)
    subsidy_share_fen: int | None = Field(None, ge=0)
    application_deadline: datetime | None = None
    winners: int | None = Field(None, ge=1, le=5)
    criteria: list[CriterionIn] | None = None
    sectors: list[str] | None = None
    region: str | None = None
    blind_review: bool | None = None
    reviews_per_item: int | None = Field(None, ge=1, le=20)
    publicity_days: int | None = Field(None, ge=1, le=60)
    indicators: list[IndicatorIn] | None = None
    stage_gates: list[GateIn] | None = None


class EscrowIn(Schema):
    source: str = Field(description="issuer | subsidy")
    amount_fen: int = Field(gt=0)
    reference: str = Field(max_length=200)


class MilestoneIn(Schema):
    deliverable: str = Field(max_length=2000)
    criterion: str = Field("", max_length=1500, description="How the issuer judges the deliverable accepted.")
    due_on: date
    amount_fen: int = Field(ge=0)


class AwardIn(Schema):
    application: int
    amount_fen: int = Field(gt=0)
    terms: str = ""
    milestones: list[MilestoneIn]


class FileIn(Schema):
    name: str = Field(max_length=200)
    sha256: str = Field(min_length=64, max_length=64)
    size: int = Field(0, ge=0)


class DiligenceIn(Schema):
    agreement: int
    records: str
    diligent: bool
    finding: str
    files: list[FileIn] = Field(default_factory=list)


class TransitionIn(Schema):
    to: str
    reason: str = ""
    shortlist: list[int] = Field(default_factory=list, description="application ids, best first (→ shortlist)")
    awards: list[AwardIn] = Field(default_factory=list, description="one per winner (→ awarded)")
    diligence: list[DiligenceIn] = Field(default_factory=list, description="one per working team (→ terminated)")


class ApplicationIn(Schema):
    team_name: str = Field(max_length=200)
    proposal: str
    technical_route: str
    plan: str
    organization: int | None = None
    members: list[str] = Field(
        default_factory=list, description="usernames of people to invite onto the team; each joins by accepting"
    )


class ObjectionIn(Schema):
    text: str = Field(max_length=5000)


class AnswerIn(Schema):
    answer: str = Field(max_length=5000)


class EvidenceIn(Schema):
    evidence: str
    files: list[FileIn] = Field(default_factory=list)


class MilestoneDecisionIn(Schema):
    accept: bool
    reasons: str = ""


class ReleaseIn(Schema):
    amount_fen: int | None = Field(None, description="default: what the milestone still has to pay")


class GateDecisionIn(Schema):
    agreement: int
    decision: str = Field(description="continue | cut | merge")
    reasons: str
    merged_into: int | None = None


class ReceiptOut(Schema):
    entry_id: int
    index: int | None
    receipt_url: str | None


class StatsOut(Schema):
    applications: int
    people: int
    organizations: int
    views: int


class IndicatorOut(Schema):
    name: Bilingual
    target: str
    unit: str
    acceptance: Bilingual


class GateOut(Schema):
    id: int
    name: Bilingual
    due_on: date


class ObjectionOut(Schema):
    id: int
    text: str
    created_at: datetime
    answer: str
    answered_at: datetime | None


class ReleaseOut(Schema):
    id: int
    amount_fen: int
    released_at: datetime
    receipt: ReceiptOut | None


class MilestoneOut(Schema):
    id: int
    deliverable: str
    criterion: str
    due_on: date
    amount_fen: int
    status: str
    decision_reason: str
    acceptance: ReceiptOut | None
    releases: list[ReleaseOut]


class AgreementOut(Schema):
    id: int
    application: int
    team_name: str
    amount_fen: int
    released_fen: int
    status: str
    merged_into: int | None
    receipt: ReceiptOut | None
    milestones: list[MilestoneOut]


class ChallengeSummaryOut(Schema):
    id: int
    title: Bilingual
    display_title: str
    issuer: int
    issuer_name: str
    status: str
    bounty_fen: int
    application_deadline: datetime
    winners: int
    ip_terms: str
    sectors: list[str]
    region: str
    stats: StatsOut


class ChallengeOut(ChallengeSummaryOut):
    summary: Bilingual
    problem: Bilingual
    details: Bilingual | None = Field(description="null until you accept the NDA")
    nda_accepted: bool
    eligibility: Bilingual
    ip_notes: Bilingual
    issuer_share_fen: int
    subsidy_share_fen: int
    escrowed_fen: int
    allocated_fen: int
    released_fen: int
    remaining_fen: int
    publicity_days: int
    publicity_ends_at: datetime | None
    blind_review: bool
    reviews_per_item: int
    criteria: list[dict[str, Any]]
    indicators: list[IndicatorOut]
    stage_gates: list[GateOut]
    objections: list[ObjectionOut]
    agreements: list[AgreementOut]
    award_receipt: ReceiptOut | None
    allowed_next: list[str]


class ChallengePage(Schema):
    items: list[ChallengeSummaryOut]
    count: int
    page: int
    pages: int
    page_size: int


class FeedbackOut(Schema):
    name: Bilingual
    weight: int
    mean: float | None
    scores: list[int]
    comments: list[str]


class ApplicationOut(Schema):
    id: int
    challenge: int
    team_name: str
    lead: str
    members: list[str] = Field(description="usernames of the members who accepted the lead's invitation")
    organization: int | None
    proposal: str
    technical_route: str
    plan: str
    status: str
    shortlist_rank: int | None
    decision_reason: str
    submitted_at: datetime
    agreement: int | None


class TeamMemberOut(Schema):
    """One invitation onto a team and its answer."""

    application: int
    username: str
    status: str = Field(description="invited, accepted, declined or withdrawn")
    invited_at: datetime
    decided_at: datetime | None


class ApplicationDetailOut(ApplicationOut):
    feedback: list[FeedbackOut]
    team: list[TeamMemberOut] = Field(
        description="the invitations: all of them for the team lead, one's own for an invited person, else none"
    )


class ReviewRowOut(Schema):
    application: int
    reviews: int
    mean: float | None
    normalised: float | None
    flagged: bool
    reconciled: bool
    decided: bool


class EscrowOut(Schema):
    id: int
    source: str
    amount_fen: int
    escrowed_fen: int
    receipt: ReceiptOut | None


class GateDecisionOut(Schema):
    id: int
    gate: int
    agreement: int
    decision: str
    merged_into: int | None
    reasons: str
    receipt: ReceiptOut | None


class NdaOut(Schema):
    accepted_at: datetime
