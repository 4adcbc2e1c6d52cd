"""Text analysis: Chinese segmentation with the domain dictionary, English stems, offsets, synonyms."""

from __future__ import annotations

from kechuang.search.analysis import Analyzer, default_analyzer, fold, parse_dictionary, parse_synonyms


def test_index_segmentation_keeps_long_words_and_the_words_inside_them_at_one_position() -> None:
    tokens = default_analyzer().tokens("集成电路设计")
    assert [(t.term, t.position) for t in tokens] == [
        ("集成", 0),
        ("成电", 0),
        ("电路", 0),
        ("集成电路", 0),
        ("设计", 1),
    ]


def test_queries_use_precise_segmentation_and_drop_stop_words() -> None:
    assert default_analyzer().terms("集成电路的设计与人工智能", query=True) == ["集成电路", "设计", "人工智能"]


def test_the_domain_dictionary_keeps_technology_terms_whole() -> None:
    assert default_analyzer().terms("多自由度力控医疗机械臂", query=True) == ["多自由度", "力控", "医疗", "机械臂"]


def test_english_is_lowercased_stemmed_and_stop_worded_with_offsets_into_the_original() -> None:
    text = "The Robotic ARMS of ＧＰＵ clusters, C++ and don't"
    tokens = default_analyzer().tokens(text, query=True)
    assert [t.term for t in tokens] == ["robot", "arm", "gpu", "cluster", "c++", "dont"]
    assert [text[t.start : t.end] for t in tokens] == ["Robotic", "ARMS", "ＧＰＵ", "clusters", "C++", "don't"]


def test_fold_keeps_every_offset() -> None:
    text = "ＡＩ芯片ﬁ"  # the ligature would become two characters: it is kept as it is
    assert fold(text) == "ai芯片ﬁ"
    assert len(fold(text)) == len(text)


def test_overlong_words_are_not_terms() -> None:
    assert default_analyzer().terms("a" * 41 + " chip", query=True) == ["chip"]


def test_synonym_groups_expand_words_and_multi_word_variants() -> None:
    analyzer = default_analyzer()
    units = analyzer.expand(analyzer.terms("artificial intelligence chip design", query=True))
    assert [unit for unit, _alternatives in units] == [("artifici", "intellig"), ("chip",), ("design",)]
    assert ("人工智能",) in units[0][1]
    assert ("ai",) in units[0][1]
    assert units[1][1][0] == ("chip",)
    assert ("芯片",) in units[1][1]
    assert ("集成电路",) in units[1][1]
    assert units[2][1] == (("design",),)


def test_operators_words_and_synonyms_join_the_shipped_ones() -> None:
    analyzer = Analyzer(words=[("怀柔光源", 5000)], synonyms=[("HEPS", "高能同步辐射光源")])
    assert analyzer.terms("怀柔光源的用户", query=True) == ["怀柔光源", "用户"]
    units = analyzer.expand(analyzer.terms("HEPS", query=True))
    assert units[0][1][1] == tuple(analyzer.terms("高能同步辐射光源", query=True))


def test_lexicon_files_parse_comments_frequencies_and_both_commas() -> None:
    assert list(parse_dictionary("# c\n力控 2000\n机械臂\n\n")) == [("力控", 2000), ("机械臂", None)]
    assert list(parse_synonyms("AI，人工智能, artificial intelligence # note\n# only a comment\n")) == [
        ("AI", "人工智能", "artificial intelligence")
    ]


def test_groups_sharing_a_word_merge_so_every_variant_finds_every_other() -> None:
    analyzer = Analyzer(synonyms=[("自动驾驶", "无人驾驶")])  # the shipped table has 自动驾驶, self-driving, …
    for word in ("自动驾驶", "无人驾驶", "self-driving"):
        alternatives = analyzer.expand(analyzer.terms(word, query=True))[0][1]
        assert {("自动驾驶",), ("无人驾驶",), ("self", "drive")} <= set(alternatives), word
