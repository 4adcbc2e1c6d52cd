"""``seed_demo``: load the demo region. Safe to run again; what exists is left alone."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kechuang.accounts.demo import seed_demo_region
from kechuang.core.errors import DomainError


class Command(BaseCommand):
    help = "Load the demo region: organisations, one login per role, experts and their works (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = seed_demo_region()
        except DomainError as exc:
            raise CommandError(
                _("The demo region could not be loaded: %(reason)s %(errors)s")
                % {"reason": exc.detail, "errors": exc.errors or ""}
            ) from exc
        if options["verbosity"] == 0:
            return
        if not created:
            self.stdout.write(_("The demo region is loaded already; nothing to add."))
            return
        made = ", ".join(f"{kind} {count}" for kind, count in sorted(created.items()))
        self.stdout.write(self.style.SUCCESS(_("Demo region loaded: %(made)s.") % {"made": made}))
