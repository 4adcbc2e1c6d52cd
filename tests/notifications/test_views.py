"""The inbox, opening a notification, marking all read, the e-mail settings, and the header's bell."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.accounts.models import User
from kechuang.notifications import services
from kechuang.notifications.models import EmailPreference, Notification
from tests.conftest import ARTIFACTS
from tests.factories.accounts import PASSWORD, UserFactory
from tests.notifications.conftest import due_params

pytestmark = pytest.mark.django_db
INBOX = reverse("notifications:inbox")
BELL = re.compile(r'data-testid="notification-bell" data-count="(\d+)"')
ITEM = re.compile(r'<li class="notice( unread)?" data-testid="notification"')


def notify(user: User, count: int = 1, url: str = "/organizations/") -> list[Notification]:
    return [
        n
        for _ in range(count)
        for n in services.notify(recipients=[user], kind="tests.review_due", params=due_params(), url=url)
    ]


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_the_inbox_needs_a_sign_in(client: Client) -> None:
    response = client.get(INBOX)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={INBOX}")


def test_unread_tab_by_default_then_all(client: Client) -> None:
    user = UserFactory()
    first, _second = notify(user, 2)
    services.mark_read(actor=user, notification=first)
    signed_in(client, user)
    page = client.get(INBOX).content.decode()
    assert ITEM.findall(page) == [" unread"]
    assert "力控机械臂" in page
    assert BELL.findall(page) == ["1"]
    assert ITEM.findall(client.get(INBOX, {"show": "all"}).content.decode()) == [" unread", ""]


def test_with_nothing_unread_the_inbox_shows_all(client: Client) -> None:
    user = UserFactory()
    [notification] = notify(user)
    services.mark_read(actor=user, notification=notification)
    page = signed_in(client, user).get(INBOX).content.decode()
    assert ITEM.findall(page) == [""]
    assert BELL.findall(page) == ["0"]


def test_opening_marks_read_and_follows_the_link(client: Client) -> None:
    user = UserFactory()
    [notification] = notify(user, url="/experts/")
    response = signed_in(client, user).post(reverse("notifications:open", args=[notification.pk]))
    assert (response.status_code, response["Location"]) == (302, "/experts/")
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_an_outside_link_is_not_followed(client: Client) -> None:
    user = UserFactory()
    [notification] = notify(user, url="https://evil.example/")
    response = signed_in(client, user).post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == INBOX


def test_someone_elses_notification_is_not_found(client: Client) -> None:
    [notification] = notify(UserFactory())
    response = signed_in(client, UserFactory()).post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 404
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_opening_is_post_only(client: Client) -> None:
    user = UserFactory()
    [notification] = notify(user)
    assert signed_in(client, user).get(reverse("notifications:open", args=[notification.pk])).status_code == 405


def test_mark_all_read(client: Client) -> None:
    user = UserFactory()
    notify(user, 3)
    response = signed_in(client, user).post(reverse("notifications:read_all"), follow=True)
    assert BELL.findall(response.content.decode()) == ["0"]
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_the_inbox_pages(client: Client) -> None:
    user = UserFactory()
    notify(user, 25)
    signed_in(client, user)
    assert len(ITEM.findall(client.get(INBOX).content.decode())) == 20
    second = client.get(INBOX, {"show": "unread", "page": 2}).content.decode()
    assert len(ITEM.findall(second)) == 5
    assert 'href="?show=unread&amp;page=1" rel="prev"' in second


def test_the_inbox_costs_the_same_queries_for_one_row_as_for_three(client: Client) -> None:
    user = UserFactory()
    notify(user)
    signed_in(client, user).get(INBOX)
    with CaptureQueriesContext(connection) as one:
        client.get(INBOX)
    notify(user, 2)
    with CaptureQueriesContext(connection) as three:
        assert len(ITEM.findall(client.get(INBOX).content.decode())) == 3
    assert len(three) == len(one)


def test_the_bell_shows_on_other_pages_for_signed_in_users_only(client: Client) -> None:
    user = UserFactory()
    notify(user, 120)
    assert BELL.findall(client.get("/organizations/").content.decode()) == []
    page = signed_in(client, user).get("/organizations/").content.decode()
    assert BELL.findall(page) == ["120"]
    assert '<span class="bell-count" aria-hidden="true">99+</span>' in page


def test_email_settings_form(client: Client) -> None:
    user = UserFactory()
    url = reverse("notifications:preferences")
    page = signed_in(client, user).get(url).content.decode()
    assert 'value="tests.review_due"' in page
    assert 'value="tests.quiet"' not in page
    response = client.post(url, {"enabled": "on", "language": "en"})  # every kind unticked
    assert (response.status_code, response["Location"]) == (302, url)
    preference = EmailPreference.objects.get(user=user)
    assert preference.enabled is True
    assert preference.language == "en"
    assert "tests.review_due" in preference.muted_kinds


def test_email_settings_refuse_an_unknown_language(client: Client) -> None:
    user = UserFactory()
    response = signed_in(client, user).post(reverse("notifications:preferences"), {"language": "fr"})
    assert response.status_code == 200
    assert not EmailPreference.objects.filter(user=user).exists()


# ---------------------------------------------------------------- in Chromium


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bell_and_inbox_on_a_phone(browser_page: Any) -> None:
    user = UserFactory(username="zhangsan", display_name="张三丰收")
    notify(user, 2, url="/experts/")
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "zhangsan")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=notification-bell]")

    bell = page.locator("[data-testid=notification-bell]")
    assert bell.get_attribute("data-count") == "2"
    assert bell.is_visible()
    box = bell.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0

    bell.click()
    page.wait_for_url("**/notifications/")
    assert page.locator("[data-testid=notification].unread").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(ARTIFACTS / "notifications-375.png"), full_page=True)

    page.locator("[data-testid=notification] button").first.click()
    page.wait_for_url("**/experts/")
    assert page.locator("[data-testid=notification-bell]").get_attribute("data-count") == "1"
    page.goto("/notifications/")
    page.click("[data-testid=read-all]")
    page.wait_for_selector("[data-testid=notification-bell][data-count='0']")
    assert problems == []
