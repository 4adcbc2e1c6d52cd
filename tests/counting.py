"""Counting the queries of one page or endpoint, for the 1-vs-3-rows tests (STYLE.md §7).

Use with the ``settled_lexicon`` fixture (tests/conftest.py), so the search lexicon's periodic
check cannot land inside a count.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def queries(client: Client, url: str, *, status: int = 200, **extra: Any) -> int:
    """How many queries a GET of ``url`` reads, once caches of the process are warm.

    The first GET (not counted) fills what a process keeps between requests (content types, the
    session's user); the second is counted. Both must answer ``status``.
    """
    assert client.get(url, **extra).status_code == status
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **extra).status_code == status
    return len(captured)
