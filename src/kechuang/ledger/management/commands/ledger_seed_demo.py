"""``manage.py ledger_seed_demo``: the demo's notarised documents (run after ``seed_demo``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kechuang.ledger.demo import seed_ledger_demo


class Command(BaseCommand):
    help = "Notarise the demo region's documents in the transparency log and integrate them."

    def handle(self, *args: Any, **options: Any) -> None:
        made = seed_ledger_demo()
        if options["verbosity"]:
            self.stdout.write(f"ledger: {made} demo documents notarised")
