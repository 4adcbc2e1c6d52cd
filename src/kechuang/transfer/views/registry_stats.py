"""The public statistics page and its downloads: registry figures (from the tally) and published
series (imported from the yearbook tables), side by side but never mixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.money import Money
from kechuang.transfer.enums import ContractType
from kechuang.transfer.forms.registry import StatisticsFilterForm
from kechuang.transfer.selectors import registry_stats as stats

TOP_PROVINCES = 10
TOP_FLOWS = 15
MONEY_ITEM, COUNT_ITEM = "金额", "数量"
PUBLISHED_REGIONS = (stats.BEIJING, stats.TIANJIN, stats.HEBEI)
MAX_CHART_YEARS = 60  # a longer period is drawn with only the years that have figures


def _money(fen: int) -> str:
    return Money(fen).format_auto()


def _yi(fen: int) -> float:
    """Fen as 亿元 for a chart axis (two decimals are plenty for a bar's height)."""
    return round(fen / 10**10, 2)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:+.1f}%"


def _row(row: stats.Turnover, **names: str) -> dict[str, Any]:
    return {
        **dict(row.key),
        **names,
        "contracts": row.contracts,
        "contract_amount": _money(row.contract_amount_fen),
        "technology_amount": _money(row.technology_amount_fen),
        "technology_amount_fen": row.technology_amount_fen,
    }


def _growth_view(growth: stats.Growth) -> dict[str, Any]:
    return {
        "start": growth.start,
        "end": growth.end,
        "rate": growth.rate,
        "formula": growth.formula,
        "year_on_year": [
            {"year": y.year, "value": _money(y.value), "rate": y.rate, "rate_text": _percent(y.rate)}
            for y in growth.year_on_year
        ],
    }


def _span(years: list[int], start: int, end: int) -> list[int]:
    """Every year from ``start`` to ``end`` for a chart's axis, so a year without contracts shows as nothing
    rather than vanishing (bars side by side for 2013 and 2021 would read as consecutive years); only the
    years with figures when the period is too long to draw."""
    return list(range(start, end + 1)) if 0 <= end - start < MAX_CHART_YEARS else years


def _jingjinji(start: int, end: int) -> dict[str, Any]:
    """Beijing → Tianjin and Hebei by year, and the growth of their sum."""
    origin, destinations = stats.JINGJINJI
    rows = stats.flows_from(origin, destinations, start=start, end=end)
    years: dict[int, dict[str, int]] = {}
    for row in rows:
        cell = years.setdefault(int(row.key["year"]), {})
        cell[row.key["buyer_province"]] = row.technology_amount_fen
        cell[f"{row.key['buyer_province']}_n"] = row.contracts
    table = [
        {
            "year": year,
            "tianjin": _money(cell.get(stats.TIANJIN, 0)),
            "tianjin_n": cell.get(f"{stats.TIANJIN}_n", 0),
            "hebei": _money(cell.get(stats.HEBEI, 0)),
            "hebei_n": cell.get(f"{stats.HEBEI}_n", 0),
            "total": _money(cell.get(stats.TIANJIN, 0) + cell.get(stats.HEBEI, 0)),
        }
        for year, cell in sorted(years.items())
    ]
    totals = stats.yearly_totals(rows)
    axis = _span(sorted(years), start, end) if years else []
    chart = {
        "years": axis,
        "tianjin": [_yi(years.get(year, {}).get(stats.TIANJIN, 0)) for year in axis],
        "hebei": [_yi(years.get(year, {}).get(stats.HEBEI, 0)) for year in axis],
    }
    return {"table": table, "chart": chart, "growth": _growth_view(stats.growth(totals, start=start, end=end))}


def _published(start: int, end: int) -> dict[str, Any]:
    """Beijing's published outflow and Tianjin's and Hebei's inflow, by year, in the period."""
    outflow = stats.published_series(dataset=stats.OUTFLOW, regions=PUBLISHED_REGIONS, item=MONEY_ITEM)
    inflow = stats.published_series(dataset=stats.INFLOW, regions=PUBLISHED_REGIONS, item=MONEY_ITEM)
    series = {
        "beijing_out": {p.year: p.value for p in outflow[stats.BEIJING] if start <= p.year <= end},
        "tianjin_in": {p.year: p.value for p in inflow[stats.TIANJIN] if start <= p.year <= end},
        "hebei_in": {p.year: p.value for p in inflow[stats.HEBEI] if start <= p.year <= end},
    }
    years = sorted(set().union(*(s.keys() for s in series.values())))
    table = [{"year": y, **{k: _money(v[y]) if y in v else "" for k, v in series.items()}} for y in years]
    beijing = series["beijing_out"]
    growth = _growth_view(stats.growth(beijing, start=min(beijing), end=max(beijing))) if len(beijing) >= 2 else None
    chart = {"years": years, **{k: [_yi(v[y]) if y in v else None for y in years] for k, v in series.items()}}
    return {"table": table, "chart": chart, "growth": growth, "sources": stats.published_sources()}


def page_context(form: StatisticsFilterForm) -> dict[str, Any]:
    this_year = timezone.localdate().year
    # The registry's years; before anything is registered, the published series' years.
    span = stats.registry_years() or stats.published_years() or (this_year - 1, this_year)
    start, end = form.years(default=span)
    by_year = stats.turnover(by=("year",), start=start, end=end)
    types = dict(ContractType.choices)
    by_type = [
        _row(r, name=str(types.get(r.key["contract_type"], r.key["contract_type"])))
        for r in stats.turnover(by=("contract_type",), start=start, end=end)
    ]
    sellers = sorted(
        stats.turnover(by=("seller_province",), start=start, end=end), key=lambda r: -r.technology_amount_fen
    )
    buyers = sorted(
        stats.turnover(by=("buyer_province",), start=start, end=end), key=lambda r: -r.technology_amount_fen
    )
    flows = sorted(stats.flow_matrix(start=start, end=end), key=lambda r: -r.technology_amount_fen)
    jingjinji = _jingjinji(start, end)
    published = _published(start, end)
    rows_by_year = {int(r.key["year"]): r for r in by_year}
    axis = _span(sorted(rows_by_year), start, end)
    charts = {
        "turnover": {
            "years": axis if rows_by_year else [],
            "contracts": [rows_by_year[y].contracts if y in rows_by_year else 0 for y in axis],
            "technology": [_yi(rows_by_year[y].technology_amount_fen) if y in rows_by_year else 0 for y in axis],
            "amount": [_yi(rows_by_year[y].contract_amount_fen) if y in rows_by_year else 0 for y in axis],
        },
        "jingjinji": jingjinji["chart"],
        "published": published["chart"],
    }
    return {
        "form": form,
        "totals": {
            "contracts": sum(r.contracts for r in by_year),
            "contract_amount": _money(sum(r.contract_amount_fen for r in by_year)),
            "technology_amount": _money(sum(r.technology_amount_fen for r in by_year)),
        },
        "start": start,
        "end": end,
        "by_year": [_row(r) for r in by_year],
        "breakdowns": [
            {"title": _("By contract type"), "heading": _("Contract type"), "testid": "by-type", "rows": by_type},
            {
                "title": _("Sellers by province"),
                "heading": _("Seller's province"),
                "testid": "by-seller",
                "rows": [_row(r, name=stats.province_name(r.key["seller_province"])) for r in sellers[:TOP_PROVINCES]],
            },
            {
                "title": _("Buyers by province"),
                "heading": _("Buyer's province"),
                "testid": "by-buyer",
                "rows": [_row(r, name=stats.province_name(r.key["buyer_province"])) for r in buyers[:TOP_PROVINCES]],
            },
        ],
        "flows": [
            _row(
                r,
                origin=stats.province_name(r.key["seller_province"]),
                destination=stats.province_name(r.key["buyer_province"]),
            )
            for r in flows[:TOP_FLOWS]
        ],
        "jingjinji": jingjinji,
        "growth_total": _growth_view(stats.growth(stats.yearly_totals(by_year), start=start, end=end)),
        "published": published,
        "charts": charts,
    }


# ---------------------------------------------------------------- downloads


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _year(value: Any) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def table_for(query: Mapping[str, Any]) -> stats.Table:
    """The table a download asks for; an unknown table or dimension answers 404."""
    name = str(query.get("table", "turnover"))
    start, end = _year(query.get("start")), _year(query.get("end"))
    if name == "turnover":
        by = _split(str(query.get("by", "year"))) or ["year"]
        if any(d not in stats.DIMENSIONS for d in by):
            raise Http404
        return stats.turnover_table(by=by, start=start, end=end, contract_type=str(query.get("contract_type", "")))
    if name == "flows":
        return stats.flows_table(start=start, end=end)
    if name == "published":
        return stats.published_table(dataset=str(query.get("dataset", "")), region=str(query.get("region", "")))
    raise Http404


def download(query: QueryDict, fmt: str) -> HttpResponse:
    table = table_for(query)
    filename = f"kechuang-{table.source}-{table.name}"
    if fmt == "csv":
        response = HttpResponse(stats.as_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "json":
        body = {"table": table.name, "source": table.source, "rows": table.as_dicts()}
        response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    raise Http404
