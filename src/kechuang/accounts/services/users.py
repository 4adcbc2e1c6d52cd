"""Accounts: registration, account settings and the sign-in failure count."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kechuang.accounts.models import (
    LoginFailure,
    User,
)
from kechuang.core.audit import diff_of, record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.validation import clean_or_raise

# ---------------------------------------------------------------- users


def register_user(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create an account that can sign in at once. Refuses a taken username or e-mail address."""
    user = User(username=username.strip(), email=email.strip().lower(), display_name=display_name.strip())
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [str(_("This username is taken."))]
    if user.email and User.objects.filter(email__iexact=user.email).exists():
        errors["email"] = [str(_("An account with this e-mail address exists already."))]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = [str(m) for m in exc.messages]
    if errors:
        raise DomainError(ErrorCode.VALIDATION, errors=errors)
    clean_or_raise(user, exclude=["password"])
    user.set_password(password)
    with transaction.atomic():
        user.save()
        record_event(actor=user, verb="accounts:user:register", obj=user)
    return user


def note_failed_login(*, username: str, ip: str | None) -> None:
    """Count a failed sign-in towards the lockout of this account name and address."""
    LoginFailure.objects.create(username=username.strip().lower()[:254], ip=ip or None)


def clear_failed_logins(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.strip().lower()).delete()


@transaction.atomic
def update_account(*, actor: User, display_name: str, email: str) -> User:
    """Change ``actor``'s own display name and e-mail address; the address stays unique, ignoring case."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    before = {"display_name": user.display_name, "email": user.email}
    user.display_name = display_name.strip()
    user.email = email.strip().lower()
    if user.email and User.objects.filter(email__iexact=user.email).exclude(pk=user.pk).exists():
        raise DomainError(
            ErrorCode.VALIDATION, errors={"email": [str(_("An account with this e-mail address exists already."))]}
        )
    clean_or_raise(user, exclude=["password"])
    try:
        with transaction.atomic():
            user.save(update_fields=["display_name", "email"])
    except IntegrityError as exc:  # a concurrent change to the same address
        raise DomainError(
            ErrorCode.VALIDATION, errors={"email": [str(_("An account with this e-mail address exists already."))]}
        ) from exc
    record_event(
        actor=actor,
        verb="accounts:user:update",
        obj=user,
        diff=diff_of(before, {"display_name": user.display_name, "email": user.email}),
    )
    actor.display_name, actor.email = user.display_name, user.email
    return user
