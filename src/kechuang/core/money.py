"""Money as an integer number of fen (分), never a float, and its fair splitting.

:class:`Money` is an immutable amount of Chinese yuan counted in fen. Adding, subtracting and
multiplying by whole numbers is exact; multiplying by a rate (a ``Decimal`` or ``Fraction``) goes
through :meth:`Money.multiply`, which names its rounding. :func:`allocate` splits an amount by
weights so the parts add up to the whole to the fen (largest-remainder method).

User input is read by :meth:`Money.parse` ("1,234.56", "¥1,234.56", "12.5万", "1.2亿元", full-width
digits); bad input raises a Django ``ValidationError`` with a stable ``code``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

FEN_PER_YUAN = 100
YUAN_PER_WAN = 10_000
YUAN_PER_YI = 100_000_000
# The range of a database BIGINT: parsed amounts must fit the column they will be stored in.
MAX_FEN = 2**63 - 1

ROUNDINGS = (ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_UP, ROUND_DOWN, ROUND_CEILING, ROUND_FLOOR)

_UNIT_SCALE = {"": 1, "元": 1, "万": YUAN_PER_WAN, "万元": YUAN_PER_WAN, "亿": YUAN_PER_YI, "亿元": YUAN_PER_YI}
_AMOUNT = re.compile(
    r"""
    (?P<sign>[-+\u2212]?)\s*
    (?:¥|RMB|CNY)?\s*
    (?P<sign2>[-+\u2212]?)\s*
    (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*
    (?P<unit>万元|亿元|万|亿|元)?
    """,
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
_MAX_INPUT = 64


def _round(value: Fraction, rounding: str) -> int:
    """``value`` rounded to a whole number with one of the ``decimal`` module's rounding modes."""
    if rounding not in ROUNDINGS:
        raise ValueError(f"unsupported rounding {rounding!r}; use one of {', '.join(ROUNDINGS)}")
    floor = value.numerator // value.denominator
    rest = value - floor  # in [0, 1)
    if rest == 0:
        return floor
    # Whether to step up from the floor; "away from zero" is up for positive values only.
    directed = {ROUND_FLOOR: False, ROUND_CEILING: True, ROUND_UP: value > 0, ROUND_DOWN: value < 0}
    half = Fraction(1, 2)
    if rounding in directed:
        step_up = directed[rounding]
    elif rest != half:
        step_up = rest > half
    else:
        step_up = {ROUND_HALF_EVEN: floor % 2 == 1, ROUND_HALF_UP: value > 0, ROUND_HALF_DOWN: value < 0}[rounding]
    return floor + int(step_up)


def _exact(value: int | Decimal | Fraction, what: str) -> Fraction:
    """``value`` as an exact fraction; floats (and bools) are refused because they are not exact."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise TypeError(f"{what} must be an int, Decimal or Fraction, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be finite, not {value}")
    return Fraction(value)


def _grouped(scaled: int, places: int) -> str:
    """A non-negative number held as ``scaled`` / 10**places, with thousands separators and no trailing zeros."""
    whole, part = divmod(scaled, 10**places)
    decimals = f"{part:0{places}d}".rstrip("0") if places else ""
    return f"{whole:,}" + (f".{decimals}" if decimals else "")


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of yuan held as whole fen. Immutable, hashable, ordered; ``bool`` is "not zero"."""

    fen: int

    def __post_init__(self) -> None:
        if isinstance(self.fen, bool) or not isinstance(self.fen, int):
            raise TypeError(f"Money holds a whole number of fen, not {type(self.fen).__name__}")

    # ------------------------------------------------------------ construction

    @classmethod
    def from_yuan(cls, amount: Decimal | int | str) -> Money:
        """An amount given in yuan (``Decimal("1234.56")``, ``12``, ``"0.01"``); it must be whole fen.

        For text typed by a person use :meth:`parse`; this is for values the program already trusts.
        """
        if isinstance(amount, str):
            try:
                amount = Decimal(amount.strip())
            except ArithmeticError:
                raise ValueError(f"not an amount of yuan: {amount!r}") from None
        fen = _exact(amount, "an amount of yuan") * FEN_PER_YUAN
        if fen.denominator != 1:
            raise ValueError(f"{amount} yuan is not a whole number of fen")
        return cls(fen.numerator)

    @classmethod
    def parse(cls, text: str, *, allow_negative: bool = False) -> Money:
        """Read an amount a person typed: "1234.56", "1,234.56", "¥1,234.56", "12.5万", "1.2亿元", "100元".

        Full-width digits, commas and the full-width ¥ are accepted, as are spaces around the
        parts. After scaling 万 (10⁴) and 亿 (10⁸) the amount must be a whole number of fen.
        Negative amounts are refused unless ``allow_negative``. Raises ``ValidationError`` with
        code ``money_empty``, ``money_invalid``, ``money_precision``, ``money_negative`` or
        ``money_too_large``.
        """
        normal = unicodedata.normalize("NFKC", text or "").strip()
        if not normal:
            raise ValidationError(_("Enter an amount."), code="money_empty")
        match = _AMOUNT.fullmatch(normal) if len(normal) <= _MAX_INPUT else None
        if match is None or (match["sign"] and match["sign2"]):
            raise ValidationError(
                _("Enter an amount in yuan, for example 1,234.56, 12.5万 or 3亿."), code="money_invalid"
            )
        fen = Fraction(match["number"].replace(",", "")) * _UNIT_SCALE[match["unit"] or ""] * FEN_PER_YUAN
        if fen.denominator != 1:
            raise ValidationError(
                _("An amount can be given to the fen only: at most two decimal places of yuan."),
                code="money_precision",
            )
        negative = (match["sign"] or match["sign2"]) in ("-", "\u2212")
        if negative and fen and not allow_negative:
            raise ValidationError(_("Enter an amount of zero or more."), code="money_negative")
        if fen > MAX_FEN:
            raise ValidationError(_("This amount is too large."), code="money_too_large")
        return cls(-fen.numerator if negative else fen.numerator)

    # ------------------------------------------------------------ values

    @property
    def yuan(self) -> Decimal:
        """The amount in yuan, exactly, with two decimal places."""
        return Decimal(self.fen).scaleb(-2)

    # ------------------------------------------------------------ arithmetic

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __mul__(self, factor: object) -> Money:
        # Only whole numbers here: a rate needs a stated rounding, see multiply().
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def __floordiv__(self, divisor: object) -> Money:
        """Floor division by a whole number (towards minus infinity); use :func:`allocate` to split fairly."""
        if isinstance(divisor, bool) or not isinstance(divisor, int):
            return NotImplemented
        return Money(self.fen // divisor)

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.fen))

    def __bool__(self) -> bool:
        return self.fen != 0

    def multiply(self, factor: int | Decimal | Fraction, *, rounding: str = ROUND_HALF_EVEN) -> Money:
        """This amount times an exact ``factor`` (e.g. ``Decimal("0.97")``), rounded to the fen.

        ``rounding`` is one of the ``decimal`` module's modes; the default, ``ROUND_HALF_EVEN``
        (banker's rounding), does not drift upward over many roundings. Floats are refused.
        """
        return Money(_round(Fraction(self.fen) * _exact(factor, "the factor"), rounding))

    def allocate(self, weights: Sequence[int | Decimal]) -> list[Money]:
        """This amount split by ``weights``; see :func:`allocate`."""
        return allocate(self, weights)

    # ------------------------------------------------------------ display

    def __str__(self) -> str:
        return self.format()

    def _sign(self, shown: int) -> str:
        return "-" if self.fen < 0 and shown else ""

    def _scaled(self, unit_yuan: int, places: int) -> int:
        """``|self|`` in units of ``unit_yuan``, times 10**places, rounded half up (四舍五入)."""
        return _round(Fraction(abs(self.fen) * 10**places, unit_yuan * FEN_PER_YUAN), ROUND_HALF_UP)

    def format(self) -> str:
        """Yuan to the fen: ``"¥1,234.56"``, ``"-¥1,234.56"``."""
        whole, cents = divmod(abs(self.fen), FEN_PER_YUAN)
        return f"{self._sign(self.fen)}¥{whole:,}.{cents:02d}"

    def format_wan(self, places: int = 2) -> str:
        """In 万元, at most ``places`` decimals, trailing zeros dropped: ``"12.5万元"``, ``"1,250万元"``."""
        scaled = self._scaled(YUAN_PER_WAN, places)
        return f"{self._sign(scaled)}{_grouped(scaled, places)}万元"

    def format_yi(self, places: int = 2) -> str:
        """In 亿元, at most ``places`` decimals, trailing zeros dropped: ``"1.2亿元"``."""
        scaled = self._scaled(YUAN_PER_YI, places)
        return f"{self._sign(scaled)}{_grouped(scaled, places)}亿元"

    def format_auto(self, language: str | None = None, places: int = 2) -> str:
        """The amount in the unit that reads best for its size, in ``language`` (default: the active one).

        Chinese: 亿元 from one 亿, 万元 from one 万, else yuan to the fen ("1.2亿元", "12.5万元",
        "¥1,234.56"). English: "¥1.2 billion", "¥12.5 million", else "¥1,234.56". The unit is
        chosen by the exact amount, except that a value which would round up to a whole unit of
        the next size reads in that unit: 99,999,999.99 yuan is "1亿元", not "10,000万元".
        """
        english = (language or get_language() or "zh-hans").lower().startswith("en")
        if english:
            big, small, symbol = (10**9, " billion"), (10**6, " million"), "¥"
        else:
            big, small, symbol = (YUAN_PER_YI, "亿元"), (YUAN_PER_WAN, "万元"), ""
        small_scaled = self._scaled(small[0], places)
        yuan = abs(self.fen) // FEN_PER_YUAN
        if yuan >= big[0] or small_scaled >= (big[0] // small[0]) * 10**places:
            unit, suffix = big
        elif yuan >= small[0]:
            unit, suffix = small
        else:
            return self.format()
        scaled = self._scaled(unit, places)
        return f"{self._sign(scaled)}{symbol}{_grouped(scaled, places)}{suffix}"


ZERO = Money(0)


def allocate(total: Money, weights: Sequence[int | Decimal]) -> list[Money]:
    """Split ``total`` into parts proportional to ``weights`` that add up to ``total`` to the fen.

    Largest-remainder method: part *i* first gets ``floor(|total| × wᵢ / Σw)`` fen; the fen left
    over (fewer than the number of parts) go one each to the parts with the largest remainders;
    equal remainders are broken by position, the earlier weight first. So every part is within
    one fen of its exact share and the result depends only on the inputs. A negative total is
    split as its absolute value and every part negated, so splitting is symmetric about zero.

    Weights are positive ``int`` or ``Decimal`` (e.g. ``[97, 3]`` or ``[Decimal("0.9"), Decimal("0.1")]``);
    an empty list, a zero or negative weight, or a float raises ``ValueError``.
    """
    if not isinstance(total, Money):
        raise TypeError(f"total must be Money, not {type(total).__name__}")
    if not weights:
        raise ValueError("allocate needs at least one weight")
    exact: list[Fraction] = []
    for weight in weights:
        try:
            value = _exact(weight, "a weight")
        except TypeError as exc:
            raise ValueError(str(exc)) from None
        if value <= 0:
            raise ValueError(f"weights must be positive, not {weight}")
        exact.append(value)
    whole = abs(total.fen)
    weight_sum = sum(exact, Fraction(0))
    shares = [whole * w / weight_sum for w in exact]
    parts = [s.numerator // s.denominator for s in shares]
    left = whole - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    sign = -1 if total.fen < 0 else 1
    return [Money(sign * p) for p in parts]
