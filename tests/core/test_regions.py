"""Administrative regions (GB/T 2260) kept as data, to county level nationwide."""

from __future__ import annotations

import importlib.machinery
import importlib.resources
import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from kechuang.core.regions import (
    DATA_FILE,
    all_regions,
    children,
    codes_within,
    county_choices,
    descends_from,
    get_region,
    grouped_region_choices,
    is_within,
    province_of,
    provinces,
    region_choices,
    validate_region,
)
from kechuang.core.widgets import InlineSelect

BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build-regions"


def test_every_province_level_division() -> None:
    found = provinces()
    assert len(found) == 34
    assert len({r.code for r in found}) == 34
    assert {r.level for r in found} == {"province"}
    assert {r.parent for r in found} == {None}
    assert {"110000", "120000", "130000", "310000", "710000", "810000", "820000"} <= {r.code for r in found}
    assert get_region("810000").zh == "香港特别行政区"


def test_counts_nationwide() -> None:
    levels = Counter(r.level for r in all_regions().values())
    assert levels == {"province": 34, "prefecture": 333, "county": 2847}


def test_beijing_has_sixteen_districts() -> None:
    districts = children("110000")
    assert len(districts) == 16
    assert {r.level for r in districts} == {"county"}
    assert get_region("110108").zh == "海淀区"
    assert get_region("110116").zh == "怀柔区"


def test_tianjin_has_sixteen_districts() -> None:
    districts = children("120000")
    assert len(districts) == 16
    assert get_region("120116").zh == "滨海新区"


def test_hebei_has_eleven_prefecture_cities_and_167_county_level_divisions() -> None:
    cities = children("130000")
    assert len(cities) == 11
    assert {r.level for r in cities} == {"prefecture"}
    assert get_region("130600").zh == "保定市"
    counties = [code for code in codes_within("130000") if get_region(code).level == "county"]
    assert len(counties) == 167
    assert get_region("130681") == get_region("130681").__class__(
        code="130681", zh="涿州市", en="Zhuozhou City", level="county", parent="130600"
    )
    assert [r.zh for r in children("130600")][:3] == ["竞秀区", "莲池区", "满城区"]


def test_only_current_divisions_are_kept() -> None:
    # 崇文区 and 宣武区 merged into 东城/西城 in 2010; 桥东区 of 邢台 became 襄都区 in 2020.
    for former in ("110103", "110104", "130521"):
        assert former not in all_regions()
    assert get_region("130502").zh == "襄都区"
    # "市辖区" and "县" are placeholders in the standard, not places.
    assert "110100" not in all_regions()
    assert "130101" not in all_regions()
    assert "500200" not in all_regions()


def test_divisions_without_a_prefecture_hang_from_the_province() -> None:
    assert get_region("500101").parent == "500000"  # 万州区, a Chongqing district
    assert get_region("419001").parent == "410000"  # 济源市, run by Henan directly
    assert get_region("429021") == get_region("429021").__class__(
        code="429021", zh="神农架林区", en="Shennongjia Forestry District", level="county", parent="420000"
    )
    assert get_region("659001").parent == "650000"  # 石河子市
    assert children("441900") == []  # 东莞市 has no districts


def test_codes_are_consistent() -> None:
    regions = all_regions()
    assert list(regions) == sorted(regions)
    for code, region in regions.items():
        assert code == region.code
        assert len(code) == 6
        assert code.isascii()
        assert code.isdigit()
        assert region.zh
        assert region.en
        if region.parent is None:
            assert region.level == "province"
            continue
        parent = regions[region.parent]
        assert code.startswith(region.parent[:2])
        assert region.province_code == region.parent[:2] + "0000"
        if region.level == "prefecture":
            assert parent.level == "province"
            assert code.endswith("00")
        else:
            assert region.level == "county"
            assert parent.level in {"province", "prefecture"}
            if parent.level == "prefecture":
                assert code[:4] == parent.code[:4]


def test_published_names_are_kept_and_new_ones_follow_the_official_style() -> None:
    english = {code: get_region(code).en for code in all_regions()}
    # The 77 rows published before nationwide coverage keep their names.
    assert english["110108"] == "Haidian"
    assert english["120105"] == "Hebei District"
    assert english["120116"] == "Binhai New Area"
    assert english["130100"] == "Shijiazhuang"
    assert english["150000"] == "Inner Mongolia"
    # New rows: pinyin and the English generic term.
    assert english["310115"] == "Pudong New Area"
    assert english["440106"] == "Tianhe District"
    assert english["130123"] == "Zhengding County"
    assert english["130321"] == "Qinglong Manchu Autonomous County"
    assert english["150121"] == "Tumed Left Banner"
    assert english["150100"] == "Hohhot"
    assert english["152500"] == "Xilingol League"
    assert english["542500"] == "Ngari Prefecture"
    assert english["222400"] == "Yanbian Korean Autonomous Prefecture"
    assert english["610100"] == "Xi'an"
    assert english["140400"] == "Changzhi"  # 长 read chang, as in place names
    assert english["130225"] == "Laoting County"  # 乐亭, a reading of its own
    assert english["520203"] == "Liuzhi Special District"


def test_is_within() -> None:
    assert is_within("110108", "110000")
    assert is_within("110000", "110000")
    assert is_within("130600", "130000")
    assert is_within("130681", "130000")
    assert not is_within("110108", "120000")
    assert not is_within("110000", "110108")
    assert not is_within("999999", "110000")


def test_descends_from_is_strict() -> None:
    assert descends_from("130681", "130600")
    assert descends_from("130681", "130000")
    assert descends_from("110108", "110000")
    assert not descends_from("130600", "130600")
    assert not descends_from("130000", "130000")
    assert not descends_from("130600", "130681")
    assert not descends_from("130681", "130700")
    assert not descends_from("999999", "130000")
    assert not descends_from("130681", "999999")


def test_province_of() -> None:
    assert province_of("130681").code == "130000"
    assert province_of("130600").code == "130000"
    assert province_of("110108").code == "110000"
    assert province_of("110000").code == "110000"
    with pytest.raises(ValidationError) as caught:
        province_of("999999")
    assert caught.value.code == "region_unknown"


def test_codes_within() -> None:
    assert codes_within("130600")[:3] == ("130600", "130602", "130606")
    assert len(codes_within("130000")) == 1 + 11 + 167
    assert codes_within("110108") == ("110108",)
    assert codes_within("999999") == ()
    assert set(codes_within("130000")) == {code for code in all_regions() if is_within(code, "130000")}


def test_unknown_code_refused() -> None:
    validate_region("110108")
    validate_region("130681")
    with pytest.raises(ValidationError) as caught:
        validate_region("999999")
    assert caught.value.code == "region_unknown"


def test_names_follow_the_language() -> None:
    with translation.override("en"):
        assert get_region("110108").name == "Haidian"
    with translation.override("zh-hans"):
        assert get_region("110108").name == "海淀区"


def test_choices_list_provinces_with_the_divisions_directly_below_them() -> None:
    with translation.override("zh-hans"):
        choices = region_choices()
    labels = dict(choices)
    assert choices[:2] == [("110000", "北京市"), ("110101", "北京市 · 东城区")]
    assert labels["110108"] == "北京市 · 海淀区"
    assert labels["130600"] == "河北省 · 保定市"
    assert labels["419001"] == "河南省 · 济源市"
    # Counties inside a prefecture are not offered here: a page lists 484 options, not 3,214.
    assert "130681" not in labels
    assert len(choices) == len(labels) == 484
    assert {code for code, _ in choices} == {r.code for r in provinces()} | {
        child.code for province in provinces() for child in children(province.code)
    }
    with translation.override("en"):
        assert dict(region_choices())["110108"] == "Beijing · Haidian"


def test_grouped_choices_put_each_province_in_a_group_of_its_own() -> None:
    with translation.override("zh-hans"):
        groups = grouped_region_choices()
        flat = region_choices()
    assert len(groups) == 34
    assert groups[0][0] == "北京市"
    beijing = dict(groups[0][1])
    assert (beijing["110000"], beijing["110108"], len(beijing)) == ("北京市", "海淀区", 17)
    assert list(dict(groups[2][1]))[:2] == ["130000", "130100"]
    assert [code for _, options in groups for code, _ in options] == [code for code, _ in flat]


def test_county_choices_are_the_second_step_of_a_picker() -> None:
    with translation.override("zh-hans"):
        hebei = county_choices("130000")
        beijing = county_choices("110000")
        hubei = county_choices("420000")
    assert [label for label, _ in hebei][:2] == ["石家庄市", "唐山市"]
    assert len(hebei) == 11
    baoding = dict(dict(hebei)["保定市"])
    assert baoding["130600"] == "保定市"
    assert baoding["130681"] == "涿州市"
    assert sum(len(options) for _, options in hebei) == 11 + 167
    assert [label for label, _ in beijing] == ["北京市"]
    assert len(beijing[0][1]) == 16
    # The cities Hubei runs directly come first, under the province's name.
    assert hubei[0] == (
        "湖北省",
        [("429004", "仙桃市"), ("429005", "潜江市"), ("429006", "天门市"), ("429021", "神农架林区")],
    )
    assert county_choices("130600") == []
    assert county_choices("999999") == []


class RegionPick(forms.Form):
    region = forms.ChoiceField(choices=grouped_region_choices, required=False, widget=InlineSelect)


def test_the_picker_renders_groups_and_validates_against_them() -> None:
    with translation.override("zh-hans"):
        html = str(RegionPick({"region": "130600"})["region"])
        assert RegionPick({"region": "130600"}).is_valid()
        assert not RegionPick({"region": "130681"}).is_valid()
    assert html.startswith(
        '<select id="id_region" name="region"><optgroup label="北京市"><option value="110000">北京市</option>'
    )
    assert (
        '<optgroup label="河北省"><option value="130000">河北省</option><option value="130100">石家庄市</option>'
        in html
    )
    assert '<option value="130600" selected>保定市</option>' in html
    assert html.count(" selected") == 1
    assert html.count("<optgroup ") == 34
    assert html.count("<option ") == 484


def _build_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("build_regions", str(BUILD_SCRIPT))
    spec = importlib.util.spec_from_loader("build_regions", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_the_committed_file_is_what_the_build_script_makes() -> None:
    pytest.importorskip("stdnum", reason="python-stdnum (a dev dependency) builds the regions file")
    pytest.importorskip("pypinyin", reason="pypinyin (a dev dependency) builds the regions file")
    script = _build_script()
    text = (importlib.resources.files("stdnum.cn") / "loc.dat").read_text(encoding="utf-8")
    committed = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert committed["regions"] == script.build(script.current_names(text))
    assert "python-stdnum" in committed["source"]
    assert "GB/T 2260" in committed["source"]


def test_the_build_script_reads_validity_years() -> None:
    pytest.importorskip("pypinyin", reason="pypinyin (a dev dependency) builds the regions file")
    script = _build_script()
    text = (
        '11 province="北京市"\n'
        '  0000 county="北京市"\n'
        '  0100 county="市辖区"\n'
        '  0103 county="[-2010]崇文区"\n'
        '  0111 county="[1986-]房山区"\n'
        '13 province="河北省"\n'
        '  0000 county="河北省"\n'
        '  0500 county="[1983-]邢台市"\n'
        '  0502 county="[1983-2019]桥东区,[2020-]襄都区"\n'
    )
    assert script.current_names(text) == {
        "110000": "北京市",
        "110111": "房山区",
        "130000": "河北省",
        "130500": "邢台市",
        "130502": "襄都区",
    }
