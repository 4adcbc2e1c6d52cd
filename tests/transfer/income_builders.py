"""Set-up for the income tests: the achievements tests' university, company and signed deals, plus a second
TTO officer (the four-eyes approver), an administrator, the 97% cash / 90% equity policy and a signed-off
split, all made through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from kechuang.accounts.enums import Role
from kechuang.accounts.models import User
from kechuang.core.money import Money
from kechuang.transfer.enums import DealKind, ReceiptKind
from kechuang.transfer.models import Achievement, Deal, Distribution, Policy, Receipt, TeamSplit
from kechuang.transfer.services import distributions, income, policies
from tests.factories.accounts import MembershipFactory
from tests.transfer import achievement_builders as base

YUAN = 100
POLICY_FROM = date(2024, 1, 1)


@dataclass
class Income:
    people: base.Cast
    approver: User  # a second TTO officer of the university
    admin: User
    achievement: Achievement
    deal: Deal

    @property
    def tto(self) -> User:
        return self.people.tto

    @property
    def lead(self) -> User:
        return self.people.lead


def setting(*, kind: str = DealKind.LICENCE, **deal: Any) -> Income:
    """A university with two TTO officers and an admin, an achievement of three completers (60/30/10 by
    contribution; the lead and one more have accounts) and a signed deal on it."""
    people = base.cast()
    approver = MembershipFactory(organization=people.university, role=Role.TTO_OFFICER).user
    admin = MembershipFactory(organization=people.university, role=Role.ADMIN).user
    achievement = base.register(people)
    if kind == DealKind.EQUITY:
        deal = {"kind": DealKind.EQUITY, "licence_scope": "", "equity_shares": 12_500_000, **deal}
        deal.setdefault("price", Money(12_500_000 * YUAN))
    return Income(people, approver, admin, achievement, base.signed(people, achievement, **deal))


def policy(setup: Income, *, cash_bp: int = 9_700, equity_bp: int = 9_000, **overrides: Any) -> Policy:
    values: dict[str, Any] = {
        "actor": setup.tto,
        "institution": setup.people.university,
        "name": "京华理工大学科技成果转化收益分配办法",
        "citation": "《京华理工大学促进科技成果转化管理办法》（校发〔2023〕12号）第二十条",
        "effective_from": POLICY_FROM,
        "cash_bp": cash_bp,
        "equity_bp": equity_bp,
        "profit_bp": 500,
        "profit_years": 5,
    }
    values.update(overrides)
    return policies.propose_policy(**values)


def split(setup: Income, shares: tuple[int, int, int] = (5_000, 3_000, 2_000)) -> TeamSplit:
    """Set by the lead (lead, member, retired engineer in the completers' order) and signed off by the TTO."""
    completers = list(setup.achievement.completers.order_by("position", "id"))
    made = income.set_split(
        actor=setup.lead,
        achievement=setup.achievement,
        shares={completer.pk: share for completer, share in zip(completers, shares, strict=True)},
    )
    return income.sign_off_split(actor=setup.tto, split=made)


def cash(setup: Income, amount_yuan: int = 1_000_000, **overrides: Any) -> Receipt:
    values: dict[str, Any] = {
        "actor": setup.tto,
        "deal": setup.deal,
        "kind": ReceiptKind.UPFRONT,
        "received_on": timezone.localdate(),
        "gross": Money(amount_yuan * YUAN),
        "reference": "招商银行 2026-11 回单 0001",
    }
    values.update(overrides)
    return income.record_receipt(**values)


def distributed(setup: Income, receipt: Receipt) -> Distribution:
    """Proposed by the TTO officer and approved by the second officer."""
    proposed = distributions.propose_distribution(actor=setup.tto, receipt=receipt)
    return distributions.approve_distribution(actor=setup.approver, distribution=proposed)


def ready(**deal: Any) -> Income:
    """A setting with the 97/90 policy and the 50/30/20 split signed off."""
    setup = setting(**deal)
    policy(setup)
    split(setup)
    return setup
