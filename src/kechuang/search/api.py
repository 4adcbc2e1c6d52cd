"""``/api/v1/search`` and ``/api/v1/match``: public, over public documents only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from kechuang.accounts.api import PUBLIC, PUBLIC_OPENAPI
from kechuang.search import selectors
from kechuang.search.schemas import MatchIn, MatchOut, SearchOut

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = ""
    kind: list[str] = []
    region: list[str] = []
    sector: list[str] = []
    org_type: list[str] = []
    organization: list[str] = []
    page: int = 1


@router.get("/search", response=SearchOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI, summary="Search everything")
def search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """Organisations, experts and every other findable kind, by words in Chinese or English.

    Every word (or one of its synonyms) must match; when none match them all, `relaxed` is true and
    the results match most of them. Quotes make a phrase. Filters take several values each (OR within
    a filter, AND across filters); `region` is a GB/T 2260 code and includes the regions below it.
    """
    filters = {
        "region": params.region,
        "sector": params.sector,
        "org_type": params.org_type,
        "organization": params.organization,
    }
    page = selectors.search(params.q, kinds=params.kind, filters=filters, page=params.page)
    return {
        "query": params.q,
        "total": page.results.total,
        "page": page.page,
        "per_page": page.per_page,
        "relaxed": page.results.relaxed,
        "truncated": page.results.truncated,
        "kinds": page.kinds,
        "results": [selectors.hit_out(hit) for hit in page.results.hits],
    }


@router.post("/match", response=MatchOut, auth=PUBLIC, openapi_extra=PUBLIC_OPENAPI, summary="Recommend for a text")
def match(request: HttpRequest, payload: MatchIn) -> dict[str, Any]:
    """The experts, organisations and other items best matching a text (a need, a challenge, an achievement),
    each with the words and fields that explain it."""
    results = selectors.match(payload.text, kinds=payload.kinds, limit=payload.limit)
    return {"terms": results.terms, "results": [selectors.hit_out(hit) for hit in results.hits]}
