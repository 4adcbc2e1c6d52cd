"""Industry sectors an organisation or expert can be tagged with, kept as data.

Two lists: the nine categories of the national Strategic Emerging Industries classification
(国家统计局《战略性新兴产业分类（2018）》) and the six future-industry fields (未来产业; MIIT et al.
《关于推动未来产业创新发展的实施意见》, 2024, the fields Beijing's future-industry plan also uses).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kechuang.core.i18n import localized


@dataclass(frozen=True)
class Sector:
    code: str
    zh: str
    en: str
    family: str  # "sei" (strategic emerging industry) | "future"

    @property
    def name(self) -> str:
        return localized({"zh-hans": self.zh, "en": self.en})


SECTORS: tuple[Sector, ...] = (
    Sector("sei-1", "新一代信息技术产业", "Next-generation information technology", "sei"),
    Sector("sei-2", "高端装备制造产业", "High-end equipment manufacturing", "sei"),
    Sector("sei-3", "新材料产业", "New materials", "sei"),
    Sector("sei-4", "生物产业", "Biotechnology", "sei"),
    Sector("sei-5", "新能源汽车产业", "New-energy vehicles", "sei"),
    Sector("sei-6", "新能源产业", "New energy", "sei"),
    Sector("sei-7", "节能环保产业", "Energy saving and environmental protection", "sei"),
    Sector("sei-8", "数字创意产业", "Digital creative industries", "sei"),
    Sector("sei-9", "相关服务业", "Related services", "sei"),
    Sector("fut-manufacturing", "未来制造", "Future manufacturing", "future"),
    Sector("fut-information", "未来信息", "Future information", "future"),
    Sector("fut-materials", "未来材料", "Future materials", "future"),
    Sector("fut-energy", "未来能源", "Future energy", "future"),
    Sector("fut-space", "未来空间", "Future space", "future"),
    Sector("fut-health", "未来健康", "Future health", "future"),
)
BY_CODE = {s.code: s for s in SECTORS}


def sector_choices() -> list[tuple[str, str]]:
    return [(s.code, s.name) for s in SECTORS]


def validate_sectors(codes: list[str]) -> None:
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ValidationError(_("Give the sectors as a list of codes."), code="sectors_shape")
    unknown = [c for c in codes if c not in BY_CODE]
    if unknown:
        raise ValidationError(
            _("Unknown sector code(s): %(codes)s."), code="sectors_unknown", params={"codes": ", ".join(unknown)}
        )
