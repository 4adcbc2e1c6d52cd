"""A newcomer's first minutes in Chromium: sign in as a demo user, switch languages, open an organisation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import ARTIFACTS

DEMO_PASSWORD = "kechuang-demo"

# Each demo login and the home panel that must greet it.
ROLE_HOMES = {
    "operator": "operator",
    "enterprise": "admin",
    "tto": "tto_officer",
    "researcher": "researcher",
    "reviewer": "reviewer",
    "facility": "facility_manager",
    "investor": "fund_manager",
}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_region() -> None:
    call_command("seed_demo", verbosity=0)


def sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.login button[type=submit], main form button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=account-link]")


def test_demo_user_switches_language_and_opens_an_organization(browser_page: Any, demo_region: None) -> None:
    page = browser_page
    sign_in(page, "enterprise")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"

    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("[data-testid=lang-switch]").inner_text().strip() == "中文"

    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=zh-Hans]")

    page.goto("/organizations/")
    first = page.locator("[data-testid=organization-link]").first
    name = first.inner_text().strip()
    first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").first.inner_text().strip().startswith(name)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "organization-page.png"), full_page=True)
    assert (ARTIFACTS / "organization-page.png").stat().st_size > 10_000


@pytest.mark.parametrize(("username", "panel"), sorted(ROLE_HOMES.items()))
def test_every_demo_role_lands_on_a_home_that_fits_it(
    browser_page: Any, demo_region: None, username: str, panel: str
) -> None:
    page = browser_page
    sign_in(page, username)
    page.goto("/")
    assert page.locator(f"[data-testid=home-role-{panel}]").count() == 1
    assert page.locator("[data-testid=home-role-guest]").count() == 0


def test_home_is_usable_at_phone_width(browser_page: Any, demo_region: None) -> None:
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/", "/organizations/", "/experts/"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways at 375 px by {overflow} px"
    page.goto("/")
    page.screenshot(path=str(ARTIFACTS / "home-375.png"), full_page=True)


def test_api_docs_render_from_local_files_under_the_csp(browser_page: Any) -> None:
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "kechuang API" in page.locator(".swagger-ui .info .title").inner_text()
    assert problems == []
