"""The search benchmarks (discipline routing, search speed) run end to end on tiny sizes. No figure is asserted
beyond its shape: the point is that the scripts cannot rot while nobody runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks import csl, discipline_routing, search_speed

DATA = csl.DEFAULT_DATA

needs_csl = pytest.mark.skipif(
    not (DATA / "benchmark" / "cls_dcp" / "test.tsv").exists(),
    reason=f"the CSL benchmark files are not at {DATA} (shared/data beside the repository)",
)


def _doc(tmp_path: Path) -> Path:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- other:start -->\nkept\n<!-- other:end -->\n", encoding="utf-8")
    return doc


@needs_csl
def test_the_csl_tasks_line_up_into_papers() -> None:
    dev = csl.papers(DATA, "dev")
    assert (len(dev), len({paper.discipline for paper in dev}), all(paper.title for paper in dev)) == (1000, 67, True)
    pieces = csl.sentences(dev[0].abstract)
    assert (len(pieces) > 1, "".join(pieces).replace(" ", "")) == (True, dev[0].abstract.replace(" ", ""))


@needs_csl
def test_discipline_routing_runs_and_writes_its_section_twice(tmp_path: Path) -> None:
    doc = _doc(tmp_path)
    for _ in range(2):  # a second run replaces the first section
        assert discipline_routing.main(["--limit", "40", "--k", "3", "--write-docs", "--doc", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert (text.count(discipline_routing.START_MARKER), "<!-- other:start -->\nkept\n" in text) == (1, True)
    assert ("| **top-3 accuracy** |" in text, "| 40 | " in text.split("What the labels allow")[1]) == (True, True)


@needs_csl
def test_search_speed_runs_saves_and_renders(tmp_path: Path) -> None:
    doc, saved = _doc(tmp_path), tmp_path / "figures.json"
    sizes = ["--docs", "300", "--queries", "20", "--sample", "40"]
    assert search_speed.main([*sizes, "--save", str(saved), "--write-docs", "--doc", str(doc)]) == 0
    figures = json.loads(saved.read_text(encoding="utf-8"))["figures"]
    assert (figures["docs"], figures["ours_build"]["docs"], figures["queries"]) == (300, 300, 20)
    assert 0.0 <= figures["overlap"]["mean"] <= 1.0
    before = doc.read_text(encoding="utf-8")
    assert search_speed.main(["--render", str(saved), "--write-docs", "--doc", str(doc)]) == 0
    assert (doc.read_text(encoding="utf-8") == before, before.count(search_speed.START_MARKER)) == (True, 1)


def test_the_corpus_is_the_same_for_the_same_seed() -> None:
    pools = csl.Pools(titles=("甲", "乙"), keywords=("丙", "丁", "戊"), sentences=("一句。", "两句", "三句."))
    first = list(search_speed.Corpus.from_pools(pools, 5).texts())
    assert first == list(search_speed.Corpus.from_pools(pools, 5).texts())
    assert {text["body"][-1] for text in first} <= set("。.")  # every piece ends in punctuation


def test_votes_sum_scores_and_break_ties_by_name() -> None:
    found = [("b", 2.0), ("a", 1.0), ("a", 1.0), ("c", 5.0)]
    assert (discipline_routing.vote(found, 3), discipline_routing.vote(found, 4)) == (["a", "b"], ["c", "a", "b"])
    assert discipline_routing.accuracy([["a", "b"], ["c"]], ["b", "c"]) == {"top1": 0.5, "top3": 1.0}


def test_overlap_counts_shared_keys_of_the_longer_list() -> None:
    assert search_speed.overlap([["x", "y"], [], ["z"]], [["y"], [], ["w"]]) == {"mean": 0.25, "queries": 2}
