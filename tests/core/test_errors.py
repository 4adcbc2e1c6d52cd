"""Business errors and their problem+json form."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation

from kechuang.core.errors import (
    STATUS,
    TITLES,
    DomainError,
    ErrorCode,
    NotFound,
    PermissionDenied,
    errors_from_django,
    problem,
)


def test_every_code_has_a_title_and_a_status() -> None:
    assert set(TITLES) == set(ErrorCode)
    assert set(STATUS) == set(ErrorCode)
    assert all(400 <= status < 600 for status in STATUS.values())


def test_codes_are_stable() -> None:
    # Part of the API contract: a code may be added, never renamed.
    assert {c.value for c in ErrorCode} >= {
        "validation_error",
        "not_found",
        "not_authenticated",
        "permission_denied",
        "conflict",
        "rate_limited",
        "idempotency_key_reused",
        "idempotency_in_progress",
        "invalid_state",
        "duplicate",
        "bad_request",
        "server_error",
    }


def test_problem_body() -> None:
    with translation.override("en"):
        body = problem(ErrorCode.VALIDATION, errors={"uscc": ["Wrong."]}, instance="/api/v1/organizations")
    assert body == {
        "type": "urn:kechuang:problem:validation_error",
        "title": "The request is not valid.",
        "status": 422,
        "code": "validation_error",
        "detail": "The request is not valid.",
        "errors": {"uscc": ["Wrong."]},
        "instance": "/api/v1/organizations",
    }


def test_problem_body_leaves_out_empty_parts() -> None:
    with translation.override("en"):
        body = problem(ErrorCode.NOT_FOUND, detail="No such call.")
    assert body == {
        "type": "urn:kechuang:problem:not_found",
        "title": "Not found.",
        "status": 404,
        "code": "not_found",
        "detail": "No such call.",
    }


def test_domain_errors() -> None:
    error = DomainError(ErrorCode.DUPLICATE, errors={"role": ["Taken."]})
    assert (error.code, error.status, error.errors, error.detail) == (
        ErrorCode.DUPLICATE,
        409,
        {"role": ["Taken."]},
        TITLES[ErrorCode.DUPLICATE],
    )
    assert (NotFound().code, NotFound().status) == (ErrorCode.NOT_FOUND, 404)
    assert (PermissionDenied("No.").code, str(PermissionDenied("No."))) == (ErrorCode.PERMISSION_DENIED, "No.")
    with pytest.raises(DomainError):
        raise NotFound()


def test_errors_from_django() -> None:
    by_field = ValidationError({"uscc": ["Wrong check."], NON_FIELD_ERRORS: ["Both."]})
    assert errors_from_django(by_field) == {"uscc": ["Wrong check."], "__all__": ["Both."]}
    plain = ValidationError("Bad %(x)s.", params={"x": "thing"})
    assert errors_from_django(plain) == {"__all__": ["Bad thing."]}
    assert errors_from_django(ValueError("no")) == {}
