"""``/api/v1/transfer/statistics``: the registry's figures (from the running tally, ``source: "registry"``)
and, apart, the published yearbook series (``source: "published"``). Public; ``?format=csv`` gives CSV.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kechuang.accounts.api import PUBLIC, PUBLIC_OPENAPI
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.transfer.selectors import registry_stats as stats

router = Router(tags=["transfer statistics"])


class StatisticsRow(Schema):
    year: int | None = None
    contract_type: str | None = None
    field: str | None = None
    seller_province: str | None = None
    buyer_province: str | None = None
    contracts: int
    contract_amount_fen: int
    technology_amount_fen: int


class StatisticsOut(Schema):
    source: Literal["registry"]
    by: list[str]
    start: int | None
    end: int | None
    rows: list[StatisticsRow]


class YearOnYearOut(Schema):
    year: int
    value: int
    previous: int | None
    rate: float | None


class GrowthOut(Schema):
    source: Literal["registry", "published"]
    series: str
    start: int
    end: int
    start_value: int | None
    end_value: int | None
    rate: float | None
    formula: str
    year_on_year: list[YearOnYearOut]


class PublishedRow(Schema):
    dataset: str
    region: str
    year: int
    item: str
    var_code: str
    unit: str
    value: int
    source: str


class PublishedOut(Schema):
    source: Literal["published"]
    rows: list[PublishedRow]


def _csv(table: stats.Table) -> HttpResponse:
    response = HttpResponse(stats.as_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kechuang-{table.source}-{table.name}.csv"'
    return response


def _dimensions(by: str) -> list[str]:
    chosen = [d.strip() for d in by.split(",") if d.strip()] or ["year"]
    unknown = [d for d in chosen if d not in stats.DIMENSIONS]
    if unknown:
        raise DomainError(
            ErrorCode.VALIDATION,
            errors={"by": [_("Group by any of %(allowed)s.") % {"allowed": ", ".join(stats.DIMENSIONS)}]},
        )
    return chosen


class StatisticsQuery(Schema):
    by: str = Field("year", description="comma-separated: year, contract_type, field, seller_province, buyer_province")
    start: int | None = None
    end: int | None = None
    contract_type: str = ""
    seller_province: str = ""
    buyer_province: str = Field("", description="comma-separated province codes")
    format: Literal["json", "csv"] = "json"


@router.get(
    "/statistics", response=StatisticsOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI, summary="Registry turnover"
)
def statistics(request: HttpRequest, query: Query[StatisticsQuery]) -> Any:
    """Registered contracts grouped by ``by`` (from the running tally); ``?format=csv`` for CSV."""
    by = _dimensions(query.by)
    buyers = [p for p in query.buyer_province.split(",") if p]
    if query.format == "csv":
        return _csv(
            stats.turnover_table(
                by=by,
                start=query.start,
                end=query.end,
                contract_type=query.contract_type,
                seller_province=query.seller_province,
                buyer_provinces=buyers,
            )
        )
    rows = stats.turnover(
        by=by,
        start=query.start,
        end=query.end,
        contract_type=query.contract_type,
        seller_province=query.seller_province,
        buyer_provinces=buyers,
    )
    return {"source": "registry", "by": by, "start": query.start, "end": query.end, "rows": [r.as_dict() for r in rows]}


class FlowsQuery(Schema):
    start: int | None = None
    end: int | None = None
    format: Literal["json", "csv"] = "json"


@router.get(
    "/statistics/flows",
    response=StatisticsOut,
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Origin → destination matrix by year",
)
def flows(request: HttpRequest, query: Query[FlowsQuery]) -> Any:
    """Seller province × buyer province × year; ``?format=csv`` for CSV."""
    if query.format == "csv":
        return _csv(stats.flows_table(start=query.start, end=query.end))
    rows = stats.flow_matrix(start=query.start, end=query.end, by_year=True)
    return {
        "source": "registry",
        "by": ["year", "seller_province", "buyer_province"],
        "start": query.start,
        "end": query.end,
        "rows": [r.as_dict() for r in rows],
    }


class GrowthQuery(Schema):
    start: int
    end: int
    origin: str = Field(stats.BEIJING, description="seller province")
    destinations: str = Field(f"{stats.TIANJIN},{stats.HEBEI}", description="comma-separated buyer provinces")
    measure: Literal["technology_amount_fen", "contract_amount_fen", "contracts"] = "technology_amount_fen"


@router.get(
    "/statistics/growth",
    response=GrowthOut,
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Growth of a flow between two years, with its formula",
)
def growth(request: HttpRequest, query: Query[GrowthQuery]) -> dict[str, Any]:
    """CAGR between ``start`` and ``end``, and year-on-year rates, of origin → destinations.

    The default is the flow the city reports: Beijing → Tianjin, Hebei."""
    destinations = [p for p in query.destinations.split(",") if p]
    rows = stats.flows_from(query.origin, destinations, start=query.start, end=query.end)
    found = stats.growth(
        stats.yearly_totals(rows, measure=query.measure),
        start=query.start,
        end=query.end,
        money=query.measure != "contracts",
    )
    return {
        "source": "registry",
        "series": f"{query.origin}→{','.join(destinations)}:{query.measure}",
        **_growth_out(found),
    }


def _growth_out(found: stats.Growth) -> dict[str, Any]:
    return {
        "start": found.start,
        "end": found.end,
        "start_value": found.start_value,
        "end_value": found.end_value,
        "rate": found.rate,
        "formula": found.formula,
        "year_on_year": [
            {"year": y.year, "value": y.value, "previous": y.previous, "rate": y.rate} for y in found.year_on_year
        ],
    }


class PublishedQuery(Schema):
    dataset: str = Field("", description=f"{stats.OUTFLOW} | {stats.INFLOW}")
    region: str = ""
    format: Literal["json", "csv"] = "json"


@router.get(
    "/statistics/published",
    response=PublishedOut,
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Published yearbook series, with provenance",
)
def published(request: HttpRequest, query: Query[PublishedQuery]) -> Any:
    """Imported series, kept apart from registry figures; every row says where it came from."""
    table = stats.published_table(dataset=query.dataset, region=query.region)
    if query.format == "csv":
        return _csv(table)
    return {
        "source": "published",
        "rows": [{k: v for k, v in row.items() if k != "region_name"} for row in table.as_dicts()],
    }
