"""Business errors with stable machine codes, rendered as RFC 9457 problem+json by the API.

A service raises :class:`DomainError` (or a subclass) with a code from :class:`ErrorCode`; the
API turns it into ``{"type", "title", "status", "code", "detail", "errors"}``. Codes are part of
the API contract: add new ones, never rename.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    INVALID_STATE = "invalid_state"
    DUPLICATE = "duplicate"
    BAD_REQUEST = "bad_request"
    SERVER_ERROR = "server_error"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INTEGRITY = "integrity_error"
    SHARES_NOT_100 = "shares_not_100"
    NOT_OWNER = "not_owner"
    POLICY_BELOW_FLOOR = "policy_below_floor"
    SPLIT_NOT_100 = "split_not_100"


TITLES: dict[ErrorCode, Promise] = {
    ErrorCode.VALIDATION: _("The request is not valid."),
    ErrorCode.NOT_FOUND: _("Not found."),
    ErrorCode.NOT_AUTHENTICATED: _("Sign in or send a valid access token."),
    ErrorCode.PERMISSION_DENIED: _("You may not do this."),
    ErrorCode.CONFLICT: _("The request conflicts with the current state."),
    ErrorCode.RATE_LIMITED: _("Too many attempts; wait and try again."),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: _("This Idempotency-Key was used for a different request."),
    ErrorCode.IDEMPOTENCY_IN_PROGRESS: _("A request with this Idempotency-Key is still being processed."),
    ErrorCode.INVALID_STATE: _("This action is not allowed in the current state."),
    ErrorCode.DUPLICATE: _("This already exists."),
    ErrorCode.BAD_REQUEST: _("The request cannot be processed."),
    ErrorCode.SERVER_ERROR: _("Something went wrong on our side."),
    ErrorCode.METHOD_NOT_ALLOWED: _("This address does not accept this HTTP method."),
    ErrorCode.INTEGRITY: _("Stored records failed their integrity check; the operators have been told."),
    ErrorCode.SHARES_NOT_100: _("The shares must add up to exactly 100%."),
    ErrorCode.NOT_OWNER: _("Your unit does not own this."),
    ErrorCode.POLICY_BELOW_FLOOR: _("The policy gives the team less than the law requires."),
    ErrorCode.SPLIT_NOT_100: _("The team's shares must add up to exactly 100%."),
}

STATUS: dict[ErrorCode, int] = {
    ErrorCode.VALIDATION: 422,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 422,
    ErrorCode.IDEMPOTENCY_IN_PROGRESS: 409,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.SERVER_ERROR: 500,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.INTEGRITY: 500,
    ErrorCode.SHARES_NOT_100: 422,
    ErrorCode.NOT_OWNER: 403,
    ErrorCode.POLICY_BELOW_FLOOR: 422,
    ErrorCode.SPLIT_NOT_100: 422,
}


class DomainError(Exception):
    """A refusal the user can understand. ``errors`` maps field names to messages."""

    def __init__(
        self,
        code: ErrorCode,
        detail: str | Promise | None = None,
        *,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.code = code
        self.detail = detail if detail is not None else TITLES[code]
        self.errors = errors or {}
        super().__init__(str(self.detail))

    @property
    def status(self) -> int:
        return STATUS[self.code]


class NotFound(DomainError):  # noqa: N818 - reads as the HTTP answer it becomes
    def __init__(self, detail: str | Promise | None = None) -> None:
        super().__init__(ErrorCode.NOT_FOUND, detail)


class PermissionDenied(DomainError):  # noqa: N818 - mirrors Django's PermissionDenied
    def __init__(self, detail: str | Promise | None = None) -> None:
        super().__init__(ErrorCode.PERMISSION_DENIED, detail)


def problem(
    code: ErrorCode,
    *,
    detail: str | Promise | None = None,
    errors: dict[str, list[str]] | None = None,
    instance: str | None = None,
) -> dict[str, object]:
    """The problem+json body for ``code``; ``type`` is a stable URN so clients may key on it."""
    body: dict[str, object] = {
        "type": f"urn:kechuang:problem:{code.value}",
        "title": str(TITLES[code]),
        "status": STATUS[code],
        "code": code.value,
        "detail": str(detail if detail is not None else TITLES[code]),
    }
    if errors:
        body["errors"] = {field: [str(m) for m in messages] for field, messages in errors.items()}
    if instance:
        body["instance"] = instance
    return body


def errors_from_django(exc: object) -> dict[str, list[str]]:
    """Field errors of a Django ``ValidationError`` as ``{field: [message, …]}``."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    if not isinstance(exc, ValidationError):
        return {}
    if hasattr(exc, "error_dict"):
        return {
            ("__all__" if field == NON_FIELD_ERRORS else field): [str(m) for m in ValidationError(errs).messages]
            for field, errs in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}
