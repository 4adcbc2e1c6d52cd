"""Public pages: the home page and the organisation and expert directories.

Reads go through :mod:`kechuang.accounts.selectors`; a hidden object answers 404 like a missing one.
The directory pages answer an htmx request with only their result list (a template partial). The
detail pages recommend related public items through :func:`kechuang.search.selectors.match`, each
with the words that explain it; without an index they simply show none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from kechuang.accounts import selectors
from kechuang.accounts.models import ExpertProfile, Organization
from kechuang.core.errors import NotFound
from kechuang.core.pagecache import cache_public_page
from kechuang.core.paging import paginate
from kechuang.core.sectors import BY_CODE
from kechuang.search import selectors as search_selectors
from kechuang.search.documents import document_key
from kechuang.web.forms import ExpertFilterForm, OrganizationFilterForm
from kechuang.web.workspace import workspace_for

logger = logging.getLogger("kechuang.web")

# How many affiliated experts an organisation page lists before linking to the directory.
ORGANIZATION_EXPERTS_SHOWN = 12
RELATED_SHOWN = 5  # recommendations per list on a detail page
REASON_WORDS = 6  # matched words shown as the reason for one recommendation


@cache_public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/home.html", {"counts": selectors.platform_counts(), "workspace": workspace_for(request.user)}
    )


def _results_only(request: HttpRequest) -> bool:
    """An htmx filter or pager request gets the result list; a history restore gets the whole page."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request


def _directory(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    name = f"{template}#results" if _results_only(request) else template
    response = render(request, name, context)
    # The same URL answers a page or a fragment; caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@cache_public_page
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET)
    filters = form.filters()
    found = selectors.organizations(
        query=filters["q"], kind=filters["kind"], region=filters["region"], sector=filters["sector"]
    )
    page = paginate(found, page=request.GET.get("page"))
    return _directory(request, "web/organization_list.html", {"form": form, "page": page, "filtered": form.active()})


def _both(value: Any) -> list[str]:
    """Both languages of a bilingual value."""
    return [str(text) for text in value.values() if text] if isinstance(value, dict) else []


def _related(text: str, *, kind: str, exclude: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Up to ``RELATED_SHOWN`` public items of ``kind`` most like ``text``, each with the words that explain it
    (``reasons``). One match call; nothing when the text is empty, the index is empty or cannot be read."""
    if not text.strip():
        return []
    try:
        found = search_selectors.match(text, kinds=[kind], limit=RELATED_SHOWN, exclude=exclude)
    except (OSError, ValueError):
        # Recommendations are extra: a broken index must not take the page down with it.
        logger.warning("related %s could not be matched", kind, exc_info=True)
        return []
    items = []
    for hit in found.hits:
        item = search_selectors.hit_out(hit)
        words = {word.casefold(): word for field in hit.matched.values() for word in field}
        item["reasons"] = list(words.values())[:REASON_WORDS]
        items.append(item)
    return items


def _organization_text(organization: Organization) -> str:
    sectors = [f"{BY_CODE[code].zh} {BY_CODE[code].en}" for code in organization.sectors if code in BY_CODE]
    return "\n".join([*_both(organization.description), *sectors])


def _expert_text(profile: ExpertProfile) -> str:
    words = [*profile.fields, *profile.keywords_zh, *profile.keywords_en]
    return "\n".join([*(str(word) for word in words), *_both(profile.bio)])


@cache_public_page
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        organization = selectors.get_organization_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    experts = selectors.expert_profiles_visible_to(request.user, affiliation=organization.pk)
    shown = list(experts[: ORGANIZATION_EXPERTS_SHOWN + 1])
    context = {
        "organization": organization,
        "experts": shown[:ORGANIZATION_EXPERTS_SHOWN],
        "more_experts": len(shown) > ORGANIZATION_EXPERTS_SHOWN,
        "can_manage": request.user.has_perm("accounts.view_org_memberships", organization),
        "related_experts": _related(_organization_text(organization), kind="expert"),
    }
    return render(request, "web/organization_detail.html", context)


@cache_public_page
def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET)
    filters = form.filters()
    # Filtering by a hidden organisation would tell who belongs to it; such a filter is dropped.
    affiliation = _visible_organization(request, filters["org"])
    found = selectors.expert_profiles_visible_to(
        request.user, query=filters["q"], field=filters["field"], affiliation=affiliation.pk if affiliation else None
    )
    page = paginate(found, page=request.GET.get("page"))
    return _directory(
        request,
        "web/expert_list.html",
        {"form": form, "page": page, "filtered": form.active(), "affiliation": affiliation},
    )


def _visible_organization(request: HttpRequest, pk: int | None) -> Organization | None:
    if pk is None:
        return None
    try:
        return selectors.get_organization_for(request.user, pk)
    except NotFound:
        return None


@cache_public_page
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        profile: ExpertProfile = selectors.get_expert_profile_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    text = _expert_text(profile)
    context = {
        "profile": profile,
        "works": selectors.visible_works(request.user, profile),
        "history": selectors.visible_history(request.user, profile),
        "is_own": profile.user_id == request.user.pk,
        "affiliation_visible": profile.affiliation is not None
        and request.user.has_perm("accounts.view_organization", profile.affiliation),
        "related_organizations": _related(text, kind="organization"),
        "similar_experts": _related(text, kind="expert", exclude=[document_key("expert", profile.pk)]),
    }
    return render(request, "web/expert_detail.html", context)


@require_GET
def switch_language(request: HttpRequest) -> HttpResponse:
    """Remember the chosen interface language in its cookie and go back to the page the visitor was on.

    A GET link rather than Django's POST ``set_language``: the choice is a harmless preference, and
    pages that carry no CSRF token for it can be served from the page cache.
    """
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
