"""Page a query set the same way in pages and the API: ``page`` from 1, a bounded page size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    def as_dict(self, items: list[Any]) -> dict[str, Any]:
        return {
            "items": items,
            "count": self.count,
            "page": self.page,
            "pages": self.pages,
            "page_size": self.page_size,
        }


def paginate(queryset: QuerySet[Any], *, page: int | str | None = 1, page_size: int = 20) -> Page[Any]:
    """One page of ``queryset``; a page past the end gives the last page, junk gives the first."""
    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    count = queryset.count()
    last = max(1, -(-count // size))
    number = min(number, last)
    start = (number - 1) * size
    return Page(items=list(queryset[start : start + size]), count=count, page=number, page_size=size)
