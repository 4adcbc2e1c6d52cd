"""Sign in with either the username or the e-mail address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from kechuang.accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        login = username.strip()
        query = Q(username__iexact=login) if "@" not in login else Q(email__iexact=login)
        user = User.objects.filter(query).order_by("id").first()
        if user is None:
            # Hash anyway so a missing account costs the same time as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
