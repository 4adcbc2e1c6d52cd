"""The reviewer-assignment benchmark runs end to end at its quick size and writes its section; no figure is
asserted beyond its shape and the agreement with HiGHS."""

from __future__ import annotations

from pathlib import Path

from benchmarks import review_assign


def test_review_assign_runs_quick_and_writes_its_section_twice(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- other:start -->\nkept\n<!-- other:end -->\n", encoding="utf-8")
    for _ in range(2):  # a second run replaces the first section
        assert review_assign.main(["--quick", "--write-docs", "--doc", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert (text.count(review_assign.START_MARKER), "<!-- other:start -->\nkept\n" in text) == (1, True)
    assert ("| ours (flow), demand, loads, conflicts |" in text, "| agree |" in text) == (True, True)


def test_the_files_are_the_same_for_the_same_seed(tmp_path: Path) -> None:
    first, second = tmp_path / "1", tmp_path / "2"
    first.mkdir()
    second.mkdir()
    a = review_assign.generate(first, items=5, reviewers=20, top=4)
    b = review_assign.generate(second, items=5, reviewers=20, top=4)
    assert [a[k].read_bytes() for k in sorted(a)] == [b[k].read_bytes() for k in sorted(b)]
    assert len(a["scores"].read_text(encoding="utf-8").splitlines()) == 20
