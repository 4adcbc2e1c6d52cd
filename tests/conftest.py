"""Test set-up shared by the whole suite: fast hashing, immediate tasks, and the browser."""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("KECHUANG_TEST_CHROMIUM", "/usr/bin/chromium")


def pytest_configure(config: pytest.Config) -> None:
    # Argon2 stays the production hasher (a test checks); tests hash fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # django-tasks built its backends when Django started; this makes it read TASKS again.
    from django.test.signals import setting_changed

    setting_changed.send(sender=type(settings), setting="TASKS", value=settings.TASKS, enter=True)
    # Each test process writes its own search index (tasks run at once, after commit).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.SEARCH_INDEX_DIR = Path(settings.VAR_DIR) / "test-search" / worker
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the site's default language. A request through the test client runs in the
    test's thread, and LocaleMiddleware leaves the language it chose active there; without this, a test
    that sent ``Accept-Language: en`` would change what the next test on the same worker reads."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def browser_page(live_server: Any) -> Iterator[Any]:
    """A Playwright page in Debian's Chromium, pointed at the live server."""
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required for browser tests; install Debian's 'chromium' package ({CHROMIUM}).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            # ORM calls made while Playwright runs get a database connection of their own (another
            # context); left open, PostgreSQL refuses to drop the test database at the end.
            from django.db import connections

            connections.close_all()
            context.close()
            browser.close()


@pytest.fixture(autouse=True)
def _no_page_cache(settings: Any) -> None:
    """Pages are rendered fresh in tests; tests/core/test_pagecache.py turns the cache on itself."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def settled_lexicon(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search lexicon read now and not checked again for the rest of the test.

    The site analyzer asks the database whether the operators' terms changed once per
    ``lexicon.CHECK_SECONDS`` (search/lexicon.py); a query count that straddles that moment sees
    an extra query. Query-count tests use this fixture so the check happens here, outside any
    count. An operator's change through the admin still calls ``lexicon.forget()`` and is read at
    the next use, as in production.
    """
    from kechuang.search import lexicon

    # Check now (the analyzer is rebuilt only if this database's terms differ: building loads the
    # dictionary, seconds), then never again until the test ends.
    monkeypatch.setattr(lexicon, "CHECK_SECONDS", 0.0)
    lexicon.site_analyzer()
    monkeypatch.setattr(lexicon, "CHECK_SECONDS", math.inf)


TEST_LOG_ORIGIN = "test.kechuang.example/ledger"


@pytest.fixture(scope="session")
def ledger_skey() -> str:
    from kechuang.ledger.tlog.note import generate_key

    return generate_key(TEST_LOG_ORIGIN)[0]


@pytest.fixture(autouse=True)
def _ledger_key(settings: Any, ledger_skey: str) -> Iterator[None]:
    """Every test signs checkpoints with one throwaway key; no tile of an earlier test's log is remembered."""
    from kechuang.ledger.selectors import FULL_TILES

    settings.LEDGER_ORIGIN = TEST_LOG_ORIGIN
    settings.LEDGER_KEY = ledger_skey
    FULL_TILES.clear()
    yield
    FULL_TILES.clear()
