"""A micro-cache for public pages seen by anonymous visitors.

The home page and the directories are the same for every anonymous visitor in one language, and
they are what crawlers, dashboards and first-time visitors load most. Rendering them costs far more
than serving stored bytes (see ``docs/benchmarks.md``), so an anonymous GET is answered from the
cache for ``settings.PAGE_CACHE_SECONDS`` seconds (``KECHUANG_PAGE_CACHE_SECONDS``; 0 turns it off).
A change shows to anonymous visitors within that time; signed-in users always get a fresh page.

A response is stored only when nothing in it can belong to one visitor: no session or messages
cookie and no ``Authorization`` header on the request, no CSRF token rendered into the page, no
cookie set by the response, and status 200. The key holds the language, whether htmx asked for a
fragment, and the full path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

MESSAGES_COOKIE = "messages"


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.PAGE_CACHE_SECONDS > 0
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and "Authorization" not in request.headers
    )


def _key(request: HttpRequest) -> str:
    fragment = "htmx" if request.headers.get("HX-Request") == "true" else "page"
    raw = f"{get_language()}|{fragment}|{request.get_full_path()}"
    return "pagecache:" + hashlib.sha256(raw.encode()).hexdigest()


def cache_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view`` to anonymous visitors from the micro-cache (see the module's docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            content, content_type = stored
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
        else:
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.cookies
                and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                and not getattr(response, "streaming", False)
            ):
                cache.set(key, (response.content, response["Content-Type"]), settings.PAGE_CACHE_SECONDS)
                response["X-Page-Cache"] = "miss"
        patch_vary_headers(response, ["Cookie", "Accept-Language", "HX-Request"])
        return response

    return wrapper
