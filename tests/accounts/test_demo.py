"""The demo region: idempotent, valid identifiers, a working login for every role, work left to approve."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from kechuang.accounts import services
from kechuang.accounts.demo import (
    demo_logins,
    demo_orcid,
    demo_organization_usccs,
    demo_patent,
    demo_uscc,
    organization_code,
    seed_demo_region,
)
from kechuang.accounts.enums import MembershipStatus, OrganizationKind, OrganizationStatus, Role, WorkKind
from kechuang.accounts.models import AccessToken, ExpertProfile, Membership, Organization, User, Work
from kechuang.core.identifiers import normalise_orcid, normalise_patent_application, normalise_uscc
from kechuang.core.models import AuditEvent
from kechuang.core.regions import all_regions, is_within
from kechuang.core.sectors import BY_CODE
from tests.factories.accounts import UserFactory

DEMO_PASSWORD = "kechuang-demo"
ROLE_LOGINS = {
    "operator": Role.OPERATOR,
    "enterprise": Role.ADMIN,
    "tto": Role.TTO_OFFICER,
    "tto.head": Role.ADMIN,
    "researcher": Role.MEMBER,
    "reviewer": Role.REVIEWER,
    "facility": Role.FACILITY_MANAGER,
    "investor": Role.FUND_MANAGER,
}


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Organization, User, Membership, ExpertProfile, Work, AccessToken, AuditEvent)
    }


def test_organization_code_check_character_follows_gb_11714() -> None:
    # The worked example of GB 11714: D2143569 → check character X.
    assert organization_code("D2143569") == "D2143569X"


def test_generated_identifiers_carry_valid_check_characters() -> None:
    uscc = demo_uscc(registry="91", region="110108", serial="MA01D7KX")
    assert (uscc[:8], normalise_uscc(uscc)) == ("91110108", uscc)
    assert normalise_orcid(demo_orcid("0000-0000-2101-001")) == "0000-0000-2101-0014"
    assert normalise_patent_application(demo_patent("202210593271")) == "202210593271.7"


@pytest.mark.django_db
def test_seeding_twice_changes_nothing() -> None:
    first = seed_demo_region()
    after_first = row_counts()
    second = seed_demo_region()
    assert row_counts() == after_first
    assert sum(second.values()) == 0
    assert dict(first) == {
        "organizations": after_first["Organization"] - 1,  # the other one is the pending proposal
        "users": after_first["User"],
        "memberships": 23,
        "expert profiles": after_first["ExpertProfile"],
        "works": after_first["Work"],
        "membership requests": 4,
        "organization proposals": 1,
        "employment history rows": 4,
        "declared relations": 2,
        "shareholdings": 2,
    }


@pytest.mark.django_db
def test_the_region_covers_every_kind_in_beijing_tianjin_and_hebei() -> None:
    seed_demo_region()
    active = Organization.objects.filter(status=OrganizationStatus.ACTIVE)
    assert active.count() >= 25
    assert {o.kind for o in active} == set(OrganizationKind.values)
    assert {o.region[:2] + "0000" for o in active} == {"110000", "120000", "130000"}
    assert all(o.region in all_regions() for o in active)
    assert all(o.sectors and all(code in BY_CODE for code in o.sectors) for o in active)
    assert all(o.name.get("zh-hans") and o.name.get("en") for o in active)
    assert all(o.description.get("zh-hans") and o.description.get("en") for o in active)
    huairou_facilities = active.filter(kind=OrganizationKind.FACILITY_OPERATOR, region="110116")
    assert {"综合极端条件实验装置", "地球系统数值模拟装置", "多模态跨尺度生物医学成像设施"} <= {
        o.name["zh-hans"] for o in huairou_facilities
    }
    assert list(Organization.objects.filter(operates_platform=True).values_list("sort_name", flat=True)) == [
        "北京市科学技术委员会、中关村科技园区管理委员会"
    ]


@pytest.mark.django_db
def test_every_credit_code_is_valid_and_matches_the_region() -> None:
    seed_demo_region()
    organizations = list(Organization.objects.all())
    assert sorted(o.uscc or "" for o in organizations) == sorted(demo_organization_usccs().values())
    for organization in organizations:
        assert organization.uscc is not None
        assert normalise_uscc(organization.uscc) == organization.uscc
        assert organization.uscc[2:8] == organization.region


@pytest.mark.django_db
def test_experts_have_valid_orcids_and_two_to_four_bilingual_works() -> None:
    seed_demo_region()
    profiles = list(ExpertProfile.objects.prefetch_related("works"))
    assert len(profiles) >= 12
    for profile in profiles:
        assert profile.orcid is not None
        assert normalise_orcid(profile.orcid) == profile.orcid
        assert all([profile.name.get("zh-hans"), profile.name.get("en"), profile.fields]), profile
        assert all([profile.keywords_zh, profile.keywords_en]), profile
        works = list(profile.works.all())
        assert 2 <= len(works) <= 4, profile
        for work in works:
            assert all(text.get(lang) for text in (work.title, work.abstract) for lang in ("zh-hans", "en")), work
            if work.kind == WorkKind.PATENT:
                assert normalise_patent_application(work.identifier) == work.identifier


@pytest.mark.django_db
def test_every_role_login_signs_in_with_the_demo_password_and_holds_its_role() -> None:
    seed_demo_region()
    assert [login.username for login in demo_logins()] == list(ROLE_LOGINS)
    for username, role in ROLE_LOGINS.items():
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert Membership.objects.filter(user=user, role=role, status=MembershipStatus.APPROVED).exists(), username
    operator = User.objects.get(username="operator")
    assert (operator.is_staff, operator.has_perm("accounts.view_audit")) == (True, True)
    assert ExpertProfile.objects.filter(user__username__in=["researcher", "reviewer"]).count() == 2
    assert Membership.objects.get(user__username="enterprise", role=Role.MEMBER).organization.kind == "enterprise"


@pytest.mark.django_db
def test_the_demo_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_DEMO_PASSWORD", "another-demo-secret-42")
    call_command("seed_demo", verbosity=0)
    assert authenticate(username="tto", password="another-demo-secret-42") is not None
    assert authenticate(username="tto", password=DEMO_PASSWORD) is None


@pytest.mark.django_db
def test_requests_and_a_proposal_wait_for_the_operator_and_the_enterprise_admin() -> None:
    seed_demo_region()
    pending = Membership.objects.filter(status=MembershipStatus.REQUESTED).select_related("organization")
    proposed = Organization.objects.get(status=OrganizationStatus.PENDING)
    assert sorted(m.organization.sort_name for m in pending) == sorted(
        [
            "北京锐骨医疗机器人有限公司",
            "北京先进机器人研究院",
            "廊坊京冀轨道装备制造有限公司",
            "天津滨海精工装备有限公司",
            proposed.sort_name,
        ]
    )
    enterprise, operator = User.objects.get(username="enterprise"), User.objects.get(username="operator")
    request = pending.get(organization__sort_name="北京锐骨医疗机器人有限公司")
    assert services.approve_membership(actor=enterprise, membership=request).status == MembershipStatus.APPROVED
    assert services.approve_organization(actor=operator, organization=proposed).status == OrganizationStatus.ACTIVE
    # Decisions stand: seeding again does not ask anew.
    assert sum(seed_demo_region().values()) == 0
    assert Membership.objects.filter(status=MembershipStatus.REQUESTED).count() == 3


@pytest.mark.django_db
def test_beijing_tianjin_hebei_parties_exist_for_contract_flows() -> None:
    seed_demo_region()
    enterprises = Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
    assert all(
        enterprises.filter(region__in=[c for c in all_regions() if is_within(c, province)]).exists()
        for province in ("110000", "120000", "130000")
    )


@pytest.mark.django_db
def test_seeding_after_make_operator_completes_the_existing_office() -> None:
    UserFactory(username="admin")
    call_command("make_operator", "admin", verbosity=0)
    seed_demo_region()
    office = Organization.objects.get(operates_platform=True)
    assert (office.uscc, office.website) == (demo_organization_usccs()["office"], "https://kw.beijing.gov.cn")
    assert office.description["en"].startswith("The municipal department in charge of science and technology")
    assert User.objects.get(username="operator").has_perm("accounts.view_audit")
