"""The index and engine over hand-made documents: AND then relaxed, phrases, synonyms, filters, snippets, match."""

from __future__ import annotations

from pathlib import Path

import pytest

from kechuang.search.analysis import default_analyzer
from kechuang.search.documents import SearchDocument
from kechuang.search.engine import MAX_QUERY_CHARS, Engine
from kechuang.search.index import SearchIndex

DOCUMENTS = [
    SearchDocument(
        "organization",
        1,
        {
            "title": "北京智芯研究院 Beijing Chip Institute",
            "body": "专注集成电路设计与人工智能芯片，提供 GPU 算力服务。",
        },
        {"region": ["110108", "110000"], "org_type": ["institute"], "sector": ["sei-1"]},
        {"title": {"zh-hans": "北京智芯研究院"}},
    ),
    SearchDocument(
        "expert",
        2,
        {"title": "张伟", "keywords": "手术机器人，力控", "body": "研究多自由度力控医疗机械臂与 surgical robots。"},
        {"region": ["120000"]},
        {"title": {"zh-hans": "张伟"}},
    ),
    SearchDocument(
        "expert",
        3,
        {
            "title": "Li Na",
            "keywords": "machine learning",
            "body": "Layout of integrated circuits; 电路 设计 优化 <script>",
        },
        {"region": ["110000"]},
        {"title": {"en": "Li Na"}},
    ),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    index = SearchIndex(tmp_path_factory.mktemp("index"), default_analyzer())
    index.write(DOCUMENTS)
    return Engine(index)


def keys(engine: Engine, query: str, **options: object) -> list[str]:
    return [hit.key for hit in engine.search(query, **options).hits]  # type: ignore[arg-type]


def test_words_in_either_language_and_their_synonyms_find_the_same_documents(engine: Engine) -> None:
    for query in ("芯片", "IC", "chip", "集成电路"):
        assert keys(engine, query) == ["organization:1", "expert:3"], query


def test_every_word_must_match_until_none_does_then_results_are_relaxed(engine: Engine) -> None:
    strict = engine.search("力控 机械臂")
    assert [hit.key for hit in strict.hits] == ["expert:2"]
    assert not strict.relaxed
    relaxed = engine.search("力控 量子")
    assert [hit.key for hit in relaxed.hits] == ["expert:2"]
    assert relaxed.relaxed


def test_quotes_make_a_phrase(engine: Engine) -> None:
    assert keys(engine, '"集成电路设计"') == ["organization:1"]
    assert sorted(keys(engine, "电路 设计")) == ["expert:3", "organization:1"]
    # 电路 inside 集成电路 stands at the long word's position, so the phrase matches there too.
    assert sorted(keys(engine, '"电路 设计"')) == ["expert:3", "organization:1"]
    assert keys(engine, '"设计 电路"') == []
    assert keys(engine, '"集成 电路 设计"') == ["organization:1"]  # spaces between Chinese words close up too


def test_filters_and_kinds_narrow_and_count(engine: Engine) -> None:
    results = engine.search("芯片", filters={"region": ["110108"]}, count_kinds=["organization", "expert"])
    assert [hit.key for hit in results.hits] == ["organization:1"]
    assert results.counts == {"organization": 1, "expert": 0}
    assert keys(engine, "芯片", kinds=["expert"]) == ["expert:3"]
    assert sorted(keys(engine, "", filters={"region": ["110000"]})) == ["expert:3", "organization:1"]


@pytest.mark.parametrize("query", ["", "   ", '"(]:*', "AND OR NOT", "x" * 10_000, "title:芯片~2^3"])
def test_hostile_or_empty_queries_answer_without_error(engine: Engine, query: str) -> None:
    results = engine.search(query)
    assert results.truncated == (len(query) > MAX_QUERY_CHARS)
    assert all(hit.key for hit in results.hits)


def test_syntax_characters_are_only_separators(engine: Engine) -> None:
    assert keys(engine, "title:芯片~2^3") == keys(engine, "芯片")


def test_snippets_mark_the_outermost_matched_words_of_the_original_text(engine: Engine) -> None:
    hit = engine.search("集成电路 芯片").hits[0]
    assert hit.snippet == [
        ("专注", False),
        ("集成电路", True),
        ("设计与人工智能", False),
        ("芯片", True),
        ("，提供 GPU 算力服务。", False),
    ]
    assert hit.matched == {"title": ["Chip"], "body": ["集成电路", "芯片"]}  # Chip through the synonym group


def test_match_explains_each_recommendation_by_its_words(engine: Engine) -> None:
    results = engine.match("我们需要一款用于手术的多自由度力控机械臂")
    assert results.hits[0].key == "expert:2"
    assert set(results.hits[0].matched["body"]) >= {"多自由度", "力控", "机械臂"}
    assert engine.match("我们需要一款用于手术的多自由度力控机械臂", exclude=["expert:2"]).hits == []
    assert engine.match("与 的 了").hits == []


def test_rewriting_a_document_replaces_it_and_deleting_removes_it(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path, default_analyzer())
    index.write(DOCUMENTS[:1])
    engine = Engine(index)
    changed = SearchDocument("organization", 1, {"title": "量子计算中心"}, {}, {})
    index.write([changed])
    assert keys(engine, "芯片") == []
    assert keys(engine, "量子计算") == ["organization:1"]
    index.write(delete=["organization:1"])
    assert index.count() == 0


def test_another_process_sees_commits_through_its_own_handle(tmp_path: Path) -> None:
    reader = SearchIndex(tmp_path, default_analyzer())
    writer = SearchIndex(tmp_path, default_analyzer())
    assert reader.count() == 0
    writer.write(DOCUMENTS)
    assert reader.count() == 3


def test_match_ignores_words_most_documents_share(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path, default_analyzer())
    common = [SearchDocument("organization", n, {"title": f"第{n}研究院", "body": "从事研究工作"}) for n in range(25)]
    index.write([*common, SearchDocument("expert", 99, {"title": "赵敏", "body": "研究力控机械臂"})])
    results = Engine(index).match("研究力控机械臂")
    assert [hit.key for hit in results.hits] == ["expert:99"]
    assert results.hits[0].matched == {"body": ["力控", "机械臂"]}
