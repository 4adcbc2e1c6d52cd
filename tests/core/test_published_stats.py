"""Published statistics: the real CSVs in ../shared/data/stats, and small files that break the rules."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from kechuang.core.published_stats import (
    GROWTH_FORMULA,
    Measure,
    Provenance,
    Refusal,
    StatRow,
    StatsFile,
    StatsFormatError,
    compound_growth,
    read_provenance,
    read_stats_directory,
    read_stats_file,
)

STATS = Path(os.environ.get("KECHUANG_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
STATS = STATS / "stats"
HEADER = "province,year,item_zh,value,units,var_code\n"
PROVENANCE = Provenance(
    file="x.csv", repository="o/r", commit="abc1234", licence="MIT", upstream_object="X", years="", description=""
)


@pytest.fixture(scope="module")
def published() -> dict[str, StatsFile]:
    if not (STATS / "README.md").exists():
        pytest.skip(f"published statistics not found at {STATS} (../shared/data/stats beside the repository)")
    return {f.provenance.file: f for f in read_stats_directory(STATS)}


def one(stats: StatsFile, region: str | None, year: int, var_code: str) -> StatRow:
    [row] = [r for r in stats.rows if (r.region, r.year, r.var_code) == (region, year, var_code)]
    return row


def test_provenance_comes_from_the_readme(published: dict[str, StatsFile]) -> None:
    outflow = published["tech_market_contracts_outflow_by_seller_region.csv"].provenance
    assert outflow == Provenance(
        file="tech_market_contracts_outflow_by_seller_region.csv",
        repository="huhuaping/techme",
        commit="9ad60a1",
        licence="MIT",
        upstream_object="MarketPush",
        years="2000,05,10,12–23",
        description="technology contracts by seller region (技术输出): count and value (万元)",
    )
    # Every long-format file the README lists is read; the two in other layouts are not.
    assert sorted(published) == [
        "intl_sci_papers_sci_ei_cpci.csv",
        "patent_applications.csv",
        "patents_granted.csv",
        "patents_in_force.csv",
        "rd_gerd_and_intensity.csv",
        "rd_gerd_by_activity_type.csv",
        "rd_gerd_by_source_of_funds.csv",
        "rd_personnel_fte.csv",
        "tech_market_contracts_inflow_by_buyer_region.csv",
        "tech_market_contracts_outflow_by_seller_region.csv",
    ]


def test_beijing_2023_technology_outflow_in_fen(published: dict[str, StatsFile]) -> None:
    outflow = published["tech_market_contracts_outflow_by_seller_region.csv"]
    amount = one(outflow, "110000", 2023, "v4_cg_jssc_je")
    # 85,369,394 万元 = 853,693,940,000 yuan = 85,369,394,000,000 fen (1 万元 = 1,000,000 fen).
    assert (amount.value, amount.measure, amount.unit, amount.place) == (
        85_369_394_000_000,
        Measure.MONEY,
        "万元",
        "北京",
    )
    assert (amount.line, amount.published_value, amount.rounded) == (3, "85369394.0", False)
    count = one(outflow, "110000", 2023, "v4_cg_jssc_ht")
    assert (count.value, count.measure, count.unit) == (106_552, Measure.COUNT, "项")
    national = one(outflow, None, 2023, "v4_cg_jssc_je")
    assert (national.place, national.value) == ("全国", 614_756_578_000_000)


def test_yi_yuan_and_percentages(published: dict[str, StatsFile]) -> None:
    gerd = published["rd_gerd_and_intensity.csv"]
    beijing = one(gerd, "110000", 2023, "v4_ztr_jf_RD")
    assert (beijing.value, beijing.unit) == (29_471_000_000_000, "亿元")  # 2947.1 亿元
    intensity = [r for r in gerd.rows if r.region == "110000" and r.year == 2023 and r.unit == "%"]
    assert [(r.measure, type(r.value)) for r in intensity] == [(Measure.PERCENT, Decimal)]


def test_money_finer_than_a_fen_is_rounded_and_marked(published: dict[str, StatsFile]) -> None:
    outflow = published["tech_market_contracts_outflow_by_seller_region.csv"]
    beijing_2018 = one(outflow, "110000", 2018, "v4_cg_jssc_je")
    # 49578245.5942588 万元 = 49,578,245,594,258.8 fen.
    assert (beijing_2018.value, beijing_2018.rounded) == (49_578_245_594_259, True)
    assert sum(r.rounded for r in outflow.rows) == 11


def test_layout_spaces_and_misprints_in_place_names(published: dict[str, StatsFile]) -> None:
    applications = published["patent_applications.csv"]
    spaced = [r for r in applications.rows if r.region == "310000"]
    assert {r.place for r in spaced} == {"上海"}
    jiangxi_2014 = one(applications, "360000", 2014, "v4_cg_zlsq_hj")
    assert (jiangxi_2014.place, jiangxi_2014.value) == ("江两", 25_594)


def test_unreadable_rows_are_refused_with_their_line_numbers(published: dict[str, StatsFile]) -> None:
    in_force = published["patents_in_force.csv"]
    assert [(r.line, r.reason) for r in in_force.refused] == [
        (line, Refusal.UNKNOWN_PLACE) for line in range(1158, 1162)
    ]
    outflow = published["tech_market_contracts_outflow_by_seller_region.csv"]
    assert {r.reason for r in outflow.refused} == {Refusal.EMPTY_VALUE}
    assert outflow.refused[0].line == 253
    assert outflow.refused[0].fields == ("西藏", "2016", "金额", "", "万元", "v4_cg_jssc_je")
    assert len(outflow.rows) + len(outflow.refused) == 960
    counts = {name: (len(f.rows), len(f.refused)) for name, f in published.items()}
    assert counts["intl_sci_papers_sci_ei_cpci.csv"] == (2455, 41)
    assert counts["rd_gerd_by_source_of_funds.csv"] == (2208, 0)


def test_growth_of_beijing_outflow_2013_to_2023(published: dict[str, StatsFile]) -> None:
    outflow = published["tech_market_contracts_outflow_by_seller_region.csv"]
    start = one(outflow, "110000", 2013, "v4_cg_jssc_je")
    end = one(outflow, "110000", 2023, "v4_cg_jssc_je")
    growth = compound_growth(start_year=2013, start_value=start.value, end_year=2023, end_value=end.value)
    assert growth.rate == ((Decimal(end.value) / Decimal(start.value)) ** (Decimal(1) / 10) - 1).quantize(
        Decimal("0.000001")
    )
    assert growth.formula.startswith(f"{GROWTH_FORMULA} = ({end.value} / {start.value})^(1/(2023 − 2013)) − 1 = ")


def test_compound_growth_matches_the_stated_rate() -> None:
    # Beijing → Tianjin/Hebei: 71.2 亿元 (2013) to 748.7 亿元 (2023), stated as a 26.5 % CAGR.
    growth = compound_growth(start_year=2013, start_value=Decimal("71.2"), end_year=2023, end_value=Decimal("748.7"))
    assert growth.rate == Decimal("0.265269")
    assert growth.formula == "CAGR = (v2/v1)^(1/(y2−y1)) − 1 = (748.7 / 71.2)^(1/(2023 − 2013)) − 1 = 26.53%"
    assert compound_growth(start_year=2020, start_value=100, end_year=2022, end_value=121).rate == Decimal("0.1")
    assert compound_growth(start_year=2020, start_value=100, end_year=2021, end_value=0).rate == Decimal("-1")
    assert compound_growth(start_year=2020, start_value=100, end_year=2021, end_value=90).rate == Decimal("-0.1")


@pytest.mark.parametrize(
    ("start_year", "start_value", "end_year", "end_value"),
    [(2023, 1, 2023, 2), (2023, 1, 2020, 2), (2020, 0, 2023, 5), (2020, -1, 2023, 5), (2020, 5, 2023, -1)],
)
def test_compound_growth_refuses_what_has_no_rate(
    start_year: int, start_value: int, end_year: int, end_value: int
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the two messages are both the point
        compound_growth(start_year=start_year, start_value=start_value, end_year=end_year, end_value=end_value)


def write(tmp_path: Path, text: str, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_kind_of_bad_row_is_refused_and_the_rest_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "北京,2023,金额,1.5,万元,v1\n"  # line 2: read
        + "北京,2023,金额,2,万元,v1\n"  # line 3: duplicate of line 2
        + "东部地区,2023,金额,1,万元,v1\n"
        + "天津,23,金额,1,万元,v1\n"
        + "天津,2023,,1,万元,v1\n"
        + "天津,2023,金额,,万元,v1\n"
        + "天津,2023,金额,1e5,万元,v1\n"
        + "天津,2023,金额,-1,万元,v1\n"
        + "天津,2023,金额,1,美元,v1\n"
        + "天津,2023,数量,1.5,项,v2\n"
        + "天津,2023,金额,1,万元\n"
        + '"河 北",2023,"金额",0.000001,万元,v1\n',  # line 13: read, spaces dropped, one fen
    )
    read = read_stats_file(path, PROVENANCE)
    assert [(r.line, r.region, r.value) for r in read.rows] == [(2, "110000", 1_500_000), (13, "130000", 1)]
    assert read.rows[1].place == "河北"
    assert [(r.line, r.reason) for r in read.refused] == [
        (3, Refusal.DUPLICATE),
        (4, Refusal.UNKNOWN_PLACE),
        (5, Refusal.BAD_YEAR),
        (6, Refusal.EMPTY_ITEM),
        (7, Refusal.EMPTY_VALUE),
        (8, Refusal.BAD_NUMBER),
        (9, Refusal.NEGATIVE),
        (10, Refusal.UNKNOWN_UNIT),
        (11, Refusal.FRACTIONAL_COUNT),
        (12, Refusal.FIELD_COUNT),
    ]
    assert read.refused[0].detail == "same place, year and variable as line 2"


def test_a_file_in_another_layout_is_refused_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "year,province,num\n2024,北京,10226.0\n")
    with pytest.raises(StatsFormatError, match="columns year, province, num"):
        read_stats_file(path, PROVENANCE)


def test_a_readme_without_provenance_is_refused(tmp_path: Path) -> None:
    readme = write(
        tmp_path, "# stats\n\n| file | upstream object | years | content |\n| x.csv | X | 2020 | x |\n", "README.md"
    )
    with pytest.raises(StatsFormatError):
        read_provenance(readme)
    readme.write_text(
        "From **owner/repo** (MIT licence). Mirror commit: `abc1234`.\n\n"
        "| file | upstream object | years | content |\n|---|---|---|---|\n| x.csv | X | 2020–2021 | what x holds |\n",
        encoding="utf-8",
    )
    assert read_provenance(readme) == {
        "x.csv": Provenance(
            file="x.csv",
            repository="owner/repo",
            commit="abc1234",
            licence="MIT",
            upstream_object="X",
            years="2020–2021",
            description="what x holds",
        )
    }
