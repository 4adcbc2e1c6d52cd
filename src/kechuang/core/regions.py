"""Administrative regions as data (GB/T 2260 codes), loaded once from ``data/regions.json``.

Every province-level division; below them Beijing's 16 districts, Tianjin's 16 districts and
Hebei's 11 prefecture-level cities, enough to count flows such as Beijing → Tianjin/Hebei.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kechuang.core.i18n import localized

DATA_FILE = Path(__file__).with_name("data") / "regions.json"


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
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["regions"]
    return {row["code"]: Region(**row) for row in rows}


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
    return [r for r in all_regions().values() if r.level == "province"]


def children(code: str) -> list[Region]:
    return [r for r in all_regions().values() if r.parent == code]


def region_choices() -> list[tuple[str, str]]:
    """Choices for a select: each province, followed by its listed sub-divisions."""
    choices: list[tuple[str, str]] = []
    for province in provinces():
        choices.append((province.code, province.name))
        choices.extend((child.code, f"{province.name} · {child.name}") for child in children(province.code))
    return choices


def is_within(code: str, ancestor: str) -> bool:
    """Whether region ``code`` is ``ancestor`` or lies inside it."""
    if code == ancestor:
        return True
    region = all_regions().get(code)
    while region is not None and region.parent is not None:
        if region.parent == ancestor:
            return True
        region = all_regions().get(region.parent)
    return False
