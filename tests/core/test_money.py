"""Money in whole fen: parsing, display, arithmetic and the largest-remainder split."""

from __future__ import annotations

import pickle
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kechuang.core.money import ROUNDINGS, ZERO, Money, allocate

WAN = 10_000 * 100
YI = 100_000_000 * 100


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("¥1,234.56", 123456),
        ("￥1,234.56", 123456),
        ("¥ 1,234.56", 123456),
        ("12.5万", 125_000_00),
        ("12.5万元", 125_000_00),
        ("3亿", 300_000_000_00),
        ("1.2亿元", 120_000_000_00),
        ("100元", 100_00),
        ("0.01", 1),
        ("0", 0),
        ("0.5", 50),
        ("１２３", 123_00),
        ("１，２３４．５６", 123456),
        ("  42  ", 42_00),
        ("\u300042\u3000", 42_00),
        ("12.345678万", 123_456_78),
        ("1.2345678912亿", 123_456_789_12),
        ("1,000,000", 1_000_000_00),
        ("RMB 100", 100_00),
        ("cny100", 100_00),
        ("1250万", 1250 * WAN),
        ("+5", 5_00),
    ],
)
def test_parse_accepts(text: str, fen: int) -> None:
    assert Money.parse(text) == Money(fen)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "money_empty"),
        ("   ", "money_empty"),
        ("0.001", "money_precision"),
        ("1.2345678万", "money_precision"),
        ("1.23456789123亿", "money_precision"),
        ("NaN", "money_invalid"),
        ("nan", "money_invalid"),
        ("inf", "money_invalid"),
        ("Infinity", "money_invalid"),
        ("abc", "money_invalid"),
        ("1e5", "money_invalid"),
        ("12,34", "money_invalid"),
        ("1,2345", "money_invalid"),
        ("1.2.3", "money_invalid"),
        (".5", "money_invalid"),
        ("5.", "money_invalid"),
        ("--5", "money_invalid"),
        ("-¥-5", "money_invalid"),
        ("万", "money_invalid"),
        ("5 万 元 元", "money_invalid"),
        ("1亿2000万", "money_invalid"),
        ("١٢٣", "money_invalid"),
        ("1" * 70, "money_invalid"),
        ("-5", "money_negative"),
        ("-¥1,234.56", "money_negative"),
        ("100000000000亿", "money_too_large"),
    ],
)
def test_parse_refuses_with_a_stable_code(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Money.parse(text)
    assert caught.value.code == code


def test_parse_negative_when_allowed() -> None:
    assert Money.parse("-¥1,234.56", allow_negative=True) == Money(-123456)
    assert Money.parse("¥-3万", allow_negative=True) == Money(-3 * WAN)
    assert Money.parse("\u22125", allow_negative=True) == Money(-500)
    assert Money.parse("-0") == ZERO


def test_parse_error_message_is_an_english_msgid_translated_lazily() -> None:
    with pytest.raises(ValidationError) as caught:
        Money.parse("0.001")
    with translation.override("en"):
        assert caught.value.messages == ["An amount can be given to the fen only: at most two decimal places of yuan."]


def test_parse_round_trips_its_own_display() -> None:
    for fen in (0, 1, 99, 100, 123456, 1250 * WAN, -123456):
        money = Money(fen)
        assert Money.parse(money.format(), allow_negative=True) == money


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (123456, ("¥1,234.56", "0.12万元", "0亿元", "¥1,234.56", "¥1,234.56")),
        (-123456, ("-¥1,234.56", "-0.12万元", "0亿元", "-¥1,234.56", "-¥1,234.56")),
        (0, ("¥0.00", "0万元", "0亿元", "¥0.00", "¥0.00")),
        (1, ("¥0.01", "0万元", "0亿元", "¥0.01", "¥0.01")),
        (125_000_00, ("¥125,000.00", "12.5万元", "0亿元", "12.5万元", "¥125,000.00")),
        (1250 * WAN, ("¥12,500,000.00", "1,250万元", "0.13亿元", "1,250万元", "¥12.5 million")),
        (120_000_000_00, ("¥120,000,000.00", "12,000万元", "1.2亿元", "1.2亿元", "¥120 million")),
        (-3 * YI, ("-¥300,000,000.00", "-30,000万元", "-3亿元", "-3亿元", "-¥300 million")),
        (12 * 10**9 * 100, ("¥12,000,000,000.00", "1,200,000万元", "120亿元", "120亿元", "¥12 billion")),
        (1 * WAN, ("¥10,000.00", "1万元", "0亿元", "1万元", "¥10,000.00")),
        # Rounding picks the unit: 99,999,999.99 yuan reads as 1亿元, not 10,000万元.
        (YI - 1, ("¥99,999,999.99", "10,000万元", "1亿元", "1亿元", "¥100 million")),
        (9_999_99, ("¥9,999.99", "1万元", "0亿元", "¥9,999.99", "¥9,999.99")),
        (999_999_99, ("¥999,999.99", "100万元", "0.01亿元", "100万元", "¥999,999.99")),
        (999_999_999_99, ("¥999,999,999.99", "100,000万元", "10亿元", "10亿元", "¥1 billion")),
        (12_345_000_00, ("¥12,345,000.00", "1,234.5万元", "0.12亿元", "1,234.5万元", "¥12.35 million")),
    ],
)
def test_display(fen: int, shown: tuple[str, str, str, str, str]) -> None:
    plain, wan, yi, auto_zh, auto_en = shown
    money = Money(fen)
    assert (money.format(), money.format_wan(), money.format_yi()) == (plain, wan, yi)
    assert (money.format_auto("zh-hans"), money.format_auto("en")) == (auto_zh, auto_en)
    assert str(money) == plain


def test_display_places_and_half_up() -> None:
    assert Money(123_450_00).format_wan(places=1) == "12.3万元"  # 12.345 → 12.3
    assert Money(123_450_00).format_wan(places=2) == "12.35万元"  # a tie rounds up (四舍五入)
    assert Money(123_456_78).format_wan(places=6) == "12.345678万元"
    assert Money(123_456_789_12).format_yi(places=4) == "1.2346亿元"
    assert Money(125_000_00).format_wan(places=0) == "13万元"


def test_format_auto_follows_the_active_language() -> None:
    with translation.override("en"):
        assert Money(1250 * WAN).format_auto() == "¥12.5 million"
    with translation.override("zh-hans"):
        assert Money(1250 * WAN).format_auto() == "1,250万元"


def test_arithmetic() -> None:
    a, b = Money(150), Money(75)
    assert (a + b, a - b, b - a) == (Money(225), Money(75), Money(-75))
    assert (a * 3, 3 * a, a // 4, Money(-7) // 2) == (Money(450), Money(450), Money(37), Money(-4))
    assert (-a, +a, abs(Money(-5))) == (Money(-150), Money(150), Money(5))
    assert sum([a, b, b], ZERO) == Money(300)


def test_comparison_hashing_and_truth() -> None:
    assert Money(1) < Money(2) <= Money(2) < Money(3)
    assert Money(3) > Money(-3)
    assert sorted([Money(3), Money(-1), Money(2)]) == [Money(-1), Money(2), Money(3)]
    assert len({Money(5), Money(5), Money(6)}) == 2
    assert (bool(Money(0)), bool(Money(1)), bool(Money(-1))) == (False, True, True)
    assert (Money(5) == 5) is False


@pytest.mark.parametrize("other", [1.5, Decimal("1.5"), "1", True])
def test_no_inexact_or_implicit_arithmetic(other: object) -> None:
    with pytest.raises(TypeError):
        Money(100) * other  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(100) + other  # type: ignore[operator]


def test_no_float_anywhere() -> None:
    with pytest.raises(TypeError):
        Money(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True)
    with pytest.raises(TypeError):
        Money.from_yuan(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100).multiply(0.97)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100) / 2  # type: ignore[operator]


def test_immutable_and_picklable() -> None:
    money = Money(5)
    with pytest.raises(AttributeError):
        money.fen = 6  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(money)) == money  # noqa: S301 - our own bytes


def test_from_yuan_and_views() -> None:
    assert Money.from_yuan("1234.56") == Money(123456)
    assert Money.from_yuan(Decimal("12")) == Money(1200)
    assert Money.from_yuan(7) == Money(700)
    assert Money.from_yuan("-0.01") == Money(-1)
    assert Money(123456).yuan == Decimal("1234.56")
    assert str(Money(100).yuan) == "1.00"
    assert Money(-5).fen == -5
    for bad in ("1.001", "abc", "NaN"):
        with pytest.raises(ValueError):  # noqa: PT011 - the message names the value
            Money.from_yuan(bad)


def test_multiply_names_its_rounding() -> None:
    assert Money(5).multiply(Decimal("0.5")) == Money(2)  # 2.5 → 2, half to even
    assert Money(7).multiply(Decimal("0.5")) == Money(4)  # 3.5 → 4, half to even
    assert Money(5).multiply(Decimal("0.5"), rounding=ROUND_HALF_UP) == Money(3)
    assert Money(-5).multiply(Decimal("0.5"), rounding=ROUND_HALF_UP) == Money(-3)
    assert Money(-5).multiply(Decimal("0.5"), rounding=ROUND_FLOOR) == Money(-3)
    assert Money(-5).multiply(Decimal("0.5"), rounding=ROUND_DOWN) == Money(-2)
    assert Money(100).multiply(Fraction(1, 3)) == Money(33)
    assert Money(1250 * WAN).multiply(Decimal("0.97")) == Money(12_125_000_00)
    with pytest.raises(ValueError):  # noqa: PT011
        Money(5).multiply(Decimal("NaN"))
    with pytest.raises(ValueError):  # noqa: PT011
        Money(5).multiply(Decimal("0.5"), rounding="ROUND_05UP")


@given(
    fen=st.integers(min_value=-(10**12), max_value=10**12),
    factor=st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False, allow_infinity=False),
    rounding=st.sampled_from(ROUNDINGS),
)
def test_multiply_agrees_with_decimal_quantize(fen: int, factor: Decimal, rounding: str) -> None:
    expected = (Decimal(fen) * factor).quantize(Decimal(1), rounding=rounding)
    assert Money(fen).multiply(factor, rounding=rounding) == Money(int(expected))


# ------------------------------------------------------------------ allocation


def test_seed_examples_of_revenue_sharing() -> None:
    # A university gives 90% of the equity of an achievement invested at 12.5 million yuan to the team.
    assert allocate(Money.parse("1250万"), [90, 10]) == [Money.parse("1125万"), Money.parse("125万")]
    # …and 97% of cash income from a licence.
    assert allocate(Money.parse("100万"), [97, 3]) == [Money.parse("97万"), Money.parse("3万")]
    assert allocate(Money.parse("1250万"), [Decimal("0.9"), Decimal("0.1")]) == [
        Money.parse("1125万"),
        Money.parse("125万"),
    ]
    # A 100-million fund split 20/20/60.
    assert Money.parse("1亿").allocate([20, 20, 60]) == [
        Money.parse("2000万"),
        Money.parse("2000万"),
        Money.parse("6000万"),
    ]


def test_allocate_gives_left_over_fen_to_largest_remainders_then_earlier_weights() -> None:
    assert allocate(Money(10), [1, 1, 1]) == [Money(4), Money(3), Money(3)]
    assert allocate(Money(11), [1, 1, 1]) == [Money(4), Money(4), Money(3)]
    # Remainders 0.4, 0.6: the larger remainder wins, whatever its position.
    assert allocate(Money(1), [2, 3]) == [Money(0), Money(1)]
    assert allocate(Money(100), [1, 1, 1]) == [Money(34), Money(33), Money(33)]
    # Remainders 5/6, 2/3, 5/6, 2/3: both 5/6 get a fen, then of the tied 2/3 the earlier one.
    assert allocate(Money(5), [1, 2, 1, 2]) == [Money(1), Money(2), Money(1), Money(1)]
    assert allocate(Money(0), [1, 2]) == [ZERO, ZERO]


def test_allocate_negative_totals_mirror_positive_ones() -> None:
    assert allocate(Money(-10), [1, 1, 1]) == [Money(-4), Money(-3), Money(-3)]


@pytest.mark.parametrize(
    "weights",
    [[], [0], [0, 0], [1, 0], [1, -1], [Decimal("-0.5"), Decimal(1)], [1.5, 1], [True, 1], [Decimal("NaN")]],
)
def test_allocate_refuses_bad_weights(weights: list[int | Decimal]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the weight
        allocate(Money(100), weights)


money_amounts = st.integers(min_value=-(10**15), max_value=10**15).map(Money)
int_weights = st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=12)
decimal_weights = st.lists(
    st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=12,
)


@given(total=money_amounts, weights=st.one_of(int_weights, decimal_weights))
def test_allocation_sums_to_the_whole_and_stays_within_a_fen(total: Money, weights: list[int | Decimal]) -> None:
    parts = allocate(total, weights)
    assert sum(parts, ZERO) == total
    assert len(parts) == len(weights)
    weight_sum = sum((Fraction(w) for w in weights), Fraction(0))
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total.fen) * Fraction(weight) / weight_sum
        assert abs(Fraction(part.fen) - exact) < 1
    assert allocate(total, weights) == parts
    assert allocate(-total, weights) == [-p for p in parts]


@given(total=money_amounts, count=st.integers(min_value=1, max_value=50), weight=st.integers(min_value=1, max_value=99))
def test_equal_weights_differ_by_at_most_a_fen_earlier_parts_first(total: Money, count: int, weight: int) -> None:
    parts = allocate(total, [weight] * count)
    magnitudes = [abs(p.fen) for p in parts]
    assert max(magnitudes) - min(magnitudes) <= 1
    # All remainders tie, so the extra fen go to the earliest parts.
    assert magnitudes == sorted(magnitudes, reverse=True)


@given(total=money_amounts, weights=st.one_of(int_weights, decimal_weights))
def test_left_over_fen_follow_the_documented_order(total: Money, weights: list[int | Decimal]) -> None:
    parts = allocate(total, weights)
    weight_sum = sum((Fraction(w) for w in weights), Fraction(0))
    shares = [abs(total.fen) * Fraction(w) / weight_sum for w in weights]
    remainders = [share - (share.numerator // share.denominator) for share in shares]
    got_extra = [abs(p.fen) > share for p, share in zip(parts, shares, strict=True)]
    for i, extra in enumerate(got_extra):
        for j, other in enumerate(got_extra):
            if extra and not other:
                # A part that got a fen has a larger remainder, or an equal one and comes earlier.
                assert (remainders[i], -i) > (remainders[j], -j)
