"""Set-up for the registry tests: a seller organisation in Haidian with a member, a buyer in Tianjin,
a registrar, and contracts walked through the real services."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from kechuang.accounts.enums import Role
from kechuang.accounts.models import Organization, User
from kechuang.core.money import Money
from kechuang.transfer.models import Registration
from kechuang.transfer.services import registry as services
from tests.factories.accounts import MembershipFactory, OrganizationFactory, make_operator, make_uscc

YUAN = 100
HAIDIAN, BINHAI, SHIJIAZHUANG_CHANGAN = "110108", "120116", "130102"


@dataclass
class Cast:
    seller: Organization
    seller_member: User
    registrar: User
    buyer_uscc: str


def cast() -> Cast:
    seller = OrganizationFactory(
        name={"zh-hans": "北京智控科技有限公司", "en": "Beijing Zhikong Technology"}, region=HAIDIAN
    )
    member = MembershipFactory(organization=seller, role=Role.MEMBER).user
    return Cast(seller=seller, seller_member=member, registrar=make_operator(), buyer_uscc=make_uscc(900_001))


def contract(people: Cast, **overrides: Any) -> services.ContractSpec:
    """A development contract from the seller to a Tianjin buyer: 1,000,000 yuan, of which 100,000 equipment."""
    values: dict[str, Any] = {
        "contract_type": "development",
        "title": "力控机械臂控制算法开发",
        "contract_number": "ZK-2026-001",
        "seller": services.Party(name=str(people.seller), uscc=people.seller.uscc or "", region=HAIDIAN),
        "buyer": services.Party(name="天津滨海智造有限公司", uscc=people.buyer_uscc, region=BINHAI),
        "field": "sei-2",
        "contract_amount": Money(1_000_000 * YUAN),
        "non_technical": [
            services.NonTechnicalSpec(kind="equipment", label="测试样机", amount=Money(100_000 * YUAN)),
        ],
        "signed_on": date(2026, 9, 1),
        "effective_on": date(2026, 9, 15),
        "disputed": False,
    }
    values.update(overrides)
    return services.ContractSpec(**values)


def with_buyer(spec: services.ContractSpec, **party: Any) -> services.ContractSpec:
    return replace(spec, buyer=replace(spec.buyer, **party))


def with_seller(spec: services.ContractSpec, **party: Any) -> services.ContractSpec:
    return replace(spec, seller=replace(spec.seller, **party))


def submitted(people: Cast, spec: services.ContractSpec | None = None, *, now: datetime | None = None) -> Registration:
    return services.submit_registration(
        actor=people.seller_member, organization=people.seller, contract=spec or contract(people), now=now
    )


def registered(people: Cast, spec: services.ContractSpec | None = None, *, now: datetime | None = None) -> Registration:
    registration = submitted(people, spec, now=now)
    return services.register_contract(actor=people.registrar, registration=registration, now=now)


def at(day: date, hour: int = 10) -> datetime:
    """A moment on ``day`` in Beijing time."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_default_timezone())
