"""Demo achievements, marketplace cards and signed deals of the demo region's university, through the services.

京华理工大学 (an invented name, see the demo region) registers five results: a force-controlled joint module
licensed exclusively to the surgical-robot company for 1,000,000.00 yuan; a nanoscale motion-control platform
invested as equity in the motion-control start-up at a valuation of 12,500,000 yuan for 12,500,000 shares (the
seed's case); a superconducting-magnet method left unused for more than a year (the §11 idle clock runs
out); and two results on the marketplace, one of which two companies have answered. Income and its
distribution are seeded elsewhere. Run after ``seed_demo``; a second run adds nothing (each result is known
by its title within the university).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kechuang.accounts.demo import demo_organization_usccs, demo_patent
from kechuang.accounts.models import Organization, User
from kechuang.core.money import Money
from kechuang.ledger.services import integrate_all
from kechuang.transfer.enums import DealKind, DealStage, InterestKind, PassReason, PricingMethod
from kechuang.transfer.models import Achievement, Deal
from kechuang.transfer.services import achievements as achievement_services
from kechuang.transfer.services import deals as deal_services
from kechuang.transfer.services import market as market_services

YUAN = 100
UNIVERSITY = "university"
TTO = "tto"


@dataclass(frozen=True)
class DemoDeal:
    buyer: str  # organisation key in the demo region
    kind: str
    price_yuan: int
    contract_number: str
    licence_scope: str = ""
    equity_shares: int | None = None


@dataclass(frozen=True)
class DemoCard:
    problem: str
    benefit: str
    route: str = ""
    answers: tuple[tuple[str, str, str, str], ...] = ()  # (username, organisation key, kind, pass reason)


@dataclass(frozen=True)
class DemoAchievement:
    title: tuple[str, str]
    summary: str
    kind: str
    ip_status: str
    patent_body: str  # 12 digits; "" for none
    trl: int
    sectors: list[str]
    registered_days_ago: int
    completers: list[tuple[str, int, bool]]  # (username or "name:…", basis points, lead)
    funding: list[dict[str, str]] = field(default_factory=list)
    deal: DemoDeal | None = None
    card: DemoCard | None = None


ACHIEVEMENTS = [
    DemoAchievement(
        title=("七自由度力控关节模组", "Seven-DOF force-controlled joint module"),
        summary="基于串联弹性驱动与关节力矩传感的力控关节模组，末端力控精度0.3N，可用于骨科手术机器人机械臂。",
        kind="invention_patent",
        ip_status="granted",
        patent_body="202210593271",
        trl=6,
        sectors=["sei-2", "fut-health"],
        registered_days_ago=420,
        completers=[("researcher", 5000, True), ("zhao.guodong", 3000, False), ("lin.xiao", 2000, False)],
        funding=[{"source": "国家自然科学基金", "number": "62173021"}],
        deal=DemoDeal(
            buyer="surgical_robot",
            kind=DealKind.LICENCE,
            licence_scope="exclusive",
            price_yuan=1_000_000,
            contract_number="JHLG-XK-2026-001",
        ),
    ),
    DemoAchievement(
        title=("纳米级精密运动控制平台", "Nanometre-precision motion-control platform"),
        summary="压电驱动与激光干涉反馈的多轴运动平台，定位分辨率1nm，用于半导体检测与同步辐射样品台。",
        kind="invention_patent",
        ip_status="granted",
        patent_body="202110487652",
        trl=5,
        sectors=["sei-2", "fut-manufacturing"],
        registered_days_ago=600,
        completers=[("lin.xiao", 6000, True), ("researcher", 4000, False)],
        funding=[{"source": "北京市自然科学基金", "number": "Z210008"}],
        deal=DemoDeal(
            buyer="nano",
            kind=DealKind.EQUITY,
            price_yuan=12_500_000,
            equity_shares=12_500_000,
            contract_number="JHLG-TZ-2026-002",
        ),
    ),
    DemoAchievement(
        title=("低温超导磁体失超快速检测方法", "Fast quench detection for low-temperature superconducting magnets"),
        summary="基于多通道电压平衡与声发射的失超检测方法，检测延迟小于5ms。",
        kind="invention_patent",
        ip_status="granted",
        patent_body="202310155208",
        trl=4,
        sectors=["sei-2", "fut-energy"],
        registered_days_ago=400,
        completers=[("zhao.guodong", 7000, True), ("name:刘建国", 3000, False)],
        funding=[{"source": "国家重点研发计划", "number": "2022YFA1602800"}],
        card=DemoCard(
            problem="强磁场装置与核磁共振设备的超导磁体失超检测慢，易损伤磁体。",
            benefit="检测延迟小于5ms，较现行桥式电压法快一个数量级，误报率更低。",
        ),
    ),
    DemoAchievement(
        title=("手术器械无菌快换接口", "Sterile quick-change interface for surgical instruments"),
        summary="机械臂末端与手术器械之间的无菌快换接口，单手3秒完成更换，重复定位精度0.02mm。",
        kind="utility_model",
        ip_status="granted",
        patent_body="202320981736",
        trl=7,
        sectors=["sei-4", "fut-health"],
        registered_days_ago=120,
        completers=[("researcher", 10_000, True)],
        card=DemoCard(
            problem="手术中更换器械需拆装无菌罩，耗时且有污染风险。",
            benefit="单手3秒更换，无需拆装无菌罩；重复定位精度0.02mm，优于进口接口的0.05mm。",
            route="以许可方式授权手术机器人整机企业，首年小批量验证。",
            answers=(
                ("enterprise", "surgical_robot", InterestKind.INTERESTED, ""),
                ("sun.yuhang", "ai", InterestKind.PASSED, PassReason.NOT_OUR_FIELD),
            ),
        ),
    ),
    DemoAchievement(
        title=("燃料电池金属双极板防腐涂层工艺", "Anti-corrosion coating process for fuel-cell metal bipolar plates"),
        summary="多层复合涂层工艺，使不锈钢双极板在模拟工况下寿命超过20000小时。",
        kind="technical_secret",
        ip_status="secret",
        patent_body="",
        trl=5,
        sectors=["sei-6", "fut-energy"],
        registered_days_ago=60,
        completers=[("lin.xiao", 5500, True), ("zhao.guodong", 4500, False)],
        card=DemoCard(
            problem="金属双极板在燃料电池酸性环境中易腐蚀，寿命不足。",
            benefit="模拟工况寿命超过20000小时，成本约为现行贵金属涂层的三分之一。",
            answers=(("liu.jing", "hydrogen", InterestKind.PASSED, PassReason.TOO_EARLY),),
        ),
    ),
]
DILIGENCE = {
    "technology": "专利权属本校，年费缴纳正常，经检索无权属争议；技术成熟度经第三方评估。",
    "buyer": "受让方为依法设立的企业，经营正常，具备实施条件；与完成人无关联关系（完成人已书面声明）。",
    "plan": "协议定价并在校内公示，价格参考第三方评估报告；付款与里程碑挂钩。",
    "approvals": "经学校科技成果转化领导小组审议通过，会议纪要存档。",
}


class _Seeder:
    def __init__(self) -> None:
        codes = demo_organization_usccs()
        self.organizations = {key: Organization.objects.filter(uscc=code).first() for key, code in codes.items()}
        self.tto = User.objects.get(username=TTO)
        self.today = timezone.localdate()

    def organization(self, key: str) -> Organization:
        found = self.organizations.get(key)
        if found is None:
            raise LookupError(f"the demo organisation {key!r} is missing; run seed_demo first")
        return found

    def completers(self, rows: list[tuple[str, int, bool]]) -> list[achievement_services.CompleterSpec]:
        specs = []
        for who, share, lead in rows:
            if who.startswith("name:"):
                specs.append(achievement_services.CompleterSpec(contribution_bp=share, is_lead=lead, name=who[5:]))
            else:
                user = User.objects.get(username=who)
                specs.append(achievement_services.CompleterSpec(contribution_bp=share, is_lead=lead, user=user))
        return specs

    def run(self, item: DemoAchievement) -> Achievement | None:
        university = self.organization(UNIVERSITY)
        if Achievement.objects.filter(owner=university, title_text__contains=item.title[0]).exists():
            return None
        achievement = achievement_services.register_achievement(
            actor=self.tto,
            owner=university,
            kind=item.kind,
            title={"zh-hans": item.title[0], "en": item.title[1]},
            summary={"zh-hans": item.summary},
            ip_status=item.ip_status,
            ip_number=demo_patent(item.patent_body) if item.patent_body else "",
            trl=item.trl,
            funding=item.funding,
            sectors=item.sectors,
            registered_on=self.today - timedelta(days=item.registered_days_ago),
            completers=self.completers(item.completers),
        )
        if item.card is not None:
            self.card(achievement, item.card)
        if item.deal is not None:
            self.sign(achievement, item.deal)
        return achievement

    def card(self, achievement: Achievement, card: DemoCard) -> None:
        opportunity = market_services.publish_opportunity(
            actor=self.tto,
            achievement=achievement,
            problem={"zh-hans": card.problem},
            benefit={"zh-hans": card.benefit},
            route={"zh-hans": card.route} if card.route else {},
        )
        for username, key, kind, reason in card.answers:
            market_services.answer_opportunity(
                actor=User.objects.get(username=username),
                opportunity=opportunity,
                organization=self.organization(key),
                kind=kind,
                pass_reason=reason,
            )

    def sign(self, achievement: Achievement, spec: DemoDeal) -> Deal:
        """A negotiated deal walked through every step to SIGNED by the TTO officer."""
        deal = deal_services.open_deal(
            actor=self.tto,
            achievement=achievement,
            seller=self.organization(UNIVERSITY),
            terms=deal_services.Terms(
                buyer=self.organization(spec.buyer),
                kind=spec.kind,
                pricing=PricingMethod.NEGOTIATED,
                price=Money(spec.price_yuan * YUAN),
                licence_scope=spec.licence_scope,
                equity_shares=spec.equity_shares,
            ),
        )
        deal = deal_services.record_diligence(actor=self.tto, deal=deal, parts=DILIGENCE)
        deal = deal_services.transition(actor=self.tto, deal=deal, to=DealStage.PUBLICITY)
        # Demo set-up only: the public notice ran its days before today (a fresh demo cannot wait 15 days).
        start = self.today - timedelta(days=deal.publicity_days + 7)
        Deal.objects.filter(pk=deal.pk).update(
            publicity_starts_on=start,
            publicity_ends_on=start + timedelta(days=deal.publicity_days - 1),
            publicity_text=deal_services.publicity_notice(deal, start, start + timedelta(days=deal.publicity_days - 1)),
        )
        deal.refresh_from_db()
        deal = deal_services.transition(actor=self.tto, deal=deal, to=DealStage.APPROVAL)
        return deal_services.transition(
            actor=self.tto,
            deal=deal,
            to=DealStage.SIGNED,
            contract_number=spec.contract_number,
            signed_on=self.today,
        )


def seed_achievements_and_deals() -> int:
    """Create the demo university's achievements, cards and signed deals that are missing; returns how many
    achievements were made (0 on a second run, or before the demo region exists).

    Everything goes through the transfer services in one transaction; afterwards the idle check runs (the
    unused superconducting-magnet result is alerted once) and the signed deals' ledger records are
    integrated.
    """
    if not User.objects.filter(username=TTO).exists():
        return 0
    with transaction.atomic():
        seeder = _Seeder()
        made = [achievement for item in ACHIEVEMENTS if (achievement := seeder.run(item)) is not None]
    achievement_services.send_idle_alerts()
    integrate_all()
    return len(made)


__all__ = ["ACHIEVEMENTS", "seed_achievements_and_deals"]
