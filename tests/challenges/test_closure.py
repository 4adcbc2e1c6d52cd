"""What a closed list's ledger record says about money: paid, owed to teams, and returned to the funders.

A milestone accepted before the end whose tranche was not yet paid is owed, not returnable: the
closure record names it, keeps it in escrow, and the operator still releases it afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.challenges import services
from kechuang.challenges.enums import ChallengeStatus, MilestoneStatus
from kechuang.challenges.models import Agreement, Challenge, Closure, Milestone
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.money import Money
from kechuang.ledger.canonical import parse_body
from tests.challenges import builders

pytestmark = pytest.mark.django_db
QUARTER = 2_500_000 * builders.YUAN  # each milestone's tranche: half of a team's half of the bounty


def _milestones(challenge: Challenge) -> list[tuple[Agreement, Milestone]]:
    return [
        (agreement, milestone)
        for agreement in challenge.agreements.order_by("id")
        for milestone in agreement.milestones.order_by("position")
    ]


def _accept(people: builders.Cast, agreement: Agreement, milestone: Milestone) -> None:
    services.submit_evidence(actor=agreement.application.lead, milestone=milestone, evidence="检测报告")
    services.decide_milestone(actor=people.issuer_admin, milestone=milestone, accept=True)


def _closure_record(challenge: Challenge) -> dict[str, Any]:
    entry = Closure.objects.select_related("ledger_entry").get(challenge=challenge).ledger_entry
    assert entry is not None
    assert (entry.kind, entry.version) == ("challenge.closure", 2)
    record: dict[str, Any] = parse_body(bytes(entry.body))["record"]
    return record


def test_a_termination_returns_only_what_is_neither_paid_nor_owed() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    (first, paid), _, (second, owed), _ = _milestones(challenge)
    _accept(people, first, paid)
    services.release_tranche(actor=people.operator, milestone=paid)
    _accept(people, second, owed)  # accepted, its tranche not released before the end
    services.transition(
        actor=people.operator,
        challenge=challenge,
        to=ChallengeStatus.TERMINATED,
        reason="技术路线均未达到力控精度",
        diligence=[
            services.DiligenceSpec(agreement_id=a.pk, records="实验记录本", diligent=True, finding="勤勉尽责")
            for a in (first, second)
        ],
    )
    record = _closure_record(challenge)
    escrowed = challenge.bounty_fen
    assert {key: record[key] for key in ("escrowed_fen", "released_fen", "owed_fen", "returned_fen")} == {
        "escrowed_fen": escrowed,
        "released_fen": QUARTER,
        "owed_fen": QUARTER,
        "returned_fen": escrowed - QUARTER - QUARTER,
    }
    assert record["owed"] == [{"agreement": second.pk, "milestone": owed.pk, "amount_fen": QUARTER}]
    owed.refresh_from_db()
    assert owed.status == MilestoneStatus.ACCEPTED  # the closure cancels only what was not earned

    # The escrow kept the owed tranche: the operator pays it after the end, and nothing more.
    services.release_tranche(actor=people.operator, milestone=owed)
    challenge.refresh_from_db()
    assert challenge.released_fen == record["released_fen"] + record["owed_fen"]
    assert challenge.escrowed_fen - challenge.released_fen == record["returned_fen"]
    cancelled = second.milestones.get(status=MilestoneStatus.CANCELLED)
    with pytest.raises(DomainError) as refused:
        services.release_tranche(actor=people.operator, milestone=cancelled)
    assert refused.value.code == ErrorCode.INVALID_STATE


def test_a_completion_counts_a_part_paid_tranche_as_owed_for_the_rest() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    rows = _milestones(challenge)
    for agreement, milestone in rows:
        _accept(people, agreement, milestone)
    (_, first), (_, part_paid), _, _ = rows
    services.release_tranche(actor=people.operator, milestone=first)
    services.release_tranche(actor=people.operator, milestone=part_paid, amount=Money(1_000_000 * builders.YUAN))
    services.transition(actor=people.operator, challenge=challenge, to=ChallengeStatus.COMPLETED, reason="验收通过")
    record = _closure_record(challenge)
    released = QUARTER + 1_000_000 * builders.YUAN
    owed = challenge.bounty_fen - released
    assert (record["released_fen"], record["owed_fen"], record["returned_fen"]) == (released, owed, 0)
    assert [row["amount_fen"] for row in record["owed"]] == [QUARTER - 1_000_000 * builders.YUAN, QUARTER, QUARTER]


def test_a_closure_with_nothing_owed_returns_all_that_was_not_released() -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    agreements = list(challenge.agreements.order_by("id"))
    services.transition(
        actor=people.operator,
        challenge=challenge,
        to=ChallengeStatus.TERMINATED,
        reason="发榜方撤回需求",
        diligence=[
            services.DiligenceSpec(agreement_id=a.pk, records="实验记录本", diligent=True, finding="勤勉尽责")
            for a in agreements
        ],
    )
    record = _closure_record(challenge)
    assert (record["released_fen"], record["owed_fen"], record["owed"], record["returned_fen"]) == (
        0,
        0,
        [],
        challenge.bounty_fen,
    )
