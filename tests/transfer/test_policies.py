"""Reward policies: the law's rows, a unit's versions checked against the floor (citing the article), which
version applies on a day, and who may propose one."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from kechuang.accounts.enums import OrganizationKind, Role
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.models import AuditEvent
from kechuang.transfer.enums import PolicyScope
from kechuang.transfer.models import Policy
from kechuang.transfer.selectors import income as selectors
from kechuang.transfer.services import policies
from tests.factories.accounts import MembershipFactory, OrganizationFactory
from tests.transfer import income_builders as build

pytestmark = pytest.mark.django_db


def _count() -> tuple[int, int]:
    return Policy.objects.count(), AuditEvent.objects.count()


def test_the_law_is_one_row_per_rule_and_adding_it_again_adds_nothing() -> None:
    policies.ensure_legal_policies()
    rows = {
        policy.rule_key: (policy.scope, policy.cash_bp, policy.equity_bp, policy.profit_bp, policy.profit_years_min)
        for policy in selectors.legal_policies()
    }
    assert (rows, policies.ensure_legal_policies()) == (
        {
            "national-2015-art45": (PolicyScope.NATIONAL, 5_000, 5_000, 500, 3),
            "beijing-2019-art12": (PolicyScope.LOCAL, 7_000, 7_000, 500, 5),
        },
        0,
    )
    national = selectors.national_policy(date(2026, 1, 1))
    assert national is not None
    assert (national.name, national.profit_years, national.effective_from) == (
        "《促进科技成果转化法》第四十五条",
        5,
        date(2015, 10, 1),
    )


def test_a_university_records_its_97_90_policy() -> None:
    setup = build.setting()
    policy = build.policy(setup)
    assert (
        policy.scope,
        policy.version,
        policy.cash_bp,
        policy.equity_bp,
        policy.approved_by,
        policy.effective_to,
    ) == (
        PolicyScope.INSTITUTION,
        1,
        9_700,
        9_000,
        setup.tto,
        None,
    )


def test_a_40_percent_policy_is_refused_citing_article_45_and_nothing_is_saved() -> None:
    setup = build.setting()
    before = _count()
    with pytest.raises(DomainError) as caught:
        build.policy(setup, cash_bp=4_000)
    with translation.override("en"), pytest.raises(DomainError) as in_english:
        build.policy(setup, cash_bp=4_000)
    assert (caught.value.code, caught.value.status, list(caught.value.errors)) == (
        ErrorCode.POLICY_BELOW_FLOOR,
        422,
        ["cash_bp"],
    )
    assert "《促进科技成果转化法》第四十五条第一款第（一）项" in str(caught.value.detail)
    assert "Article 45, paragraph 1, item (1)" in str(in_english.value.detail)
    assert ("40.00%" in str(in_english.value.detail), "50.00%" in str(in_english.value.detail)) == (True, True)
    assert _count() == before


def test_every_figure_below_the_floor_is_named() -> None:
    setup = build.setting()
    with pytest.raises(DomainError) as caught:
        build.policy(setup, cash_bp=4_999, equity_bp=3_000, profit_bp=400, profit_years=2)
    assert list(caught.value.errors) == ["cash_bp", "equity_bp", "profit_bp", "profit_years_min"]


def test_for_an_enterprise_the_law_is_only_a_default_so_its_own_lower_share_is_recorded() -> None:
    company = OrganizationFactory(kind=OrganizationKind.ENTERPRISE)
    admin = MembershipFactory(organization=company, role=Role.ADMIN).user
    policy = policies.propose_policy(
        actor=admin,
        institution=company,
        name="公司职务发明奖励制度",
        citation="《公司职务发明奖励与报酬制度》第五条",
        effective_from=date(2025, 1, 1),
        cash_bp=2_000,
        equity_bp=1_000,
        profit_bp=100,
        profit_years=3,
    )
    assert (policy.cash_bp, policy.version) == (2_000, 1)


def test_a_new_version_ends_the_previous_one_the_day_before_and_applies_from_its_date() -> None:
    setup = build.setting()
    first = build.policy(setup)
    second = build.policy(setup, cash_bp=8_000, effective_from=date(2025, 7, 1))
    first.refresh_from_db()
    university = setup.people.university
    applies = [
        (selectors.applicable_policy(university, day) or first).pk
        for day in (date(2024, 6, 1), date(2025, 6, 30), date(2025, 7, 1))
    ]
    assert (second.version, first.effective_to, applies) == (
        2,
        date(2025, 6, 30),
        [first.pk, first.pk, second.pk],
    )


def test_before_its_own_policy_a_unit_falls_under_the_national_row() -> None:
    setup = build.setting()
    policies.ensure_legal_policies()
    build.policy(setup)
    found = selectors.applicable_policy(setup.people.university, date(2023, 12, 31))
    assert found is not None
    assert found.rule_key == "national-2015-art45"


def test_a_version_must_start_after_the_previous_one() -> None:
    setup = build.setting()
    build.policy(setup)
    before = _count()
    with pytest.raises(DomainError) as caught:
        build.policy(setup, effective_from=build.POLICY_FROM)
    assert (caught.value.code, list(caught.value.errors), _count()) == (
        ErrorCode.VALIDATION,
        ["effective_from"],
        before,
    )


def test_a_version_cannot_re_date_income_already_distributed() -> None:
    setup = build.ready()
    build.distributed(setup, build.cash(setup))
    with pytest.raises(DomainError) as caught:
        build.policy(setup, cash_bp=8_000, effective_from=date(2024, 6, 1))
    assert caught.value.code == ErrorCode.INVALID_STATE


@pytest.mark.parametrize(("field", "value"), [("cash_bp", 10_001), ("equity_bp", -1), ("profit_years_min", 9)])
def test_figures_out_of_range_are_refused(field: str, value: int) -> None:
    setup = build.setting()
    with pytest.raises(DomainError) as caught:
        build.policy(setup, **{field: value})
    assert caught.value.code == ErrorCode.VALIDATION


def test_the_policy_needs_the_units_citation() -> None:
    setup = build.setting()
    with pytest.raises(DomainError) as caught:
        build.policy(setup, citation="  ")
    assert list(caught.value.errors) == ["citation"]


def test_only_the_units_officers_propose_its_policy() -> None:
    setup = build.setting()
    with pytest.raises(DomainError) as caught:
        build.policy(setup, actor=setup.people.member)
    assert caught.value.code == ErrorCode.PERMISSION_DENIED
