"""Published technology-market series: imported with provenance, idempotently, and kept apart from the
registry's own figures on the page, in downloads and in the API."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kechuang.transfer.models import PublishedFigure, RegistryTally
from kechuang.transfer.selectors import registry_stats as stats
from kechuang.transfer.services.registry_stats import import_published_figures

pytestmark = pytest.mark.django_db
SHARED = Path(os.environ.get("KECHUANG_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
STATS = SHARED / "stats"
WAN = 1_000_000  # fen in 10,000 yuan

README = """# stats

Copied from the public GitHub repository **example/yearbook** (MIT licence). Mirror commit: `abc1234`.

| file | upstream object | years | content |
|---|---|---|---|
| tech_market_contracts_outflow_by_seller_region.csv | MarketPush | 2013, 2023 | by seller region |
| tech_market_contracts_inflow_by_buyer_region.csv | MarketPull | 2013, 2023 | by buyer region |
"""
HEADER = "province,year,item_zh,value,units,var_code\n"


def small_dir(tmp_path: Path, beijing_2023: str = "85369394.0") -> Path:
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    (tmp_path / "tech_market_contracts_outflow_by_seller_region.csv").write_text(
        HEADER
        + "北京,2013,金额,28517239.477128,万元,v4_cg_jssc_je\n"
        + f"北京,2023,金额,{beijing_2023},万元,v4_cg_jssc_je\n"
        + "北京,2023,数量,106552.0,项,v4_cg_jssc_ht\n"
        + "全国,2023,金额,614756578.0,万元,v4_cg_jssc_je\n"
        + "某地区,2023,金额,1.0,万元,v4_cg_jssc_je\n",
        encoding="utf-8",
    )
    (tmp_path / "tech_market_contracts_inflow_by_buyer_region.csv").write_text(
        HEADER + "天津,2023,金额,10099313.0,万元,v4_cg_jssr_je\n河北,2023,金额,20296955.0,万元,v4_cg_jssr_je\n",
        encoding="utf-8",
    )
    return tmp_path


def test_an_import_keeps_money_in_fen_with_provenance_and_refuses_what_it_cannot_place(tmp_path: Path) -> None:
    summary = import_published_figures(directory=small_dir(tmp_path))
    assert (summary.created, summary.updated, summary.unchanged) == (6, 0, 0)
    assert summary.refused == [
        "tech_market_contracts_outflow_by_seller_region.csv:6: unknown_place ('某地区' is neither a province nor 全国)"
    ]
    figures = {(f.dataset, f.region, f.year, f.item): (f.unit, f.value) for f in PublishedFigure.objects.all()}
    assert figures == {
        (stats.OUTFLOW, "110000", 2013, "金额"): ("万元", 28_517_239_477_128),
        (stats.OUTFLOW, "110000", 2023, "金额"): ("万元", 85_369_394 * WAN),
        (stats.OUTFLOW, "110000", 2023, "数量"): ("项", 106_552),
        (stats.OUTFLOW, stats.NATIONAL_REGION, 2023, "金额"): ("万元", 614_756_578 * WAN),
        (stats.INFLOW, "120000", 2023, "金额"): ("万元", 10_099_313 * WAN),
        (stats.INFLOW, "130000", 2023, "金额"): ("万元", 20_296_955 * WAN),
    }
    source = PublishedFigure.objects.get(dataset=stats.OUTFLOW, region="110000", year=2023, item="金额").source
    assert source == (
        "tech_market_contracts_outflow_by_seller_region.csv, from example/yearbook@abc1234 "
        "(MarketPush, MIT licence); line 3: published 85369394.0 万元"
    )
    assert stats.published_sources() == [
        {
            "dataset": stats.INFLOW,
            "source": "tech_market_contracts_inflow_by_buyer_region.csv, from example/yearbook@abc1234 "
            "(MarketPull, MIT licence)",
        },
        {
            "dataset": stats.OUTFLOW,
            "source": "tech_market_contracts_outflow_by_seller_region.csv, from example/yearbook@abc1234 "
            "(MarketPush, MIT licence)",
        },
    ]
    # Published figures never reach the registry's tally.
    assert RegistryTally.objects.count() == 0


def test_importing_again_changes_nothing_and_a_corrected_file_updates_its_figure(tmp_path: Path) -> None:
    directory = small_dir(tmp_path)
    import_published_figures(directory=directory)
    again = import_published_figures(directory=directory)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    corrected = import_published_figures(directory=small_dir(tmp_path, beijing_2023="85369395.5"))
    assert (corrected.created, corrected.updated, corrected.unchanged) == (0, 1, 5)
    figure = PublishedFigure.objects.get(dataset=stats.OUTFLOW, region="110000", year=2023, item="金额")
    assert figure.value == 85_369_395_500_000


def test_the_command_imports_and_says_what_it_did(tmp_path: Path) -> None:
    out, err = StringIO(), StringIO()
    call_command("transfer_import_stats", "--dir", str(small_dir(tmp_path)), stdout=out, stderr=err)
    assert out.getvalue() == (
        "transfer published figures from tech_market_contracts_inflow_by_buyer_region.csv, "
        "tech_market_contracts_outflow_by_seller_region.csv: 6 new, 0 updated, 0 unchanged, 1 rows refused\n"
    )
    assert err.getvalue().startswith("refused tech_market_contracts_outflow_by_seller_region.csv:6: unknown_place")
    with pytest.raises(CommandError):
        call_command("transfer_import_stats", "--dir", str(tmp_path / "missing"))


def test_the_shared_yearbook_tables_import_whole() -> None:
    if not (STATS / "README.md").exists():
        pytest.skip(f"published statistics not found at {STATS} (../shared/data/stats beside the repository)")
    summary = import_published_figures(directory=STATS)
    assert summary.files == [
        "tech_market_contracts_inflow_by_buyer_region.csv",
        "tech_market_contracts_outflow_by_seller_region.csv",
    ]
    assert summary.created == PublishedFigure.objects.count() > 1_800
    beijing = stats.published_series(dataset=stats.OUTFLOW, regions=["110000"], item="金额")["110000"]
    assert {p.year: p.value for p in beijing}[2023] == 85_369_394 * WAN
    assert "huhuaping/techme@9ad60a1" in PublishedFigure.objects.first().source  # type: ignore[union-attr]
    assert import_published_figures(directory=STATS).created == 0


def test_published_series_are_labelled_on_the_page_and_in_the_api(client: Client, tmp_path: Path) -> None:
    import_published_figures(directory=small_dir(tmp_path))
    response = client.get("/transfer/statistics/?start=2013&end=2023")
    assert response.status_code == 200
    published = response.context["published"]
    assert [row["year"] for row in published["table"]] == [2013, 2023]
    assert published["growth"]["formula"] == (
        "CAGR = (v2/v1)^(1/(y2−y1)) − 1 = (8536.94 / 2851.72)^(1/(2023 − 2013)) − 1 = 11.59% (亿元)"
    )
    assert 'data-testid="published-sources"' in response.content.decode()

    body = client.get("/api/v1/transfer/statistics/published?dataset=tech_market_inflow").json()
    assert body["source"] == "published"
    assert [(r["region"], r["value"]) for r in body["rows"]] == [
        ("120000", 10_099_313 * WAN),
        ("130000", 20_296_955 * WAN),
    ]
    csv_text = client.get("/api/v1/transfer/statistics/published?region=110000&format=csv").content.decode()
    assert [line.split(",")[:5] for line in csv_text.splitlines()[1:]] == [
        ["published", "tech_market_outflow", "110000", "北京市", "2013"],
        ["published", "tech_market_outflow", "110000", "北京市", "2023"],
        ["published", "tech_market_outflow", "110000", "北京市", "2023"],
    ]
