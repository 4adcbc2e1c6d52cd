"""Template helpers every app's pages may load with ``{% load kechuang %}``.

Filters: ``localized`` (bilingual value in the active language), ``text_in:"en"`` (one language
only), ``shown_keywords`` (a profile's keywords with their ``lang``), ``region_name``, ``sector_name``,
``doi_url``. Tag: ``{% pager page %}`` renders
:class:`kechuang.core.paging.Page` navigation that keeps the current query string.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django import template
from django.http import HttpRequest, QueryDict
from django.utils.translation import get_language

from kechuang.core.i18n import localized as localized_text
from kechuang.core.paging import Page
from kechuang.core.regions import all_regions
from kechuang.core.sectors import BY_CODE

register = template.Library()

# How many page numbers to show on each side of the current one before a gap.
PAGER_RADIUS = 2


@register.filter
def localized(value: Any) -> str:
    """A bilingual ``{"zh-hans": …, "en": …}`` value in the active language, falling back to the other."""
    return localized_text(value) if isinstance(value, dict) else str(value or "")


@register.filter
def text_in(value: Any, language: str) -> str:
    """Only the text in ``language`` (``"zh-hans"`` or ``"en"``), or ''."""
    return str(value.get(language, "")) if isinstance(value, dict) else ""


class ShownKeywords(NamedTuple):
    words: list[str]
    lang: str  # the HTML language tag of ``words``, for the element's ``lang`` attribute


@register.filter
def shown_keywords(profile: Any) -> ShownKeywords:
    """The profile's keywords in the active language, else in the other; with the ``lang`` of those shown."""
    chinese = ShownKeywords(list(profile.keywords_zh or []), "zh-Hans")
    english = ShownKeywords(list(profile.keywords_en or []), "en")
    wanted, other = (english, chinese) if (get_language() or "").lower().startswith("en") else (chinese, english)
    return wanted if wanted.words or not other.words else other


@register.filter
def region_name(code: str) -> str:
    """The region's name with its province, e.g. 北京市 · 海淀区; the code itself if unknown."""
    region = all_regions().get(code or "")
    if region is None:
        return code or ""
    parent = all_regions().get(region.parent or "")
    return f"{parent.name} · {region.name}" if parent is not None else region.name


@register.filter
def sector_name(code: str) -> str:
    sector = BY_CODE.get(code or "")
    return sector.name if sector is not None else (code or "")


@register.filter
def doi_url(identifier: str) -> str:
    """A resolver link when ``identifier`` is a DOI (``10.…/…``), else ''."""
    text = (identifier or "").strip()
    for prefix in ("https://doi.org/", "doi:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    return f"https://doi.org/{text}" if text.startswith("10.") and "/" in text else ""


def page_numbers(current: int, last: int) -> list[int | None]:
    """The page numbers a pager shows: the first, the last, the current ± radius; ``None`` marks a gap."""
    shown = sorted({1, last, *range(max(1, current - PAGER_RADIUS), min(last, current + PAGER_RADIUS) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and numbers[-1] is not None and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def page_url(query: QueryDict, number: int) -> str:
    """The query string of page ``number``, keeping every non-empty filter; page 1 carries no number."""
    params = QueryDict(mutable=True)
    for key, values in query.lists():
        kept = [value for value in values if value != ""]
        if key != "page" and kept:
            params.setlist(key, kept)
    if number > 1:
        params["page"] = str(number)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.inclusion_tag("web/_pager.html", takes_context=True)
def pager(context: template.Context, page: Page[Any], target: str = "") -> dict[str, Any]:
    """Page links for ``page``; with ``target`` (a CSS selector) htmx swaps only that element."""
    request: HttpRequest | None = context.get("request")
    query = request.GET if request is not None else QueryDict()
    links = [
        {"number": n, "url": page_url(query, n), "current": n == page.page} if n is not None else None
        for n in page_numbers(page.page, page.pages)
    ]
    return {
        "page": page,
        "links": links,
        "previous_url": page_url(query, page.page - 1) if page.has_previous else "",
        "next_url": page_url(query, page.page + 1) if page.has_next else "",
        "target": target,
    }


@register.filter
def other_language(value: Any) -> str:
    """The text in the language that is *not* active, if there is one and it is not already shown."""
    if not isinstance(value, dict):
        return ""
    english = (get_language() or "").lower().startswith("en")
    other = str(value.get("zh-hans" if english else "en", ""))
    return other if other and other != localized_text(value) else ""
