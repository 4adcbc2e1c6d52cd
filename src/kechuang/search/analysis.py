"""Text analysis for search, matching and affinity: Chinese words by jieba with a domain dictionary,
English words lowercased, stop-worded and Snowball-stemmed, synonyms and abbreviations as groups.

Plain Python with no Django import: the benchmarks and ``search.affinity`` use it on bare text. The
site's analyzer (``search.lexicon.site_analyzer``) adds the operators' own terms and synonyms.

Index and query analyse differently on purpose: an indexed text yields jieba's "search" segmentation
(each long word and the dictionary words inside it: 集成电路 → 集成, 电路, 集成电路), a query its
precise segmentation, so 电路 finds 集成电路设计 while 集成电路 does not match every 电路.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jieba
import Stemmer

jieba.setLogLevel(logging.WARNING)

# CJK unified ideographs (basic, extension A, compatibility) and Latin/digit words (with inner
# apostrophes, and a trailing + or # for C++ and C#).
_WORDS = re.compile(r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|(?P<latin>[a-z0-9]+(?:'[a-z]+)?[+#]*)")

MAX_TERM_LENGTH = 40  # longer "words" (hashes, base64) carry no meaning for search


@cache
def _stopwords(name: str) -> frozenset[str]:
    text = resources.files("kechuang.search").joinpath("data", name).read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def fold(text: str) -> str:
    """Full-width letters and digits to ASCII and everything lowercased, keeping every offset.

    Each character is NFKC-normalised alone and kept only when that yields one character, so
    positions in the folded text are positions in the original (snippets rely on it).
    """
    out = []
    for char in text:
        if char.isascii():
            out.append(char.lower())
            continue
        folded = unicodedata.normalize("NFKC", char)
        out.append(folded.lower() if len(folded) == 1 and len(folded.lower()) == 1 else char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Token:
    """A term, where it came from in the analysed text (``text[start:end]``) and its word position.

    In index segmentation the words inside a long word share its position (集成, 电路 and 集成电路
    all stand where 集成电路 does), so a phrase query matches whichever of them it names.
    """

    term: str
    start: int
    end: int
    position: int


@dataclass(frozen=True)
class SynonymGroup:
    """Words that mean one thing (AI, 人工智能, artificial intelligence); each variant as its query terms."""

    variants: tuple[tuple[str, ...], ...]
    labels: tuple[str, ...]


class Analyzer:
    """Turns text into index terms and query terms; one per process, shared by threads (jieba locks itself).

    ``words`` are extra dictionary entries (word, frequency or None); ``synonyms`` groups of
    interchangeable words and abbreviations, as written by people.
    """

    def __init__(self, *, words: Iterable[tuple[str, int | None]] = (), synonyms: Iterable[Sequence[str]] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word, frequency in _dictionary_file():
            self._jieba.add_word(word, frequency)
        for word, frequency in words:
            self._jieba.add_word(word, frequency)
        self._stemmer = Stemmer.Stemmer("english")
        self._stop_en = _stopwords("stopwords_en.txt")
        self._stop_zh = _stopwords("stopwords_zh.txt")
        self.groups: list[SynonymGroup] = []
        self._by_variant: dict[tuple[str, ...], SynonymGroup] = {}
        for line in [*_synonym_file(), *synonyms]:
            self._add_group(line)

    # ------------------------------------------------------------ tokens

    def tokens(self, text: str, *, query: bool = False) -> list[Token]:
        """Terms of ``text`` in order, with offsets; index segmentation unless ``query``."""
        return list(self._tokens(text, query=query))

    def terms(self, text: str, *, query: bool = False) -> list[str]:
        return [token.term for token in self._tokens(text, query=query)]

    def _tokens(self, text: str, *, query: bool) -> Iterator[Token]:
        folded = fold(text)
        position = 0
        for match in _WORDS.finditer(folded):
            start = match.start()
            if match.lastgroup == "latin":
                word = match.group()
                if word not in self._stop_en and len(word) <= MAX_TERM_LENGTH:
                    yield Token(self.stem(word), start, match.end(), position)
                    position += 1
                continue
            run = match.group()
            words = [w for w in self._jieba.tokenize(run) if w[0] not in self._stop_zh]
            if query:
                for offset, (word, first, last) in enumerate(words):
                    yield Token(word, start + first, start + last, position + offset)
            else:
                ordinal = {}  # character offset in the run → ordinal of the precise word holding it
                for number, (_word, first, last) in enumerate(words):
                    ordinal.update(dict.fromkeys(range(first, last), number))
                for word, first, last in self._jieba.tokenize(run, mode="search"):
                    if word not in self._stop_zh and first in ordinal:
                        yield Token(word, start + first, start + last, position + ordinal[first])
            position += len(words)

    def stem(self, word: str) -> str:
        """An English word's stem; numbers and words ending in + or # unchanged."""
        plain = word.replace("'", "")
        return str(self._stemmer.stemWord(plain)) if plain.isalpha() else plain

    # ------------------------------------------------------------ synonyms

    def _add_group(self, words: Sequence[str]) -> None:
        """Add a group; groups sharing a variant merge (自动驾驶, 无人驾驶 and 自动驾驶, self-driving become one)."""
        labels = tuple(word.strip() for word in words if word.strip())
        variants = tuple(
            variant for variant in dict.fromkeys(tuple(self.terms(w, query=True)) for w in labels) if variant
        )
        if len(variants) < 2:
            return
        joined = [group for group in self.groups if any(variant in group.variants for variant in variants)]
        for group in joined:
            self.groups.remove(group)
            labels = (*group.labels, *labels)
            variants = (*group.variants, *variants)
        group = SynonymGroup(variants=tuple(dict.fromkeys(variants)), labels=tuple(dict.fromkeys(labels)))
        self.groups.append(group)
        for variant in group.variants:
            self._by_variant[variant] = group

    def expand(self, terms: Sequence[str]) -> list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]:
        """Query terms grouped into units, each with its alternatives (itself first, then its synonyms).

        Units are found left to right, longest synonym variant first (up to four terms), so
        "artificial intelligence chip" gives ((artifici, intellig) → AI, 人工智能), (chip → 芯片 …).
        """
        units: list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = []
        position = 0
        while position < len(terms):
            for length in range(min(4, len(terms) - position), 0, -1):
                unit = tuple(terms[position : position + length])
                group = self._by_variant.get(unit)
                if group is not None or length == 1:
                    alternatives = (unit, *(v for v in (group.variants if group else ()) if v != unit))
                    units.append((unit, alternatives))
                    position += length
                    break
        return units


@cache
def _dictionary_file() -> tuple[tuple[str, int | None], ...]:
    """The shipped domain dictionary: ``word [frequency]`` per line, ``#`` comments."""
    text = resources.files("kechuang.search").joinpath("data", "dictionary.txt").read_text("utf-8")
    return tuple(parse_dictionary(text))


def parse_dictionary(text: str) -> Iterator[tuple[str, int | None]]:
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        frequency = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        yield parts[0], frequency


@cache
def _synonym_file() -> tuple[tuple[str, ...], ...]:
    """The shipped synonym table: one group per line, variants separated by commas."""
    text = resources.files("kechuang.search").joinpath("data", "synonyms.txt").read_text("utf-8")
    return tuple(parse_synonyms(text))


def parse_synonyms(text: str) -> Iterator[tuple[str, ...]]:
    for line in text.splitlines():
        content = line.split("#", 1)[0].strip()
        if content:
            yield tuple(word.strip() for word in re.split(r"[,，]", content) if word.strip())


@cache
def default_analyzer() -> Analyzer:
    """The analyzer with the shipped dictionary and synonyms only (benchmarks, affinity, tests)."""
    return Analyzer()
