"""``kechuang notifications remind``: send every due reminder now (the worker also does, each minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kechuang.notifications.services import send_due_reminders


class Command(BaseCommand):
    help = "Turn every reminder that is due into a notification (each is sent once, even with several workers)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_due_reminders()
        self.stdout.write(f"sent {sent} reminder(s)")
