"""Security headers every response carries: a strict Content-Security-Policy and friends."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from kechuang.core.errors import ErrorCode, problem

# No inline script or style anywhere, no third-party origin: the pages load only what we serve.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# The interactive API docs page runs Swagger UI from django-ninja's own static files (no CDN, no
# inline script), but Swagger UI injects <style> elements as it renders; only that page may.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = API_DOCS_POLICY if request.path == "/api/v1/docs" else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


API_PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"


class ApiProblemMiddleware:
    """Make the API's answers from outside its own handlers problem+json too.

    An unknown path under ``/api/`` (Django's 404) and a known path with the wrong method
    (django-ninja's 405) would otherwise answer HTML or plain text.
    """

    STATUS_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        code = self.STATUS_CODES.get(response.status_code)
        if (
            code is None
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith(PROBLEM_TYPE)
        ):
            return response
        replaced = JsonResponse(
            problem(code, instance=request.path),
            status=response.status_code,
            content_type=PROBLEM_TYPE,
            json_dumps_params={"ensure_ascii": False},
        )
        if response.has_header("Allow"):
            replaced["Allow"] = response["Allow"]
        return replaced
