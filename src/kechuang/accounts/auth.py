"""How the API knows who calls: a personal access token, the browser's session, or nobody."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from kechuang.accounts.services import user_for_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <personal access token>``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token.strip())
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The browser's session cookie, with Django's CSRF check on unsafe methods.

    Only a signed-in session without an ``Authorization`` header is checked: a program that sends
    a wrong token, or none, must hear 401 ``not_authenticated``, not a CSRF refusal it cannot act on.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if "Authorization" in request.headers or not request.user.is_authenticated:
            return None
        return super().__call__(request)


class AnonymousAccess:
    """The last authenticator of a public endpoint: after a token and the session were tried, let anyone in.

    Public reads still see more with credentials (an operator sees pending organisations; a
    signed-in user sees members-only profiles), so they try the real authenticators first.
    """

    def __call__(self, request: HttpRequest) -> Any:
        return request.user  # AnonymousUser when neither credential identified the caller


PUBLIC_AUTH = [TokenAuth(), BrowserSessionAuth(), AnonymousAccess()]
