"""Public pages: the home page and the organisation and expert directories.

Reads go through :mod:`kechuang.accounts.selectors`; a hidden object answers 404 like a missing one.
The directory pages answer an htmx request with only their result list (a template partial).
"""

from __future__ import annotations

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
from kechuang.web.forms import ExpertFilterForm, OrganizationFilterForm
from kechuang.web.workspace import workspace_for

# How many affiliated experts an organisation page lists before linking to the directory.
ORGANIZATION_EXPERTS_SHOWN = 12


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
    context = {
        "profile": profile,
        "works": selectors.visible_works(request.user, profile),
        "is_own": profile.user_id == request.user.pk,
        "affiliation_visible": profile.affiliation is not None
        and request.user.has_perm("accounts.view_organization", profile.affiliation),
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
