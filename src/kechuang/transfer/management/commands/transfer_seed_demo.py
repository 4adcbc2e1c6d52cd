"""``manage.py transfer_seed_demo``: the demo's achievements, deals, income and contract registry (after seed_demo)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kechuang.transfer.demo_income import seed_income
from kechuang.transfer.demo_registry import seed_registry


class Command(BaseCommand):
    help = "Create the demo region's technology-transfer records through the services (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        income = seed_income()
        registrations = seed_registry()
        try:
            call_command("transfer_import_stats", verbosity=0, stdout=self.stdout)
            published = "published series imported"
        except CommandError as exc:
            # The published series live beside the repository (../shared/data/stats); a demo without them
            # shows the registry's own figures only.
            published = f"published series not imported ({exc})"
        if options["verbosity"]:
            self.stdout.write(
                f"transfer: {len(income.made)} income records, {registrations} contract registrations; {published}"
            )
            if income.refused_code:
                self.stdout.write(f"transfer: the 40% policy was refused ({income.refused_code})")
