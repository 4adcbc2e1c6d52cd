"""``kechuang manage transfer_import_stats [--dir ../shared/data/stats]``: the published technology-market series.

Reads the yearbook's outflow-by-seller-region and inflow-by-buyer-region tables with their
provenance (the directory's README) into the published figures, apart from the registry's own.
Running it again changes nothing unless the files changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kechuang.core.published_stats import StatsFormatError
from kechuang.transfer.services.registry_stats import import_published_figures

# The shared data lives beside the repository: <repo>/../shared/data/stats.
DEFAULT_DIR = Path(settings.PACKAGE_DIR).parents[1].parent / "shared" / "data" / "stats"


class Command(BaseCommand):
    help = "Import the published technology-market series (outflow and inflow by region) with their provenance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=DEFAULT_DIR, help=f"the stats directory (default {DEFAULT_DIR})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"]
        if not (directory / "README.md").is_file():
            raise CommandError(f"no statistics directory with a README.md at {directory}")
        try:
            summary = import_published_figures(directory=directory)
        except (FileNotFoundError, StatsFormatError) as exc:
            raise CommandError(str(exc)) from exc
        if not summary.files:
            raise CommandError(f"{directory} lists neither technology-market table")
        for refusal in summary.refused:
            self.stderr.write(f"refused {refusal}")
        self.stdout.write(
            f"transfer published figures from {', '.join(summary.files)}: {summary.created} new, "
            f"{summary.updated} updated, {summary.unchanged} unchanged, {len(summary.refused)} rows refused"
        )
