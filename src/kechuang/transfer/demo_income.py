"""Demo income of the demo university, through the services: the seeds' cases of issue 6.

京华理工大学 (invented, see the demo region) records its policy — 97% of net cash income and 90% of equity
to the team — and tries a 40% version, which the floor of 《促进科技成果转化法》§45 refuses (reported, not
saved). The force-controlled joint module's team (陈思远 ``researcher`` leads, 50/30/20) is paid its share of
the 1,000,000.00-yuan licence fee; the motion-control platform's team (林晓 leads, 60/40) receives 90% of the
12,500,000 shares, in whole shares. Each distribution is proposed by the TTO officer (``tto``) and approved
by a second person, the head of the university's technology-transfer office (``tto.head``, added here as the
university's administrator, since the demo region gives the university one officer only).

Run after the demo region and :func:`kechuang.transfer.demo.seed_achievements_and_deals` (called first here);
a second run adds nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from kechuang.accounts.demo import EMAIL_DOMAIN, demo_organization_usccs, demo_password
from kechuang.accounts.enums import Role
from kechuang.accounts.models import Organization, User
from kechuang.accounts.services.memberships import grant_membership
from kechuang.accounts.services.users import register_user
from kechuang.core.errors import DomainError
from kechuang.core.money import Money
from kechuang.ledger.services import integrate_all
from kechuang.transfer.demo import seed_achievements_and_deals
from kechuang.transfer.enums import ReceiptKind, SplitStatus
from kechuang.transfer.models import Deal, Policy, Receipt, TeamSplit
from kechuang.transfer.services import distributions, income, policies

logger = logging.getLogger("kechuang.transfer")
YUAN = 100
TTO = "tto"
APPROVER = "tto.head"
OPERATOR = "operator"
LICENCE_CONTRACT = "JHLG-XK-2026-001"
EQUITY_CONTRACT = "JHLG-TZ-2026-002"
POLICY_FROM = date(2024, 1, 1)
POLICY: dict[str, Any] = {
    "name": "京华理工大学科技成果转化收益分配办法",
    "citation": "《京华理工大学促进科技成果转化管理办法》（京华理工发〔2023〕18号）第二十条（演示用虚构文件）",
    "cash_bp": 9_700,
    "equity_bp": 9_000,
    "profit_bp": 500,
    "profit_years": 5,
}
# The licence team's split set by its lead (50/30/20) and the equity team's (60/40), by username.
SPLITS = {
    LICENCE_CONTRACT: {"researcher": 5_000, "zhao.guodong": 3_000, "lin.xiao": 2_000},
    EQUITY_CONTRACT: {"lin.xiao": 6_000, "researcher": 4_000},
}


@dataclass
class IncomeDemo:
    """What a run made, and the refusal of the 40% policy (its problem code and detail citing the law)."""

    made: list[str] = field(default_factory=list)
    refused_code: str = ""
    refused_detail: str = ""


def _approver(university: Organization) -> User:
    """The head of the TTO, the university's administrator: the second pair of eyes on every distribution."""
    user = User.objects.filter(username=APPROVER).first()
    if user is None:
        user = register_user(
            username=APPROVER, email=f"{APPROVER}@{EMAIL_DOMAIN}", password=demo_password(), display_name="周立群"
        )
    grant_membership(actor=User.objects.get(username=OPERATOR), user=user, organization=university, role=Role.ADMIN)
    return user


def _policy(university: Organization, tto: User, result: IncomeDemo) -> None:
    if not Policy.objects.filter(institution=university).exists():
        policies.propose_policy(actor=tto, institution=university, effective_from=POLICY_FROM, **POLICY)
        result.made.append("policy 97/90")
    try:
        with transaction.atomic():
            policies.propose_policy(
                actor=tto,
                institution=university,
                effective_from=POLICY_FROM.replace(year=2026),
                **{**POLICY, "name": "收益分配办法（修订征求意见稿）", "cash_bp": 4_000},
            )
    except DomainError as exc:
        result.refused_code, result.refused_detail = exc.code.value, str(exc.detail)
        logger.info("demo: the 40%% policy was refused (%s): %s", exc.code.value, exc.detail)


def _split(deal: Deal, tto: User, result: IncomeDemo) -> None:
    if TeamSplit.objects.filter(achievement=deal.achievement, status=SplitStatus.SIGNED_OFF).exists():
        return
    completers = {c.user.username: c for c in deal.achievement.completers.select_related("user") if c.user}
    lead = next(c for c in deal.achievement.completers.select_related("user") if c.is_lead)
    shares = {completers[name].pk: share for name, share in SPLITS[deal.contract_number].items()}
    if lead.user is None:
        raise LookupError(f"the demo lead of {deal.contract_number} has no account")
    split = income.set_split(actor=lead.user, achievement=deal.achievement, shares=shares)
    income.sign_off_split(actor=tto, split=split)
    result.made.append(f"split {deal.contract_number}")


def _distribute(
    deal: Deal, *, tto: User, approver: User, result: IncomeDemo, kind: str, gross: Money | None, shares: int
) -> None:
    if Receipt.objects.filter(deal=deal, kind=kind).exists():
        return
    received = income.record_receipt(
        actor=tto,
        deal=deal,
        kind=kind,
        received_on=deal.signed_on or timezone.localdate(),
        gross=gross,
        shares=shares,
        reference=f"{deal.contract_number} 到账",
    )
    proposed = distributions.propose_distribution(actor=tto, receipt=received)
    approved = distributions.approve_distribution(actor=approver, distribution=proposed)
    result.made.append(f"distribution {deal.contract_number}: team {approved.team_fen or approved.team_shares}")


def seed_income() -> IncomeDemo:
    """Make the demo university's policy, splits, receipts and approved distributions that are missing.

    Calls :func:`seed_achievements_and_deals` first. Returns what was made (nothing on a second run, or
    before the demo region exists) and the refusal of the 40% policy, which is attempted every run and
    never saved. One transaction; afterwards the ledger entries are integrated.
    """
    result = IncomeDemo()
    seed_achievements_and_deals()
    university_uscc = demo_organization_usccs().get("university")
    university = Organization.objects.filter(uscc=university_uscc).first()
    tto = User.objects.filter(username=TTO).first()
    deals = {deal.contract_number: deal for deal in Deal.objects.filter(seller=university, signed_on__isnull=False)}
    if university is None or tto is None or not {LICENCE_CONTRACT, EQUITY_CONTRACT} <= set(deals):
        return result
    with transaction.atomic():
        policies.ensure_legal_policies()
        approver = _approver(university)
        _policy(university, tto, result)
        for contract in (LICENCE_CONTRACT, EQUITY_CONTRACT):
            _split(deals[contract], tto, result)
        for contract, kind, gross, shares in (
            (LICENCE_CONTRACT, ReceiptKind.UPFRONT, Money(1_000_000 * YUAN), 0),
            (EQUITY_CONTRACT, ReceiptKind.EQUITY_GRANT, None, 12_500_000),
        ):
            _distribute(
                deals[contract], tto=tto, approver=approver, result=result, kind=kind, gross=gross, shares=shares
            )
    integrate_all()
    return result


__all__ = ["APPROVER", "IncomeDemo", "seed_income"]
