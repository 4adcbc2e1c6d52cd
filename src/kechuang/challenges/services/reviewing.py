"""The one place the challenges app talks to the review engine (``kechuang.review``).

A list's expert review is a review *call* whose subject is the list and whose items are its live
applications. Only the names of the engine's contract are used: ``open_call``, ``add_items`` and
``decide`` (services), ``call_for``, ``ranking`` and ``feedback`` (selectors), ``CriterionSpec``,
``ItemSpec`` and ``conflicts.Parties``. Everything here runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import User
from kechuang.challenges.enums import LIVE_APPLICATION_STATUSES
from kechuang.challenges.models import Application, Challenge
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.i18n import localized
from kechuang.review.conflicts import Parties
from kechuang.review.selectors import call_for, feedback, ranking
from kechuang.review.services import CriterionSpec, ItemSpec, add_items, decide, open_call

if TYPE_CHECKING:  # annotations only: the engine's return types
    from kechuang.review.models import Call
    from kechuang.review.selectors import CriterionFeedback

# How long reviewers get, and how many lists one reviewer takes at most, unless the operator changes the call.
REVIEW_DAYS = 14
MAX_LOAD = 6
ALTERNATES = 2
# The review engine's decision outcomes (kechuang.review.enums.DecisionOutcome).
SHORTLISTED = "accepted"
NOT_SHORTLISTED = "rejected"

# The criteria a list is judged on when its issuer names none (weights in percent, adding up to 100).
DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {
        "name": {"zh-hans": "技术路线可行性", "en": "Feasibility of the technical route"},
        "weight": 30,
        "description": {"zh-hans": "路线是否清楚、可行、有依据", "en": "Is the route clear, feasible and grounded?"},
    },
    {
        "name": {"zh-hans": "指标可达性", "en": "Likelihood of meeting the indicators"},
        "weight": 30,
        "description": {"zh-hans": "能否达到榜单的技术指标", "en": "Can the list's technical indicators be met?"},
    },
    {
        "name": {"zh-hans": "团队能力与条件", "en": "Team capability and means"},
        "weight": 20,
        "description": {
            "zh-hans": "看能力与条件，不看资历、年龄和职称",
            "en": "Capability and means, not seniority, age or title",
        },
    },
    {
        "name": {"zh-hans": "计划与里程碑", "en": "Plan and milestones"},
        "weight": 20,
        "description": {"zh-hans": "进度、里程碑和经费安排是否合理", "en": "Are schedule, milestones and costs sound?"},
    },
]


@dataclass(frozen=True)
class ReviewRow:
    """One application's standing in the review, as the operator's shortlist page shows it."""

    application_id: int
    reviews: int
    mean: float | None
    normalised: float | None
    flagged: bool
    reconciled: bool
    decided: bool


def criteria_of(challenge: Challenge) -> list[dict[str, Any]]:
    return list(challenge.criteria) or DEFAULT_CRITERIA


def _parties(application: Application, challenge: Challenge) -> Parties:
    # Invited people count as parties as well as accepted ones: an invitation not yet answered (or
    # answered after the review opened) still ties that person to the team, and a missed conflict
    # costs more than a reviewer kept away needlessly.
    people = {application.lead_id, *(member.pk for member in application.party_members)}
    organizations = {application.organization_id} if application.organization_id else set()
    return Parties(people=frozenset(people), organizations=frozenset(organizations), issuer=challenge.issuer_id)


def _identity(application: Application) -> dict[str, Any]:
    """What a reviewer of a non-blind call sees about the team; a blind call hides all of it."""
    return {
        "team": application.team_name,
        "lead": str(application.lead),
        "members": [str(member) for member in application.accepted_members],  # only who agreed to be named
        "organization": localized(application.organization.name) if application.organization else "",
    }


def _summary(application: Application) -> dict[str, str]:
    text = "\n\n".join(
        [
            f"{_('Proposal')}\n{application.proposal}",
            f"{_('Technical route')}\n{application.technical_route}",
            f"{_('Work plan and milestones')}\n{application.plan}",
        ]
    )
    return {"zh-hans": text[:8000]}


def open_review(*, actor: User, challenge: Challenge, applications: Sequence[Application]) -> Call:
    """Open the list's review call with its criteria and add one item per live application.

    Blind if the list says so. Conflicts are judged by the engine from each item's parties: the team's
    people, its organisation, and the issuer. Raises the engine's ``DomainError`` unchanged.
    """
    criteria = [
        CriterionSpec(name=c["name"], weight=int(c["weight"]), description=c.get("description") or {})
        for c in criteria_of(challenge)
    ]
    call = open_call(
        actor=actor,
        subject=challenge,
        title=challenge.title,
        criteria=criteria,
        blind=challenge.blind_review,
        reviews_per_item=challenge.reviews_per_item,
        max_load=MAX_LOAD,
        review_deadline=timezone.now() + timedelta(days=REVIEW_DAYS),
        alternates=ALTERNATES,
    )
    # The team's names never go into the title or summary: a blind reviewer reads those.
    items = [
        ItemSpec(
            subject=application,
            title={"zh-hans": _("Application %(number)d") % {"number": number}},
            summary=_summary(application),
            parties=_parties(application, challenge),
            identity=_identity(application),
        )
        for number, application in enumerate(applications, start=1)
    ]
    add_items(actor=actor, call=call, items=items)
    return call


def review_call(challenge: Challenge) -> Call | None:
    """The list's review call, for links to the engine's pages; None before the review opens."""
    return call_for(challenge)


def review_rows(challenge: Challenge) -> list[ReviewRow]:
    """The review's ranking, best first, by application; empty when no call was opened."""
    call = call_for(challenge)
    if call is None:
        return []
    return [
        ReviewRow(
            application_id=result.subject_id,
            reviews=result.reviews,
            mean=result.mean,
            normalised=result.normalised,
            flagged=bool(result.flagged),
            reconciled=bool(getattr(result, "reconciled", False)),
            decided=result.decision is not None,
        )
        for result in ranking(call)
    ]


def check_review_complete(challenge: Challenge) -> None:
    """Refuse a shortlist before every live application was reviewed and wide spreads were reconciled."""
    rows = {row.application_id: row for row in review_rows(challenge)}
    if not rows:
        raise DomainError(ErrorCode.INVALID_STATE, _("The expert review of this list has not been opened."))
    live = challenge.applications.filter(status__in=LIVE_APPLICATION_STATUSES).values_list("pk", flat=True)
    missing = [pk for pk in live if pk not in rows or rows[pk].reviews == 0]
    if missing:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("%(count)d application(s) have no submitted review yet.") % {"count": len(missing)},
        )
    unreconciled = [row for row in rows.values() if row.flagged and not row.reconciled]
    if unreconciled:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("%(count)d application(s) have scores that spread too widely; reconcile them first.")
            % {"count": len(unreconciled)},
        )


def record_decisions(
    *, actor: User, challenge: Challenge, shortlisted: Sequence[Application], others: Sequence[Application], reason: str
) -> None:
    """Record the shortlist in the review call: each item decided, with the reason, so applicants get feedback.

    The call is scored once here and each item's standing handed to ``decide``: scoring it per
    decision would read every review of the call once per application (quadratic in the call's size).
    """
    call = call_for(challenge)
    if call is None:
        raise DomainError(ErrorCode.INVALID_STATE, _("The expert review of this list has not been opened."))
    results = {result.subject_id: result for result in ranking(call)}
    for outcome, applications in ((SHORTLISTED, shortlisted), (NOT_SHORTLISTED, others)):
        for application in applications:
            result = results.get(application.pk)
            if result is not None and result.decision is None:
                decide(actor=actor, item=result.item, outcome=outcome, reasons=reason, result=result)


def feedback_for(application: Application) -> list[CriterionFeedback]:
    """The per-criterion feedback the team gets (no reviewer names); empty before any review."""
    call = call_for(application.challenge)
    if call is None:
        return []
    item = call.items.filter(subject_id=application.pk).first()
    return list(feedback(item)) if item is not None else []


def demo_reviews(*, operator: User, challenge: Challenge, reviewers: Sequence[User], scores: dict[int, int]) -> int:
    """Demo seed only: put ``reviewers`` in the call's pool, assign each item by hand to each reviewer
    the engine does not find conflicted, and submit ``scores[application id]`` on every criterion.

    Uses the engine's pool, manual-assignment and review services (beyond the contract above, for the
    demo region alone). Returns the number of reviews submitted.
    """
    from kechuang.review.services import assign, invite_reviewer, submit_review

    call = call_for(challenge)
    if call is None:
        return 0
    criteria = list(call.criteria.all())
    made = 0
    for reviewer in reviewers:
        invite_reviewer(actor=operator, call=call, user=reviewer)
    for item in call.items.all():
        for reviewer in reviewers:
            try:
                assignment = assign(actor=operator, item=item, reviewer=reviewer, reason=_("Demo assignment"))
            except DomainError:  # conflicted or at its load: the demo skips that pair, as an operator would
                continue
            score = scores.get(item.subject_id, 6)
            submit_review(
                actor=reviewer,
                assignment=assignment,
                scores={criterion.pk: score for criterion in criteria},
                comment_to_applicant=_("Clear route; show the test plan for each indicator."),
            )
            made += 1
    return made


def demo_pool(*, operator: User, challenge: Challenge, reviewers: Sequence[User]) -> None:
    """Demo seed only: put ``reviewers`` in the call's pool and queue an assignment run, so the demo's
    reviewer logins find reviews waiting once the worker has run it."""
    from kechuang.review.services import invite_reviewer, start_assignment

    call = call_for(challenge)
    if call is None:
        return
    for reviewer in reviewers:
        invite_reviewer(actor=operator, call=call, user=reviewer)
    start_assignment(actor=operator, call=call)
