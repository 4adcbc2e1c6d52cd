"""Set-up for the challenges tests: a list walked to any stage through the real services.

The expert-review step belongs to the review engine; where a test needs a list past it without
running a review, :func:`past_review` puts the list and its applications in the shortlist state
directly (test set-up only), and says so.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from kechuang.accounts.enums import OrganizationKind, Role
from kechuang.accounts.models import Organization, User
from kechuang.challenges import services
from kechuang.challenges.enums import ApplicationStatus, ChallengeStatus
from kechuang.challenges.models import Application, Challenge
from kechuang.core.money import Money
from tests.factories.accounts import (
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    WorkFactory,
    make_operator,
)

YUAN = 100
BOUNTY = Money(10_000_000 * YUAN)  # the seed's 10 million yuan


@dataclass
class Cast:
    operator: User
    issuer_admin: User
    issuer: Organization
    leads: list[User] = field(default_factory=list)


def cast(teams: int = 2) -> Cast:
    operator = make_operator()
    issuer = OrganizationFactory(name={"zh-hans": "北京锐骨医疗机器人有限公司", "en": "Ruigu Medical Robotics"})
    admin = MembershipFactory(organization=issuer, role=Role.ADMIN).user
    leads = [UserFactory() for _ in range(teams)]
    return Cast(operator=operator, issuer_admin=admin, issuer=issuer, leads=leads)


def draft(people: Cast, *, winners: int = 2, deadline_days: int = 30, **overrides: Any) -> Challenge:
    values: dict[str, Any] = {
        "actor": people.issuer_admin,
        "issuer": people.issuer,
        "title": {"zh-hans": "多自由度力控医用机械臂", "en": "Multi-DOF force-controlled medical arm"},
        "summary": {"zh-hans": "研制国产七自由度力控机械臂，替代进口。"},
        "problem": {"zh-hans": "骨科手术机器人需要高精度力控机械臂，目前依赖进口。"},
        "details": {"zh-hans": "接口图纸与力控回路参数（保密）。"},
        "bounty": BOUNTY,
        "issuer_share": Money(8_000_000 * YUAN),
        "subsidy_share": Money(2_000_000 * YUAN),
        "application_deadline": timezone.now() + timedelta(days=deadline_days),
        "region": "110108",
        "sectors": ["sei-2"],
        "winners": winners,
        "indicators": [
            services.IndicatorSpec(
                name={"zh-hans": "自由度"}, target="7", unit="", acceptance={"zh-hans": "第三方检测报告"}
            ),
            services.IndicatorSpec(
                name={"zh-hans": "力控精度"}, target="≤0.5", unit="N", acceptance={"zh-hans": "台架测试"}
            ),
        ],
        "stage_gates": [
            services.GateSpec(name={"zh-hans": "样机评审"}, due_on=timezone.localdate() + timedelta(days=200))
        ],
    }
    values.update(overrides)
    return services.create_challenge(**values)


def escrow_all(people: Cast, challenge: Challenge) -> None:
    services.record_escrow(
        actor=people.operator, challenge=challenge, source="issuer", amount=challenge.issuer_share, reference="BANK-1"
    )
    if challenge.subsidy_share_fen:
        services.record_escrow(
            actor=people.operator,
            challenge=challenge,
            source="subsidy",
            amount=challenge.subsidy_share,
            reference="BUDGET-1",
        )


def published(people: Cast, **kwargs: Any) -> Challenge:
    challenge = draft(people, **kwargs)
    services.transition(actor=people.issuer_admin, challenge=challenge, to=ChallengeStatus.OPERATOR_REVIEW)
    escrow_all(people, challenge)
    return services.transition(actor=people.operator, challenge=challenge, to=ChallengeStatus.PUBLISHED)


def apply_all(people: Cast, challenge: Challenge) -> list[Application]:
    return [
        services.apply(
            actor=lead,
            challenge=challenge,
            team_name=f"团队{number}",
            proposal="方案：串联弹性驱动。",
            technical_route="技术路线：关节力矩传感 + 阻抗控制。",
            plan="计划：12个月样机，24个月定型。",
        )
        for number, lead in enumerate(people.leads, start=1)
    ]


def closed(people: Cast, **kwargs: Any) -> tuple[Challenge, list[Application]]:
    challenge = published(people, **kwargs)
    applications = apply_all(people, challenge)
    services.transition(
        actor=people.operator, challenge=challenge, to=ChallengeStatus.APPLICATIONS_CLOSED, reason="提前截止（测试）"
    )
    return challenge, applications


def past_review(challenge: Challenge, shortlisted: list[Application]) -> Challenge:
    """Test set-up only: the list as if reviewed and shortlisted (the review engine is tested on its own)."""
    for rank, application in enumerate(shortlisted, start=1):
        Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.SHORTLISTED, shortlist_rank=rank)
    Challenge.objects.filter(pk=challenge.pk).update(status=ChallengeStatus.SHORTLIST)
    challenge.refresh_from_db()
    return challenge


def in_publicity(people: Cast, **kwargs: Any) -> tuple[Challenge, list[Application]]:
    challenge, applications = closed(people, **kwargs)
    challenge = past_review(challenge, applications)
    services.transition(actor=people.operator, challenge=challenge, to=ChallengeStatus.PUBLICITY)
    challenge.refresh_from_db()
    return challenge, applications


def end_publicity(challenge: Challenge) -> Challenge:
    """Test set-up only: the notice period is over (time passes)."""
    Challenge.objects.filter(pk=challenge.pk).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
    challenge.refresh_from_db()
    return challenge


HALF_BOUNTY = Money(5_000_000 * YUAN)


def plans(applications: list[Application], *, each: Money = HALF_BOUNTY) -> list[services.AwardPlan]:
    half = Money(each.fen // 2)
    return [
        services.AwardPlan(
            application_id=application.pk,
            amount=each,
            terms="技术开发合同（民法典第851条起）",
            milestones=[
                services.MilestoneSpec(
                    deliverable="原理样机", due_on=timezone.localdate() + timedelta(days=180), amount=half
                ),
                services.MilestoneSpec(
                    deliverable="工程样机通过第三方检测",
                    due_on=timezone.localdate() + timedelta(days=360),
                    amount=each - half,
                ),
            ],
        )
        for application in applications
    ]


def at_work(people: Cast, **kwargs: Any) -> Challenge:
    """A race of two teams with signed agreements, work in progress."""
    challenge, applications = in_publicity(people, **kwargs)
    end_publicity(challenge)
    services.transition(
        actor=people.operator, challenge=challenge, to=ChallengeStatus.AWARDED, awards=plans(applications)
    )
    return services.transition(actor=people.issuer_admin, challenge=challenge, to=ChallengeStatus.IN_PROGRESS)


# Works of the reviewers: each shares words with the surgical-arm list, so every pair has affinity.
REVIEWER_WORKS = [
    ("七自由度力控机械臂的阻抗控制", "Impedance control of a 7-DOF force-controlled arm"),
    ("骨科手术机器人关节力矩传感", "Joint torque sensing for orthopaedic surgical robots"),
    ("串联弹性驱动医用机械臂", "Series elastic actuation for medical arms"),
    ("手术机器人力控精度台架测试", "Bench tests of force-control accuracy in surgical robots"),
]


def reviewers(count: int = 3) -> list[User]:
    """Experts with profiles and works about force-controlled medical arms, each at a university of her own
    (so none shares an organisation with the issuer or a team)."""
    made = []
    for number in range(count):
        university = OrganizationFactory(kind=OrganizationKind.UNIVERSITY)
        profile = ExpertProfileFactory(affiliation=university)
        for offset in range(2):
            zh, en = REVIEWER_WORKS[(number + offset) % len(REVIEWER_WORKS)]
            WorkFactory(profile=profile, title={"zh-hans": zh, "en": en})
        made.append(profile.user)
    return made


KECHUANG = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kechuang"


def verify_with_cli(receipt: str, vkey: str, directory: Path) -> subprocess.CompletedProcess[str]:
    """Run the real ``kechuang ledger verify`` on ``receipt`` (offline: no settings, no database)."""
    path = directory / "release.tlog-proof"
    path.write_text(receipt, encoding="utf-8")
    return subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [str(KECHUANG), "ledger", "verify", str(path), "--vkey", vkey],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
