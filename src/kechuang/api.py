"""The one JSON API at ``/api/v1``: authentication, problem+json errors, and a router per app."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kechuang.accounts.auth import BrowserSessionAuth, TokenAuth
from kechuang.core.errors import DomainError, ErrorCode, problem

api = NinjaAPI(
    title="kechuang API",
    version="1.0.0",
    description=(
        "JSON API of kechuang (科创). Authenticate with a personal access token "
        "(`Authorization: Bearer kc_…`) or, from the browser, the session cookie with its CSRF token. "
        "Errors are RFC 9457 problem+json with a stable `code`."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), BrowserSessionAuth()],
    docs_url="/docs",
)


def problem_response(
    code: ErrorCode,
    *,
    detail: Any = None,
    errors: dict[str, list[str]] | None = None,
    request: HttpRequest | None = None,
) -> HttpResponse:
    body = problem(code, detail=detail, errors=errors, instance=request.path if request else None)
    return JsonResponse(
        body,
        status=int(str(body["status"])),
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem_response(exc.code, detail=exc.detail, errors=exc.errors, request=request)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query", "path")]
        errors.setdefault(".".join(location) or "__all__", []).append(str(error.get("msg", "")))
    return problem_response(ErrorCode.VALIDATION, errors=errors, request=request)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(ErrorCode.NOT_AUTHENTICATED, request=request)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    by_status = {
        400: ErrorCode.BAD_REQUEST,
        401: ErrorCode.NOT_AUTHENTICATED,
        403: ErrorCode.PERMISSION_DENIED,
        404: ErrorCode.NOT_FOUND,
        409: ErrorCode.CONFLICT,
        422: ErrorCode.VALIDATION,
        429: ErrorCode.RATE_LIMITED,
    }
    code = by_status.get(exc.status_code, ErrorCode.BAD_REQUEST)
    detail = _("CSRF check failed; send the X-CSRFToken header.") if "CSRF" in str(exc) else None
    return problem_response(code, detail=detail, request=request)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(ErrorCode.NOT_FOUND, request=request)


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return problem_response(ErrorCode.PERMISSION_DENIED, request=request)


def _register_routers() -> None:
    from kechuang.accounts.api import router as accounts_router
    from kechuang.challenges.api import router as challenges_router
    from kechuang.ledger.api import router as ledger_router
    from kechuang.notifications.api import router as notifications_router
    from kechuang.review.api import router as review_router
    from kechuang.search.api import router as search_router
    from kechuang.transfer.api import router as transfer_router

    api.add_router("/", accounts_router)
    api.add_router("/", ledger_router)
    api.add_router("/", search_router)
    api.add_router("/", notifications_router)
    api.add_router("/", review_router)
    api.add_router("/", challenges_router)
    api.add_router("/transfer", transfer_router)


_register_routers()
