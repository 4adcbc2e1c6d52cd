"""The one transition function: allowed edges and their guards, refused edges change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kechuang.challenges import services
from kechuang.challenges.enums import (
    CHALLENGE_EDGES,
    AgreementStatus,
    ApplicationStatus,
    ChallengeStatus,
    MilestoneStatus,
)
from kechuang.challenges.models import Agreement, Challenge, Closure, DiligenceRecord, StatusChange
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.models import AuditEvent
from kechuang.core.money import Money
from kechuang.ledger.models import Entry
from tests.challenges import builders
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db
S = ChallengeStatus


def _state(challenge: Challenge) -> tuple[str, int, int]:
    challenge.refresh_from_db()
    return challenge.status, StatusChange.objects.filter(challenge=challenge).count(), Entry.objects.count()


def test_the_edge_table_names_every_edge_of_the_enum() -> None:
    assert set(services.EDGES) == {(a, b) for a, targets in CHALLENGE_EDGES.items() for b in targets}


def test_a_list_walks_from_draft_to_publication_with_escrow_and_indicators() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    services.transition(actor=people.issuer_admin, challenge=challenge, to=S.OPERATOR_REVIEW)
    builders.escrow_all(people, challenge)
    services.transition(actor=people.operator, challenge=challenge, to=S.PUBLISHED)
    challenge.refresh_from_db()
    assert (challenge.status, challenge.escrowed_fen) == (S.PUBLISHED, challenge.bounty_fen)
    assert challenge.published_at is not None
    steps = list(StatusChange.objects.filter(challenge=challenge).values_list("from_status", "to_status"))
    assert steps == [(S.DRAFT, S.OPERATOR_REVIEW), (S.OPERATOR_REVIEW, S.PUBLISHED)]
    assert AuditEvent.objects.filter(verb="challenges:challenge:transition").count() == 2
    assert sorted(Entry.objects.values_list("kind", flat=True)) == ["challenge.escrow", "challenge.escrow"]


def test_publication_without_the_whole_bounty_in_escrow_is_refused_and_changes_nothing() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    services.transition(actor=people.issuer_admin, challenge=challenge, to=S.OPERATOR_REVIEW)
    services.record_escrow(
        actor=people.operator, challenge=challenge, source="issuer", amount=challenge.issuer_share, reference="B-1"
    )
    before = _state(challenge)
    with pytest.raises(DomainError) as refused:
        services.transition(actor=people.operator, challenge=challenge, to=S.PUBLISHED)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert _state(challenge) == before


def test_submission_without_measurable_indicators_is_refused() -> None:
    people = builders.cast()
    challenge = builders.draft(people, indicators=[])
    with pytest.raises(DomainError) as refused:
        services.transition(actor=people.issuer_admin, challenge=challenge, to=S.OPERATOR_REVIEW)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert "indicators" in refused.value.errors
    assert _state(challenge)[0] == S.DRAFT


@pytest.mark.parametrize(
    ("to", "who"),
    [
        (S.PUBLISHED, "operator"),
        (S.AWARDED, "operator"),
        (S.COMPLETED, "operator"),
        (S.APPLICATIONS_CLOSED, "operator"),
    ],
)
def test_out_of_order_transitions_are_refused_with_invalid_state(to: str, who: str) -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    before = _state(challenge)
    with pytest.raises(DomainError) as refused:
        services.transition(actor=getattr(people, who), challenge=challenge, to=to)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert _state(challenge) == before


def test_an_unknown_target_is_refused_not_crashed() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    with pytest.raises(DomainError) as refused:
        services.transition(actor=people.operator, challenge=challenge, to="launched")
    assert refused.value.code == ErrorCode.INVALID_STATE


def test_only_the_issuer_submits_and_only_an_operator_publishes() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    stranger = UserFactory()
    with pytest.raises(DomainError) as refused:
        services.transition(actor=stranger, challenge=challenge, to=S.OPERATOR_REVIEW)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    services.transition(actor=people.issuer_admin, challenge=challenge, to=S.OPERATOR_REVIEW)
    builders.escrow_all(people, challenge)
    with pytest.raises(DomainError) as refused:
        services.transition(actor=people.issuer_admin, challenge=challenge, to=S.PUBLISHED)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED


def test_an_operator_returns_a_list_to_draft_only_with_a_reason() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    services.transition(actor=people.issuer_admin, challenge=challenge, to=S.OPERATOR_REVIEW)
    with pytest.raises(DomainError) as refused:
        services.transition(actor=people.operator, challenge=challenge, to=S.DRAFT)
    assert refused.value.code == ErrorCode.VALIDATION
    services.transition(actor=people.operator, challenge=challenge, to=S.DRAFT, reason="指标不可测，请补充验收方式")
    assert _state(challenge)[0] == S.DRAFT


def test_closing_before_the_deadline_needs_the_operator_and_a_reason() -> None:
    people = builders.cast()
    challenge = builders.published(people)
    with pytest.raises(DomainError) as refused:
        services.transition(actor=people.issuer_admin, challenge=challenge, to=S.APPLICATIONS_CLOSED)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    with pytest.raises(DomainError):
        services.transition(actor=people.operator, challenge=challenge, to=S.APPLICATIONS_CLOSED)
    Challenge.objects.filter(pk=challenge.pk).update(application_deadline=timezone.now() - timedelta(minutes=1))
    challenge.refresh_from_db()
    services.transition(actor=people.issuer_admin, challenge=challenge, to=S.APPLICATIONS_CLOSED)
    assert _state(challenge)[0] == S.APPLICATIONS_CLOSED


def test_review_needs_applications() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    services.transition(actor=people.operator, challenge=challenge, to=S.APPLICATIONS_CLOSED, reason="无人揭榜")
    with pytest.raises(DomainError) as refused:
        services.transition(actor=people.operator, challenge=challenge, to=S.REVIEW)
    assert refused.value.code == ErrorCode.INVALID_STATE


def test_publicity_ends_after_the_set_days_and_the_award_waits_for_it() -> None:
    people = builders.cast()
    challenge, applications = builders.in_publicity(people)
    assert challenge.publicity_ends_at is not None
    assert timedelta(days=6, hours=23) < challenge.publicity_ends_at - timezone.now() <= timedelta(days=7)
    with pytest.raises(DomainError) as refused:
        services.transition(
            actor=people.operator, challenge=challenge, to=S.AWARDED, awards=builders.plans(applications)
        )
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert not Agreement.objects.exists()


def test_unanswered_objections_block_the_award_until_answered() -> None:
    people = builders.cast()
    challenge, applications = builders.in_publicity(people)
    objection = services.raise_objection(actor=UserFactory(), challenge=challenge, text="团队2的样机数据存疑")
    builders.end_publicity(challenge)
    with pytest.raises(DomainError) as refused:
        services.transition(
            actor=people.operator, challenge=challenge, to=S.AWARDED, awards=builders.plans(applications)
        )
    assert refused.value.code == ErrorCode.INVALID_STATE
    services.answer_objection(actor=people.operator, objection=objection, answer="已核查原始记录，数据属实。")
    services.transition(actor=people.operator, challenge=challenge, to=S.AWARDED, awards=builders.plans(applications))
    assert _state(challenge)[0] == S.AWARDED


def test_a_race_awards_two_agreements_with_milestones_and_ledger_records() -> None:
    people = builders.cast()
    challenge, applications = builders.in_publicity(people)
    builders.end_publicity(challenge)
    services.transition(actor=people.operator, challenge=challenge, to=S.AWARDED, awards=builders.plans(applications))
    challenge.refresh_from_db()
    agreements = list(Agreement.objects.filter(challenge=challenge).order_by("id"))
    assert [a.application_id for a in agreements] == [a.pk for a in applications]
    assert [a.milestones.count() for a in agreements] == [2, 2]
    assert challenge.allocated_fen == challenge.bounty_fen
    assert challenge.award_entry is not None
    assert sorted(Entry.objects.exclude(kind="challenge.escrow").values_list("kind", flat=True)) == [
        "challenge.agreement",
        "challenge.agreement",
        "challenge.award",
    ]
    assert set(challenge.applications.values_list("status", flat=True)) == {ApplicationStatus.AWARDED}


def test_more_winners_than_the_list_allows_are_refused() -> None:
    people = builders.cast(teams=2)
    challenge, applications = builders.in_publicity(people, winners=1)
    builders.end_publicity(challenge)
    with pytest.raises(DomainError) as refused:
        services.transition(
            actor=people.operator, challenge=challenge, to=S.AWARDED, awards=builders.plans(applications)
        )
    assert refused.value.code == ErrorCode.VALIDATION
    assert _state(challenge)[0] == S.PUBLICITY


def test_agreements_above_the_bounty_are_refused() -> None:
    people = builders.cast()
    challenge, applications = builders.in_publicity(people)
    builders.end_publicity(challenge)
    with pytest.raises(DomainError) as refused:
        services.transition(
            actor=people.operator,
            challenge=challenge,
            to=S.AWARDED,
            awards=builders.plans(applications, each=Money(6_000_000 * builders.YUAN)),
        )
    assert "awards" in refused.value.errors
    assert not Agreement.objects.exists()


def test_completion_waits_for_every_milestone_then_closes_with_a_report() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    with pytest.raises(DomainError) as refused:
        services.transition(actor=people.operator, challenge=challenge, to=S.COMPLETED, reason="验收")
    assert refused.value.code == ErrorCode.INVALID_STATE
    for agreement in challenge.agreements.all():
        for milestone in agreement.milestones.all():
            services.submit_evidence(actor=agreement.application.lead, milestone=milestone, evidence="检测报告")
            services.decide_milestone(actor=people.issuer_admin, milestone=milestone, accept=True)
    services.transition(actor=people.operator, challenge=challenge, to=S.COMPLETED, reason="全部指标达到，验收通过")
    assert _state(challenge)[0] == S.COMPLETED
    assert Closure.objects.get(challenge=challenge).outcome == S.COMPLETED
    assert set(challenge.agreements.values_list("status", flat=True)) == {AgreementStatus.COMPLETED}


def test_termination_needs_every_working_teams_due_diligence_record() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    agreements = list(challenge.agreements.order_by("id"))
    with pytest.raises(DomainError) as refused:
        services.transition(
            actor=people.operator,
            challenge=challenge,
            to=S.TERMINATED,
            reason="技术路线均未达到力控精度",
            diligence=[
                services.DiligenceSpec(
                    agreement_id=agreements[0].pk, records="实验记录本12册", diligent=True, finding="勤勉尽责"
                )
            ],
        )
    assert "diligence" in refused.value.errors
    services.transition(
        actor=people.operator,
        challenge=challenge,
        to=S.TERMINATED,
        reason="技术路线均未达到力控精度",
        diligence=[
            services.DiligenceSpec(
                agreement_id=agreement.pk,
                records="实验记录本、台架测试原始数据",
                diligent=True,
                finding="按计划投入，原始记录完整，属勤勉尽责（科学技术进步法第六十八条）",
                files=[{"name": "log.csv", "sha256": "a" * 64, "size": 10}],
            )
            for agreement in agreements
        ],
    )
    assert _state(challenge)[0] == S.TERMINATED
    assert DiligenceRecord.objects.filter(diligent=True).count() == 2
    assert set(challenge.agreements.values_list("status", flat=True)) == {AgreementStatus.TERMINATED}
    assert set(challenge.agreements.values_list("milestones__status", flat=True)) == {MilestoneStatus.CANCELLED}
    assert Entry.objects.filter(kind="challenge.diligence").count() == 2
    assert Entry.objects.filter(kind="challenge.closure").count() == 1
