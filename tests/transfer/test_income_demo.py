"""The demo's income: the university's 97/90 policy, a 40% version refused citing the law (not saved), the
1,000,000.00-yuan licence fee split 50/30/20 to the fen, the 12,500,000 shares split 90/10 in whole shares,
approved by a second person, in the ledger; a second run adds nothing."""

from __future__ import annotations

import pytest

from kechuang.accounts.demo import seed_demo_region
from kechuang.ledger.models import Entry
from kechuang.transfer.demo_income import APPROVER, seed_income
from kechuang.transfer.enums import DistributionStatus
from kechuang.transfer.models import Distribution, Payout, Policy, Receipt, TeamSplit

pytestmark = pytest.mark.django_db


def test_the_demo_pays_the_seeds_cases_and_refuses_the_40_percent_policy() -> None:
    assert seed_income().made == []  # nothing before the demo region
    seed_demo_region(password="kechuang-demo-Test-9")
    result = seed_income()
    assert (result.refused_code, "《促进科技成果转化法》第四十五条第一款第（一）项" in result.refused_detail) == (
        "policy_below_floor",
        True,
    )
    own = Policy.objects.get(institution__isnull=False)
    assert (own.cash_bp, own.equity_bp, own.version) == (9_700, 9_000, 1)
    licence = Distribution.objects.get(receipt__deal__contract_number="JHLG-XK-2026-001")
    equity = Distribution.objects.get(receipt__deal__contract_number="JHLG-TZ-2026-002")
    paid = {
        payout.user.username: (payout.cash_fen, payout.shares)
        for payout in Payout.objects.select_related("user").filter(distribution=licence)
    }
    assert (licence.receipt.gross_fen, licence.team_fen, licence.unit_fen, paid) == (
        100_000_000,
        97_000_000,
        3_000_000,
        {"researcher": (48_500_000, 0), "zhao.guodong": (29_100_000, 0), "lin.xiao": (19_400_000, 0)},
    )
    shares = {p.user.username: p.shares for p in Payout.objects.select_related("user").filter(distribution=equity)}
    assert (equity.team_shares, equity.unit_shares, shares) == (
        11_250_000,
        1_250_000,
        {"lin.xiao": 6_750_000, "researcher": 4_500_000},
    )
    assert {d.status for d in (licence, equity)} == {DistributionStatus.APPROVED}
    assert {d.approved_by.username for d in (licence, equity) if d.approved_by} == {APPROVER}
    assert (
        Entry.objects.filter(kind="transfer.payout").count(),
        Entry.objects.filter(kind="transfer.distribution").count(),
    ) == (5, 2)
    counts = (Policy.objects.count(), TeamSplit.objects.count(), Receipt.objects.count(), Payout.objects.count())
    again = seed_income()
    assert (again.made, again.refused_code) == ([], "policy_below_floor")
    assert (
        Policy.objects.count(),
        TeamSplit.objects.count(),
        Receipt.objects.count(),
        Payout.objects.count(),
    ) == counts
