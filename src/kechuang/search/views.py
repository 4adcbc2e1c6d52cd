"""The search page ``/search/``: one box over every findable kind, with kind tabs, filters and paging.

Built on :func:`kechuang.search.selectors.search`. The query string is read through ``SearchForm``,
so an unknown kind, a junk page or a stray filter value is dropped rather than answered with an
error; the words themselves are never parsed as syntax (see ``engine``). Like the directories, the
page answers an htmx request with only its results (a template partial), and works without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_safe

from kechuang.core.pagecache import cache_public_page
from kechuang.search import registry, selectors
from kechuang.search.engine import MAX_QUERY_CHARS
from kechuang.search.forms import SearchForm, SearchParams

RESULTS_TARGET = "#search-results"
PAGER_RADIUS = 2  # page numbers shown on each side of the current one before a gap

# How the index's text fields are named on a result's "matched in" line.
FIELD_LABELS = {
    "title": pgettext_lazy("search field", "name"),
    "keywords": pgettext_lazy("search field", "keywords"),
    "body": pgettext_lazy("search field", "description"),
}

# Queries offered on the empty page; each finds something in the demo region.
EXAMPLES = ("机器人", "新材料", "力控", "force control", "rail transit")


def _results_only(request: HttpRequest) -> bool:
    """An htmx filter, tab or pager request gets the results; a history restore gets the whole page."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request


def _link(values: dict[str, str], *, page: int = 1) -> str:
    """The search page's URL for these values (empty ones left out; page 1 carries no number)."""
    query = {name: value for name, value in values.items() if value}
    if page > 1:
        query["page"] = str(page)
    return reverse("search:search") + ("?" + urlencode(query) if query else "")


def _page_numbers(current: int, last: int) -> list[int | None]:
    """The first, the last and the current page ± ``PAGER_RADIUS``; ``None`` marks a gap."""
    shown = sorted({1, last, *range(max(1, current - PAGER_RADIUS), min(last, current + PAGER_RADIUS) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and numbers[-1] is not None and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _pager(values: dict[str, str], page: selectors.Page) -> dict[str, Any]:
    """The context of ``web/_pager.html`` for ``page``, its links carrying only the cleaned values."""
    return {
        "links": [
            {"number": n, "url": _link(values, page=n), "current": n == page.page} if n is not None else None
            for n in _page_numbers(page.page, page.pages)
        ],
        "previous_url": _link(values, page=page.page - 1) if page.page > 1 else "",
        "next_url": _link(values, page=page.page + 1) if page.page < page.pages else "",
    }


def _matched_in(matched: dict[str, list[str]]) -> str:
    labels = [str(FIELD_LABELS.get(name, name)) for name in matched]
    if not labels:
        return ""
    return _("Matched in: %(fields)s") % {"fields": pgettext("list separator", ", ").join(labels)}


def _groups(page: selectors.Page, labels: dict[str, str], values: dict[str, str]) -> list[dict[str, Any]]:
    """The page's hits by kind, each kind where its best hit ranks, the hits in rank order within it."""
    counts = {entry["kind"]: entry["count"] for entry in page.kinds}
    groups: dict[str, dict[str, Any]] = {}
    for hit in page.results.hits:
        group = groups.setdefault(
            hit.kind,
            {
                "kind": hit.kind,
                "label": labels.get(hit.kind, hit.kind),
                "count": counts.get(hit.kind, 0),
                "url": _link({**values, "kind": hit.kind}),
                "hits": [],
            },
        )
        shown = selectors.hit_out(hit)
        shown["matched_in"] = _matched_in(hit.matched)
        group["hits"].append(shown)
    return list(groups.values())


def _tabs(page: selectors.Page, params: SearchParams, values: dict[str, str]) -> list[dict[str, Any]]:
    everything = {
        "kind": "",
        "label": _("All"),
        "count": sum(entry["count"] for entry in page.kinds),
        "url": _link({**values, "kind": ""}),
        "current": not params.kind,
    }
    return [
        everything,
        *(
            {**entry, "url": _link({**values, "kind": entry["kind"]}), "current": entry["kind"] == params.kind}
            for entry in page.kinds
        ),
    ]


def _run(params: SearchParams) -> selectors.Page:
    kinds = [params.kind] if params.kind else []
    page = selectors.search(params.q, kinds=kinds, filters=params.filters, page=params.page)
    if page.page > page.pages:  # past the end (an old link, a hand-made URL): show the last page
        page = selectors.search(params.q, kinds=kinds, filters=params.filters, page=page.pages)
    return page


@cache_public_page
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    params = form.params()
    # Links and the box carry the words that were searched, not 10,000 characters of whatever was sent.
    query = params.q[:MAX_QUERY_CHARS]
    values = {
        "q": query,
        "kind": params.kind,
        "region": params.region,
        "sector": params.sector,
        "org_type": params.org_type,
    }
    labels = {kind: str(registry.provider(kind).label) for kind in registry.kinds()}
    context: dict[str, Any] = {
        "form": form,
        "params": params,
        "query": query,
        "max_query_chars": MAX_QUERY_CHARS,
        "filtered": bool(params.filters),
        "kind_labels": list(labels.values()),
        "examples": [{"text": text, "url": _link({"q": text})} for text in EXAMPLES],
        "clear_filters_url": _link({"q": query, "kind": params.kind}),
        "all_kinds_url": _link({**values, "kind": ""}),
        "page": None,
    }
    if params.q.strip() or params.filters:
        page = _run(params)
        # Words that analyse to nothing (only punctuation or stop words) must not turn into browsing everything.
        no_words = bool(params.q.strip()) and not page.results.terms
        context.update(
            page=page,
            no_words=no_words,
            tabs=[] if no_words else _tabs(page, params, values),
            groups=[] if no_words else _groups(page, labels, values),
            total=0 if no_words else page.results.total,
            pager=_pager(values, page),
        )
    template = "search/search.html#results" if _results_only(request) else "search/search.html"
    response = render(request, template, context)
    # The same URL answers a page or a fragment; caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
