"""The conflicts benchmark seeds, measures and reports on a tiny population. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import csl, review_conflicts

from kechuang.accounts.models import ExpertProfile

TINY = review_conflicts.Sizes(reviewers=60, items=20, organizations=30, issuers=3)


@pytest.mark.django_db
def test_a_tiny_population_is_measured_and_reported(tmp_path: Path) -> None:
    figures = review_conflicts.measure(TINY, repeat=1)
    people = 60 + 20 * 3 - 60 // 50
    assert (figures["pairs"], figures["rows"]["profiles"], ExpertProfile.objects.count()) == (1_200, people, people)
    assert (figures["conflicted_pairs"] > 0, figures["conflicts"] == sum(figures["by_kind"].values())) == (True, True)
    run = {"key": "sqlite", "title": "SQLite", "database": "SQLite 3", **figures}
    block = review_conflicts.render(csl.machine(), [run], ["PostgreSQL: not installed"])
    assert ("| SQLite 3 | 1,200 |" in block, "Skipped: PostgreSQL: not installed" in block) == (True, True)

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n", encoding="utf-8")
    csl.write_section(doc, review_conflicts.START_MARKER, review_conflicts.END_MARKER, block)
    csl.write_section(doc, review_conflicts.START_MARKER, review_conflicts.END_MARKER, block)
    assert doc.read_text(encoding="utf-8").count(review_conflicts.START_MARKER) == 1


def test_the_quick_size_is_smaller_than_the_full_one() -> None:
    assert review_conflicts.parse(["--quick", "--db", "sqlite"]).quick is True
    assert review_conflicts.QUICK.reviewers < review_conflicts.FULL.reviewers == 5_000
