"""The registry benchmark loads, tallies, measures and reports a tiny synthetic registry. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import csl, transfer_registry

from kechuang.transfer.models import Registration
from kechuang.transfer.selectors import registry as selectors


@pytest.mark.django_db
def test_a_tiny_registry_is_loaded_tallied_and_reported(tmp_path: Path) -> None:
    figures = transfer_registry.measure(2_000, repeat=1)
    assert (figures["rows"], Registration.objects.count()) == (2_000, 2_000)
    assert figures["counted"] == Registration.objects.filter(status="registered").count()
    # The bulk-built tally is the one the services keep: recomputing it from the rows finds no difference.
    assert selectors.tally_differences() == []
    assert [q["name"] for q in figures["queries"]] == [
        "year × type × province pair",
        "flow matrix by year",
        "Beijing → Tianjin, Hebei by year",
        "turnover by year",
    ]
    run = {"key": "sqlite", "title": "SQLite", "database": "SQLite 3", **figures}
    block = transfer_registry.render(csl.machine(), [run], ["PostgreSQL: not installed"])
    assert ("**SQLite 3**: 2,000 rows" in block, "Skipped: PostgreSQL: not installed" in block) == (True, True)

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n", encoding="utf-8")
    for _ in range(2):
        csl.write_section(doc, transfer_registry.START_MARKER, transfer_registry.END_MARKER, block)
    assert doc.read_text(encoding="utf-8").count(transfer_registry.START_MARKER) == 1


def test_the_default_is_ten_million_rows_on_postgresql() -> None:
    args = transfer_registry.parse([])
    assert (args.rows, args.db) == (10_000_000, "postgres")
    assert transfer_registry.parse(["--rows", "50"]).rows == 50
