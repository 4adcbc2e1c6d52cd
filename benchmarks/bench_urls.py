"""The platform's URL map with two benchmark views in front, the floors the pages are compared with.

``/bench/bare`` does no work of its own: Django's request cycle and middleware only.
``/bench/layout`` renders the site layout (``base.html``) around an empty page: what every page
pays before it shows anything of its own.
"""

from functools import cache

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.template.backends.django import Template
from django.urls import path

from kechuang.urls import urlpatterns as platform_urlpatterns


def bare_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain; charset=utf-8")


@cache
def _empty_page() -> Template:
    return engines["django"].from_string('{% extends "base.html" %}')  # type: ignore[return-value]


def layout_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_empty_page().render({}, request))


# The platform's own patterns are spliced in rather than include()d, so their resolution costs
# what it costs in production.
urlpatterns = [path("bench/bare", bare_view), path("bench/layout", layout_view), *platform_urlpatterns]
