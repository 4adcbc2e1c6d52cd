"""Splits, receipts and distributions through the services: the seeds' cases to the fen and the share, four
eyes, reversals, the ledger entries and their disclosure, the trace, and bad input refused with nothing
changed."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from kechuang.accounts.enums import Role
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.models import AuditEvent
from kechuang.core.money import Money
from kechuang.ledger.canonical import disclosure_matches, parse_body
from kechuang.ledger.models import Entry
from kechuang.transfer.enums import DealKind, DistributionStatus, ReceiptKind, SplitStatus
from kechuang.transfer.models import (
    Deduction,
    Distribution,
    Payout,
    Policy,
    Receipt,
    SplitLine,
    TeamSplit,
)
from kechuang.transfer.selectors import statements
from kechuang.transfer.services import distributions, income
from tests.factories.accounts import MembershipFactory
from tests.transfer import achievement_builders as base
from tests.transfer import income_builders as build

pytestmark = pytest.mark.django_db
YUAN = 100


def _state() -> dict[str, int]:
    models = (Policy, TeamSplit, SplitLine, Receipt, Deduction, Distribution, Payout, Entry, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


def _refused(code: ErrorCode, call: object) -> DomainError:
    before = _state()
    with pytest.raises(DomainError) as caught:
        call()  # type: ignore[operator]
    assert (caught.value.code, _state()) == (code, before)
    return caught.value


def _lines(distribution: Distribution) -> list[tuple[str, int, int, int]]:
    return [(p.completer.name, p.share_bp, p.cash_fen, p.shares) for p in distribution.payouts.order_by("id")]


# ---------------------------------------------------------------- splits


def test_the_lead_sets_the_split_and_an_officer_signs_it_off() -> None:
    setup = build.setting()
    split = build.split(setup)
    assert (split.version, split.status, split.set_by, split.signed_off_by) == (
        1,
        SplitStatus.SIGNED_OFF,
        setup.lead,
        setup.tto,
    )
    assert [line.share_bp for line in split.lines.order_by("id")] == [5_000, 3_000, 2_000]


def test_a_new_split_signed_off_supersedes_the_one_in_force() -> None:
    setup = build.setting()
    first = build.split(setup)
    second = build.split(setup, (3_400, 3_300, 3_300))
    first.refresh_from_db()
    assert (first.status, second.status, second.version) == (SplitStatus.SUPERSEDED, SplitStatus.SIGNED_OFF, 2)


def test_shares_that_do_not_add_up_to_100_percent_are_refused() -> None:
    setup = build.setting()
    ids = list(setup.achievement.completers.order_by("position", "id").values_list("pk", flat=True))
    error = _refused(
        ErrorCode.SPLIT_NOT_100,
        lambda: income.set_split(
            actor=setup.lead, achievement=setup.achievement, shares=dict(zip(ids, [5_000, 3_000, 1_999], strict=True))
        ),
    )
    assert (error.status, list(error.errors)) == (422, ["shares"])


def test_every_completer_needs_a_share_and_only_they_do() -> None:
    setup = build.setting()
    ids = list(setup.achievement.completers.order_by("position", "id").values_list("pk", flat=True))
    _refused(
        ErrorCode.VALIDATION,
        lambda: income.set_split(actor=setup.lead, achievement=setup.achievement, shares={ids[0]: 10_000}),
    )
    _refused(
        ErrorCode.VALIDATION,
        lambda: income.set_split(
            actor=setup.lead,
            achievement=setup.achievement,
            shares={ids[0]: 5_000, ids[1]: 3_000, ids[2]: 2_000, 999_999: 0},
        ),
    )


def test_only_the_lead_sets_the_split_and_not_the_setter_signs_it_off() -> None:
    setup = build.setting()
    ids = list(setup.achievement.completers.order_by("position", "id").values_list("pk", flat=True))
    shares = dict(zip(ids, [5_000, 3_000, 2_000], strict=True))
    _refused(
        ErrorCode.PERMISSION_DENIED,
        lambda: income.set_split(actor=setup.people.member, achievement=setup.achievement, shares=shares),
    )
    split = income.set_split(actor=setup.lead, achievement=setup.achievement, shares=shares)
    _refused(ErrorCode.PERMISSION_DENIED, lambda: income.sign_off_split(actor=setup.lead, split=split))
    MembershipFactory(organization=setup.people.university, role=Role.TTO_OFFICER, user=setup.lead)
    _refused(ErrorCode.PERMISSION_DENIED, lambda: income.sign_off_split(actor=setup.lead, split=split))


# ---------------------------------------------------------------- receipts


def test_a_cash_receipt_keeps_its_itemised_deductions_and_net_income() -> None:
    setup = build.setting()
    receipt = build.cash(
        setup,
        deductions=[
            income.DeductionSpec("tax", "印花税", Money(30_000)),
            income.DeductionSpec("maintenance", "专利年费 2023–2025", Money(1_234_567)),
            income.DeductionSpec("direct_cost", "评估报告", Money(800_000)),
        ],
    )
    assert (receipt.gross_fen, receipt.deductions_fen, receipt.net_fen, receipt.deductions.count()) == (
        100_000_000,
        2_064_567,
        97_935_433,
        3,
    )


@pytest.mark.parametrize("amount", [-1, 0])
def test_a_negative_or_zero_amount_is_refused(amount: int) -> None:
    setup = build.setting()
    error = _refused(ErrorCode.VALIDATION, lambda: build.cash(setup, gross=Money(amount)))
    assert list(error.errors) == ["gross"]


def test_a_negative_deduction_or_more_deductions_than_income_are_refused() -> None:
    setup = build.setting()
    _refused(
        ErrorCode.VALIDATION,
        lambda: build.cash(setup, deductions=[income.DeductionSpec("tax", "税", Money(-1))]),
    )
    _refused(
        ErrorCode.VALIDATION,
        lambda: build.cash(setup, amount_yuan=1, deductions=[income.DeductionSpec("tax", "税", Money(101))]),
    )


def test_income_on_a_deal_not_signed_is_refused() -> None:
    setup = build.setting()
    other = base.register(setup.people, ip_number=base.patent("202310155208"))
    draft = base.open_deal(setup.people, other)
    _refused(ErrorCode.INVALID_STATE, lambda: build.cash(setup, deal=draft))


def test_shares_are_received_on_an_equity_deal_only_and_income_not_before_signing() -> None:
    setup = build.setting()
    _refused(ErrorCode.VALIDATION, lambda: build.cash(setup, kind=ReceiptKind.EQUITY_GRANT, gross=None, shares=10))
    _refused(ErrorCode.VALIDATION, lambda: build.cash(setup, received_on=timezone.localdate() + timedelta(days=1)))
    _refused(ErrorCode.VALIDATION, lambda: build.cash(setup, received_on=timezone.localdate() - timedelta(days=1)))


def test_only_the_sellers_officers_record_income() -> None:
    setup = build.setting()
    _refused(ErrorCode.PERMISSION_DENIED, lambda: build.cash(setup, actor=setup.lead))


# ---------------------------------------------------------------- distributions: the seeds' cases


def test_a_million_yuan_licence_at_97_percent_is_split_50_30_20_to_the_fen_and_logged() -> None:
    setup = build.ready()
    receipt = build.cash(setup)
    entries = Entry.objects.count()
    proposed = distributions.propose_distribution(actor=setup.tto, receipt=receipt)
    assert (proposed.status, proposed.team_fen, proposed.unit_fen, Entry.objects.count()) == (
        DistributionStatus.PROPOSED,
        97_000_000,
        3_000_000,
        entries,
    )
    approved = distributions.approve_distribution(actor=setup.approver, distribution=proposed)
    assert (approved.status, approved.approved_by, _lines(approved)) == (
        DistributionStatus.APPROVED,
        setup.approver,
        [
            (setup.lead.display_name, 5_000, 48_500_000, 0),
            (setup.people.member.display_name, 3_000, 29_100_000, 0),
            ("王工（退休）", 2_000, 19_400_000, 0),
        ],
    )
    payouts = list(approved.payouts.select_related("ledger_entry").order_by("id"))
    assert [p.tax_tags[0]["code"] for p in payouts] == ["cash_reward_half_wage"] * 3
    kinds = [entry.kind for entry in Entry.objects.order_by("pk")[entries:]]
    assert kinds == ["transfer.payout"] * 3 + ["transfer.distribution"]
    committed = approved.committed
    assert [item["payout"] for item in committed["payouts"]] == [p.pk for p in payouts]
    assert [item["leaf_hash"] for item in committed["payouts"]] == [
        bytes(p.ledger_entry.leaf_hash).hex() for p in payouts
    ]


def test_twelve_and_a_half_million_shares_go_90_10_in_whole_shares() -> None:
    setup = build.ready(kind=DealKind.EQUITY, usage_right_only=True)
    receipt = build.cash(setup, kind=ReceiptKind.EQUITY_GRANT, gross=None, shares=12_500_000)
    distribution = build.distributed(setup, receipt)
    assert (distribution.team_shares, distribution.unit_shares, distribution.team_fen) == (11_250_000, 1_250_000, 0)
    assert [line[3] for line in _lines(distribution)] == [5_625_000, 3_375_000, 2_250_000]
    tags = distribution.payouts.first().tax_tags  # type: ignore[union-attr]
    assert [(tag["code"], tag["flags"]) for tag in tags] == [("equity_deferred", ["usage_right_only"])]


def test_deductions_come_off_before_the_split_and_spare_fen_go_to_the_largest_fractions() -> None:
    setup = build.setting()
    build.policy(setup)
    build.split(setup, (3_333, 3_333, 3_334))
    receipt = build.cash(
        setup,
        deductions=[
            income.DeductionSpec("maintenance", "年费", Money(1_234_567)),
            income.DeductionSpec("direct_cost", "评估", Money(800_000)),
        ],
    )
    distribution = build.distributed(setup, receipt)
    assert (distribution.distributable_fen, distribution.team_fen, [line[2] for line in _lines(distribution)]) == (
        97_965_433,
        95_026_471,
        [31_672_323, 31_672_323, 31_681_825],
    )


def test_without_its_own_policy_a_unit_distributes_under_the_national_floor() -> None:
    setup = build.setting()
    build.split(setup)
    distribution = build.distributed(setup, build.cash(setup))
    assert (distribution.policy.rule_key, distribution.team_fen) == ("national-2015-art45", 50_000_000)


def test_a_policy_from_before_the_law_is_refused_when_income_arrives_under_the_law() -> None:
    setup = build.setting()
    build.split(setup)
    # Recorded with no floor to check (the 2015 amendment took effect on 2015-10-01), still in force today.
    build.policy(setup, cash_bp=4_000, equity_bp=4_000, effective_from=date(2014, 1, 1))
    receipt = build.cash(setup)
    error = _refused(
        ErrorCode.POLICY_BELOW_FLOOR, lambda: distributions.propose_distribution(actor=setup.tto, receipt=receipt)
    )
    assert "《促进科技成果转化法》第四十五条第一款第（一）项" in str(error.detail)


# ---------------------------------------------------------------- refusals


def test_no_distribution_without_a_signed_off_split() -> None:
    setup = build.setting()
    build.policy(setup)
    ids = list(setup.achievement.completers.order_by("position", "id").values_list("pk", flat=True))
    income.set_split(
        actor=setup.lead, achievement=setup.achievement, shares=dict(zip(ids, [5_000, 3_000, 2_000], strict=True))
    )
    receipt = build.cash(setup)
    _refused(ErrorCode.INVALID_STATE, lambda: distributions.propose_distribution(actor=setup.tto, receipt=receipt))


def test_a_receipt_is_distributed_once() -> None:
    setup = build.ready()
    receipt = build.cash(setup)
    distributions.propose_distribution(actor=setup.tto, receipt=receipt)
    _refused(ErrorCode.DUPLICATE, lambda: distributions.propose_distribution(actor=setup.tto, receipt=receipt))


def test_the_proposer_cannot_approve_and_nothing_is_logged() -> None:
    setup = build.ready()
    proposed = distributions.propose_distribution(actor=setup.tto, receipt=build.cash(setup))
    error = _refused(
        ErrorCode.PERMISSION_DENIED,
        lambda: distributions.approve_distribution(actor=setup.tto, distribution=proposed),
    )
    proposed.refresh_from_db()
    assert (proposed.status, proposed.ledger_entry_id, error.status) == (DistributionStatus.PROPOSED, None, 403)


def test_an_officer_who_is_paid_cannot_approve() -> None:
    setup = build.ready()
    MembershipFactory(organization=setup.people.university, role=Role.TTO_OFFICER, user=setup.people.member)
    proposed = distributions.propose_distribution(actor=setup.tto, receipt=build.cash(setup))
    _refused(
        ErrorCode.PERMISSION_DENIED,
        lambda: distributions.approve_distribution(actor=setup.people.member, distribution=proposed),
    )


def test_with_a_single_officer_the_administrator_approves() -> None:
    setup = build.ready()
    proposed = distributions.propose_distribution(actor=setup.tto, receipt=build.cash(setup))
    approved = distributions.approve_distribution(actor=setup.admin, distribution=proposed)
    assert (approved.status, approved.approved_by) == (DistributionStatus.APPROVED, setup.admin)


def test_someone_outside_the_unit_cannot_approve_and_approved_is_final() -> None:
    setup = build.ready()
    proposed = distributions.propose_distribution(actor=setup.tto, receipt=build.cash(setup))
    _refused(
        ErrorCode.PERMISSION_DENIED,
        lambda: distributions.approve_distribution(actor=setup.people.company_admin, distribution=proposed),
    )
    approved = distributions.approve_distribution(actor=setup.approver, distribution=proposed)
    _refused(
        ErrorCode.INVALID_STATE, lambda: distributions.approve_distribution(actor=setup.admin, distribution=approved)
    )
    _refused(
        ErrorCode.INVALID_STATE, lambda: distributions.discard_distribution(actor=setup.tto, distribution=approved)
    )


def test_a_proposed_distribution_can_be_discarded_and_proposed_again() -> None:
    setup = build.ready()
    receipt = build.cash(setup)
    proposed = distributions.propose_distribution(actor=setup.tto, receipt=receipt)
    distributions.discard_distribution(actor=setup.tto, distribution=proposed)
    again = distributions.propose_distribution(actor=setup.tto, receipt=receipt)
    assert (Distribution.objects.count(), again.team_fen) == (1, 97_000_000)


# ---------------------------------------------------------------- reversals


def test_a_whole_reversal_is_the_exact_negation_of_the_distribution() -> None:
    setup = build.ready()
    receipt = build.cash(setup, deductions=[income.DeductionSpec("tax", "增值税及附加", Money(1_234_567))])
    original = build.distributed(setup, receipt)
    # A new split signed off meanwhile does not change what is taken back.
    build.split(setup, (3_400, 3_300, 3_300))
    reversal = income.record_reversal(actor=setup.tto, receipt=receipt, received_on=timezone.localdate())
    assert (reversal.kind, reversal.gross_fen, reversal.deductions_fen, reversal.net_fen) == (
        ReceiptKind.REVERSAL,
        -100_000_000,
        1_234_567,
        -receipt.net_fen,
    )
    back = build.distributed(setup, reversal)
    original.refresh_from_db()
    assert (back.team_fen, back.unit_fen, back.split_id, back.policy_id) == (
        -original.team_fen,
        -original.unit_fen,
        original.split_id,
        original.policy_id,
    )
    assert [(name, share, -cash) for name, share, cash, _ in _lines(back)] == [
        (name, share, cash) for name, share, cash, _ in _lines(original)
    ]
    assert (original.status, back.working[1]) == (DistributionStatus.REVERSED, {"step": "reversal", "of": "plan"})


def test_a_partial_refund_is_split_by_the_same_rule_and_negated() -> None:
    setup = build.ready()
    receipt = build.cash(setup)
    original = build.distributed(setup, receipt)
    refund = income.record_reversal(
        actor=setup.tto, receipt=receipt, received_on=timezone.localdate(), gross=Money(-12_345)
    )
    back = build.distributed(setup, refund)
    original.refresh_from_db()
    # 12,345 × 97% = 11,974.65 → 11,975 fen; 50/30/20 → 5,987.5 / 3,592.5 / 2,395 → 5,988 / 3,592 / 2,395.
    assert (back.team_fen, [line[2] for line in _lines(back)], original.status) == (
        -11_975,
        [-5_988, -3_592, -2_395],
        DistributionStatus.APPROVED,
    )


def test_a_reversal_larger_than_the_receipt_or_a_second_one_is_refused() -> None:
    setup = build.ready()
    receipt = build.cash(setup, amount_yuan=100)
    today = timezone.localdate()
    _refused(
        ErrorCode.VALIDATION,
        lambda: income.record_reversal(actor=setup.tto, receipt=receipt, received_on=today, gross=Money(-10_001)),
    )
    _refused(
        ErrorCode.VALIDATION,
        lambda: income.record_reversal(actor=setup.tto, receipt=receipt, received_on=today, gross=Money(1)),
    )
    income.record_reversal(actor=setup.tto, receipt=receipt, received_on=today)
    _refused(
        ErrorCode.INVALID_STATE, lambda: income.record_reversal(actor=setup.tto, receipt=receipt, received_on=today)
    )


def test_a_reversal_waits_for_the_distribution_it_takes_back() -> None:
    setup = build.ready()
    receipt = build.cash(setup)
    reversal = income.record_reversal(actor=setup.tto, receipt=receipt, received_on=timezone.localdate())
    _refused(ErrorCode.INVALID_STATE, lambda: distributions.propose_distribution(actor=setup.tto, receipt=reversal))


# ---------------------------------------------------------------- trace and disclosure


def test_every_payout_traces_contract_receipt_policy_version_and_approver() -> None:
    setup = build.ready()
    receipt = build.cash(setup)
    distribution = build.distributed(setup, receipt)
    payout = statements.payouts(user=setup.lead).get()
    trail = statements.trace(payout)
    policy = distribution.policy
    assert (
        trail.contract_number,
        trail.deal_id,
        trail.receipt_id,
        trail.receipt_kind,
        trail.policy_id,
        trail.policy_version,
        trail.approved_by,
        trail.proposed_by,
    ) == (
        "JH-2026-001",
        setup.deal.pk,
        receipt.pk,
        ReceiptKind.UPFRONT,
        policy.pk,
        1,
        setup.approver.display_name,
        setup.tto.display_name,
    )


def test_the_researcher_can_open_their_payouts_commitment_with_the_record_and_salt() -> None:
    setup = build.ready()
    build.distributed(setup, build.cash(setup))
    payout = Payout.objects.select_related("ledger_entry").get(user=setup.lead)
    entry = payout.ledger_entry
    assert entry is not None
    assert entry.salt is not None
    envelope = parse_body(bytes(entry.body))
    disclosure = json.loads(
        json.dumps({"record": payout.committed, "salt": base64.b64encode(bytes(entry.salt)).decode()})
    )
    salt = base64.b64decode(disclosure["salt"])
    assert (
        "record" in envelope,
        disclosure_matches(envelope, disclosure["record"], salt),
        payout.committed["cash_fen"],
        payout.committed["contract_number"],
    ) == (False, True, 48_500_000, "JH-2026-001")


def test_shares_taken_back_whole_mirror_the_equity_distribution() -> None:
    setup = build.ready(kind=DealKind.EQUITY)
    receipt = build.cash(setup, kind=ReceiptKind.EQUITY_GRANT, gross=None, shares=12_500_001)
    original = build.distributed(setup, receipt)
    back = build.distributed(
        setup, income.record_reversal(actor=setup.tto, receipt=receipt, received_on=timezone.localdate())
    )
    original.refresh_from_db()
    assert (back.team_shares, back.unit_shares, [line[3] for line in _lines(back)], original.status) == (
        -original.team_shares,
        -original.unit_shares,
        [-line[3] for line in _lines(original)],
        DistributionStatus.REVERSED,
    )
