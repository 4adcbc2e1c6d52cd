"""API shapes of the review engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from kechuang.review.enums import AssignmentSource, AssignmentStatus, DecisionOutcome, RunStatus


class CriterionOut(Schema):
    id: int
    name: dict[str, str]
    description: dict[str, str]
    weight: int
    scale_min: int
    scale_max: int


class ItemOut(Schema):
    """An item as the caller may see it: ``identity``, ``parties`` and the subject are null in a blind call
    unless the caller is an operator."""

    id: int
    call_id: int
    title: dict[str, str]
    summary: dict[str, str]
    blind: bool
    identity: dict[str, Any] | None
    parties: dict[str, Any] | None
    subject_type: str | None = Field(
        ..., description="The subject's kind as app.model, e.g. challenges.application (null when hidden)"
    )
    subject_id: int | None


class AssignmentOut(Schema):
    id: int
    item_id: int
    call_id: int
    item_title: dict[str, str]
    reviewer_id: int
    status: AssignmentStatus
    source: AssignmentSource
    alternate_rank: int | None
    reason: str
    review_deadline: datetime


class ReviewOut(Schema):
    id: int
    assignment_id: int
    scores: dict[str, int]
    notes: dict[str, str]
    comment_to_applicant: str
    comment_to_operator: str
    submitted_at: datetime


class AssignmentDetailOut(AssignmentOut):
    item: ItemOut
    criteria: list[CriterionOut]
    review: ReviewOut | None


class ReviewIn(Schema):
    scores: dict[str, int] = Field(..., description="Criterion id → a whole number within the criterion's scale")
    notes: dict[str, str] = Field(default_factory=dict, description="Criterion id → a remark for the applicant")
    comment_to_applicant: str = Field("", max_length=8000)
    comment_to_operator: str = Field("", max_length=8000)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=1000)


class ConflictOut(Schema):
    id: int
    item_id: int
    reviewer_id: int
    kind: str
    explanation: str
    reason: str
    created_at: datetime


class PairIn(ReasonIn):
    reviewer_id: int


class PoolIn(Schema):
    user_id: int
    industry: bool | None = Field(None, description="Default: the reviewer's affiliation is an enterprise")
    max_load: int | None = Field(None, ge=1, description="Default: the call's limit")


class PoolOut(Schema):
    id: int
    user_id: int
    display_name: str
    industry: bool
    max_load: int


class RunOut(Schema):
    id: int
    call_id: int
    status: RunStatus
    progress: int
    cancel_requested: bool
    shortfalls: list[dict[str, Any]]
    explanations: list[str] = Field(..., description="Each shortfall as a sentence in the request's language")
    error: str
    total_affinity: float | None
    assigned: int
    timings: dict[str, float]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class DecisionOut(Schema):
    id: int
    item_id: int
    outcome: DecisionOutcome
    reasons: str
    decided_at: datetime


class ResultOut(Schema):
    item_id: int
    subject_id: int
    title: dict[str, str]
    reviews: int
    mean: float | None
    normalised: float | None
    spread: float
    flagged: bool
    reconciled: bool
    decision: DecisionOut | None


class CallOut(Schema):
    id: int
    title: dict[str, str]
    status: str
    blind: bool
    reviews_per_item: int
    max_load: int
    min_load: int
    alternates: int
    require_industry: bool
    distinct_organizations: bool
    conflict_years: int
    review_deadline: datetime
    criteria: list[CriterionOut]
    pool: list[PoolOut]
    items: list[ItemOut]
    call_mean: float | None
    call_sd: float | None
    agreement: float | None = Field(..., description="ICC(1) of the raw review scores; null when undefined")
    latest_run: RunOut | None


class CallQuery(Schema):
    subject_type: str = Field(
        "", description="Only calls about one kind of subject, as app.model, e.g. challenges.challenge"
    )
    subject_id: int | None = Field(None, description="Only calls about this subject (needs subject_type)")
    page: int = 1


class CallSummaryOut(Schema):
    id: int
    title: dict[str, str]
    status: str
    blind: bool
    subject_type: str = Field(..., description="The subject's kind as app.model")
    subject_id: int
    review_deadline: datetime
    created_at: datetime


class CallPage(Schema):
    items: list[CallSummaryOut]
    count: int
    page: int
    pages: int
    page_size: int


class ReconcileIn(Schema):
    note: str = Field(..., max_length=8000)


class ReconciliationOut(Schema):
    id: int
    item_id: int
    note: str
    created_at: datetime


class DecisionIn(Schema):
    outcome: DecisionOutcome
    reasons: str = Field(..., max_length=8000)


class CriterionFeedbackOut(Schema):
    criterion_id: int
    name: dict[str, str]
    weight: int
    scale_min: int
    scale_max: int
    mean: float | None
    scores: list[int]
    comments: list[str]
