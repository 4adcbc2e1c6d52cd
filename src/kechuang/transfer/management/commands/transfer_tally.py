"""``kechuang manage transfer_tally --verify``: recompute the registry's tally from the rows and compare.

``--verify`` prints every cell where the stored tally and the registrations disagree and exits 1 if
any does; ``--rebuild`` replaces the tally with the recomputed one (after a bulk load, or to repair).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kechuang.transfer.selectors.registry import tally_differences
from kechuang.transfer.services.registry_stats import rebuild_tally


class Command(BaseCommand):
    help = "Check (--verify) or rebuild (--rebuild) the contract registry's running tally against its rows."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--verify", action="store_true", help="report differences; exit 1 if there are any")
        action.add_argument("--rebuild", action="store_true", help="recompute the tally from the rows")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            cells = rebuild_tally()
            self.stdout.write(f"transfer tally: rebuilt, {cells} cells")
            return
        differences = tally_differences()
        for difference in differences:
            year, contract_type, field, seller, buyer = difference.cell
            self.stdout.write(
                f"{year} {contract_type} {field or '-'} {seller}→{buyer}: "
                f"stored {difference.stored or (0, 0, 0)}, from the rows {difference.recomputed or (0, 0, 0)}"
            )
        if differences:
            raise CommandError(f"transfer tally: {len(differences)} cells differ from the registrations")
        self.stdout.write("transfer tally: exact")
