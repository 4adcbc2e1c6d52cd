"""``kechuang search reindex``: rebuild the search index from the database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kechuang.search import registry
from kechuang.search.tasks import reindex


class Command(BaseCommand):
    help = "Rebuild the search index from the database (every kind, or those named)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kinds", nargs="*", help=f"kinds to rebuild (default: all of {', '.join(registry.kinds())})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        unknown = sorted(set(options["kinds"]) - set(registry.kinds()))
        if unknown:
            raise CommandError(f"unknown kinds: {', '.join(unknown)} (known: {', '.join(registry.kinds())})")
        started = time.monotonic()
        counts = reindex(options["kinds"] or None)
        seconds = time.monotonic() - started
        summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        self.stdout.write(f"indexed {summary} in {seconds:.1f} s")
