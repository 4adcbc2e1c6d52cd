"""Reads of the review engine: accessors that answer "not found" for hidden objects, the one
blind-safe view of an item, conflicts of a pair, and a call's scores, ranking and feedback.

Score definitions live in :mod:`kechuang.review.calibration`.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from kechuang.core.errors import NotFound
from kechuang.core.i18n import localized
from kechuang.review import calibration
from kechuang.review.conflicts import Parties, find_conflicts
from kechuang.review.enums import AssignmentStatus, ConflictKind
from kechuang.review.models import (
    Assignment,
    AssignmentRun,
    Call,
    ConflictRecord,
    Criterion,
    Decision,
    Item,
    Review,
)

LIVE = (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)


# ---------------------------------------------------------------- accessors


def call_for(subject: models.Model) -> Call | None:
    """The latest call attached to ``subject``, or None."""
    content_type = ContentType.objects.get_for_model(subject)
    return Call.objects.filter(subject_type=content_type, subject_id=subject.pk).order_by("-created_at", "-id").first()


def calls_about(subject_type: ContentType | None = None, subject_id: int | None = None) -> QuerySet[Call]:
    """Calls newest first, optionally only those of one kind of subject, or of one subject."""
    found = Call.objects.order_by("-created_at", "-id")
    if subject_type is not None:
        found = found.filter(subject_type=subject_type)
        if subject_id is not None:
            found = found.filter(subject_id=subject_id)
    return found


def is_operator(user: Any) -> bool:
    """Whether ``user`` runs calls (a platform operator). Remembered on the user object for the request,
    so a list of items asks once, not once per row."""
    known = getattr(user, "_review_operator", None)
    if known is None:
        known = bool(getattr(user, "is_authenticated", False) and user.has_perm("review.view_call"))
        # An object that takes no attributes is simply asked again next time.
        with contextlib.suppress(AttributeError):
            user._review_operator = known
    return bool(known)


def get_call_for(user: Any, pk: int) -> Call:
    """The call if ``user`` may run it (operators); 'not found' otherwise."""
    call = Call.objects.filter(pk=pk).first()
    if call is None or not user.has_perm("review.view_call", call):
        raise NotFound()
    return call


def get_item_for(user: Any, pk: int) -> Item:
    """The item if ``user`` is an operator or reviews it; 'not found' for missing and hidden alike."""
    item = Item.objects.select_related("call").filter(pk=pk).first()
    if item is None or not user.has_perm("review.view_item", item):
        raise NotFound()
    return item


def get_assignment_for(user: Any, pk: int) -> Assignment:
    """The assignment if it is the user's live one, or she is an operator; 'not found' otherwise."""
    assignment = Assignment.objects.select_related("item__call", "reviewer").filter(pk=pk).first()
    if assignment is None or not user.has_perm("review.view_assignment", assignment):
        raise NotFound()
    return assignment


def get_run_for(user: Any, pk: int) -> AssignmentRun:
    run = AssignmentRun.objects.select_related("call").filter(pk=pk).first()
    if run is None or not user.has_perm("review.view_call", run.call):
        raise NotFound()
    return run


def my_assignments(user: Any) -> QuerySet[Assignment]:
    """The user's live assignments, soonest deadline first."""
    return (
        Assignment.objects.filter(reviewer_id=user.pk, status__in=LIVE)
        .select_related("item__call", "review")
        .order_by("item__call__review_deadline", "item__call_id", "item_id")
    )


def criteria(call: Call) -> list[Criterion]:
    return list(call.criteria.order_by("order", "id"))


def latest_run(call: Call) -> AssignmentRun | None:
    return call.runs.order_by("-created_at", "-id").first()


# ---------------------------------------------------------------- the blind-safe view


@dataclass(frozen=True)
class ItemView:
    """What a viewer may see of an item. ``identity`` and ``parties`` are None when hidden."""

    id: int
    call_id: int
    title: dict[str, str]
    summary: dict[str, str]
    blind: bool
    identity: dict[str, Any] | None
    parties: dict[str, Any] | None
    subject_type: str | None  # app.model, as the call API takes it
    subject_id: int | None

    @property
    def display_title(self) -> str:
        return localized(self.title)

    @property
    def display_summary(self) -> str:
        return localized(self.summary)


def _app_model(content_type_id: int) -> str:
    """A subject's type as the API names it everywhere: ``app.model`` (e.g. ``challenges.application``)."""
    kind = ContentType.objects.get_for_id(content_type_id)
    return f"{kind.app_label}.{kind.model}"


def item_view(item: Item, viewer: Any) -> ItemView:
    """The one way reviewer-facing pages and API responses read an item.

    In a blind call, anyone but an operator gets neither the identity, the parties nor the subject
    (whose id would lead to the application and its applicant).
    """
    hidden = item.call.blind and not is_operator(viewer)
    return ItemView(
        id=item.pk,
        call_id=item.call_id,
        title=item.title,
        summary=item.summary,
        blind=item.call.blind,
        identity=None if hidden else dict(item.identity),
        parties=None if hidden else dict(item.parties),
        subject_type=None if hidden else _app_model(item.subject_type_id),
        subject_id=None if hidden else item.subject_id,
    )


# ---------------------------------------------------------------- conflicts


def parties_of(item: Item) -> Parties:
    parties = item.parties or {}
    issuer = parties.get("issuer")
    return Parties(
        people=frozenset(int(pk) for pk in parties.get("people", [])),
        organizations=frozenset(int(pk) for pk in parties.get("organizations", [])),
        issuer=int(issuer) if issuer is not None else None,
    )


@dataclass(frozen=True)
class PairConflict:
    kind: str
    explanation: str


def conflicts_of(item: Item, reviewer_id: int, *, today: date | None = None) -> list[PairConflict]:
    """Every conflict between the item and the reviewer: recorded ones and those computed now."""
    found = [
        PairConflict(record.kind, record.explanation or record.reason)
        for record in ConflictRecord.objects.filter(item=item, reviewer_id=reviewer_id)
    ]
    recorded = {conflict.kind for conflict in found}
    computed = find_conflicts(
        [reviewer_id], {str(item.pk): parties_of(item)}, years=item.call.conflict_years, today=today
    )
    for conflict in computed.get((str(item.pk), reviewer_id), []):
        if conflict.kind not in recorded:
            found.append(PairConflict(conflict.kind, conflict.explanation))
    return found


def conflict_label(kind: str) -> str:
    return str(ConflictKind(kind).label) if kind in ConflictKind.values else kind


# ---------------------------------------------------------------- shortfalls in words

REASON_TEXTS = {
    "conflict": lambda n: ngettext(
        "%(count)d reviewer has a conflict of interest", "%(count)d reviewers have a conflict of interest", n
    ),
    "no_affinity": lambda n: ngettext(
        "%(count)d reviewer's work does not match it", "%(count)d reviewers' work does not match it", n
    ),
    "load": lambda n: ngettext("%(count)d reviewer has no load left", "%(count)d reviewers have no load left", n),
    "organization": lambda n: ngettext(
        "%(count)d reviewer shares an organisation with another reviewer of it",
        "%(count)d reviewers share an organisation with another reviewer of it",
        n,
    ),
    "forced": lambda n: ngettext(
        "%(count)d manual assignment more than it can take", "%(count)d manual assignments more than it can take", n
    ),
    "industry": lambda n: ngettext("%(count)d industry expert is missing", "%(count)d industry experts are missing", n),
}


def explain_shortfall(entry: dict[str, Any], titles: dict[int, str] | None = None) -> str:
    """One stored shortfall as a sentence in the reader's language."""
    if "message" in entry:
        return str(entry["message"])
    title = (titles or {}).get(int(entry.get("item", 0))) or f"#{entry.get('item')}"
    reasons = pgettext("between reasons", "; ").join(
        (REASON_TEXTS[name](count) % {"count": count}) if name in REASON_TEXTS else f"{name}: {count}"
        for name, count in sorted(entry.get("reasons", {}).items())
        if count
    )
    sentence = _("“%(item)s” needs %(demand)d reviews but has %(eligible)d eligible reviewers.") % {
        "item": title,
        "demand": int(entry.get("demand", 0)),
        "eligible": int(entry.get("eligible", 0)),
    }
    if not reasons:
        return sentence
    return pgettext("a shortfall and its reasons", "%(sentence)s %(reasons)s.") % {
        "sentence": sentence,
        "reasons": reasons,
    }


# ---------------------------------------------------------------- scores


def scales(call_criteria: Sequence[Criterion]) -> list[calibration.Scale]:
    return [calibration.Scale(str(c.pk), c.weight, c.scale_min, c.scale_max) for c in call_criteria]


@dataclass
class ReviewScore:
    """One submitted review with its raw and normalised weighted score (operator's view: names the reviewer)."""

    review: Review
    raw: float
    normalised: float


@dataclass
class ItemResult:
    item: Item
    subject_id: int
    reviews: int
    mean: float | None
    normalised: float | None
    spread: float
    flagged: bool
    decision: Decision | None
    reconciled: bool
    scores: list[ReviewScore] = field(default_factory=list)


@dataclass
class CallScores:
    call_mean: float | None
    call_sd: float | None
    agreement: float | None  # ICC(1); see calibration
    items: list[ItemResult]


def submitted_reviews(call: Call) -> list[Review]:
    return list(
        Review.objects.filter(assignment__item__call=call, assignment__status=AssignmentStatus.SUBMITTED)
        .select_related("assignment__reviewer")
        .order_by("assignment__item_id", "id")
    )


def call_scores(call: Call) -> CallScores:
    """Every item's raw and normalised mean, spread and flag, with the call's SD and agreement.

    Four queries whatever the size of the call.
    """
    call_scales = scales(criteria(call))
    reviews = submitted_reviews(call)
    scored = [
        calibration.Scored(
            reviewer=review.assignment.reviewer_id,
            item=review.assignment.item_id,
            raw=calibration.weighted({str(k): v for k, v in review.scores.items()}, call_scales),
        )
        for review in reviews
    ]
    normal = calibration.normalised(scored)
    raws = [s.raw for s in scored]
    call_sd = calibration.population_sd(raws)
    by_item: dict[int, list[ReviewScore]] = defaultdict(list)
    for review, s in zip(reviews, scored, strict=True):
        by_item[review.assignment.item_id].append(ReviewScore(review, s.raw, normal[(s.reviewer, s.item)]))
    reconciled = set(
        Item.objects.filter(call=call, reconciliations__isnull=False).values_list("pk", flat=True).distinct()
    )
    results = []
    for item in call.items.select_related("decision").order_by("id"):
        own = by_item.get(item.pk, [])
        item_raws = [s.raw for s in own]
        results.append(
            ItemResult(
                item=item,
                subject_id=item.subject_id,
                reviews=len(own),
                mean=calibration.mean(item_raws),
                normalised=calibration.mean(s.normalised for s in own),
                spread=calibration.spread(item_raws),
                flagged=calibration.flagged(item_raws, call_sd),
                decision=getattr(item, "decision", None),
                reconciled=item.pk in reconciled,
                scores=own,
            )
        )
    groups: dict[Hashable, list[float]] = {r.item.pk: [s.raw for s in r.scores] for r in results}
    return CallScores(
        call_mean=calibration.mean(raws), call_sd=call_sd, agreement=calibration.icc1(groups), items=results
    )


def ranking(call: Call) -> list[ItemResult]:
    """Items best first: by normalised mean, then raw mean (unreviewed items last), then id."""
    return ranked(call_scores(call).items)


def ranked(results: Sequence[ItemResult]) -> list[ItemResult]:
    return sorted(results, key=lambda r: (r.normalised is None, -(r.normalised or 0.0), -(r.mean or 0.0), r.item.pk))


def item_result(item: Item) -> ItemResult:
    return next(r for r in call_scores(item.call).items if r.item.pk == item.pk)


@dataclass(frozen=True)
class CriterionFeedback:
    """What the applicant learns about one criterion. Nothing names or orders reviewers: scores are
    sorted and remarks shuffled into a fixed, content-based order, so one reviewer's answers cannot be
    linked across criteria."""

    criterion: Criterion
    name: dict[str, str]
    weight: int
    scale_min: int
    scale_max: int
    mean: float | None
    scores: list[int]
    comments: list[str]


def feedback(item: Item) -> list[CriterionFeedback]:
    """Per-criterion mean, scores and remarks from the item's submitted reviews."""
    reviews = list(Review.objects.filter(assignment__item=item, assignment__status=AssignmentStatus.SUBMITTED))
    out = []
    for criterion in criteria(item.call):
        key = str(criterion.pk)
        values = sorted(int(r.scores[key]) for r in reviews if key in r.scores)
        remarks = sorted(str(r.notes[key]).strip() for r in reviews if str(r.notes.get(key, "")).strip())
        out.append(
            CriterionFeedback(
                criterion=criterion,
                name=criterion.name,
                weight=criterion.weight,
                scale_min=criterion.scale_min,
                scale_max=criterion.scale_max,
                mean=calibration.mean(float(v) for v in values),
                scores=values,
                comments=remarks,
            )
        )
    return out


def applicant_comments(item: Item) -> list[str]:
    """The reviewers' general comments to the applicant, without names, in a content-based order."""
    return sorted(
        text.strip()
        for text in Review.objects.filter(
            assignment__item=item, assignment__status=AssignmentStatus.SUBMITTED
        ).values_list("comment_to_applicant", flat=True)
        if text.strip()
    )
