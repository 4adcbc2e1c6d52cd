"""Demo technology-contract registrations, through the registry services, so the statistics have a story.

The demo's Beijing sellers (the university and the surgical-robot company) register contracts with
buyers in Tianjin and Hebei whose technology-trade amounts add up, year by year, to **one thousandth**
of the Beijing → Tianjin/Hebei turnover the city published (7.12 billion yuan in 2013, 74.87 billion
in 2023; 2021, 2022 and 2024 derived from published totals, see ``../shared/data/stats/
beijing_headline_figures.csv``). The registry page therefore shows the published growth rate (26.5% a
year for 2013–2023) computed from registry rows, at a scale that makes no claim about real contracts.
A few contracts go elsewhere (Shanghai, Shenzhen), one is terminated, one awaits the registrar and
one was returned, so every state shows. A second run adds nothing (contracts are known by number).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from kechuang.accounts.demo import demo_uscc
from kechuang.accounts.models import Organization, User
from kechuang.core.money import Money, allocate
from kechuang.transfer.enums import ContractType, NonTechnicalItem
from kechuang.transfer.models import Registration
from kechuang.transfer.services import registry as registry_services
from kechuang.transfer.services.registry_input import ContractSpec, NonTechnicalSpec, Party

logger = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
SCALE = 1_000  # the demo registers one thousandth of the published turnover

# Beijing → Tianjin/Hebei turnover, 100 million yuan (beijing_headline_figures.csv: published or derived).
PUBLISHED_FLOW = {2013: "71.2", 2021: "350.4", 2022: "356.9", 2023: "748.7", 2024: "852.7"}
CONTRACTS_PER_YEAR = {2013: 4, 2021: 6, 2022: 6, 2023: 8, 2024: 8}
TYPES = (
    ContractType.DEVELOPMENT,
    ContractType.LICENCE,
    ContractType.SERVICE,
    ContractType.ASSIGNMENT,
    ContractType.CONSULTING,
)
FIELDS = ("sei-2", "sei-3", "sei-4", "sei-1", "sei-6")  # core.sectors codes


@dataclass(frozen=True)
class Buyer:
    name: str
    region: str  # county level
    serial: str  # eight characters of the organisation code


BUYERS = (
    Buyer("天津滨海智能装备有限公司", "120116", "MA05T1C2"),
    Buyer("天津津南新材料科技有限公司", "120112", "MA06B8D5"),
    Buyer("保定竞秀新能源装备有限公司", "130602", "MA0C4E7M"),
    Buyer("三河燕郊轨道交通科技有限公司", "131082", "MA0D2F9P"),
    Buyer("石家庄长安生物医药有限公司", "130102", "MA0E7G3Q"),
)
ELSEWHERE = (
    Buyer("上海浦东精密仪器有限公司", "310115", "MA1H2K3L"),
    Buyer("深圳南山医疗器械有限公司", "440305", "MA1M4N5P"),
)
SELLERS = (("university", "tto"), ("surgical_robot", "enterprise"))
OPERATOR = "operator"


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=BEIJING)


def _buyer(buyer: Buyer) -> Party:
    return Party(
        name=buyer.name, uscc=demo_uscc(registry="91", region=buyer.region, serial=buyer.serial), region=buyer.region
    )


def _seller(key: str) -> tuple[Organization, User, Party]:
    from kechuang.accounts.demo import demo_organization_usccs

    organization = Organization.objects.get(uscc=demo_organization_usccs()[key])
    user = User.objects.get(username=dict(SELLERS)[key])
    return organization, user, Party(name=str(organization), uscc=organization.uscc or "", region=organization.region)


def _contract_number(year: int, index: int) -> str:
    return f"DEMO-{year}-{index:03d}"


def _register(
    *,
    seller_key: str,
    buyer: Buyer,
    amount: Money,
    signed_on: date,
    number: str,
    contract_type: str,
    field: str,
    non_technical: tuple[NonTechnicalSpec, ...] = (),
    decide: str = "register",
    submitted: datetime | None = None,
) -> Registration:
    organization, applicant, seller = _seller(seller_key)
    operator = User.objects.get(username=OPERATOR)
    contract = ContractSpec(
        contract_type=contract_type,
        title=f"{buyer.name[:6]}技术合同 {number}",
        seller=seller,
        buyer=_buyer(buyer),
        contract_amount=amount,
        signed_on=signed_on,
        effective_on=signed_on,
        non_technical=non_technical,
        contract_number=number,
        field=field,
    )
    submitted = submitted or _moment(date(signed_on.year, signed_on.month, min(signed_on.day + 3, 28)))
    registration = registry_services.submit_registration(
        actor=applicant, organization=organization, contract=contract, now=submitted
    )
    decided = max(_moment(date(submitted.year, submitted.month, min(submitted.day + 5, 28))), submitted)
    if decide == "register":
        return registry_services.register_contract(actor=operator, registration=registration, now=decided)
    if decide == "return":
        return registry_services.return_registration(
            actor=operator,
            registration=registration,
            reasons="非技术性内容（设备采购）未单列，请按条目列明后重新提交。",
            now=decided,
        )
    return registration


def seed_registry() -> int:
    """Register the demo contracts; returns how many were made (0 on a second run or before ``seed_demo``)."""
    if not User.objects.filter(username=OPERATOR).exists():
        return 0
    made = 0
    with transaction.atomic():
        for year, figure in PUBLISHED_FLOW.items():
            total = Money.from_yuan(figure) * 100_000_000 // SCALE
            count = CONTRACTS_PER_YEAR[year]
            parts = allocate(total, [count + 3 - index for index in range(count)])
            for index, amount in enumerate(parts):
                number = _contract_number(year, index)
                if Registration.objects.filter(contract_number=number).exists():
                    continue
                _register(
                    seller_key=SELLERS[index % 2][0],
                    buyer=BUYERS[index % len(BUYERS)],
                    amount=amount,
                    signed_on=date(year, 1 + index, 10),
                    number=number,
                    contract_type=TYPES[index % len(TYPES)],
                    field=FIELDS[index % len(FIELDS)],
                )
                made += 1
            made += _elsewhere(year)
        made += _other_states()
    logger.info("demo: %d contract registrations", made)
    return made


def _elsewhere(year: int) -> int:
    """One contract a year outside Jing-Jin-Ji, with equipment taken off the technology-trade amount."""
    number = _contract_number(year, 900)
    if Registration.objects.filter(contract_number=number).exists():
        return 0
    buyer = ELSEWHERE[year % 2]
    _register(
        seller_key="surgical_robot",
        buyer=buyer,
        amount=Money.from_yuan(1_800_000 + 150_000 * (year - 2013)),
        signed_on=date(year, 11, 5),
        number=number,
        contract_type=ContractType.DEVELOPMENT,
        field="sei-2",
        non_technical=(
            NonTechnicalSpec(
                kind=NonTechnicalItem.EQUIPMENT, label="力传感器与控制柜", amount=Money.from_yuan(300_000)
            ),
        ),
    )
    return 1


def _other_states() -> int:
    """A terminated contract, one returned to the seller and one awaiting the registrar (this year)."""
    made = 0
    number = _contract_number(2024, 950)
    if not Registration.objects.filter(contract_number=number).exists():
        registration = _register(
            seller_key="university",
            buyer=BUYERS[0],
            amount=Money.from_yuan(420_000),
            signed_on=date(2024, 3, 12),
            number=number,
            contract_type=ContractType.SERVICE,
            field="sei-2",
        )
        _organization, applicant, _party = _seller("university")
        registry_services.terminate_registration(
            actor=applicant,
            registration=registration,
            reason="买方经营调整，双方协商一致提前终止。",
            ended_on=date(2024, 9, 30),
            benefits_claimed=("vat_exemption",),
            now=_moment(date(2024, 10, 8)),
        )
        made += 1
    now = timezone.now()
    today = timezone.localdate(now)
    for index, decide in ((951, "return"), (952, "none")):
        number = _contract_number(today.year, index)
        if Registration.objects.filter(contract_number=number).exists():
            continue
        signed = today - timedelta(days=20)
        _register(
            seller_key="university",
            buyer=BUYERS[index % len(BUYERS)],
            amount=Money.from_yuan(6_200_000 if decide == "none" else 880_000),
            signed_on=signed,
            number=number,
            contract_type=ContractType.DEVELOPMENT if decide == "none" else ContractType.LICENCE,
            field="sei-4",
            non_technical=(
                (NonTechnicalSpec(kind=NonTechnicalItem.MATERIALS, label="实验耗材", amount=Money.from_yuan(200_000)),)
                if decide == "none"
                else ()
            ),
            decide=decide,
            submitted=now,
        )
        made += 1
    return made
