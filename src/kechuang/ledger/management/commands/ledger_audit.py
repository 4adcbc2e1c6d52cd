"""``ledger_audit``: recompute every leaf, tile and root of the transparency log and list each mismatch.

Exits with status 1 (``CommandError``) when anything disagrees, 0 when the log is clean, so a cron job
or monitoring check can run it as it is (``kechuang ledger audit``).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kechuang.ledger.keys import MissingKeyError
from kechuang.ledger.services.audit import audit_log
from kechuang.ledger.services.audit_checks import MAX_LISTED
from kechuang.ledger.tlog.note import NoteError, Verifier, parse_vkey


class Command(BaseCommand):
    help = "Recompute every leaf, tile and root of the ledger from its stored entries; exit 1 on any mismatch."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print only the problems.")
        parser.add_argument(
            "--limit", type=int, default=MAX_LISTED, help=f"List at most this many problems (default {MAX_LISTED})."
        )
        parser.add_argument(
            "--vkey",
            default="",
            help="Check checkpoint signatures with this verifier key instead of the configured signing key's.",
        )

    def handle(self, *args: Any, quiet: bool, limit: int, vkey: str, verbosity: int, **options: Any) -> None:
        verifier: Verifier | None = None
        if vkey:
            try:
                verifier = parse_vkey(vkey.strip())
            except NoteError as exc:
                raise CommandError(_("The verifier key is not valid: %(error)s") % {"error": exc}) from None
        try:
            report = audit_log(verifier=verifier, progress=self._progress if verbosity >= 2 else None, limit=limit)
        except MissingKeyError as exc:  # no --vkey and no signing key configured on this machine
            raise CommandError(str(exc)) from None

        if not quiet:
            self.stdout.write(
                _("Log size %(size)d; checked entries: %(entries)d, tiles: %(tiles)d, checkpoints: %(checkpoints)d.")
                % {
                    "size": report.size,
                    "entries": report.entries,
                    "tiles": report.tiles,
                    "checkpoints": report.checkpoints,
                }
            )
            if report.ok:
                self.stdout.write(_("No problems found."))
            else:
                self.stdout.write(
                    ngettext("%(count)d problem found:", "%(count)d problems found:", report.problem_count)
                    % {"count": report.problem_count}
                )
        for problem in report.problems:
            self.stdout.write(str(problem))
        if report.unlisted:
            self.stdout.write(
                ngettext(
                    "... and %(count)d more problem, not listed.",
                    "... and %(count)d more problems, not listed.",
                    report.unlisted,
                )
                % {"count": report.unlisted}
            )
        if not report.ok:
            raise CommandError(
                ngettext(
                    "The ledger audit found %(count)d problem.",
                    "The ledger audit found %(count)d problems.",
                    report.problem_count,
                )
                % {"count": report.problem_count}
            )

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(_("Leaves audited: %(done)d of %(total)d.") % {"done": done, "total": total})
