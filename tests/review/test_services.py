"""Services of the review engine: calls, pool, manual changes, conflicts, reviews, flags and decisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kechuang.accounts.enums import OrganizationKind
from kechuang.core.errors import DomainError
from kechuang.core.models import AuditEvent
from kechuang.notifications.models import Notification, Reminder
from kechuang.review import selectors, services
from kechuang.review.enums import AssignmentSource, AssignmentStatus, ConflictKind, DecisionOutcome
from kechuang.review.models import Assignment, Call, ConflictRecord, Criterion, Item, Review
from tests.factories.accounts import ExpertProfileFactory, OrganizationFactory, UserFactory
from tests.review.conftest import Setup, build, open_test_call

pytestmark = pytest.mark.django_db


def code_of(call: Any) -> tuple[str, dict[str, list[str]]]:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code, refused.value.errors


def scores_for(call: Call, a: int, b: int) -> dict[str, int]:
    first, second = Criterion.objects.filter(call=call).order_by("order")
    return {str(first.pk): a, str(second.pk): b}


def assign_all(setup: Setup, pairs: list[tuple[int, int]]) -> list[Assignment]:
    return [
        services.assign(actor=setup.operator, item=setup.items[i], reviewer=setup.reviewers[r], reason="专业对口")
        for i, r in pairs
    ]


# ---------------------------------------------------------------- calls and items


def test_open_call_checks_weights_and_writes_nothing_when_refused(db: None) -> None:
    operator = build().operator
    before = Call.objects.count()
    bad = [services.CriterionSpec(name={"zh-hans": "创新性"}, weight=50)]
    code, errors = code_of(
        lambda: (
            open_test_call(operator)
            if False
            else services.open_call(
                actor=operator,
                subject=OrganizationFactory(),
                title={"zh-hans": "评审"},
                criteria=bad,
                blind=True,
                reviews_per_item=3,
                max_load=6,
                review_deadline=timezone.now() + timedelta(days=5),
            )
        )
    )
    assert (code, errors) == (
        "validation_error",
        {"criteria": ["权重合计为 50%；须合计为 100%。"]},
    )
    assert Call.objects.count() == before


def test_only_operators_open_calls(db: None) -> None:
    code, _ = code_of(lambda: open_test_call(UserFactory()))
    assert code == "permission_denied"


def test_open_call_stores_criteria_in_order_and_audits(db: None) -> None:
    setup = build(items=1, reviewers=1)
    names = [c.name["en"] for c in selectors.criteria(setup.call)]
    assert names == ["Feasibility", "Team"]
    assert AuditEvent.objects.filter(verb="review:call:open", object_id=str(setup.call.pk)).count() == 1
    assert selectors.call_for(setup.call.subject) == setup.call


def test_an_item_is_added_once(setup: Setup) -> None:
    spec = services.ItemSpec(
        subject=setup.applicant_orgs[0],
        title={"zh-hans": "重复"},
        summary={},
        parties=selectors.parties_of(setup.items[0]),
        identity={},
    )
    code, _ = code_of(lambda: services.add_items(actor=setup.operator, call=setup.call, items=[spec]))
    assert code == "duplicate"
    assert Item.objects.filter(call=setup.call).count() == 2


# ---------------------------------------------------------------- pool


def test_industry_defaults_from_an_enterprise_affiliation(setup: Setup) -> None:
    company = ExpertProfileFactory(affiliation=OrganizationFactory(kind=OrganizationKind.ENTERPRISE)).user
    scholar = ExpertProfileFactory(affiliation=OrganizationFactory(kind=OrganizationKind.UNIVERSITY)).user
    a = services.invite_reviewer(actor=setup.operator, call=setup.call, user=company)
    b = services.invite_reviewer(actor=setup.operator, call=setup.call, user=scholar, max_load=1)
    assert [(a.industry, a.max_load), (b.industry, b.max_load)] == [(True, 3), (False, 1)]
    code, _ = code_of(lambda: services.invite_reviewer(actor=setup.operator, call=setup.call, user=company))
    assert code == "duplicate"


def test_a_reviewer_with_assignments_cannot_leave_the_pool(setup: Setup) -> None:
    assign_all(setup, [(0, 0)])
    member = setup.call.pool.get(user=setup.reviewers[0])
    code, _ = code_of(lambda: services.remove_reviewer(actor=setup.operator, member=member))
    assert code == "invalid_state"
    other = setup.call.pool.get(user=setup.reviewers[3])
    services.remove_reviewer(actor=setup.operator, member=other)
    assert setup.call.pool.count() == 3


# ---------------------------------------------------------------- manual changes


def test_a_manual_assignment_needs_a_reason_and_tells_the_reviewer(setup: Setup) -> None:
    code, errors = code_of(
        lambda: services.assign(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[0], reason="  ")
    )
    assert (code, errors) == ("validation_error", {"reason": ["请说明理由。"]})
    made = services.assign(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[0], reason="专业对口")
    assert (made.status, made.source, made.reason) == (AssignmentStatus.ASSIGNED, AssignmentSource.MANUAL, "专业对口")
    assert Notification.objects.filter(recipient=setup.reviewers[0], kind="review.assigned").count() == 1
    code, _ = code_of(
        lambda: services.assign(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[0], reason="再次")
    )
    assert code == "duplicate"


def test_a_conflicted_reviewer_is_refused_by_hand(setup: Setup) -> None:
    services.set_conflict(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[0], reason="前同事")
    code, _ = code_of(
        lambda: services.assign(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[0], reason="x")
    )
    assert code == "conflict"
    # The applicant herself, put in the pool, is refused by the computed SELF conflict.
    applicant = setup.applicants[1]
    services.invite_reviewer(actor=setup.operator, call=setup.call, user=applicant)
    code, _ = code_of(
        lambda: services.assign(actor=setup.operator, item=setup.items[1], reviewer=applicant, reason="x")
    )
    assert code == "conflict"
    assert Assignment.objects.count() == 0


def test_a_reviewer_outside_the_pool_or_at_her_limit_is_refused(setup: Setup) -> None:
    outsider = UserFactory()
    code, _ = code_of(lambda: services.assign(actor=setup.operator, item=setup.items[0], reviewer=outsider, reason="x"))
    assert code == "validation_error"
    member = setup.call.pool.get(user=setup.reviewers[0])
    member.max_load = 1
    member.save()
    assign_all(setup, [(0, 0)])
    code, _ = code_of(
        lambda: services.assign(actor=setup.operator, item=setup.items[1], reviewer=setup.reviewers[0], reason="x")
    )
    assert code == "conflict"


def test_a_second_reviewer_from_one_organisation_is_refused_when_the_call_forbids_it(setup: Setup) -> None:
    employer = OrganizationFactory()
    first, second = setup.reviewers[0], setup.reviewers[1]
    for reviewer in (first, second):  # both have expert profiles (make_reviewer)
        reviewer.expert_profile.affiliation = employer
        reviewer.expert_profile.save(update_fields=["affiliation"])
    assign_all(setup, [(0, 0)])
    Call.objects.filter(pk=setup.call.pk).update(distinct_organizations=True)
    code, _ = code_of(lambda: services.assign(actor=setup.operator, item=setup.items[0], reviewer=second, reason="x"))
    assert code == "conflict"
    assert setup.items[0].assignments.filter(reviewer=second).count() == 0
    # Another item, where no one from that organisation reviews yet, takes her.
    assert services.assign(actor=setup.operator, item=setup.items[1], reviewer=second, reason="x").reviewer == second


def test_unassign_and_replace_with_alternate(setup: Setup, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.start_assignment(actor=setup.operator, call=setup.call)
    item = setup.items[0]
    alternate = item.assignments.get(status=AssignmentStatus.ALTERNATE)
    leaving = item.assignments.filter(status=AssignmentStatus.ASSIGNED).first()
    assert leaving is not None
    promoted = services.replace_with_alternate(actor=setup.operator, assignment=leaving, reason="临时出国")
    leaving.refresh_from_db()
    assert (promoted.pk, promoted.status, promoted.reason) == (alternate.pk, AssignmentStatus.ASSIGNED, "临时出国")
    assert (leaving.status, leaving.reason) == (AssignmentStatus.WITHDRAWN, "临时出国")
    # No alternate is left now: a second replacement is refused and changes nothing.
    other = item.assignments.filter(status=AssignmentStatus.ASSIGNED).exclude(pk=promoted.pk).get()
    code, _ = code_of(lambda: services.replace_with_alternate(actor=setup.operator, assignment=other, reason="x"))
    assert code == "invalid_state"
    other.refresh_from_db()
    assert other.status == AssignmentStatus.ASSIGNED
    withdrawn = services.unassign(actor=setup.operator, assignment=other, reason="不再参与")
    assert withdrawn.status == AssignmentStatus.WITHDRAWN


# ---------------------------------------------------------------- conflicts


def test_a_declared_conflict_drops_the_assignment_and_promotes_an_alternate(
    setup: Setup, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.start_assignment(actor=setup.operator, call=setup.call)
    item = setup.items[0]
    alternate = item.assignments.get(status=AssignmentStatus.ALTERNATE)
    mine = item.assignments.filter(status=AssignmentStatus.ASSIGNED).first()
    assert mine is not None
    record = services.declare_conflict(actor=mine.reviewer, item=item, reason="申请人是我的学生")
    assert (record.kind, record.reason) == (ConflictKind.DECLARED, "申请人是我的学生")
    mine.refresh_from_db()
    alternate.refresh_from_db()
    assert (mine.status, alternate.status) == (AssignmentStatus.WITHDRAWN, AssignmentStatus.ASSIGNED)
    assert Notification.objects.filter(recipient=alternate.reviewer, kind="review.assigned").count() >= 1
    code, _ = code_of(lambda: services.declare_conflict(actor=mine.reviewer, item=item, reason="again"))
    assert code == "duplicate"


def test_only_pool_reviewers_declare_conflicts(setup: Setup) -> None:
    code, _ = code_of(lambda: services.declare_conflict(actor=UserFactory(), item=setup.items[0], reason="x"))
    assert code == "permission_denied"
    assert ConflictRecord.objects.count() == 0


# ---------------------------------------------------------------- reviews


def test_submit_review_validates_every_criterion(setup: Setup) -> None:
    (assignment,) = assign_all(setup, [(0, 0)])
    first, second = Criterion.objects.filter(call=setup.call).order_by("order")
    reviewer = setup.reviewers[0]
    code, errors = code_of(
        lambda: services.submit_review(actor=reviewer, assignment=assignment, scores={str(first.pk): 11, "999999": 3})
    )
    assert (code, errors) == (
        "validation_error",
        {
            "scores.999999": ["这不是本轮评审的评价标准。"],
            f"scores.{first.pk}": ["请给出 0 至 10 之间的分数。"],
            f"scores.{second.pk}": ["请为此项标准评分。"],
        },
    )
    assert Review.objects.count() == 0


def test_only_the_assigned_reviewer_submits_before_the_deadline(setup: Setup) -> None:
    (assignment,) = assign_all(setup, [(0, 0)])
    scores = scores_for(setup.call, 7, 3)
    for intruder in (setup.reviewers[1], setup.operator):
        code, _ = code_of(lambda u=intruder: services.submit_review(actor=u, assignment=assignment, scores=scores))
        assert code == "permission_denied"
    Call.objects.filter(pk=setup.call.pk).update(review_deadline=timezone.now() - timedelta(minutes=1))
    code, _ = code_of(lambda: services.submit_review(actor=setup.reviewers[0], assignment=assignment, scores=scores))
    assert code == "invalid_state"
    assert Review.objects.count() == 0


def test_a_submitted_review_cancels_reminders_and_can_be_revised(setup: Setup) -> None:
    first, second = assign_all(setup, [(0, 0), (1, 0)])
    reviewer = setup.reviewers[0]
    assert Reminder.objects.filter(recipient=reviewer, sent_at__isnull=True).count() == 2
    services.submit_review(actor=reviewer, assignment=first, scores=scores_for(setup.call, 7, 3))
    assert Reminder.objects.filter(recipient=reviewer).count() == 2  # one item is still open
    review = services.submit_review(
        actor=reviewer,
        assignment=second,
        scores=scores_for(setup.call, 9, 5),
        notes={str(Criterion.objects.filter(call=setup.call).order_by("order").first().pk): "思路清晰"},  # type: ignore[union-attr]
        comment_to_applicant="建议补充实验数据",
        comment_to_operator="整体优秀",
    )
    assert Reminder.objects.filter(recipient=reviewer).count() == 0
    second.refresh_from_db()
    assert second.status == AssignmentStatus.SUBMITTED
    revised = services.submit_review(actor=reviewer, assignment=second, scores=scores_for(setup.call, 8, 5))
    assert (revised.pk, revised.scores) == (review.pk, scores_for(setup.call, 8, 5))
    verbs = list(AuditEvent.objects.filter(verb__startswith="review:review:").values_list("verb", flat=True))
    assert sorted(verbs) == ["review:review:revise", "review:review:submit", "review:review:submit"]


# ---------------------------------------------------------------- scores, flags, decisions


def scored_setup() -> Setup:
    """Three reviewers on three items with disagreement on item 2 (raw scores in the comments)."""
    setup = build(items=3, reviewers=3, per_item=2)
    plan = {  # (item, reviewer): (feasibility 0–10, team 1–5) → raw 0–100
        (0, 0): (8, 5),  # 88
        (0, 1): (7, 4),  # 72
        (1, 0): (5, 3),  # 50
        (1, 1): (4, 3),  # 44
        (2, 1): (1, 1),  # 6
        (2, 2): (10, 5),  # 100
    }
    for (i, r), (a, b) in plan.items():
        (assignment,) = assign_all(setup, [(i, r)])
        services.submit_review(actor=setup.reviewers[r], assignment=assignment, scores=scores_for(setup.call, a, b))
    return setup


def test_scores_ranking_and_the_flag(db: None) -> None:
    setup = scored_setup()
    results = {r.item.pk: r for r in selectors.call_scores(setup.call).items}
    first, second, third = (results[item.pk] for item in setup.items)
    assert [(r.reviews, r.mean, r.spread) for r in (first, second, third)] == [
        (2, 80.0, 16.0),
        (2, 47.0, 6.0),
        (2, 53.0, 94.0),
    ]
    # Call SD of 88, 72, 50, 44, 6, 100 is 31.5, so only the third item (spread 94 > 63) is flagged.
    assert [r.flagged for r in (first, second, third)] == [False, False, True]
    # Normalised means (reviewers 0 and 1 z-scored, reviewer 2 keeps her single 100): 93.6, 46.4, 60.1.
    ranked = [(r.item.pk, round(r.normalised or 0, 1)) for r in selectors.ranking(setup.call)]
    assert ranked == [(setup.items[0].pk, 93.6), (setup.items[2].pk, 60.1), (setup.items[1].pk, 46.4)]


def test_a_flagged_item_is_decided_only_after_reconciliation(db: None) -> None:
    setup = scored_setup()
    flagged = setup.items[2]
    code, _ = code_of(
        lambda: services.decide(actor=setup.operator, item=flagged, outcome=DecisionOutcome.ACCEPTED, reasons="高分")
    )
    assert code == "invalid_state"
    code, errors = code_of(lambda: services.decide(actor=setup.operator, item=flagged, outcome="maybe", reasons="x"))
    assert errors == {"outcome": ["请选择有效的结果。"]}
    services.reconcile(actor=setup.operator, item=flagged, note="与两位专家电话沟通，低分专家误读了指标")
    decision = services.decide(
        actor=setup.operator, item=flagged, outcome=DecisionOutcome.RESERVE, reasons="分歧已澄清"
    )
    assert (decision.outcome, decision.reasons, decision.decided_by) == ("reserve", "分歧已澄清", setup.operator)
    code, _ = code_of(
        lambda: services.decide(actor=setup.operator, item=flagged, outcome=DecisionOutcome.ACCEPTED, reasons="x")
    )
    assert code == "duplicate"
    code, _ = code_of(
        lambda: services.decide(actor=setup.reviewers[0], item=setup.items[0], outcome="accepted", reasons="x")
    )
    assert code == "permission_denied"


def test_feedback_names_no_reviewer_and_sorts_scores(db: None) -> None:
    setup = scored_setup()
    assignment = Assignment.objects.get(item=setup.items[0], reviewer=setup.reviewers[0])
    first = Criterion.objects.filter(call=setup.call).order_by("order").first()
    assert first is not None
    services.submit_review(
        actor=setup.reviewers[0],
        assignment=assignment,
        scores=scores_for(setup.call, 8, 5),
        notes={str(first.pk): "力控精度论证充分"},
        comment_to_applicant="请补充临床验证计划",
    )
    got = [(f.name["en"], f.mean, f.scores, f.comments) for f in selectors.feedback(setup.items[0])]
    assert got == [("Feasibility", 7.5, [7, 8], ["力控精度论证充分"]), ("Team", 4.5, [4, 5], [])]
    assert selectors.applicant_comments(setup.items[0]) == ["请补充临床验证计划"]
