"""Set-up for the achievements, marketplace and deals tests: a university with its TTO officer and
completers, a company that buys, and achievements and deals made through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from kechuang.accounts.enums import OrganizationKind, Role
from kechuang.accounts.models import Organization, User
from kechuang.core.identifiers import patent_check_character
from kechuang.core.money import Money
from kechuang.transfer.enums import DealKind, DealStage, FirstRefusal, PricingMethod
from kechuang.transfer.models import Achievement, Deal
from kechuang.transfer.services import achievements as achievement_services
from kechuang.transfer.services import deals as deal_services
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory

YUAN = 100
DILIGENCE = {
    "technology": "专利有效，权属清晰。",
    "buyer": "受让方具备实施能力，资信良好。",
    "plan": "协议定价，分期付款。",
    "approvals": "校长办公会2026年第5次会议审议通过。",
}


def patent(body: str) -> str:
    """A valid CNIPA application number from its 12-digit body."""
    return f"{body}.{patent_check_character(body)}"


@dataclass
class Cast:
    university: Organization
    tto: User
    lead: User
    member: User
    company: Organization
    company_admin: User
    company_member: User
    stranger: User


def cast() -> Cast:
    university = OrganizationFactory(
        kind=OrganizationKind.UNIVERSITY, name={"zh-hans": "京华理工大学", "en": "Jinghua University of S&T"}
    )
    tto = MembershipFactory(organization=university, role=Role.TTO_OFFICER).user
    lead = MembershipFactory(organization=university, role=Role.MEMBER).user
    member = MembershipFactory(organization=university, role=Role.MEMBER).user
    company = OrganizationFactory(name={"zh-hans": "北京锐骨医疗机器人有限公司", "en": "Ruigu Medical Robotics"})
    company_admin = MembershipFactory(organization=company, role=Role.ADMIN).user
    company_member = MembershipFactory(organization=company, role=Role.MEMBER).user
    return Cast(
        university=university,
        tto=tto,
        lead=lead,
        member=member,
        company=company,
        company_admin=company_admin,
        company_member=company_member,
        stranger=UserFactory(),
    )


def team(people: Cast) -> list[achievement_services.CompleterSpec]:
    return [
        achievement_services.CompleterSpec(contribution_bp=6000, is_lead=True, user=people.lead),
        achievement_services.CompleterSpec(contribution_bp=3000, user=people.member),
        achievement_services.CompleterSpec(contribution_bp=1000, name="王工（退休）"),
    ]


def register(people: Cast, *, registered_on: date | None = None, **overrides: Any) -> Achievement:
    values: dict[str, Any] = {
        "actor": people.tto,
        "owner": people.university,
        "kind": "invention_patent",
        "title": {"zh-hans": "七自由度力控关节模组", "en": "Seven-DOF force-controlled joint module"},
        "summary": {"zh-hans": "基于串联弹性驱动的力控关节，适用于手术机器人机械臂。"},
        "ip_status": "granted",
        "ip_number": patent("202210593271"),
        "trl": 6,
        "funding": [{"source": "国家自然科学基金", "number": "62171234"}],
        "sectors": ["sei-2", "fut-health"],
        "registered_on": registered_on or timezone.localdate() - timedelta(days=30),
        "completers": team(people),
    }
    values.update(overrides)
    return achievement_services.register_achievement(**values)


def terms(people: Cast, **overrides: Any) -> deal_services.Terms:
    values: dict[str, Any] = {
        "buyer": people.company,
        "kind": DealKind.LICENCE,
        "licence_scope": "exclusive",
        "pricing": PricingMethod.NEGOTIATED,
        "price": Money(1_000_000 * YUAN),
    }
    values.update(overrides)
    return deal_services.Terms(**values)


def open_deal(people: Cast, achievement: Achievement, **overrides: Any) -> Deal:
    return deal_services.open_deal(
        actor=people.tto, achievement=achievement, seller=people.university, terms=terms(people, **overrides)
    )


def with_diligence(people: Cast, deal: Deal) -> Deal:
    return deal_services.record_diligence(actor=people.tto, deal=deal, parts=DILIGENCE)


def end_publicity(deal: Deal) -> Deal:
    """Test set-up only: move the notice into the past, as if its days had run."""
    assert deal.stage == DealStage.PUBLICITY
    days = deal.publicity_days
    start = timezone.localdate() - timedelta(days=days + 1)
    Deal.objects.filter(pk=deal.pk).update(
        publicity_starts_on=start, publicity_ends_on=start + timedelta(days=days - 1)
    )
    deal.refresh_from_db()
    return deal


def signed(people: Cast, achievement: Achievement, **overrides: Any) -> Deal:
    """A negotiated licence walked to SIGNED through the services (the notice period moved back)."""
    deal = with_diligence(people, open_deal(people, achievement, **overrides))
    move = deal_services.transition
    if deal.kind == DealKind.ASSIGNMENT:
        deal = move(actor=people.tto, deal=deal, to=DealStage.FIRST_REFUSAL)
        deal = deal_services.record_first_refusal(
            actor=people.tto, deal=deal, outcome=FirstRefusal.WAIVED, note="三位完成人书面放弃，2026-03-01。"
        )
    if deal.pricing == PricingMethod.NEGOTIATED:
        deal = end_publicity(move(actor=people.tto, deal=deal, to=DealStage.PUBLICITY))
    deal = move(actor=people.tto, deal=deal, to=DealStage.APPROVAL)
    return move(
        actor=people.tto,
        deal=deal,
        to=DealStage.SIGNED,
        contract_number="JH-2026-001",
        signed_on=timezone.localdate(),
    )
