"""``kechuang manage transfer_idle_alerts``: tell units and completers, once, which results passed a year
registered without a signed deal (北京市促进科技成果转化条例 §11). ``kechuang worker`` runs the same
check every hour; running both is harmless, each result is alerted once."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kechuang.transfer.services.achievements import send_idle_alerts


class Command(BaseCommand):
    help = "Notify each unit and the completers once when an achievement has been idle for a year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="check as of this day (YYYY-MM-DD); default: today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("today"):
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today must be a date written YYYY-MM-DD") from exc
        alerted = send_idle_alerts(today=today)
        if options["verbosity"]:
            self.stdout.write(f"transfer: {alerted} idle achievement(s) alerted")
