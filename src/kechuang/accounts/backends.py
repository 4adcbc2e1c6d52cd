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

    # Roles live in memberships and are checked by the named rules (rules.ObjectPermissionBackend);
    # Django's permission tables grant nothing here except to superusers. Answering that without a
    # query saves two per signed-in request.
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return super().get_user_permissions(user_obj, obj) if getattr(user_obj, "is_superuser", False) else set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return super().get_group_permissions(user_obj, obj) if getattr(user_obj, "is_superuser", False) else set()
