"""The demo's achievements and deals: the licence of 1,000,000.00 yuan and the equity deal valued at
12,500,000 yuan both signed, an idle result alerted, open cards with answers; a second run adds nothing."""

from __future__ import annotations

import pytest

from kechuang.accounts.demo import demo_organization_usccs, seed_demo_region
from kechuang.ledger.models import Entry
from kechuang.notifications.models import Notification
from kechuang.transfer.demo import seed_achievements_and_deals
from kechuang.transfer.enums import AchievementStatus, DealStage, OpportunityStatus
from kechuang.transfer.models import Achievement, Deal, Interest, Opportunity

pytestmark = pytest.mark.django_db


def test_the_demo_university_has_signed_deals_an_idle_result_and_open_cards() -> None:
    assert seed_achievements_and_deals() == 0  # nothing before the demo region
    seed_demo_region(password="kechuang-demo-Test-9")
    assert seed_achievements_and_deals() == 5
    codes = demo_organization_usccs()
    deals = {deal.kind: deal for deal in Deal.objects.select_related("buyer", "seller").filter(stage=DealStage.SIGNED)}
    licence, equity = deals["licence"], deals["equity"]
    assert (licence.price_fen, licence.licence_scope, licence.buyer.uscc, licence.seller.uscc) == (
        100_000_000,
        "exclusive",
        codes["surgical_robot"],
        codes["university"],
    )
    assert (equity.price_fen, equity.equity_shares, equity.buyer.uscc) == (1_250_000_000, 12_500_000, codes["nano"])
    assert all(deal.ledger_entry_id for deal in deals.values())
    assert Entry.objects.filter(kind="transfer.deal_signed").count() == 2
    idle = Achievement.objects.get(idle_alerted_on__isnull=False)
    assert idle.title["zh-hans"] == "低温超导磁体失超快速检测方法"
    assert Notification.objects.filter(kind="transfer.achievement_idle").count() == 3  # the TTO, its head, a completer
    assert Opportunity.objects.filter(status=OpportunityStatus.OPEN).count() == 3
    assert Interest.objects.count() == 3
    statuses = sorted(Achievement.objects.values_list("status", flat=True))
    assert statuses == sorted([AchievementStatus.COMMERCIALISED] * 2 + [AchievementStatus.LISTED] * 3)
    assert seed_achievements_and_deals() == 0
    assert (Achievement.objects.count(), Deal.objects.count()) == (5, 2)
