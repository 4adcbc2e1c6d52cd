"""``manage.py challenges_seed_demo``: the demo's lists at every stage (run after ``ledger_seed_demo``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kechuang.challenges.demo import seed_challenges_demo


class Command(BaseCommand):
    help = "Create the demo region's challenge lists at every stage, through the services (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        made = seed_challenges_demo()
        if options["verbosity"]:
            self.stdout.write(f"challenges: {made} demo lists created")
