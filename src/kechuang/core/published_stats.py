"""Published statistical series (yearbooks, bulletins) read from CSV into typed rows with provenance.

Input: a directory of CSV files in the long format ``province,year,item_zh,value,units,var_code``
and a ``README.md`` that names where they come from (the upstream repository in bold, ``Mirror
commit: `<sha>```, the licence, and a table ``| file | upstream object | years | content |``).
``read_stats_directory`` reads every file the table lists that is in that format.

Values by unit (``units`` column):

* money (万元, 亿元, 元) becomes an ``int`` of fen: 1 万元 = 1,000,000 fen, 1 亿元 =
  10,000,000,000 fen. The conversion is exact; only a value published finer than one fen (the
  2018 outflow amounts carry seven decimals of 万元, float residue upstream) is rounded half-even
  to the fen, and its row says so (``rounded``). Every row keeps the value text as published;
* counts (件, 项, 篇, 位, 人年, 家, 个, 人) become ``int``; a fraction is refused;
* percentages (%) stay ``Decimal``.

A row that cannot be read is not guessed at: it is refused with its line number (the header is
line 1) and a ``Refusal`` code, and the rest of the file is still read. Places are matched to
GB/T 2260 provinces by their short name (北京, 内蒙古 …; spaces from the yearbook's layout are
dropped), ``全国`` is the whole country (no region code), and a few misprints in the upstream
files are read as the province they plainly mean (``MISPRINTS``; the row keeps the place as
published). Anything else, such as the regional aggregate ``尔部地区``, is refused.

``compound_growth`` gives the growth between two years with its formula,
``CAGR = (v2/v1)^(1/(y2−y1)) − 1``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from functools import cache
from pathlib import Path

from kechuang.core.regions import provinces

COLUMNS = ("province", "year", "item_zh", "value", "units", "var_code")
FEN_PER_UNIT = {"元": 100, "万元": 1_000_000, "亿元": 10_000_000_000}
COUNT_UNITS = frozenset({"件", "项", "篇", "位", "人年", "家", "个", "人"})
PERCENT_UNITS = frozenset({"%"})
NATIONAL = "全国"
# Misprints in the upstream transcription (两/四 for 西, 汀 for 江, 占 for 古); each is the only row
# for its province and year, so reading it as that province loses nothing and invents nothing.
MISPRINTS = {
    "江两": "江西",
    "江四": "江西",
    "山两": "山西",
    "两藏": "西藏",
    "四藏": "西藏",
    "浙汀": "浙江",
    "内蒙占": "内蒙古",
}
GROWTH_FORMULA = "CAGR = (v2/v1)^(1/(y2−y1)) − 1"
RATE_PLACES = Decimal("0.000001")


class Measure(StrEnum):
    MONEY = "money"  # value in fen
    COUNT = "count"
    PERCENT = "percent"


class Refusal(StrEnum):
    FIELD_COUNT = "field_count"
    UNKNOWN_PLACE = "unknown_place"
    BAD_YEAR = "bad_year"
    EMPTY_ITEM = "empty_item"
    EMPTY_VALUE = "empty_value"
    BAD_NUMBER = "bad_number"
    NEGATIVE = "negative"
    UNKNOWN_UNIT = "unknown_unit"
    FRACTIONAL_COUNT = "fractional_count"
    DUPLICATE = "duplicate"


class StatsFormatError(ValueError):
    """The file or README as a whole cannot be read (wrong columns, no provenance)."""


@dataclass(frozen=True)
class Provenance:
    """Where a file comes from, as its directory's README states it."""

    file: str
    repository: str  # owner/name of the upstream repository
    commit: str
    licence: str
    upstream_object: str
    years: str
    description: str


@dataclass(frozen=True)
class StatRow:
    line: int
    place: str  # as published, spaces removed: 北京, 全国, 江两
    region: str | None  # GB/T 2260 province code; None for the whole country
    year: int
    item_zh: str
    var_code: str
    unit: str
    measure: Measure
    value: int | Decimal  # fen for money, an int for counts, a Decimal for percentages
    published_value: str  # the value column as published
    rounded: bool = False  # money published finer than a fen, rounded half-even to it


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: Refusal
    detail: str  # English, for the person who fixes the file
    fields: tuple[str, ...]


@dataclass(frozen=True)
class StatsFile:
    provenance: Provenance
    rows: tuple[StatRow, ...]
    refused: tuple[RefusedRow, ...]


@dataclass(frozen=True)
class Growth:
    rate: Decimal  # a fraction (0.265 is 26.5 %), rounded half-even to six places
    formula: str  # GROWTH_FORMULA with this case's numbers and result


class _RefusedError(Exception):
    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def read_provenance(readme: Path) -> dict[str, Provenance]:
    """The provenance of every file in the README's table, by file name."""
    text = readme.read_text(encoding="utf-8")
    repository = re.search(r"\*\*([\w.-]+/[\w.-]+)\*\*", text)
    commit = re.search(r"[Mm]irror commit:\s*`([0-9a-f]{7,40})`", text)
    if repository is None or commit is None:
        raise StatsFormatError(f"{readme} names no upstream repository (in bold) or no `Mirror commit:`.")
    licence = re.search(r"([\w.+-]+) licen[cs]e", text)
    found: dict[str, Provenance] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].endswith(".csv"):
            found[cells[0]] = Provenance(
                file=cells[0],
                repository=repository.group(1),
                commit=commit.group(1),
                licence=licence.group(1) if licence else "",
                upstream_object=cells[1],
                years=cells[2],
                description=cells[3],
            )
    return found


def read_stats_directory(directory: Path) -> list[StatsFile]:
    """Every long-format file the directory's README lists, in file-name order.

    Listed files in another layout are left out (``is_long_format``); a listed file that is missing
    raises ``FileNotFoundError``.
    """
    listed = read_provenance(directory / "README.md")
    return [
        read_stats_file(directory / name, provenance)
        for name, provenance in sorted(listed.items())
        if is_long_format(directory / name)
    ]


def is_long_format(path: Path) -> bool:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return tuple(next(csv.reader(handle), ())) == COLUMNS


def read_stats_file(path: Path, provenance: Provenance) -> StatsFile:
    """The rows of one long-format file; unreadable rows refused with their line numbers."""
    rows: list[StatRow] = []
    refused: list[RefusedRow] = []
    seen: dict[tuple[str, int, str], int] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header != COLUMNS:
            raise StatsFormatError(f"{path.name}: columns {', '.join(header)}; expected {', '.join(COLUMNS)}.")
        for fields in reader:
            line = reader.line_num
            try:
                row = _row(line, fields)
                key = (row.place if row.region is None else row.region, row.year, row.var_code)
                if key in seen:
                    raise _RefusedError(Refusal.DUPLICATE, f"same place, year and variable as line {seen[key]}")
                seen[key] = line
                rows.append(row)
            except _RefusedError as refusal:
                refused.append(RefusedRow(line, refusal.reason, refusal.detail, tuple(fields)))
    return StatsFile(provenance=provenance, rows=tuple(rows), refused=tuple(refused))


def _row(line: int, fields: list[str]) -> StatRow:
    if len(fields) != len(COLUMNS):
        raise _RefusedError(Refusal.FIELD_COUNT, f"{len(fields)} fields; expected {len(COLUMNS)}")
    place_text, year_text, item_zh, value_text, unit, var_code = (field.strip() for field in fields)
    place = re.sub(r"\s+", "", place_text)
    region = _region_of(place)
    if not re.fullmatch(r"(19|20)\d\d", year_text):
        raise _RefusedError(Refusal.BAD_YEAR, f"year {year_text!r}")
    if not item_zh or not var_code:
        raise _RefusedError(Refusal.EMPTY_ITEM, "no item or variable code")
    measure, value, rounded = _value(value_text, unit)
    return StatRow(line, place, region, int(year_text), item_zh, var_code, unit, measure, value, value_text, rounded)


def _region_of(place: str) -> str | None:
    if place == NATIONAL:
        return None
    code = _province_codes().get(MISPRINTS.get(place, place))
    if code is None:
        raise _RefusedError(Refusal.UNKNOWN_PLACE, f"{place!r} is neither a province nor {NATIONAL}")
    return code


@cache
def _province_codes() -> dict[str, str]:
    """Short province names as yearbooks print them (北京, 内蒙古, 广西) → GB/T 2260 code."""
    suffix = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
    return {suffix.sub("", province.zh): province.code for province in provinces()}


def _value(text: str, unit: str) -> tuple[Measure, int | Decimal, bool]:
    if not text:
        raise _RefusedError(Refusal.EMPTY_VALUE, "no value")
    # Plain decimals only: Decimal() alone would also take "1e5", "1_000" and "NaN".
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise _RefusedError(Refusal.BAD_NUMBER, f"value {text!r}")
    number = Decimal(text)
    if number < 0:
        raise _RefusedError(Refusal.NEGATIVE, f"value {text}")
    if unit in FEN_PER_UNIT:
        with localcontext() as context:
            context.prec = 60  # wide enough that scaling to fen never rounds
            fen = number * FEN_PER_UNIT[unit]
        whole = fen.to_integral_value(rounding=ROUND_HALF_EVEN)
        return Measure.MONEY, int(whole), whole != fen
    if unit in COUNT_UNITS:
        if number != number.to_integral_value():
            raise _RefusedError(Refusal.FRACTIONAL_COUNT, f"{text} {unit} is not a whole count")
        return Measure.COUNT, int(number), False
    if unit in PERCENT_UNITS:
        return Measure.PERCENT, number, False
    raise _RefusedError(Refusal.UNKNOWN_UNIT, f"unit {unit!r}")


def compound_growth(*, start_year: int, start_value: int | Decimal, end_year: int, end_value: int | Decimal) -> Growth:
    """Compound annual growth rate from ``start_year`` to ``end_year``, with the formula filled in.

    Both values in the same unit (fen, counts …). Refuses (``ValueError``) an end year not after
    the start year, a start value that is not positive and a negative end value: the rate is not
    defined there. Computed with 28 significant digits, then rounded half-even to six places.
    """
    if end_year <= start_year:
        raise ValueError("The end year must come after the start year.")
    if start_value <= 0 or end_value < 0:
        raise ValueError("Growth needs a positive start value and an end value of zero or more.")
    with localcontext() as context:
        context.prec = 28
        ratio = Decimal(end_value) / Decimal(start_value)
        rate = (ratio ** (Decimal(1) / (end_year - start_year)) - 1).quantize(RATE_PLACES)
    formula = (
        f"{GROWTH_FORMULA} = ({end_value} / {start_value})^(1/({end_year} − {start_year})) − 1 = {rate * 100:.2f}%"
    )
    return Growth(rate=rate, formula=formula)
