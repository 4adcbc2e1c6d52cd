"""``make_operator USERNAME``: make a user an operator of the platform (and give them the admin)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kechuang.accounts import services
from kechuang.accounts.models import User
from kechuang.core.errors import DomainError
from kechuang.core.i18n import bilingual, localized

# The body that runs the platform in the reference installation; another city passes its own name.
DEFAULT_OFFICE_ZH = "北京市科学技术委员会、中关村科技园区管理委员会"
DEFAULT_OFFICE_EN = (
    "Beijing Municipal Science and Technology Commission, Administrative Commission of Zhongguancun Science Park"
)


class Command(BaseCommand):
    help = (
        "Make USERNAME an operator of the organisation that runs the platform, creating that organisation "
        "(the S&T office) first if there is none."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--office-name", default=DEFAULT_OFFICE_ZH, help="Chinese name of the S&T office, if it must be created."
        )
        parser.add_argument(
            "--office-name-en", default=DEFAULT_OFFICE_EN, help="English name of the S&T office, if it must be created."
        )
        parser.add_argument(
            "--office-region",
            default="110000",
            help="GB/T 2260 region code of the S&T office, if it must be created (default: Beijing).",
        )

    def handle(
        self, *args: Any, username: str, office_name: str, office_name_en: str, office_region: str, **options: Any
    ) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user called %(username)s.") % {"username": username})
        try:
            office = services.create_platform_office(name=bilingual(office_name, office_name_en), region=office_region)
            services.bootstrap_operator(user=user, organization=office)
        except DomainError as exc:
            raise CommandError(f"{exc.detail} {exc.errors or ''}".strip()) from exc
        done = _("%(username)s is now an operator of %(office)s.")
        self.stdout.write(done % {"username": username, "office": localized(office.name)})
