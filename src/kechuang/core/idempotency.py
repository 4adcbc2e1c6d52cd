"""The ``Idempotency-Key`` mechanism for POSTs that move money or capacity, and one-time form tokens.

A client sends a unique key with a POST; the first answer is stored and replayed for every retry
with the same key and the same body, so a timeout never books or pays twice. The same key with a
different body is refused (``idempotency_key_reused``); a retry that arrives while the first
request still runs is told so (``idempotency_in_progress``). Keys are scoped to the caller.
Server errors (5xx) are not stored, so the client may retry them. Records older than
:data:`RETENTION` may be purged.

Pages have no header to send: their forms that move money carry a hidden one-time token
(:func:`new_form_token`), claimed with :func:`claim_form_token` in the write's own transaction,
so a double click or a resent form writes once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from kechuang.core.errors import ErrorCode, problem
from kechuang.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)


def _principal(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    credential = request.headers.get("Authorization", "")
    if credential:
        return "token:" + hashlib.sha256(credential.encode()).hexdigest()
    return None


def _problem_response(code: ErrorCode) -> HttpResponse:
    body = problem(code)
    return JsonResponse(body, status=int(str(body["status"])), content_type="application/problem+json")


def idempotent(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an API operation's ``run`` (use with ``ninja.decorators.decorate_view``)."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:  # noqa: PLR0911 - one exit per outcome
        key = request.headers.get(HEADER, "").strip()
        principal = _principal(request)
        if not key or principal is None:
            return run(request, *args, **kwargs)
        if len(key) > 255:
            return _problem_response(ErrorCode.BAD_REQUEST)
        digest = hashlib.sha256(
            (request.method or "POST").encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal,
                    key=key,
                    method=request.method or "POST",
                    path=request.path[:500],
                    request_hash=digest,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(principal=principal, key=key)
            if existing.request_hash != digest:
                return _problem_response(ErrorCode.IDEMPOTENCY_KEY_REUSED)
            if existing.status is None:
                return _problem_response(ErrorCode.IDEMPOTENCY_IN_PROGRESS)
            replay = HttpResponse(
                bytes(existing.body or b""), status=existing.status, content_type=existing.content_type
            )
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or getattr(response, "streaming", False):
            record.delete()
            return response
        record.status = response.status_code
        record.body = response.content
        record.content_type = response.get("Content-Type", "application/json")
        record.save(update_fields=["status", "body", "content_type"])
        return response

    return wrapper


# ---------------------------------------------------------------- one-time form tokens


def new_form_token() -> str:
    """A fresh token for a page's form that moves money: put it in a hidden field, claim it on POST."""
    return secrets.token_urlsafe(24)


def claim_form_token(request: HttpRequest, token: str) -> bool:
    """Claim ``token`` for the signed-in user; False when it was claimed before (the form was sent twice).

    Call it inside the same transaction as the write the form asks for: if the write is refused and
    rolled back, so is the claim, and the corrected form can be sent again with the same token. Two
    POSTs racing with one token serialise on the table's unique key; the second gets False once the
    first commits. Uses the table of ``Idempotency-Key`` records (a ``form:`` key, kept as long).
    """
    principal = _principal(request)
    if principal is None or not token or len(token) > 200:
        return False
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                principal=principal,
                key=f"form:{token}",
                method=request.method or "POST",
                path=request.path[:500],
                request_hash=hashlib.sha256(token.encode()).hexdigest(),
                status=303,  # done: a form answers with a redirect, and is never replayed
            )
    except IntegrityError:
        return False
    return True
