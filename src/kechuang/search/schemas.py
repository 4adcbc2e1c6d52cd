"""Shapes of ``/api/v1/search`` and ``/api/v1/match``."""

from __future__ import annotations

from ninja import Field, Schema


class SnippetPiece(Schema):
    text: str
    mark: bool = Field(description="True for a piece that matched the query")


class HitOut(Schema):
    kind: str = Field(description="What was found: organization, expert, …")
    id: str = Field(description="The object's id within its kind")
    title: str = Field(description="In the request's language, else the other")
    subtitle: str
    badge: str
    url: str = Field(description="The object's page")
    score: float = Field(description="Relevance; comparable only within one answer")
    matched: dict[str, list[str]] = Field(description="Per field (title, keywords, body): the words that matched")
    snippet: list[SnippetPiece] = Field(description="About 140 characters around the first match, marked pieces")


class KindCount(Schema):
    kind: str
    label: str
    count: int


class SearchOut(Schema):
    query: str
    total: int = Field(description="How many documents match (of the kinds asked for)")
    page: int
    per_page: int
    relaxed: bool = Field(description="No document matched every word; these match most of them")
    truncated: bool = Field(description="The query was longer than 200 characters and was cut")
    kinds: list[KindCount] = Field(description="Matches per kind for the same words and filters")
    results: list[HitOut]


class MatchIn(Schema):
    text: str = Field(min_length=1, max_length=20_000, description="A need, challenge or achievement, any language")
    kinds: list[str] = Field(default_factory=list, description="Kinds to recommend (default: all)")
    limit: int = Field(default=10, ge=1, le=50)


class MatchOut(Schema):
    terms: list[str] = Field(description="The distinctive words of the text that were matched on (analysed forms)")
    results: list[HitOut]
