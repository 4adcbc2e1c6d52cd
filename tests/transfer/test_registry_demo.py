"""The demo's contract registry: Beijing → Tianjin/Hebei turnover at one thousandth of the published figures,
so the growth the registry page computes from its rows is the published one (26.5% a year, 2013–2023);
every state shows; a second run adds nothing."""

from __future__ import annotations

import pytest

from kechuang.accounts.demo import seed_demo_region
from kechuang.transfer.demo_registry import seed_registry
from kechuang.transfer.enums import RegistrationStatus
from kechuang.transfer.models import Registration
from kechuang.transfer.selectors import registry_stats

pytestmark = pytest.mark.django_db

BEIJING, TIANJIN, HEBEI = "110000", "120000", "130000"


def test_the_demo_registry_reproduces_the_published_growth_at_a_thousandth() -> None:
    assert seed_registry() == 0  # nothing before the demo region
    seed_demo_region(password="kechuang-demo-Test-9")
    made = seed_registry()
    assert (made, seed_registry()) == (Registration.objects.count(), 0)
    totals = registry_stats.yearly_totals(registry_stats.flows_from(BEIJING, [TIANJIN, HEBEI]))
    # 71.2 and 748.7 (100 million yuan) / 1,000, in fen: 7,120,000 and 74,870,000 yuan.
    assert (totals[2013], totals[2023]) == (712_000_000, 7_487_000_000)
    growth = registry_stats.growth(totals, start=2013, end=2023)
    assert growth.rate is not None
    assert round(growth.rate, 3) == 0.265
    states = set(Registration.objects.values_list("status", flat=True))
    assert states == {
        RegistrationStatus.REGISTERED,
        RegistrationStatus.TERMINATED,
        RegistrationStatus.RETURNED,
        RegistrationStatus.SUBMITTED,
    }
