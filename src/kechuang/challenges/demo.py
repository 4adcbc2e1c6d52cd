"""Demo lists (榜单) for ``kechuang demo``, one or more at every stage, written through the services.

The flagship is the seed's case: an orthopaedic surgical-robot company (an invented name, see the
demo region) puts up 10 million yuan for a multi-degree-of-freedom force-controlled medical arm, run
as a race of two teams; one team's first milestone is accepted and its tranche paid. Run after
``seed_demo`` and ``ledger_seed_demo``; a second run adds nothing (any list present means done).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kechuang.accounts import services as account_services
from kechuang.accounts.enums import Role
from kechuang.accounts.models import Membership, Organization, User
from kechuang.challenges import services
from kechuang.challenges.enums import ChallengeStatus
from kechuang.challenges.models import Challenge
from kechuang.challenges.services import reviewing
from kechuang.core.i18n import bilingual
from kechuang.core.money import Money
from kechuang.ledger.services import integrate_all

S = ChallengeStatus
WAN = 10_000 * 100  # fen in one 万元
ORDER: list[str] = [
    S.DRAFT,
    S.OPERATOR_REVIEW,
    S.PUBLISHED,
    S.APPLICATIONS_CLOSED,
    S.REVIEW,
    S.SHORTLIST,
    S.PUBLICITY,
    S.AWARDED,
    S.IN_PROGRESS,
]
REVIEWERS = ("reviewer", "wu.haifeng", "yang.fan", "xu.wenbo")


@dataclass
class DemoList:
    issuer: str  # zh-hans name of the issuing organisation as seeded
    admin: str  # username that administers it (granted by the operator if needed)
    title: tuple[str, str]
    summary: str
    problem: str
    details: str
    indicators: list[tuple[str, str, str, str]]
    bounty_wan: int
    subsidy_wan: int
    sectors: list[str]
    region: str
    stage: str
    winners: int = 1
    teams: list[tuple[str, str]] = field(default_factory=list)  # (lead username, team name)
    members: dict[str, list[str]] = field(default_factory=dict)  # lead username → members, who all accept
    gates: list[tuple[int, str]] = field(default_factory=list)  # (days from now, name)
    ending: str = ""  # "completed" | "terminated" after in progress


LISTS = [
    DemoList(
        issuer="北京锐骨医疗机器人有限公司",
        admin="enterprise",
        title=("多自由度力控医用机械臂研发与产业化", "Multi-DOF force-controlled medical robotic arm"),
        summary="骨科手术机器人的机械臂目前依赖进口。公司拿出1000万元，面向全国征集能研制并量产国产多自由度力控医用机械臂的团队，"
        "英雄不论出处，谁有本事谁揭榜；采用赛马制，两支团队并行攻关。",
        problem="研制满足骨科手术要求的七自由度力控机械臂：关节力矩感知、末端力控精度、重复定位精度、无菌与电气安全，"
        "并完成小批量试产，替代进口核心部件。",
        details="整机接口定义、现有进口机械臂的性能基线与失效记录、手术工作流与安装空间（保密）。",
        indicators=[
            ("自由度", "7", "", "整机检测，出具第三方检测报告"),
            ("末端力控精度", "≤0.5", "N", "六维力传感器台架测试，10次取均值"),
            ("重复定位精度", "≤0.05", "mm", "激光跟踪仪按GB/T 12642测量"),
            ("额定负载", "≥5", "kg", "满载运行72小时无故障"),
        ],
        bounty_wan=1000,
        subsidy_wan=0,
        sectors=["sei-2", "sei-4", "fut-health"],
        region="110108",
        stage=S.IN_PROGRESS,
        winners=2,
        teams=[
            ("researcher", "京华理工力控关节团队"),
            ("zhao.guodong", "柔顺驱动青年团队"),
            ("ma.chao", "海河精密传动团队"),
        ],
        members={"researcher": ["lin.xiao"], "zhao.guodong": ["zheng.ming"]},
        gates=[(150, "原理样机阶段评审"), (330, "工程样机阶段评审")],
    ),
    DemoList(
        issuer="北京锐骨医疗机器人有限公司",
        admin="enterprise",
        title=("骨科手术光学定位导航模块", "Optical tracking module for orthopaedic navigation"),
        summary="征集亚毫米级光学定位导航模块，用于骨科手术机器人术中跟踪。",
        problem="在手术室强光与遮挡条件下实现稳定的亚毫米光学跟踪，并与机械臂控制系统低延迟联动。",
        details="现有导航系统延迟测量数据与接口协议（保密）。",
        indicators=[("定位精度", "≤0.25", "mm", "标准模体测试"), ("跟踪延迟", "≤20", "ms", "同步触发测量")],
        bounty_wan=300,
        subsidy_wan=60,
        sectors=["sei-4", "fut-health"],
        region="110108",
        stage=S.PUBLISHED,
        teams=[("lin.xiao", "视觉导航团队")],
    ),
    DemoList(
        issuer="北京锐骨医疗机器人有限公司",
        admin="enterprise",
        title=("手术机器人力反馈主手", "Force-feedback master hand for surgical robots"),
        summary="研制具有高透明度力反馈的主手操作装置。",
        problem="实现低惯量、高带宽的力反馈主手，满足远程操作需求。",
        details="",
        indicators=[("力反馈带宽", "≥500", "Hz", "频响测试")],
        bounty_wan=200,
        subsidy_wan=0,
        sectors=["sei-2"],
        region="110108",
        stage=S.DRAFT,
    ),
    DemoList(
        issuer="北京微纳精控科技有限公司",
        admin="li.zeyu",
        title=("极低温强磁场纳米位移台", "Nanopositioner for millikelvin, high-field conditions"),
        summary="为综合极端条件实验装置用户研制可在毫开尔文温度与强磁场下工作的纳米位移台。",
        problem="在10 mK、15 T与超高真空下实现纳米级步进与闭环定位，发热量满足稀释制冷机要求。",
        details="装置样品腔尺寸与热负载预算（保密）。",
        indicators=[("最小步距", "≤1", "nm", "干涉仪测量"), ("工作温度", "≤10", "mK", "在装置上实测")],
        bounty_wan=500,
        subsidy_wan=200,
        sectors=["sei-2", "fut-manufacturing"],
        region="110116",
        stage=S.REVIEW,
        teams=[("zheng.ming", "极端条件精密运动团队"), ("ma.chao", "压电驱动团队")],
    ),
    DemoList(
        issuer="北京思远智算科技有限公司",
        admin="sun.yuhang",
        title=("国产算力平台大模型推理加速", "LLM inference acceleration on domestic accelerators"),
        summary="在国产加速卡上将百亿参数模型推理吞吐提升一倍。",
        problem="算子融合、量化与调度优化，在不降低精度的前提下提升吞吐、降低时延。",
        details="基准负载与现网延迟分布（保密）。",
        indicators=[("吞吐提升", "≥100", "%", "指定基准负载对比"), ("精度损失", "≤0.5", "%", "标准评测集")],
        bounty_wan=400,
        subsidy_wan=100,
        sectors=["sei-1", "fut-information"],
        region="110108",
        stage=S.OPERATOR_REVIEW,
    ),
    DemoList(
        issuer="北京昌能氢创科技有限公司",
        admin="liu.jing",
        title=("兆瓦级PEM电解槽低铱膜电极", "Low-iridium MEA for megawatt PEM electrolysers"),
        summary="征集低铱载量、长寿命的质子交换膜电解槽膜电极方案。",
        problem="将铱载量降至0.3 mg/cm²以下，同时保证2 A/cm²下的效率与衰减指标。",
        details="现用膜电极衰减曲线与工况谱（保密）。",
        indicators=[("铱载量", "≤0.3", "mg/cm²", "第三方元素分析"), ("电压衰减", "≤5", "μV/h", "2000小时耐久测试")],
        bounty_wan=600,
        subsidy_wan=300,
        sectors=["sei-6", "fut-energy"],
        region="110114",
        stage=S.PUBLICITY,
        teams=[("zhou.yating", "催化层设计团队"), ("huang.siqi", "膜电极工艺团队")],
    ),
    DemoList(
        issuer="北京昌能氢创科技有限公司",
        admin="liu.jing",
        title=("碱性电解槽宽功率波动适配控制", "Wide-range load-following control for alkaline electrolysers"),
        summary="适配风光波动的碱性电解槽控制策略。",
        problem="在10%–110%功率范围内安全运行，氢中氧含量达标。",
        details="",
        indicators=[("功率范围", "10–110", "%", "现场运行测试")],
        bounty_wan=150,
        subsidy_wan=50,
        sectors=["sei-6"],
        region="110114",
        stage=S.APPLICATIONS_CLOSED,
        teams=[("lin.xiao", "新能源控制团队")],
    ),
    DemoList(
        issuer="北京微纳精控科技有限公司",
        admin="li.zeyu",
        title=("高稳定性压电陶瓷驱动电源", "High-stability piezo driver"),
        summary="低噪声高稳定压电驱动电源，已完成验收。",
        problem="输出噪声低于1 ppm，温漂满足精密定位需求。",
        details="",
        indicators=[("输出噪声", "≤1", "ppm", "频谱分析仪测量")],
        bounty_wan=80,
        subsidy_wan=0,
        sectors=["sei-2"],
        region="110116",
        stage=S.IN_PROGRESS,
        teams=[("huang.siqi", "精密电源团队")],
        ending=S.COMPLETED,
    ),
    DemoList(
        issuer="北京思远智算科技有限公司",
        admin="sun.yuhang",
        title=("存算一体芯片编译器", "Compiler for compute-in-memory chips"),
        summary="探索性攻关：存算一体芯片的编译工具链。经阶段评估终止，团队勤勉尽责获免责认定。",
        problem="面向模拟存算阵列的算子映射与误差补偿。",
        details="",
        indicators=[("映射效率", "≥80", "%", "基准网络测试")],
        bounty_wan=120,
        subsidy_wan=40,
        sectors=["sei-1"],
        region="110108",
        stage=S.IN_PROGRESS,
        teams=[("zhao.guodong", "存算编译团队")],
        ending=S.TERMINATED,
    ),
]


class _Seeder:
    def __init__(self) -> None:
        self.users = {u.username: u for u in User.objects.filter(username__in=self._usernames())}
        self.operator = self.users["operator"]
        self.now = timezone.now()

    @staticmethod
    def _usernames() -> set[str]:
        names = {"operator", *REVIEWERS}
        for item in LISTS:
            names.add(item.admin)
            names.update(lead for lead, _team in item.teams)
            names.update(member for members in item.members.values() for member in members)
        return names

    def organization(self, name: str) -> Organization | None:
        return next((o for o in Organization.objects.filter(sort_name=name)), None)

    def admin_of(self, item: DemoList, organization: Organization) -> User:
        user = self.users[item.admin]
        account_services.grant_membership(actor=self.operator, user=user, organization=organization, role=Role.ADMIN)
        return user

    def lead_org(self, user: User) -> Organization | None:
        held = Membership.objects.filter(user=user, status="approved", role="member").select_related("organization")
        return next((m.organization for m in held), None)

    def run(self, item: DemoList) -> Challenge | None:
        organization = self.organization(item.issuer)
        named = [lead for lead, _team in item.teams] + [m for members in item.members.values() for m in members]
        if organization is None or not all(username in self.users for username in named):
            return None
        admin = self.admin_of(item, organization)
        subsidy = Money(item.subsidy_wan * WAN)
        bounty = Money(item.bounty_wan * WAN)
        today = timezone.localdate()
        challenge = services.create_challenge(
            actor=admin,
            issuer=organization,
            title=bilingual(zh=item.title[0], en=item.title[1]),
            summary=bilingual(zh=item.summary),
            problem=bilingual(zh=item.problem),
            details=bilingual(zh=item.details),
            bounty=bounty,
            issuer_share=bounty - subsidy,
            subsidy_share=subsidy,
            application_deadline=self.now + timedelta(days=45),
            region=item.region,
            sectors=item.sectors,
            winners=item.winners,
            indicators=[
                services.IndicatorSpec(name=bilingual(zh=n), target=t, unit=u, acceptance=bilingual(zh=a))
                for n, t, u, a in item.indicators
            ],
            stage_gates=[
                services.GateSpec(name=bilingual(zh=name), due_on=today + timedelta(days=days))
                for days, name in item.gates
            ],
        )
        target = ORDER.index(item.stage)
        for stage in ORDER[1 : target + 1]:
            self.step(item, challenge, admin, stage)
            # The services lock and re-read the row; this copy must see what they wrote.
            challenge.refresh_from_db()
        if item.ending:
            self.finish(item, challenge, admin)
        return challenge

    def step(self, item: DemoList, challenge: Challenge, admin: User, stage: str) -> None:
        op = self.operator
        if stage == S.OPERATOR_REVIEW:
            services.transition(actor=admin, challenge=challenge, to=stage)
        elif stage == S.PUBLISHED:
            services.record_escrow(
                actor=op,
                challenge=challenge,
                source="issuer",
                amount=challenge.issuer_share,
                reference="京创托管-2026-001",
            )
            if challenge.subsidy_share_fen:
                services.record_escrow(
                    actor=op,
                    challenge=challenge,
                    source="subsidy",
                    amount=challenge.subsidy_share,
                    reference="科委专项-2026",
                )
            services.transition(actor=op, challenge=challenge, to=stage)
            challenge.refresh_from_db()
            self.apply_teams(item, challenge)
        elif stage == S.APPLICATIONS_CLOSED:
            services.transition(actor=op, challenge=challenge, to=stage, reason="演示：提前截止以进入评审")
        elif stage == S.REVIEW:
            services.transition(actor=op, challenge=challenge, to=stage)
            if item.stage == S.REVIEW:  # the list that stops here waits for its reviewers
                reviewing.demo_pool(operator=op, challenge=challenge, reviewers=[self.users[r] for r in REVIEWERS])
        elif stage == S.SHORTLIST:
            apps = list(challenge.applications.order_by("id"))
            scores = {a.pk: 9 - number for number, a in enumerate(apps)}
            reviewing.demo_reviews(
                operator=op, challenge=challenge, reviewers=[self.users[r] for r in REVIEWERS], scores=scores
            )
            chosen = [a.pk for a in apps[: item.winners]]
            services.transition(
                actor=op, challenge=challenge, to=stage, shortlist=chosen, reason="按专家评审加权得分排序确定"
            )
        elif stage == S.PUBLICITY:
            services.transition(actor=op, challenge=challenge, to=stage)
            challenge.refresh_from_db()
            objection = services.raise_objection(
                actor=self.users["reviewer"], challenge=challenge, text="请公开拟揭榜团队的样机测试条件。"
            )
            services.answer_objection(
                actor=admin, objection=objection, answer="测试条件已在榜单技术指标中列明，由第三方机构按同一条件检测。"
            )
        elif stage == S.AWARDED:
            # The demo's history lies in the past: the notice period of this list has ended.
            Challenge.objects.filter(pk=challenge.pk).update(publicity_ends_at=self.now - timedelta(days=1))
            challenge.refresh_from_db()
            shortlisted = list(challenge.applications.filter(status="shortlisted").order_by("shortlist_rank"))
            share = Money(challenge.bounty_fen // len(shortlisted))
            today = timezone.localdate()
            plans = []
            for application in shortlisted:
                first = Money(share.fen * 3 // 10)
                plans.append(
                    services.AwardPlan(
                        application_id=application.pk,
                        amount=share,
                        terms="技术开发合同：失败风险按民法典第858条约定分担；专利申请权归揭榜方，发榜方享有实施许可（第859条）。",
                        milestones=[
                            services.MilestoneSpec("原理样机与仿真报告", today + timedelta(days=120), first),
                            services.MilestoneSpec(
                                "工程样机通过第三方检测", today + timedelta(days=300), share - first
                            ),
                        ],
                    )
                )
            services.transition(actor=op, challenge=challenge, to=stage, awards=plans, reason="公示期满无未答复异议")
        elif stage == S.IN_PROGRESS:
            services.transition(actor=admin, challenge=challenge, to=stage)
            challenge.refresh_from_db()
            self.first_milestones(challenge, admin)

    def apply_teams(self, item: DemoList, challenge: Challenge) -> None:
        for lead, team in item.teams:
            user = self.users[lead]
            members = [self.users[name] for name in item.members.get(lead, [])]
            services.accept_nda(actor=user, challenge=challenge)
            application = services.apply(
                actor=user,
                challenge=challenge,
                team_name=team,
                organization=self.lead_org(user),
                proposal=f"针对“{item.title[0]}”的总体方案，含关键技术、风险与对策。",  # no name: reviews are blind
                technical_route="技术路线：仿真建模 → 原理样机 → 工程样机 → 第三方检测。",
                plan="计划：第6个月原理样机，第12个月工程样机并完成检测。",
                members=members,
            )
            # The people a lead names are only invited; in the demo each of them has said yes.
            for member in members:
                services.answer_invitation(actor=member, application=application, accept=True)

    def first_milestones(self, challenge: Challenge, admin: User) -> None:
        agreements = list(challenge.agreements.order_by("id"))
        for number, agreement in enumerate(agreements):
            milestone = agreement.milestones.order_by("position").first()
            if milestone is None:
                continue
            services.submit_evidence(
                actor=agreement.application.lead,
                milestone=milestone,
                evidence="原理样机完成，附台架测试原始数据与仿真报告。",
                files=[{"name": "bench-test.csv", "sha256": f"{number:064x}", "size": 48213}],
            )
            if number == 0:
                services.decide_milestone(actor=admin, milestone=milestone, accept=True, reasons="指标满足阶段要求")
                services.release_tranche(actor=self.operator, milestone=milestone)

    def finish(self, item: DemoList, challenge: Challenge, admin: User) -> None:
        agreements = list(challenge.agreements.filter(status="active"))
        if item.ending == S.COMPLETED:
            for agreement in agreements:
                for milestone in agreement.milestones.exclude(status="accepted").order_by("position"):
                    if milestone.status != "submitted":
                        services.submit_evidence(
                            actor=agreement.application.lead, milestone=milestone, evidence="第三方检测报告"
                        )
                    services.decide_milestone(actor=admin, milestone=milestone, accept=True, reasons="验收通过")
                for milestone in agreement.milestones.filter(status="accepted"):
                    if not milestone.releases.exists():
                        services.release_tranche(actor=self.operator, milestone=milestone)
            services.transition(
                actor=self.operator, challenge=challenge, to=S.COMPLETED, reason="全部指标达到，验收通过"
            )
        else:
            services.transition(
                actor=self.operator,
                challenge=challenge,
                to=S.TERMINATED,
                reason="阶段评估：模拟存算误差补偿路线短期内无法达到映射效率指标，经双方协商终止。",
                diligence=[
                    services.DiligenceSpec(
                        agreement_id=agreement.pk,
                        records="实验记录本、每周进展报告、全部仿真与测试原始数据（已存证）",
                        diligent=True,
                        finding="团队按计划投入并如实记录，失败源于探索性技术难度，认定勤勉尽责（科学技术进步法第六十八条）。",
                        files=[{"name": "lab-notebooks.zip", "sha256": "ab" * 32, "size": 9_437_184}],
                    )
                    for agreement in agreements
                ],
            )


def seed_challenges_demo() -> int:
    """Create the demo lists once (nothing when any list exists) and integrate their ledger records."""
    if Challenge.objects.exists() or not User.objects.filter(username="operator").exists():
        return 0
    with transaction.atomic():
        seeder = _Seeder()
        made = [challenge for item in LISTS if (challenge := seeder.run(item)) is not None]
    integrate_all()
    return len(made)


__all__ = ["LISTS", "seed_challenges_demo"]
