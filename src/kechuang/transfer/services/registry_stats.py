"""Writes behind the registry's statistics: importing the published series, and rebuilding the tally.

Published series go to :class:`PublishedFigure` only, never into the tally: they are what a
yearbook printed, not contracts this registry registered. Each row keeps where it came from (file,
upstream repository and commit, licence, the value as published).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from kechuang.core.published_stats import Measure, StatRow, StatsFile, read_stats_directory
from kechuang.transfer.enums import COUNTED_STATUSES
from kechuang.transfer.models import PublishedFigure, Registration, RegistryTally
from kechuang.transfer.selectors.registry_stats import INFLOW, NATIONAL_REGION, OUTFLOW, SOURCE_SEPARATOR

# The two technology-market tables of the statistics yearbook, by the file names the data README lists.
DATASETS = {
    "tech_market_contracts_outflow_by_seller_region.csv": OUTFLOW,
    "tech_market_contracts_inflow_by_buyer_region.csv": INFLOW,
}


@dataclass
class ImportSummary:
    """What an import did; ``refused`` lists each unreadable row as ``file:line: reason``."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _source(stats_file: StatsFile, row: StatRow) -> str:
    """The file's provenance, then (after ``SOURCE_SEPARATOR``) the row's line and value as published."""
    p = stats_file.provenance
    licence = f", {p.licence} licence" if p.licence else ""
    text = (
        f"{p.file}, from {p.repository}@{p.commit} ({p.upstream_object}{licence})"
        f"{SOURCE_SEPARATOR}line {row.line}: published {row.published_value} {row.unit}"
    )
    return text + (", rounded half-even to the fen" if row.rounded else "")


def import_published_figures(*, directory: Path) -> ImportSummary:
    """Import the two technology-market series from ``directory`` (``../shared/data/stats``), idempotently.

    A figure is keyed by dataset, region, year and item; importing the same files again changes
    nothing, and a corrected file updates the figures it changes. Runs in one transaction. Raises
    ``FileNotFoundError`` when the directory, its README or a listed file is missing, and
    ``StatsFormatError`` when the README names no provenance.
    """
    summary = ImportSummary()
    files = [f for f in read_stats_directory(directory) if f.provenance.file in DATASETS]
    with transaction.atomic():
        for stats_file in files:
            dataset = DATASETS[stats_file.provenance.file]
            summary.files.append(stats_file.provenance.file)
            summary.refused.extend(
                f"{stats_file.provenance.file}:{r.line}: {r.reason} ({r.detail})" for r in stats_file.refused
            )
            existing = {(f.region, f.year, f.item): f for f in PublishedFigure.objects.filter(dataset=dataset)}
            fresh: list[PublishedFigure] = []
            changed: list[PublishedFigure] = []
            for row in stats_file.rows:
                if row.measure == Measure.PERCENT:
                    continue
                values = {
                    "var_code": row.var_code,
                    "unit": row.unit,
                    "value": int(row.value),
                    "source": _source(stats_file, row),
                }
                key = (row.region or NATIONAL_REGION, row.year, row.item_zh)
                figure = existing.get(key)
                if figure is None:
                    fresh.append(PublishedFigure(dataset=dataset, region=key[0], year=key[1], item=key[2], **values))
                elif any(getattr(figure, name) != value for name, value in values.items()):
                    for name, value in values.items():
                        setattr(figure, name, value)
                    changed.append(figure)
                else:
                    summary.unchanged += 1
            PublishedFigure.objects.bulk_create(fresh, batch_size=500)
            PublishedFigure.objects.bulk_update(changed, ["var_code", "unit", "value", "source"], batch_size=500)
            summary.created += len(fresh)
            summary.updated += len(changed)
    return summary


def rebuild_tally() -> int:
    """Replace the tally with one recomputed from the counted registrations (one INSERT … SELECT … GROUP BY).

    For repairing a tally that ``transfer_tally --verify`` found wrong, and for bulk loads. Locks
    the tally table for the rebuild on PostgreSQL so no registration counts into it meanwhile.
    Returns the number of cells written.
    """
    tally = connection.ops.quote_name(RegistryTally._meta.db_table)
    rows = connection.ops.quote_name(Registration._meta.db_table)
    statuses = ", ".join(["%s"] * len(COUNTED_STATUSES))
    keys = "year, contract_type, field, seller_province, buyer_province"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {tally} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {tally}")  # noqa: S608 - table names are ours
        cursor.execute(
            f"INSERT INTO {tally} ({keys}, contracts, contract_amount_fen, technology_amount_fen) "  # noqa: S608
            f"SELECT {keys}, COUNT(*), SUM(contract_amount_fen), SUM(technology_amount_fen) FROM {rows} "
            f"WHERE status IN ({statuses}) GROUP BY {keys}",
            [str(s) for s in COUNTED_STATUSES],
        )
        return int(cursor.rowcount)
