"""benchmarks/reviewer_affinity.py: the gold-standard loss on hand-computed cases, and a run on a few researchers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks import reviewer_affinity as bench

GOLD = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "goldstandard"
RATINGS = {"r": {"a": 5.0, "b": 3.0, "c": 1.0}}


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [
        ({"a": 3.0, "b": 2.0, "c": 1.0}, 0.0),  # perfect order
        ({"a": 1.0, "b": 2.0, "c": 3.0}, 1.0),  # reversed
        ({"a": 7.0, "b": 7.0, "c": 7.0}, 0.5),  # constant: every pair tied
        ({"a": 2.0, "b": 2.0, "c": 1.0}, 0.125),  # a–b tied (Δ2 → 1 of 8), the rest right
        ({"a": 3.0, "b": 1.0, "c": 2.0}, 0.25),  # b–c wrong (Δ2 of 8)
    ],
)
def test_loss_weights_each_pair_by_its_rating_gap(predicted: dict[str, float], expected: float) -> None:
    assert bench.loss({"r": predicted}, RATINGS) == expected


def test_pairs_with_equal_ratings_do_not_count() -> None:
    ratings = {"r": {"a": 4.0, "b": 4.0, "c": 2.0}}
    assert bench.loss({"r": {"a": 1.0, "b": 2.0, "c": 0.0}}, ratings) == 0.0


def test_easy_and_hard_pairs() -> None:
    ratings = {"r": {"a": 5.0, "b": 4.0, "c": 2.0, "d": 3.0}}
    predicted = {"r": {"a": 1.0, "b": 2.0, "c": 0.0, "d": 0.0}}
    # Easy: a–c, b–c (both right). Hard: a–b (wrong). d (rated 3) is in neither.
    assert bench.resolution(predicted, ratings, hard=False) == (2, 2)
    assert bench.resolution(predicted, ratings, hard=True) == (0, 1)
    tied = {"r": dict.fromkeys("abcd", 0.0)}
    assert (bench.resolution(tied, ratings, hard=False), bench.resolution(tied, ratings, hard=True)) == ((0, 2), (0, 1))


def test_the_block_goes_between_markers_and_the_section_is_added_once(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n", encoding="utf-8")
    bench.write_block(doc, "first\n")
    bench.write_block(doc, "second\n")
    assert doc.read_text(encoding="utf-8") == (
        f"# Benchmarks\n\n{bench.SECTION}\n\n{bench.START_MARKER}\nsecond\n{bench.END_MARKER}\n"
    )


def test_a_run_on_five_researchers(tmp_path: Path) -> None:
    if not GOLD.is_dir():
        pytest.skip(f"the gold-standard data is not at {GOLD}")
    out = tmp_path / "scores.json"
    doc = tmp_path / "benchmarks.md"
    results = bench.main(
        ["--data", str(GOLD), "--out", str(out), "--limit", "5", "--aggregate", "top-k", "--write-docs"], doc=doc
    )
    scores = json.loads(out.read_text(encoding="utf-8"))
    data = bench.load(GOLD, limit=5)
    assert {researcher: sorted(papers) for researcher, papers in scores.items()} == {
        researcher: sorted(papers) for researcher, papers in data.ratings.items()
    }
    assert len(results) == 1
    assert 0.0 <= results[0].loss < 0.5
    assert bench.START_MARKER in doc.read_text(encoding="utf-8")
    assert "TF-IDF, top-3 mean" in doc.read_text(encoding="utf-8")
