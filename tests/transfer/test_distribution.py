"""The distribution engine: the legal floors as data, policy checks citing the law, net income, the seeds'
cases to the fen and the share, the rounding rules and their ties, reversals, tax tags, and a property
test over 10^5 random distributions."""

from __future__ import annotations

import math
import os
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
from benchmarks import csl, transfer_distribution
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.transfer.distribution import (
    BP,
    CODES,
    EQUITY_REMAINDER_RULE,
    Basis,
    Contribution,
    Deduction,
    DistributionError,
    LegalFloor,
    LegalRule,
    Member,
    Payer,
    Plan,
    PolicyTerms,
    Violation,
    check_policy,
    floor_on,
    legal_rules,
    net_income,
    plan_cash,
    plan_equity,
    plan_profit,
    read_rules,
    reverse,
    verify,
)

ON = date(2025, 6, 1)
HAIDIAN = "110108"
NATIONAL_TERMS = PolicyTerms(5_000, 5_000, 500, 3, 5)
INSTITUTION = PolicyTerms(cash_bp=9_700, equity_bp=9_000, profit_bp=500, profit_years_min=5, profit_years_max=5)
TEAM_50_30_20 = [Member("lead", 5_000), Member("postdoc", 3_000), Member("student", 2_000)]
TEAM_THIRDS = [Member("a", 3_333), Member("b", 3_333), Member("c", 3_334)]
YUAN = 100  # fen

# 10^5 distributions in CI: hypothesis draws the first 10^4 (its per-example overhead, about 1 ms here,
# would make 10^5 take minutes), a seeded loop over the same kind of cases checks the rest.
EXAMPLES = int(os.environ.get("KECHUANG_DISTRIBUTION_EXAMPLES", "100000"))
HYPOTHESIS_EXAMPLES = min(EXAMPLES, 10_000)


@pytest.fixture(scope="module")
def beijing() -> LegalFloor:
    return floor_on(ON, HAIDIAN)


def _raises(code: str) -> pytest.RaisesExc[DistributionError]:
    assert code in CODES
    return pytest.raises(DistributionError, check=lambda error: error.code == code)


def _cash(
    amount: int, members: list[Member], terms: PolicyTerms = INSTITUTION, deductions: Sequence[Deduction] = ()
) -> Plan:
    return plan_cash(
        gross_fen=amount,
        terms=terms,
        members=members,
        floor=floor_on(ON, HAIDIAN),
        on=ON,
        payer=Payer.NONPROFIT_INSTITUTE,
        deductions=deductions,
    )


def _amounts(plan: Plan) -> tuple[int, int, list[int]]:
    return plan.team_amount, plan.unit_amount, [line.amount for line in plan.lines]


# ---------------------------------------------------------------- the legal floors


def test_in_beijing_the_binding_floor_is_the_national_law_and_article_12_is_only_permitted(beijing: LegalFloor) -> None:
    sources = {name: rule.key for name, rule in beijing.sources.items()}
    permitted = [(rule.key, rule.terms.cash_bp, rule.terms.equity_bp, rule.binding) for rule in beijing.permitted]
    assert (beijing.terms, set(sources.values()), permitted) == (
        NATIONAL_TERMS,
        {"national-2015-art45"},
        [("beijing-2019-art12", 7_000, 7_000, False)],
    )


def test_outside_beijing_and_before_its_regulation_only_the_national_rule_is_in_force() -> None:
    tianjin = floor_on(ON, "120101")
    before = floor_on(date(2019, 12, 31), HAIDIAN)
    national_only = floor_on(ON)
    assert (tianjin.terms, tianjin.permitted, before.permitted, national_only.permitted) == (NATIONAL_TERMS, (), (), ())


def test_before_the_2015_amendment_took_effect_no_rule_is_in_force() -> None:
    with _raises("no_rule_in_force"):
        floor_on(date(2015, 9, 30), HAIDIAN)
    assert floor_on(date(2015, 10, 1)).terms == NATIONAL_TERMS


def test_a_region_is_a_six_digit_code() -> None:
    with _raises("bad_region_code"):
        floor_on(ON, "Beijing")


def test_the_shipped_rules_carry_citations_and_dates() -> None:
    rules = {rule.key: rule for rule in legal_rules()}
    national, local = rules["national-2015-art45"], rules["beijing-2019-art12"]
    assert (
        national.citation_zh,
        national.effective_from,
        national.effective_to,
        local.citation_zh,
        local.effective_from,
        local.region_code,
        local.terms,
    ) == (
        "《促进科技成果转化法》第四十五条",
        date(2015, 10, 1),
        None,
        "《北京市促进科技成果转化条例》第十二条",
        date(2020, 1, 1),
        "110000",
        PolicyTerms(7_000, 7_000, 500, 5, 5),
    )


def test_a_binding_local_rule_raises_the_floor_where_it_applies_and_is_named_as_the_source() -> None:
    strict = LegalRule(
        key="example-binding-60",
        region_code="110100",
        binding=True,
        terms=PolicyTerms(6_000, 5_000, 500, 3, 5),
        effective_from=date(2024, 1, 1),
        effective_to=date(2024, 12, 31),
        citation_zh="《示例条例》第一条",
        citation_en="Example regulation, Article 1",
    )
    rules = [*legal_rules(), strict]
    inside = floor_on(date(2024, 6, 1), HAIDIAN, rules=rules)
    expired = floor_on(date(2025, 1, 1), HAIDIAN, rules=rules)
    elsewhere = floor_on(date(2024, 6, 1), "120101", rules=rules)
    assert (
        inside.terms.cash_bp,
        inside.sources["cash_bp"].key,
        inside.sources["equity_bp"].key,
        expired.terms.cash_bp,
        elsewhere.terms.cash_bp,
    ) == (6_000, "example-binding-60", "national-2015-art45", 5_000, 5_000)


def test_malformed_rule_data_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text('{"rules": [{"key": "x", "region_code": "11", "binding": true}]}', encoding="utf-8")
    with _raises("bad_rule_data"):
        read_rules(path)


# ---------------------------------------------------------------- policies against the floor


def test_a_40_percent_cash_policy_is_refused_citing_article_45(beijing: LegalFloor) -> None:
    violations = check_policy(replace(INSTITUTION, cash_bp=4_000), beijing)
    assert violations == [
        Violation(
            field="cash_bp",
            required=5_000,
            given=4_000,
            rule_key="national-2015-art45",
            citation_zh="《促进科技成果转化法》第四十五条第一款第（一）项",
            citation_en="Law on Promoting the Transformation of Scientific and Technological Achievements "
            "(2015 amendment), Article 45, paragraph 1, item (1)",
        )
    ]
    assert violations[0].citation_zh.startswith("《促进科技成果转化法》第四十五条")


def test_a_plan_under_a_policy_below_the_floor_is_refused_with_its_violations() -> None:
    with _raises("policy_below_floor") as caught:
        _cash(100_000_000, TEAM_50_30_20, terms=replace(INSTITUTION, cash_bp=4_000))
    violations = caught.value.details["violations"]
    assert [(v.field, v.given, v.required) for v in violations] == [("cash_bp", 4_000, 5_000)]  # type: ignore[attr-defined]


def test_every_figure_below_the_floor_is_reported_in_order(beijing: LegalFloor) -> None:
    meagre = PolicyTerms(cash_bp=4_999, equity_bp=2_000, profit_bp=499, profit_years_min=2, profit_years_max=2)
    assert [(v.field, v.required, v.given) for v in check_policy(meagre, beijing)] == [
        ("cash_bp", 5_000, 4_999),
        ("equity_bp", 5_000, 2_000),
        ("profit_bp", 500, 499),
        ("profit_years_min", 3, 2),
    ]


def test_the_institution_policy_and_beijings_standard_meet_the_floor(beijing: LegalFloor) -> None:
    assert (check_policy(INSTITUTION, beijing), check_policy(beijing.permitted[0].terms, beijing)) == ([], [])


@pytest.mark.parametrize(
    ("figures", "code"),
    [
        ((10_001, 9_000, 500, 3, 5), "policy_out_of_range"),
        ((-1, 9_000, 500, 3, 5), "policy_out_of_range"),
        ((9_700, 9_000, 500, 5, 3), "policy_out_of_range"),
        ((True, 9_000, 500, 3, 5), "amount_not_integer"),
        ((97.0, 9_000, 500, 3, 5), "amount_not_integer"),
    ],
)
def test_policy_figures_out_of_range_are_refused(figures: tuple[int, ...], code: str) -> None:
    with _raises(code):
        PolicyTerms(*figures)


# ---------------------------------------------------------------- net income


def test_net_income_takes_off_the_itemised_deductions() -> None:
    deductions = [
        Deduction("tax", "Stamp duty", 30_000),
        Deduction("maintenance", "Patent annuities 2023–2025", 1_234_567),
        Deduction("direct_cost", "Valuation report", 800_000),
    ]
    assert (net_income(100_000_000, deductions), net_income(100_000_000), net_income(0)) == (
        97_935_433,
        100_000_000,
        0,
    )


def test_deductions_may_equal_but_not_exceed_the_receipt() -> None:
    assert net_income(500, [Deduction("direct_cost", "Appraisal", 500)]) == 0
    with _raises("deductions_exceed_income") as caught:
        net_income(500, [Deduction("direct_cost", "Appraisal", 300), Deduction("tax", "Tax", 201)])
    assert caught.value.details == {"gross": 500, "deductions": 501}


@pytest.mark.parametrize(
    ("kind", "amount", "code"),
    [("tax", -1, "bad_deduction"), ("bribe", 1, "bad_deduction"), ("tax", 1.5, "amount_not_integer")],
)
def test_bad_deductions_are_refused(kind: str, amount: int, code: str) -> None:
    with _raises(code):
        Deduction(kind, "x", amount)


def test_amounts_are_whole_numbers_a_bigint_holds() -> None:
    with _raises("amount_not_integer"):
        net_income(1.5)  # type: ignore[arg-type]
    with _raises("amount_too_large"):
        net_income(2**63)


# ---------------------------------------------------------------- the seeds' cases


def test_a_million_yuan_licence_at_97_percent_split_50_30_20() -> None:
    plan = _cash(1_000_000 * YUAN, TEAM_50_30_20)
    assert (plan.distributable, *_amounts(plan)) == (
        100_000_000,
        97_000_000,
        3_000_000,
        [48_500_000, 29_100_000, 19_400_000],
    )


def test_a_million_yuan_licence_at_97_percent_split_in_uneven_thirds() -> None:
    plan = _cash(1_000_000 * YUAN, TEAM_THIRDS)
    assert _amounts(plan) == (97_000_000, 3_000_000, [32_330_100, 32_330_100, 32_339_800])


def test_after_deductions_the_fen_left_over_go_to_the_largest_fractions() -> None:
    deductions = [Deduction("maintenance", "Annuities", 1_234_567), Deduction("direct_cost", "Valuation", 800_000)]
    plan = _cash(1_000_000 * YUAN, TEAM_THIRDS, deductions=deductions)
    # net 97,965,433 × 97% = 95,026,470.01 → 95,026,471; quotas 31,672,322.7843 ×2 and 31,681,825.4314.
    assert (plan.distributable, *_amounts(plan)) == (
        97_965_433,
        95_026_471,
        2_938_962,
        [31_672_323, 31_672_323, 31_681_825],
    )


def test_twelve_and_a_half_million_shares_go_90_10_in_whole_shares() -> None:
    plan = plan_equity(
        total_shares=12_500_000,
        terms=INSTITUTION,
        members=TEAM_50_30_20,
        floor=floor_on(ON, HAIDIAN),
        on=ON,
        payer=Payer.NONPROFIT_INSTITUTE,
    )
    assert (plan.measure, *_amounts(plan)) == ("share", 11_250_000, 1_250_000, [5_625_000, 3_375_000, 2_250_000])


def test_an_odd_number_of_shares_rounds_the_team_up_and_gives_the_spare_share_by_largest_fraction() -> None:
    plan = plan_equity(
        total_shares=12_500_001, terms=INSTITUTION, members=TEAM_THIRDS, floor=None, on=ON, payer=Payer.ENTERPRISE
    )
    # 11,250,000.9 → 11,250,001 to the team; quotas 3,749,625.3333 ×2 and 3,750,750.3334.
    assert _amounts(plan) == (11_250_001, 1_250_000, [3_749_625, 3_749_625, 3_750_751])
    assert "whole shares" in EQUITY_REMAINDER_RULE


def test_profit_sharing_pays_the_policy_share_for_the_years_it_covers() -> None:
    plan = plan_profit(profit_fen=1_000_000 * YUAN, year=5, terms=INSTITUTION, members=TEAM_50_30_20, floor=None, on=ON)
    assert (_amounts(plan), [line.tax_tags for line in plan.lines]) == (
        (5_000_000, 95_000_000, [2_500_000, 1_500_000, 1_000_000]),
        [(), (), ()],
    )
    with _raises("profit_year_outside_policy"):
        plan_profit(profit_fen=1, year=6, terms=INSTITUTION, members=TEAM_50_30_20, floor=None, on=ON)


# ---------------------------------------------------------------- rounding rules and their ties


def _full(amount: int, members: list[Member]) -> list[int]:
    """Lines of a cash plan paying the whole amount to the team, so the split alone decides."""
    return _amounts(_cash(amount, members, terms=replace(INSTITUTION, cash_bp=BP)))[2]


def test_the_team_part_is_rounded_up_and_the_unit_keeps_the_rest() -> None:
    assert (_amounts(_cash(1, TEAM_THIRDS))[:2], _amounts(_cash(3, TEAM_THIRDS, terms=NATIONAL_TERMS))[:2]) == (
        (1, 0),
        (2, 1),
    )


def test_equal_fractions_go_to_the_larger_share_before_the_earlier_member() -> None:
    # quotas 0.4, 1.4, 0.2: the spare fen goes to the 70% member although the 20% one is listed first
    assert _full(2, [Member("a", 2_000), Member("b", 7_000), Member("c", 1_000)]) == [0, 2, 0]


def test_equal_fractions_and_shares_go_to_the_earlier_member() -> None:
    assert _full(10, [Member("a", 5_000), Member("b", 2_500), Member("c", 2_500)]) == [5, 3, 2]


def test_a_member_at_0_bp_is_credited_but_never_paid() -> None:
    assert _full(7, [Member("a", 0), Member("b", 5_000), Member("c", 5_000)]) == [0, 4, 3]


@pytest.mark.parametrize(
    ("members", "code"),
    [
        ([Member("a", 5_000), Member("b", 4_999)], "split_not_100"),
        ([Member("a", 5_000), Member("b", 5_001)], "split_not_100"),
        ([], "no_members"),
        ([Member("a", 5_000), Member("a", 5_000)], "bad_member"),
    ],
)
def test_a_split_that_is_not_exactly_100_percent_is_refused(members: list[Member], code: str) -> None:
    with _raises(code):
        _cash(100, members)


@pytest.mark.parametrize(("key", "share"), [("", 10_000), ("a", -1)])
def test_a_member_needs_a_key_and_a_share_of_at_least_0(key: str, share: int) -> None:
    with _raises("bad_member"):
        Member(key, share)


# ---------------------------------------------------------------- reversals


def test_reversing_a_whole_distribution_is_its_exact_negation() -> None:
    plan = _cash(1_000_000 * YUAN, TEAM_THIRDS, deductions=[Deduction("tax", "Tax", 1_234_567)])
    back = reverse(plan, on=date(2025, 7, 1))
    assert (back.distributable, *_amounts(back), back.is_reversal, back.reverses_plan, back.on) == (
        -plan.distributable,
        -plan.team_amount,
        -plan.unit_amount,
        [-line.amount for line in plan.lines],
        True,
        True,
        date(2025, 7, 1),
    )
    assert (reverse(reverse(plan)), verify(back)) == (plan, [])


def test_a_partial_reversal_is_the_negated_split_of_its_absolute_value() -> None:
    refund, forward = _cash(-12_345, TEAM_THIRDS), _cash(12_345, TEAM_THIRDS)
    assert (_amounts(refund), refund.is_reversal, verify(refund)) == (
        (-forward.team_amount, -forward.unit_amount, [-line.amount for line in forward.lines]),
        True,
        [],
    )
    assert _amounts(refund) == (-11_975, -370, [-3_991, -3_991, -3_993])


def test_a_refund_nets_its_deductions_symmetrically() -> None:
    assert net_income(-1_000, [Deduction("tax", "Tax refunded", 100)]) == -900
    with _raises("deductions_exceed_income"):
        net_income(-100, [Deduction("tax", "Tax", 101)])


# ---------------------------------------------------------------- tax tags


def test_cash_from_a_nonprofit_institute_counts_half_as_wages_from_july_2018() -> None:
    tags = [(tag.code, tag.citation_zh, tag.flags) for tag in _cash(10_000, TEAM_THIRDS).lines[0].tax_tags]
    enterprise = plan_cash(
        gross_fen=10_000, terms=INSTITUTION, members=TEAM_THIRDS, floor=None, on=ON, payer=Payer.ENTERPRISE
    )
    early = plan_cash(
        gross_fen=10_000,
        terms=INSTITUTION,
        members=TEAM_THIRDS,
        floor=None,
        on=date(2018, 6, 30),
        payer=Payer.NONPROFIT_INSTITUTE,
    )
    assert (tags, enterprise.lines[0].tax_tags, early.lines[0].tax_tags) == (
        [("cash_reward_half_wage", "财税〔2018〕58号", ())],
        (),
        (),
    )


def test_equity_rewards_are_deferred_flagged_for_a_usage_right_and_may_take_the_101_deferral() -> None:
    def tags(contributed: Contribution, deferral: bool, payer: Payer = Payer.NONPROFIT_INSTITUTE) -> list[object]:
        plan = plan_equity(
            total_shares=1_000,
            terms=INSTITUTION,
            members=TEAM_THIRDS,
            floor=None,
            on=ON,
            payer=payer,
            contributed=contributed,
            deferral_101=deferral,
        )
        assert len({line.tax_tags for line in plan.lines}) == 1
        return [(tag.code, tag.citation_zh, tag.flags) for tag in plan.lines[0].tax_tags]

    assert (
        tags(Contribution.OWNERSHIP, deferral=False),
        tags(Contribution.USAGE_RIGHT, deferral=True),
        tags(Contribution.OWNERSHIP, deferral=True, payer=Payer.ENTERPRISE),
    ) == (
        [("equity_deferred", "财税字〔1999〕45号", ())],
        [("equity_deferred", "财税字〔1999〕45号", ("usage_right_only",)), ("deferral_101", "财税〔2016〕101号", ())],
        [("deferral_101", "财税〔2016〕101号", ())],
    )


# ---------------------------------------------------------------- explanation and self-check


def test_explain_lists_the_steps_as_structured_data() -> None:
    plan = _cash(1_000_000 * YUAN, TEAM_THIRDS, deductions=[Deduction("maintenance", "Annuities", 2_034_567)])
    steps = [step.as_dict() for step in plan.explain()]
    assert [step["step"] for step in steps] == [
        "receipt",
        "deduction",
        "net_income",
        "policy_checked",
        "team_share",
        "unit_share",
        "member_share",
        "member_share",
        "member_share",
        "remainder",
    ]
    assert (steps[4], steps[6], steps[9]) == (
        {
            "step": "team_share",
            "distributable": 97_965_433,
            "rate_bp": 9_700,
            "exact": "95026470.01",
            "rounding": "ceil_away_from_zero",
            "team": 95_026_471,
        },
        {
            "step": "member_share",
            "member": "a",
            "share_bp": 3_333,
            "exact": "31672322.7843",
            "remainder_unit": 1,
            "amount": 31_672_323,
        },
        {"step": "remainder", "left": 2, "rule": "largest_remainder", "ties": "fraction,share,order"},
    )


def test_verify_names_each_broken_invariant() -> None:
    plan = _cash(1_000, TEAM_50_30_20)
    lines = (replace(plan.lines[0], amount=plan.lines[0].amount + 1), *plan.lines[1:])
    broken = replace(plan, lines=lines, team_amount=plan.team_amount - 1)
    assert verify(broken) == [
        "team + unit differs from the distributable amount",
        "team 969 is not the policy share of 1000 rounded up",
        "the lines do not add up to the team amount",
        "lead gets 486, not within one unit of the exact quota",
    ]


def test_error_codes_are_a_closed_list() -> None:
    with pytest.raises(ValueError, match="unknown distribution error code"):
        DistributionError("made_up", "x")


# ---------------------------------------------------------------- properties over 10^5 distributions


FLOOR = floor_on(ON, HAIDIAN)


def _distribute(basis: Basis, amount: int, terms: PolicyTerms, members: list[Member]) -> Plan:
    payer = Payer.NONPROFIT_INSTITUTE
    if basis is Basis.CASH:
        return plan_cash(gross_fen=amount, terms=terms, members=members, floor=FLOOR, on=ON, payer=payer)
    if basis is Basis.EQUITY:
        return plan_equity(total_shares=amount, terms=terms, members=members, floor=FLOOR, on=ON, payer=payer)
    return plan_profit(profit_fen=amount, year=1, terms=terms, members=members, floor=FLOOR, on=ON)


def _members(cuts: list[int]) -> list[Member]:
    bounds = [0, *sorted(cuts), BP]
    return [Member(f"m{i}", end - start) for i, (start, end) in enumerate(pairwise(bounds))]


def _check(basis: Basis, amount: int, terms: PolicyTerms, members: list[Member]) -> None:
    """The properties, stated apart from the engine's arithmetic: the team is the policy share rounded up
    (``math.ceil`` of an exact fraction) and each line lies within one unit of team × share / 10,000."""
    plan = _distribute(basis, amount, terms, members)
    rate = {Basis.CASH: terms.cash_bp, Basis.EQUITY: terms.equity_bp, Basis.PROFIT: terms.profit_bp}[basis]
    sign = -1 if amount < 0 else 1
    team = plan.team_amount
    policy_team = sign * math.ceil(Fraction(abs(amount) * rate, BP))
    # |line − team × share / 10,000| < 1, multiplied through by 10,000 to stay in integers.
    off_quota = [abs(line.amount * BP - team * line.share_bp) >= BP for line in plan.lines]
    assert (
        sum(line.amount for line in plan.lines),
        team + plan.unit_amount,
        team,
        any(off_quota),
        [(line.member_key, line.share_bp) for line in plan.lines],
    ) == (team, amount, policy_team, False, [(m.key, m.share_bp) for m in members])


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Basis, int, PolicyTerms, list[Member]]:
    amount = draw(st.integers(0, 10**12))
    terms = PolicyTerms(draw(st.integers(5_000, BP)), draw(st.integers(5_000, BP)), draw(st.integers(500, BP)), 3, 5)
    cuts = draw(st.lists(st.integers(0, BP), max_size=11))
    return draw(st.sampled_from(Basis)), -amount if draw(st.booleans()) else amount, terms, _members(cuts)


@settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None, derandomize=True)
@given(_cases())
def test_random_distributions_sum_exactly_and_respect_the_policy(
    case: tuple[Basis, int, PolicyTerms, list[Member]],
) -> None:
    _check(*case)


def test_the_rest_of_the_examples_in_a_seeded_loop() -> None:
    rng = random.Random(20_260_601)
    for _ in range(EXAMPLES - HYPOTHESIS_EXAMPLES):
        amount = rng.randint(0, 10_000) if rng.random() < 0.1 else rng.randint(0, 10**12)
        rates = (rng.randint(5_000, BP), rng.randint(5_000, BP), rng.randint(500, BP))
        cuts = [rng.randint(0, BP) for _ in range(rng.randint(0, 11))]
        basis = rng.choice(list(Basis))
        _check(basis, -amount if rng.random() < 0.1 else amount, PolicyTerms(*rates, 3, 5), _members(cuts))


# ---------------------------------------------------------------- the benchmark


def test_the_benchmark_checks_a_few_cases_and_writes_its_block(tmp_path: Path) -> None:
    figures = transfer_distribution.run(300, seed=1)
    block = transfer_distribution.render(figures, csl.machine(), "bench")
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n", encoding="utf-8")
    for _ in range(2):
        csl.write_section(doc, transfer_distribution.START_MARKER, transfer_distribution.END_MARKER, block)
    assert (figures["failed"], sum(figures["bases"].values()), figures["whole_reversals"]) == (0, 300, 30)
    assert (doc.read_text(encoding="utf-8").count(transfer_distribution.START_MARKER), "**PASS**" in block) == (1, True)
