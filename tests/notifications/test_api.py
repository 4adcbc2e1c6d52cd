"""/api/v1/notifications: a user's own inbox and e-mail preference; nobody else's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kechuang.accounts.models import User
from kechuang.notifications import services
from kechuang.notifications.models import Notification
from tests.accounts.test_api import assert_problem, bearer
from tests.factories.accounts import UserFactory
from tests.notifications.conftest import due_params

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications"


def notify(user: User, count: int = 1) -> list[Notification]:
    return [
        n
        for _ in range(count)
        for n in services.notify(recipients=[user], kind="tests.review_due", params=due_params(), url="/review/7/")
    ]


def test_the_inbox_lists_my_notifications_newest_first_in_my_language(client: Client) -> None:
    user, other = UserFactory(), UserFactory()
    first, second = notify(user, 2)
    notify(other)
    services.mark_read(actor=user, notification=first)
    response = client.get(URL, headers={**bearer(user), "Accept-Language": "en"})
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"], body["unread"]) == (2, 1, 1, 1)
    assert [item["id"] for item in body["items"]] == [second.pk, first.pk]
    item = body["items"][0]
    assert {key: item[key] for key in ("kind", "title", "body", "url", "actor", "read_at")} == {
        "kind": "tests.review_due",
        "title": "Your review of force-controlled arm is due",
        "body": "Submit it by 2026-12-01, please.",
        "url": "/review/7/",
        "actor": None,
        "read_at": None,
    }


def test_unread_filter_and_paging(client: Client) -> None:
    user = UserFactory()
    made = notify(user, 5)
    services.mark_read(actor=user, notification=made[0])
    body = client.get(URL, {"unread": "true", "page": 2, "page_size": 3}, headers=bearer(user)).json()
    assert (body["count"], body["page"], body["pages"], body["page_size"]) == (4, 2, 2, 3)
    assert [item["id"] for item in body["items"]] == [made[1].pk]


def test_one_page_costs_the_same_queries_for_one_row_as_for_three(client: Client) -> None:
    user = UserFactory()
    headers = bearer(user)
    notify(user)
    client.get(URL, headers=headers)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        client.get(URL, headers=headers)
    notify(user, 2)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(URL, headers=headers).json()["items"]) == 3
    assert len(three) == len(one)


def test_marking_read_one_and_all(client: Client) -> None:
    user = UserFactory()
    headers = bearer(user)
    first, *_rest = notify(user, 3)
    response = client.post(f"{URL}/{first.pk}/read", headers=headers)
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert client.post(f"{URL}/read-all", headers=headers).json() == {"marked": 2}
    assert client.get(URL, headers=headers).json()["unread"] == 0


def test_someone_elses_notification_is_not_found(client: Client) -> None:
    owner, mallory = UserFactory(), UserFactory()
    [notification] = notify(owner)
    assert_problem(client.post(f"{URL}/{notification.pk}/read", headers=bearer(mallory)), 404, "not_found")
    assert_problem(client.post(f"{URL}/999999/read", headers=bearer(mallory)), 404, "not_found")
    assert Notification.objects.get(pk=notification.pk).read_at is None
    assert client.get(URL, headers=bearer(mallory)).json()["count"] == 0


@pytest.mark.parametrize(("method", "path"), [("get", ""), ("post", "/read-all"), ("get", "/preferences")])
def test_anonymous_callers_are_refused(client: Client, method: str, path: str) -> None:
    assert_problem(getattr(client, method)(URL + path), 401, "not_authenticated")


def test_preferences_read_and_written(client: Client) -> None:
    user = UserFactory()
    headers = bearer(user)
    body = client.get(f"{URL}/preferences", headers=headers).json()
    assert (body["enabled"], body["muted_kinds"], body["language"]) == (True, [], "zh-hans")
    kinds_shown = {kind["kind"]: kind["email"] for kind in body["kinds"]}
    assert kinds_shown["tests.review_due"] is True
    assert "tests.quiet" not in kinds_shown  # never e-mailed, so nothing to choose
    changed = client.put(
        f"{URL}/preferences",
        {"enabled": True, "muted_kinds": ["tests.review_due"], "language": "en"},
        content_type="application/json",
        headers=headers,
    ).json()
    assert (changed["muted_kinds"], changed["language"]) == (["tests.review_due"], "en")
    assert {kind["kind"]: kind["email"] for kind in changed["kinds"]}["tests.review_due"] is False


def test_bad_preferences_are_a_validation_problem(client: Client) -> None:
    response = client.put(
        f"{URL}/preferences",
        {"enabled": True, "muted_kinds": ["tests.nobody"], "language": "fr"},
        content_type="application/json",
        headers=bearer(UserFactory()),
    )
    body: dict[str, Any] = assert_problem(response, 422, "validation_error")
    assert sorted(body["errors"]) == ["language", "muted_kinds"]
