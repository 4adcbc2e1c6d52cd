"""The pages in Chromium: phone width, the no-JavaScript menu, htmx filtering, and no CSP violations."""

from __future__ import annotations

from typing import Any

import pytest

from kechuang.accounts.enums import OrganizationKind
from tests.conftest import ARTIFACTS
from tests.factories.accounts import ExpertProfileFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def directory() -> None:
    for n in range(25):
        OrganizationFactory(
            name={"zh-hans": f"北京大学{n:02d}号实验室", "en": f"Peking Lab {n:02d}"},
            kind=OrganizationKind.UNIVERSITY if n % 2 else OrganizationKind.ENTERPRISE,
            sectors=["sei-1", "sei-4", "fut-health"],
        )
    ExpertProfileFactory(
        name={"zh-hans": "李力控", "en": "Li Likong"},
        title={"zh-hans": "教授", "en": "Professor"},
        fields=["机器人学", "控制理论"],
    )


def watch_console(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_pages_fit_a_phone_and_the_menu_opens_without_javascript(browser_page: Any, directory: None) -> None:
    page = browser_page
    problems = watch_console(page)
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/", "/organizations/", "/experts/"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways at 375 px by {overflow} px"
        page.screenshot(path=str(ARTIFACTS / f"web{path.replace('/', '-')}375.png"), full_page=True)
    assert page.locator(".nav-wide").is_hidden()
    menu_link = page.locator("details.menu nav a[href='/organizations/']")
    assert menu_link.is_hidden()
    page.click("details.menu > summary")
    assert menu_link.is_visible()
    page.screenshot(path=str(ARTIFACTS / "web-menu-375.png"))
    menu_link.click()
    page.wait_for_url("**/organizations/")
    assert problems == []


def test_wide_screen_shows_the_navigation_bar(browser_page: Any, directory: None) -> None:
    page = browser_page
    page.goto("/")
    assert page.locator(".nav-wide").is_visible()
    assert page.locator("details.menu").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "web-home-1280.png"), full_page=True)


def test_filtering_updates_the_results_in_place_and_the_address(browser_page: Any, directory: None) -> None:
    page = browser_page
    problems = watch_console(page)
    page.goto("/organizations/")
    assert page.locator("[data-testid=result-count]").get_attribute("data-count") == "25"
    # A marker on window survives only if the page is not reloaded.
    page.evaluate("window.kechuangMarker = 1")
    page.select_option("#id_kind", "university")
    page.wait_for_selector("[data-testid=result-count][data-count='12']")
    assert page.evaluate("window.kechuangMarker") == 1
    assert "kind=university" in page.url
    assert page.locator("[data-testid=organization-row]").count() == 12

    page.fill("#id_q", "03号")
    page.wait_for_selector("[data-testid=result-count][data-count='1']")
    assert page.evaluate("window.kechuangMarker") == 1
    assert page.locator("[data-testid=organization-link]").inner_text() == "北京大学03号实验室"
    page.screenshot(path=str(ARTIFACTS / "web-organizations-filtered.png"), full_page=True)
    assert problems == []


def test_pager_keeps_the_filter_and_works_in_place(browser_page: Any, directory: None) -> None:
    page = browser_page
    problems = watch_console(page)
    page.goto("/organizations/?sector=sei-4")
    assert page.locator("[data-testid=organization-row]").count() == 20
    page.evaluate("window.kechuangMarker = 1")
    page.click(".pager a[rel=next]")
    page.wait_for_selector(".pager [aria-current=page]:text('2')")
    assert page.locator("[data-testid=organization-row]").count() == 5
    assert page.evaluate("window.kechuangMarker") == 1
    assert "sector=sei-4" in page.url
    assert "page=2" in page.url
    assert problems == []


def test_filters_work_without_javascript(live_server: Any, directory: None) -> None:
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(base_url=live_server.url, java_script_enabled=False).new_page()
            page.goto("/organizations/")
            page.select_option("#id_kind", "university")
            page.click("form.filters button[type=submit]")
            page.wait_for_url("**kind=university**")
            assert page.locator("[data-testid=result-count]").get_attribute("data-count") == "12"
        finally:
            connections.close_all()
            browser.close()
