"""Money follows milestones: escrow before publication, releases against accepted milestones, never above the
bounty — refused by the service and, as the last line, by the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from kechuang.challenges import services
from kechuang.challenges.models import Agreement, Challenge, TrancheRelease
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.money import Money
from kechuang.ledger.models import Entry
from kechuang.ledger.services import integrate_all
from tests.challenges import builders

pytestmark = pytest.mark.django_db


def _accepted_first_milestone(people: builders.Cast, challenge: Challenge) -> tuple[Agreement, object]:
    agreement = challenge.agreements.order_by("id").first()
    assert agreement is not None
    milestone = agreement.milestones.order_by("position").first()
    assert milestone is not None
    services.submit_evidence(actor=agreement.application.lead, milestone=milestone, evidence="原理样机测试报告")
    services.decide_milestone(actor=people.issuer_admin, milestone=milestone, accept=True)
    return agreement, milestone


def test_escrow_cannot_exceed_a_sources_share() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    with pytest.raises(DomainError) as refused:
        services.record_escrow(
            actor=people.operator,
            challenge=challenge,
            source="subsidy",
            amount=challenge.subsidy_share + Money(1),
            reference="B",
        )
    assert "amount" in refused.value.errors
    challenge.refresh_from_db()
    assert challenge.escrowed_fen == 0


def test_only_an_operator_records_escrow() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    with pytest.raises(DomainError) as refused:
        services.record_escrow(
            actor=people.issuer_admin, challenge=challenge, source="issuer", amount=Money(100), reference="B"
        )
    assert refused.value.code == ErrorCode.PERMISSION_DENIED


def test_the_funding_mix_must_add_up_to_the_bounty() -> None:
    people = builders.cast()
    with pytest.raises(DomainError) as refused:
        builders.draft(people, subsidy_share=Money(1))
    assert "subsidy_share" in refused.value.errors
    assert not Challenge.objects.exists()


def test_an_accepted_milestones_tranche_is_released_and_logged() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    agreement, milestone = _accepted_first_milestone(people, challenge)
    release = services.release_tranche(actor=people.operator, milestone=milestone)
    challenge.refresh_from_db()
    agreement.refresh_from_db()
    assert release.amount == Money(2_500_000 * builders.YUAN)
    assert (challenge.released_fen, agreement.released_fen) == (release.amount_fen, release.amount_fen)
    assert release.ledger_entry is not None
    assert release.ledger_entry.kind == "challenge.tranche_release"


def test_a_tranche_waits_for_acceptance() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    milestone = challenge.agreements.order_by("id").first().milestones.first()  # type: ignore[union-attr]
    with pytest.raises(DomainError) as refused:
        services.release_tranche(actor=people.operator, milestone=milestone)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert not TrancheRelease.objects.exists()


def test_a_tranche_above_the_remaining_bounty_is_refused_and_nothing_changes() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    _agreement, milestone = _accepted_first_milestone(people, challenge)
    entries = Entry.objects.count()
    with pytest.raises(DomainError) as refused:
        services.release_tranche(actor=people.operator, milestone=milestone, amount=challenge.bounty + Money(1))
    assert refused.value.code == ErrorCode.VALIDATION
    assert "超过了榜单金额的剩余部分" in refused.value.errors["amount"][0]
    challenge.refresh_from_db()
    assert (challenge.released_fen, TrancheRelease.objects.count(), Entry.objects.count()) == (0, 0, entries)


def test_a_tranche_above_what_the_milestone_pays_is_refused() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    _agreement, milestone = _accepted_first_milestone(people, challenge)
    services.release_tranche(actor=people.operator, milestone=milestone, amount=Money(100))
    with pytest.raises(DomainError) as refused:
        services.release_tranche(actor=people.operator, milestone=milestone, amount=Money(2_500_000 * builders.YUAN))
    assert "amount" in refused.value.errors
    challenge.refresh_from_db()
    assert challenge.released_fen == 100


def test_only_an_operator_releases() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    _agreement, milestone = _accepted_first_milestone(people, challenge)
    with pytest.raises(DomainError) as refused:
        services.release_tranche(actor=people.issuer_admin, milestone=milestone)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED


def test_the_database_refuses_a_released_total_above_the_bounty() -> None:
    people = builders.cast()
    challenge = builders.published(people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Challenge.objects.filter(pk=challenge.pk).update(released_fen=F("bounty_fen") + 1)
    challenge.refresh_from_db()
    assert challenge.released_fen == 0


def test_the_database_refuses_releases_above_the_escrow() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Challenge.objects.filter(pk=challenge.pk).update(released_fen=1)


def test_the_database_refuses_a_funding_mix_that_does_not_add_up() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Challenge.objects.filter(pk=challenge.pk).update(subsidy_share_fen=F("subsidy_share_fen") + 1)


def test_the_database_refuses_an_agreement_paid_above_its_amount() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    agreement = challenge.agreements.first()
    assert agreement is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).update(released_fen=F("amount_fen") + 1)


def test_a_releases_receipt_is_reachable_once_integrated() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    _agreement, milestone = _accepted_first_milestone(people, challenge)
    release = services.release_tranche(actor=people.operator, milestone=milestone)
    integrate_all()
    from kechuang.challenges.selectors import receipt_of

    entry = Entry.objects.select_related("leaf").get(pk=release.ledger_entry_id)
    receipt = receipt_of(entry)
    assert receipt is not None
    assert receipt.index is not None
    assert receipt.api_receipt_url == f"/api/v1/ledger/entries/{receipt.index}/receipt"


def test_after_escrow_the_same_amounts_may_be_sent_again_but_not_changed() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    services.transition(actor=people.issuer_admin, challenge=challenge, to="operator_review")
    services.record_escrow(
        actor=people.operator, challenge=challenge, source="issuer", amount=challenge.issuer_share, reference="B-1"
    )
    challenge.refresh_from_db()
    same = {
        "bounty": challenge.bounty,
        "issuer_share": challenge.issuer_share,
        "subsidy_share": challenge.subsidy_share,
    }
    services.update_challenge(actor=people.operator, challenge=challenge, blind_review=False, **same)
    challenge.refresh_from_db()
    assert challenge.blind_review is False
    with pytest.raises(DomainError) as refused:
        services.update_challenge(actor=people.operator, challenge=challenge, **{**same, "bounty": Money(1)})
    assert refused.value.code == ErrorCode.INVALID_STATE


def test_the_issuer_share_may_become_zero_when_a_subsidy_pays_it_all() -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    services.update_challenge(
        actor=people.issuer_admin, challenge=challenge, issuer_share=Money(0), subsidy_share=challenge.bounty
    )
    challenge.refresh_from_db()
    assert (challenge.issuer_share_fen, challenge.subsidy_share_fen) == (0, challenge.bounty_fen)
