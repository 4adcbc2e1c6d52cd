"""Statistics of the registry — turnover by year, type, field and province, the origin → destination
flow matrix and growth with its formula — read from :class:`RegistryTally` only, never from the
registration rows; and, kept apart, the published series imported into :class:`PublishedFigure`.

Registry figures count registered contracts (the year is the year of registration); published
figures are what a yearbook printed. Pages and downloads label which is which.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, QuerySet, Sum
from django.utils.translation import gettext as _

from kechuang.core.published_stats import compound_growth
from kechuang.core.regions import all_regions
from kechuang.transfer.enums import ContractType
from kechuang.transfer.models import PublishedFigure, RegistryTally

DIMENSIONS = ("year", "contract_type", "field", "seller_province", "buyer_province")
BEIJING, TIANJIN, HEBEI = "110000", "120000", "130000"
# The flow the city reports: Beijing's technology contracts with buyers in Tianjin and Hebei (京津冀).
JINGJINJI = (BEIJING, (TIANJIN, HEBEI))
OUTFLOW, INFLOW = "tech_market_outflow", "tech_market_inflow"
# A published figure's source: the file's provenance, this separator, then the row's line and value as published.
SOURCE_SEPARATOR = "; "
# Published figures for the whole country (全国) have no GB/T 2260 province; they are stored under this code.
NATIONAL_REGION = "000000"
PUBLISHED_DATASETS = (OUTFLOW, INFLOW)


@dataclass(frozen=True)
class Turnover:
    """One group of registered contracts: its key (dimension → value) and its three sums."""

    key: Mapping[str, Any]
    contracts: int
    contract_amount_fen: int
    technology_amount_fen: int

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.key,
            "contracts": self.contracts,
            "contract_amount_fen": self.contract_amount_fen,
            "technology_amount_fen": self.technology_amount_fen,
        }


def _tally(
    *,
    start: int | None = None,
    end: int | None = None,
    contract_type: str = "",
    seller_province: str = "",
    buyer_provinces: Sequence[str] = (),
) -> QuerySet[RegistryTally]:
    found = RegistryTally.objects.all()
    if start is not None:
        found = found.filter(year__gte=start)
    if end is not None:
        found = found.filter(year__lte=end)
    if contract_type:
        found = found.filter(contract_type=contract_type)
    if seller_province:
        found = found.filter(seller_province=seller_province)
    if buyer_provinces:
        found = found.filter(buyer_province__in=list(buyer_provinces))
    return found


def turnover(
    *,
    by: Sequence[str],
    start: int | None = None,
    end: int | None = None,
    contract_type: str = "",
    seller_province: str = "",
    buyer_provinces: Sequence[str] = (),
) -> list[Turnover]:
    """Registered contracts grouped by the dimensions ``by`` (any of :data:`DIMENSIONS`), ordered by them.

    Years are inclusive. Groups whose contracts have all ended (zero) are left out.
    """
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown or not by:
        raise ValueError(f"group by some of {DIMENSIONS}, not {list(by)}")
    rows = (
        _tally(
            start=start,
            end=end,
            contract_type=contract_type,
            seller_province=seller_province,
            buyer_provinces=buyer_provinces,
        )
        .values(*by)
        .annotate(
            n=Sum("contracts"),
            amount=Sum("contract_amount_fen"),
            technology=Sum("technology_amount_fen"),
        )
        .order_by(*by)
    )
    return [
        Turnover(
            key={d: row[d] for d in by},
            contracts=int(row["n"] or 0),
            contract_amount_fen=int(row["amount"] or 0),
            technology_amount_fen=int(row["technology"] or 0),
        )
        for row in rows
        if row["n"]
    ]


def flow_matrix(*, start: int | None = None, end: int | None = None, by_year: bool = False) -> list[Turnover]:
    """The origin → destination matrix: seller province × buyer province (× year), from the tally."""
    by = ("year", "seller_province", "buyer_province") if by_year else ("seller_province", "buyer_province")
    return turnover(by=by, start=start, end=end)


def flows_from(
    origin: str, destinations: Sequence[str], *, start: int | None = None, end: int | None = None
) -> list[Turnover]:
    """Contracts sold from ``origin`` to each of ``destinations``, by year (e.g. Beijing → Tianjin, Hebei)."""
    return turnover(
        by=("year", "buyer_province"), start=start, end=end, seller_province=origin, buyer_provinces=destinations
    )


def yearly_totals(rows: Sequence[Turnover], *, measure: str = "technology_amount_fen") -> dict[int, int]:
    """Sum ``measure`` of rows that carry a year, by year."""
    totals: dict[int, int] = defaultdict(int)
    for row in rows:
        totals[int(row.key["year"])] += int(getattr(row, measure))
    return dict(sorted(totals.items()))


def registry_years() -> tuple[int, int] | None:
    """The first and last year with registered contracts, or None when there are none."""
    span = RegistryTally.objects.filter(contracts__gt=0).aggregate(first=Min("year"), last=Max("year"))
    if span["first"] is None:
        return None
    return int(span["first"]), int(span["last"])


# ---------------------------------------------------------------- growth


@dataclass(frozen=True)
class YearOnYear:
    year: int
    value: int
    previous: int | None
    rate: float | None  # None when the previous year is missing or zero


@dataclass(frozen=True)
class Growth:
    """Growth of a yearly series between two years: the compound annual rate with its formula, and year-on-year."""

    start: int
    end: int
    start_value: int | None
    end_value: int | None
    rate: float | None
    formula: str
    year_on_year: list[YearOnYear] = field(default_factory=list)


# Units a growth formula may write its figures in, largest first: (name, fen per unit).
GROWTH_UNITS = (("亿元", 10**10), ("万元", 10**6), ("元", 100))
SHOWN = Decimal("0.01")


def _shown(values: Sequence[int], *, money: bool) -> tuple[list[Decimal], str]:
    """The figures as the formula writes them: money in the largest unit that keeps them ≥ 1, to 0.01."""
    if not money:
        return [Decimal(v) for v in values], ""
    smallest = min(values)
    name, per = next(((n, p) for n, p in GROWTH_UNITS if smallest >= p), GROWTH_UNITS[-1])
    return [(Decimal(v) / per).quantize(SHOWN) for v in values], name


def growth(series: Mapping[int, int], *, start: int, end: int, money: bool = True) -> Growth:
    """CAGR = (v2/v1)^(1/(y2−y1)) − 1 between ``start`` and ``end``, with the figures written into the formula
    (:func:`kechuang.core.published_stats.compound_growth`), and the year-on-year rate v_t / v_(t−1) − 1 of
    every year in between. Money is written in 亿元, 万元 or 元 to two places and the rate is computed from
    the figures as written, so the formula can be checked by hand. Rates are None where undefined."""
    year_on_year = []
    for year in range(start, end + 1):
        value = series.get(year)
        if value is None:
            continue
        previous = series.get(year - 1)
        rate = value / previous - 1 if previous else None
        year_on_year.append(YearOnYear(year=year, value=value, previous=previous, rate=rate))
    first, last = series.get(start), series.get(end)
    undefined = Growth(
        start=start, end=end, start_value=first, end_value=last, rate=None, formula="", year_on_year=year_on_year
    )
    if first is None or last is None or end <= start or first <= 0 or last < 0:
        return undefined
    (shown_first, shown_last), unit = _shown([first, last], money=money)
    if shown_first <= 0:
        return undefined
    found = compound_growth(start_year=start, start_value=shown_first, end_year=end, end_value=shown_last)
    formula = f"{found.formula} ({unit})" if unit else found.formula
    return Growth(
        start=start,
        end=end,
        start_value=first,
        end_value=last,
        rate=float(found.rate),
        formula=formula,
        year_on_year=year_on_year,
    )


# ---------------------------------------------------------------- published series (kept apart)


@dataclass(frozen=True)
class PublishedPoint:
    year: int
    value: int
    unit: str


def published_series(*, dataset: str, regions: Sequence[str], item: str) -> dict[str, list[PublishedPoint]]:
    """A published series (``dataset`` = :data:`OUTFLOW` or :data:`INFLOW`) for each of ``regions``, by year."""
    found: dict[str, list[PublishedPoint]] = {code: [] for code in regions}
    rows = PublishedFigure.objects.filter(dataset=dataset, region__in=list(regions), item=item).order_by(
        "region", "year"
    )
    for row in rows:
        found[row.region].append(PublishedPoint(year=row.year, value=row.value, unit=row.unit))
    return found


def published_years() -> tuple[int, int] | None:
    """The first and last year of the imported series, or None when nothing was imported."""
    span = PublishedFigure.objects.filter(dataset__in=PUBLISHED_DATASETS).aggregate(first=Min("year"), last=Max("year"))
    if span["first"] is None:
        return None
    return int(span["first"]), int(span["last"])


def published_sources() -> list[dict[str, str]]:
    """Each imported dataset with where its file came from (file, upstream repository and commit, licence)."""
    rows = PublishedFigure.objects.values("dataset").annotate(source=Min("source")).order_by("dataset")
    return [{"dataset": row["dataset"], "source": row["source"].split(SOURCE_SEPARATOR)[0]} for row in rows]


def published_rows(*, datasets: Sequence[str] = PUBLISHED_DATASETS) -> QuerySet[PublishedFigure]:
    return PublishedFigure.objects.filter(dataset__in=list(datasets)).order_by("dataset", "region", "year", "item")


# ---------------------------------------------------------------- labels


def province_name(code: str) -> str:
    if code == NATIONAL_REGION:
        return str(_("Whole country"))
    region = all_regions().get(code)
    return region.name if region is not None else code


def contract_type_label(code: str) -> str:
    try:
        return str(ContractType(code).label)
    except ValueError:
        return code


# ---------------------------------------------------------------- tables for downloads and the API


@dataclass(frozen=True)
class Table:
    """Rows for a download: ``source`` says "registry" (from registered contracts) or "published"."""

    name: str
    source: str
    columns: list[str]
    rows: list[list[Any]]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _labelled(row: Turnover) -> list[Any]:
    """The row's key with a name beside each coded value, then its sums."""
    cells: list[Any] = []
    for dimension, value in row.key.items():
        cells.append(value)
        if dimension in ("seller_province", "buyer_province"):
            cells.append(province_name(value))
        elif dimension == "contract_type":
            cells.append(contract_type_label(value))
    return [*cells, row.contracts, row.contract_amount_fen, row.technology_amount_fen]


def _columns(by: Sequence[str]) -> list[str]:
    columns: list[str] = []
    for dimension in by:
        columns.append(dimension)
        if dimension in ("seller_province", "buyer_province", "contract_type"):
            columns.append(f"{dimension}_name")
    return [*columns, "contracts", "contract_amount_fen", "technology_amount_fen"]


def turnover_table(
    *,
    by: Sequence[str],
    start: int | None = None,
    end: int | None = None,
    contract_type: str = "",
    seller_province: str = "",
    buyer_provinces: Sequence[str] = (),
) -> Table:
    rows = turnover(
        by=by,
        start=start,
        end=end,
        contract_type=contract_type,
        seller_province=seller_province,
        buyer_provinces=buyer_provinces,
    )
    return Table(name="turnover", source="registry", columns=_columns(by), rows=[_labelled(r) for r in rows])


def flows_table(*, start: int | None = None, end: int | None = None) -> Table:
    by = ("year", "seller_province", "buyer_province")
    rows = flow_matrix(start=start, end=end, by_year=True)
    return Table(name="flows", source="registry", columns=_columns(by), rows=[_labelled(r) for r in rows])


def published_table(*, dataset: str = "", region: str = "") -> Table:
    found = published_rows()
    if dataset:
        found = found.filter(dataset=dataset)
    if region:
        found = found.filter(region=region)
    columns = ["dataset", "region", "region_name", "year", "item", "var_code", "unit", "value", "source"]
    rows = [
        [f.dataset, f.region, province_name(f.region), f.year, f.item, f.var_code, f.unit, f.value, f.source]
        for f in found
    ]
    return Table(name="published", source="published", columns=columns, rows=rows)


def as_csv(table: Table) -> str:
    """The table as CSV text (RFC 4180, header row first); the source goes in every row's first column."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["source", *table.columns])
    for row in table.rows:
        writer.writerow([table.source, *row])
    return out.getvalue()
