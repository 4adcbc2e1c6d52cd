"""Fixtures of the review engine's tests: an operator, a blind call on a stand-in subject, a pool, items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from kechuang.accounts.enums import OrganizationKind
from kechuang.accounts.models import Organization, User
from kechuang.review import services
from kechuang.review.conflicts import Parties
from kechuang.review.models import Call, Item
from tests.factories.accounts import (
    ExpertProfileFactory,
    OrganizationFactory,
    UserFactory,
    WorkFactory,
    make_operator,
)

APPLICANT_NAME = "诸葛青云"
APPLICANT_ORG = "青云精密机械有限公司"

TOPICS = [
    ("手术机器人力控机械臂", "Force-controlled surgical robot arm"),
    ("锂电池固态电解质", "Solid-state electrolyte for lithium batteries"),
    ("量子点显示材料", "Quantum dot display materials"),
    ("农业无人机植保", "Agricultural drone crop spraying"),
]


@dataclass
class Setup:
    operator: User
    call: Call
    reviewers: list[User]
    items: list[Item]
    applicants: list[User]
    applicant_orgs: list[Organization]


def criteria() -> list[services.CriterionSpec]:
    return [
        services.CriterionSpec(name={"zh-hans": "技术可行性", "en": "Feasibility"}, weight=60),
        services.CriterionSpec(name={"zh-hans": "团队能力", "en": "Team"}, weight=40, scale_min=1, scale_max=5),
    ]


def make_reviewer(topic: tuple[str, str], *, enterprise: bool = False) -> User:
    affiliation = OrganizationFactory(kind=OrganizationKind.ENTERPRISE if enterprise else OrganizationKind.UNIVERSITY)
    profile = ExpertProfileFactory(affiliation=affiliation)
    WorkFactory(profile=profile, title={"zh-hans": topic[0], "en": topic[1]})
    WorkFactory(profile=profile, title={"zh-hans": f"{topic[0]}研究进展", "en": f"Advances in {topic[1]}"})
    return profile.user


def open_test_call(operator: User, *, blind: bool = True, per_item: int = 2, **changes: object) -> Call:
    subject = OrganizationFactory(name={"zh-hans": "评审主办方", "en": "Call host"})
    return services.open_call(
        actor=operator,
        subject=subject,
        title={"zh-hans": "力控机械臂揭榜评审", "en": "Force-controlled arm challenge review"},
        criteria=criteria(),
        blind=blind,
        reviews_per_item=per_item,
        max_load=3,
        review_deadline=timezone.now() + timedelta(days=10),
        alternates=1,
        **changes,  # type: ignore[arg-type]
    )


def build(*, blind: bool = True, items: int = 2, reviewers: int = 4, per_item: int = 2) -> Setup:
    operator = make_operator()
    call = open_test_call(operator, blind=blind, per_item=per_item)
    pool = [make_reviewer(TOPICS[i % len(TOPICS)]) for i in range(reviewers)]
    for user in pool:
        services.invite_reviewer(actor=operator, call=call, user=user)
    applicants, orgs, specs = [], [], []
    for n in range(items):
        org = OrganizationFactory(name={"zh-hans": f"{APPLICANT_ORG}{n}", "en": f"Qingyun Precision {n}"})
        person = UserFactory(display_name=f"{APPLICANT_NAME}{n}")
        applicants.append(person)
        orgs.append(org)
        topic = TOPICS[n % len(TOPICS)]
        specs.append(
            services.ItemSpec(
                subject=org,
                title={"zh-hans": f"{topic[0]}方案", "en": f"{topic[1]} proposal"},
                summary={"zh-hans": f"我们提出{topic[0]}的新方法。", "en": f"A new approach to {topic[1]}."},
                parties=Parties(people=frozenset({person.pk}), organizations=frozenset({org.pk})),
                identity={
                    "applicant": f"{APPLICANT_NAME}{n}",
                    "organization": f"{APPLICANT_ORG}{n}",
                    "user_id": person.pk,
                },
            )
        )
    made = services.add_items(actor=operator, call=call, items=specs)
    return Setup(operator, call, pool, made, applicants, orgs)


@pytest.fixture
def setup(db: None) -> Setup:
    return build()
