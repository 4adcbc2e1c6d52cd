"""Public pages: the home page and the organisation and expert directories."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kechuang.accounts import selectors
from kechuang.core.paging import paginate


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"counts": selectors.platform_counts()})


def organization_list(request: HttpRequest) -> HttpResponse:
    found = selectors.organizations(query=request.GET.get("q", "").strip(), kind=request.GET.get("kind", ""),
                                    region=request.GET.get("region", ""), sector=request.GET.get("sector", ""))
    return render(request, "web/organization_list.html", {"page": paginate(found, page=request.GET.get("page"))})


def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/organization_detail.html",
                  {"organization": selectors.get_organization_for(request.user, pk)})


def expert_list(request: HttpRequest) -> HttpResponse:
    found = selectors.expert_profiles_visible_to(request.user, query=request.GET.get("q", "").strip())
    return render(request, "web/expert_list.html", {"page": paginate(found, page=request.GET.get("page"))})


def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = selectors.get_expert_profile_for(request.user, pk)
    return render(request, "web/expert_detail.html",
                  {"profile": profile, "works": selectors.visible_works(request.user, profile)})
