"""Signing in and up, account settings and access tokens."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.accounts import services
from kechuang.accounts.forms.base import ServiceForm, text_field
from kechuang.accounts.models import AccessToken, User
from kechuang.core.errors import DomainError


class LoginForm(AuthenticationForm):
    """Django's sign-in form; the :class:`UsernameOrEmailBackend` accepts either name."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or e-mail address and the password do not match an active account."),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Username or e-mail address")
        username.widget.attrs["maxlength"] = 254
        username.widget.attrs["autocomplete"] = "username"


class SignupForm(ServiceForm):
    """Every error in one round: field shapes, the password pair, the password rules and taken names.

    :func:`services.register_user` checks the names and the password again and stays the authority;
    the form asks first because the service runs only once the form is valid, so a mismatched
    password pair would otherwise hide the other errors until the next submission.
    """

    error_fields = {"password": "password1"}

    username = text_field(
        _("Username"),
        max_length=150,
        required=True,
        autocomplete="username",
        help_text=_("Letters, digits and @ . + - _ only; you can also sign in with your e-mail address."),
        validators=[User.username_validator],
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("For resetting your password. Not shown to anyone unless you choose to."),
    )
    display_name = text_field(
        _("Display name"),
        max_length=100,
        autocomplete="name",
        help_text=_("How others see you on the platform, e.g. your full name."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        username = cleaned.get("username", "").strip()
        email = cleaned.get("email", "").strip().lower()
        if username and User.objects.filter(username__iexact=username).exists():
            self.add_error("username", _("This username is taken."))
        if email and User.objects.filter(email__iexact=email).exists():
            self.add_error("email", _("An account with this e-mail address exists already."))
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        if cleaned.get("password1"):
            # The similarity rule compares the password with what was typed as the name and address.
            user = User(username=username, email=email, display_name=cleaned.get("display_name", "").strip())
            try:
                validate_password(cleaned["password1"], user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def submit(self) -> User | None:
        data = self.cleaned_data
        try:
            return services.register_user(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None


# ---------------------------------------------------------------- settings and tokens


class AccountForm(ServiceForm):
    display_name = text_field(_("Display name"), max_length=100, autocomplete="name")
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def submit(self, *, actor: User) -> User | None:
        try:
            return services.update_account(
                actor=actor, display_name=self.cleaned_data["display_name"], email=self.cleaned_data["email"]
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None


class TokenForm(ServiceForm):
    error_fields = {"expires_at": "expires_on"}

    name = text_field(
        _("Name"), max_length=100, required=True, help_text=_("What the token is for, e.g. “reporting script”.")
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("The token stops working at the end of this day (Beijing time). Leave empty for no expiry."),
    )

    @staticmethod
    def end_of(day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())

    def submit(self, *, actor: User) -> tuple[AccessToken, str] | None:
        expires_on = self.cleaned_data["expires_on"]
        try:
            return services.create_access_token(
                actor=actor, name=self.cleaned_data["name"], expires_at=self.end_of(expires_on) if expires_on else None
            )
        except DomainError as exc:
            self.add_domain_error(exc)
            return None
