"""``accounts_token USERNAME``: print a new personal access token of that user."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kechuang.accounts import services
from kechuang.accounts.models import User
from kechuang.core.errors import DomainError


class Command(BaseCommand):
    help = "Print a new personal access token for USERNAME (shown once; only its digest is kept)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What the token is for (default: command line).")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user called %(username)s.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("The account %(username)s is deactivated.") % {"username": username})
        try:
            _token, raw = services.create_access_token(actor=user, name=name)
        except DomainError as exc:
            raise CommandError(f"{exc.detail} {exc.errors or ''}".strip()) from exc
        # The token alone on stdout, so `TOKEN=$(kechuang accounts token alice)` works.
        self.stdout.write(raw)
