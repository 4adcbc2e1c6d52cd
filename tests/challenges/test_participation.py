"""Applying, the deadline, NDA gating, objections during 公示, and a race's stage gates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kechuang.challenges import selectors, services
from kechuang.challenges.enums import AgreementStatus, ApplicationStatus, GateDecision, MilestoneStatus
from kechuang.challenges.models import Application, Challenge, NdaAcceptance, Objection
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.models import AuditEvent
from tests.challenges import builders
from tests.factories.accounts import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _apply(challenge: Challenge, lead: object, **overrides: object) -> Application:
    values = {
        "actor": lead,
        "challenge": challenge,
        "team_name": "青年力控团队",
        "proposal": "方案",
        "technical_route": "路线",
        "plan": "计划",
    }
    values.update(overrides)
    return services.apply(**values)  # type: ignore[arg-type]


def test_any_signed_in_user_applies_and_participation_is_counted() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member = UserFactory(), UserFactory()
    org = MembershipFactory(user=lead).organization
    application = _apply(challenge, lead, organization=org, members=[member])
    # The member is only invited: a person counts once they accept.
    assert selectors.participation(challenge) == {"applications": 1, "people": 1, "organizations": 1, "views": 0}
    services.answer_invitation(actor=member, application=application, accept=True)
    assert selectors.participation(challenge) == {"applications": 1, "people": 2, "organizations": 1, "views": 0}
    services.record_view(challenge)
    assert selectors.participation(challenge)["views"] == 1


def test_an_application_after_the_deadline_is_refused_and_nothing_is_kept() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    Challenge.objects.filter(pk=challenge.pk).update(application_deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError) as refused:
        _apply(challenge, UserFactory())
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert str(refused.value.detail) == "申报截止时间已过。"
    assert not Application.objects.exists()


def test_a_draft_takes_no_applications() -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    with pytest.raises(DomainError):
        _apply(challenge, UserFactory())


def test_one_live_application_per_lead_and_withdrawal_frees_it() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead = UserFactory()
    first = _apply(challenge, lead)
    with pytest.raises(DomainError) as refused:
        _apply(challenge, lead)
    assert refused.value.code == ErrorCode.DUPLICATE
    services.withdraw_application(actor=lead, application=first)
    second = _apply(challenge, lead)
    assert [a.status for a in Application.objects.order_by("id")] == [ApplicationStatus.WITHDRAWN, second.status]


def test_an_organization_must_be_the_leads_and_not_the_issuer() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    with pytest.raises(DomainError) as refused:
        _apply(challenge, UserFactory(), organization=MembershipFactory().organization)
    assert "organization" in refused.value.errors
    # The issuer's own people do not take its list, in its name or in none.
    for organization in (people.issuer, None):
        with pytest.raises(DomainError) as refused:
            _apply(challenge, people.issuer_admin, organization=organization)
        assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert not Application.objects.exists()


def test_details_are_shown_only_after_the_nda_is_accepted_with_its_time() -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    reader = UserFactory()
    assert not selectors.can_see_details(reader, challenge)
    assert selectors.can_see_details(people.issuer_admin, challenge)
    assert selectors.can_see_details(people.operator, challenge)
    before = timezone.now()
    services.accept_nda(actor=reader, challenge=challenge)
    services.accept_nda(actor=reader, challenge=challenge)
    acceptance = NdaAcceptance.objects.get()
    assert (acceptance.user_id, acceptance.accepted_at >= before) == (reader.pk, True)
    assert selectors.can_see_details(reader, challenge)


def test_nobody_accepts_the_nda_of_an_unpublished_list() -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    with pytest.raises(DomainError) as refused:
        services.accept_nda(actor=UserFactory(), challenge=challenge)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED


def test_a_draft_is_hidden_from_the_public() -> None:
    from kechuang.core.errors import NotFound

    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    with pytest.raises(NotFound):
        selectors.get_challenge_for(UserFactory(), challenge.pk)
    assert selectors.get_challenge_for(people.issuer_admin, challenge.pk) == challenge


def test_objections_are_taken_during_publicity_and_answered_once_with_a_log() -> None:
    people = builders.cast()
    challenge, _applications = builders.in_publicity(people)
    objector = UserFactory()
    objection = services.raise_objection(actor=objector, challenge=challenge, text="团队1有利益冲突")
    services.answer_objection(actor=people.issuer_admin, objection=objection, answer="经核实无冲突。")
    with pytest.raises(DomainError) as refused:
        services.answer_objection(actor=people.operator, objection=objection, answer="再答")
    assert refused.value.code == ErrorCode.INVALID_STATE
    objection.refresh_from_db()
    assert (objection.answer, objection.answered_by_id) == ("经核实无冲突。", people.issuer_admin.pk)
    verbs = list(AuditEvent.objects.filter(verb__startswith="challenges:objection").values_list("verb", flat=True))
    assert sorted(verbs) == ["challenges:objection:answer", "challenges:objection:raise"]
    with pytest.raises(DomainError) as refused:
        services.answer_objection(
            actor=objector,
            objection=services.raise_objection(actor=objector, challenge=challenge, text="再议"),
            answer="自答",
        )
    assert refused.value.code == ErrorCode.PERMISSION_DENIED


def test_objections_after_the_notice_period_are_refused() -> None:
    people = builders.cast()
    challenge, _applications = builders.in_publicity(people)
    builders.end_publicity(challenge)
    with pytest.raises(DomainError) as refused:
        services.raise_objection(actor=UserFactory(), challenge=challenge, text="迟到的异议")
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert not Objection.objects.exists()


def test_a_stage_gate_cuts_one_team_and_returns_its_unearned_money() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    gate = challenge.stage_gates.get()
    first, second = challenge.agreements.order_by("id")
    services.decide_stage_gate(
        actor=people.operator, gate=gate, agreement=first, decision=GateDecision.CONTINUE, reasons="进度正常"
    )
    services.decide_stage_gate(
        actor=people.operator, gate=gate, agreement=second, decision=GateDecision.CUT, reasons="力控精度未达阶段目标"
    )
    second.refresh_from_db()
    challenge.refresh_from_db()
    assert (second.status, second.amount_fen) == (AgreementStatus.CUT, 0)
    assert set(second.milestones.values_list("status", flat=True)) == {MilestoneStatus.CANCELLED}
    assert challenge.allocated_fen == first.amount_fen
    with pytest.raises(DomainError) as refused:
        services.decide_stage_gate(
            actor=people.operator, gate=gate, agreement=first, decision=GateDecision.CUT, reasons="x"
        )
    assert refused.value.code == ErrorCode.DUPLICATE


def test_a_stage_gate_merges_one_team_into_another() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    gate = challenge.stage_gates.get()
    first, second = challenge.agreements.order_by("id")
    services.decide_stage_gate(
        actor=people.operator,
        gate=gate,
        agreement=second,
        decision=GateDecision.MERGE,
        reasons="路线互补",
        merged_into=first,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.status, second.merged_into_id, second.amount_fen) == (AgreementStatus.MERGED, first.pk, 0)
    assert first.amount_fen == challenge.bounty_fen
    assert first.milestones.count() == 4
    assert second.application.lead in first.application.accepted_members


def test_a_merge_must_name_another_working_team() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    gate = challenge.stage_gates.get()
    first = challenge.agreements.order_by("id").first()
    with pytest.raises(DomainError) as refused:
        services.decide_stage_gate(
            actor=people.operator,
            gate=gate,
            agreement=first,
            decision=GateDecision.MERGE,
            reasons="x",  # type: ignore[arg-type]
        )
    assert "merged_into" in refused.value.errors


def test_a_cut_team_is_still_paid_for_a_milestone_accepted_before_the_cut() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    gate = challenge.stage_gates.get()
    _first, second = challenge.agreements.order_by("id")
    earned = second.milestones.order_by("position").first()
    assert earned is not None
    services.submit_evidence(actor=second.application.lead, milestone=earned, evidence="阶段样机测试报告")
    services.decide_milestone(actor=people.issuer_admin, milestone=earned, accept=True)
    services.decide_stage_gate(
        actor=people.operator, gate=gate, agreement=second, decision=GateDecision.CUT, reasons="未达阶段目标"
    )
    second.refresh_from_db()
    assert (second.status, second.amount_fen) == (AgreementStatus.CUT, earned.amount_fen)
    release = services.release_tranche(actor=people.operator, milestone=earned)
    second.refresh_from_db()
    assert (release.amount_fen, second.released_fen) == (earned.amount_fen, earned.amount_fen)
