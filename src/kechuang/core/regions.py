"""Administrative regions as data (GB/T 2260 codes), loaded once from ``data/regions.json``.

Every current division of the country down to county level: 34 province-level divisions, 333
prefecture-level ones and about 2,850 county-level ones. A county-level division hangs from its
prefecture; where there is none (the four municipalities' districts, the cities a province runs
directly such as 济源 or 石河子) it hangs from the province. ``scripts/build-regions`` writes the
file from GB/T 2260 and says where the names come from.

Pickers: ``region_choices()`` (flat) and ``grouped_region_choices()`` (by province) offer each
province with the divisions directly below it, about 490 options; a county-level field takes a
province first and then ``county_choices(province)``, so no page lists all 3,200 rows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from kechuang.core.i18n import localized

DATA_FILE = Path(__file__).with_name("data") / "regions.json"

Choices = list[tuple[str, list[tuple[str, str]]]]
"""Grouped choices as Django's ``ChoiceField`` takes them: ``[(group label, [(code, label), …]), …]``."""


@dataclass(frozen=True)
class Region:
    code: str
    zh: str
    en: str
    level: str  # province | prefecture | county
    parent: str | None

    @property
    def name(self) -> str:
        return localized({"zh-hans": self.zh, "en": self.en})

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


@cache
def all_regions() -> dict[str, Region]:
    """Every region by code, in code order (a province before the divisions inside it)."""
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["regions"]
    return {row["code"]: Region(**row) for row in rows}


@cache
def _children_index() -> dict[str | None, tuple[Region, ...]]:
    # Built once: children() is called per province per request by the pickers, and a scan of
    # 3,200 rows each time would cost more than the page.
    index: dict[str | None, list[Region]] = defaultdict(list)
    for region in all_regions().values():
        index[region.parent].append(region)
    return {parent: tuple(found) for parent, found in index.items()}


def get_region(code: str) -> Region:
    try:
        return all_regions()[code]
    except KeyError:
        raise ValidationError(
            _("%(code)s is not a known region code (GB/T 2260)."), code="region_unknown", params={"code": code}
        ) from None


def validate_region(code: str) -> None:
    get_region(code)


def provinces() -> list[Region]:
    """The 34 province-level divisions, in code order."""
    return list(_children_index()[None])


def children(code: str) -> list[Region]:
    """The divisions directly below ``code``, in code order; empty for a county or an unknown code."""
    return list(_children_index().get(code, ()))


def province_of(code: str) -> Region:
    """The province-level division ``code`` lies in (a province is its own). Unknown codes raise ``region_unknown``."""
    return get_region(get_region(code).province_code)


def descends_from(code: str, ancestor: str) -> bool:
    """Whether ``code`` lies strictly below ``ancestor`` (a region does not descend from itself).

    False when either code is unknown.
    """
    regions = all_regions()
    region = regions.get(code)
    while region is not None and region.parent is not None:
        if region.parent == ancestor:
            return True
        region = regions.get(region.parent)
    return False


def is_within(code: str, ancestor: str) -> bool:
    """Whether region ``code`` is ``ancestor`` or lies inside it."""
    return code == ancestor or descends_from(code, ancestor)


@cache
def codes_within(code: str) -> tuple[str, ...]:
    """``code`` and every code below it, in code order, for ``region__in`` filters; empty if unknown."""
    if code not in all_regions():
        return ()
    found = [code]
    for child in _children_index().get(code, ()):
        found.extend(codes_within(child.code))
    return tuple(sorted(found))


def region_choices() -> list[tuple[str, str]]:
    """Choices for a flat select: each province, followed by the divisions directly below it.

    That is the prefectures (or, in the municipalities, the districts) and the county-level cities a
    province runs directly, labelled with their province (北京市 · 海淀区): about 490 options, enough
    to filter by city. Labels follow the active language, so call this per request.
    """
    return list(_region_choices(get_language() or ""))


def grouped_region_choices() -> Choices:
    """The same regions as ``region_choices`` grouped by province (``<optgroup>``), labels without the province."""
    return [(label, list(options)) for label, options in _grouped_region_choices(get_language() or "")]


# Cached per language: a form field evaluates its choices up to three times per render.
@cache
def _region_choices(language: str) -> tuple[tuple[str, str], ...]:
    with override(language or None):
        return tuple(
            (code, label if code == province.code else f"{province.name} · {label}")
            for province in provinces()
            for code, label in _with_children(province)[1]
        )


@cache
def _grouped_region_choices(language: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    with override(language or None):
        return tuple((label, tuple(options)) for label, options in map(_with_children, provinces()))


def county_choices(province: str) -> Choices:
    """The county-level divisions of one province, the second step of a county picker.

    One group per prefecture (the prefecture first, then its counties); the districts of a
    municipality and the cities a province runs directly form a first group named after the
    province. Empty for an unknown code or one that is not a province.
    """
    region = all_regions().get(province)
    if region is None or region.level != "province":
        return []
    direct = [(child.code, child.name) for child in children(province) if child.level == "county"]
    groups: Choices = [(region.name, direct)] if direct else []
    groups.extend(_with_children(child) for child in children(province) if child.level == "prefecture")
    return groups


def _with_children(region: Region) -> tuple[str, list[tuple[str, str]]]:
    """A group named after ``region``: the region itself, then the divisions directly below it."""
    return region.name, [(region.code, region.name), *((child.code, child.name) for child in children(region.code))]
