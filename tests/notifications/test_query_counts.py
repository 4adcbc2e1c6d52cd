"""The inbox and its API read as many queries for three notifications as for one, on either tab."""

from __future__ import annotations

import pytest
from django.test import Client

from kechuang.accounts.models import User
from kechuang.notifications import services
from tests.counting import queries
from tests.factories.accounts import UserFactory
from tests.notifications.conftest import QUIET, due_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled_lexicon")]


def notified(user: User, number: int) -> None:
    """One notification from a person of its own; every other one of a second kind, without a link."""
    if number % 2:
        services.notify(recipients=[user], kind=QUIET.name, params={}, actor=UserFactory())
    else:
        services.notify(
            recipients=[user], kind="tests.review_due", params=due_params(), url="/review/", actor=UserFactory()
        )


@pytest.mark.parametrize(
    "url",
    [
        "/notifications/",
        "/notifications/?show=all",
        "/notifications/?show=unread",
        "/api/v1/notifications",
        "/api/v1/notifications?unread=true",
    ],
)
def test_the_inbox_costs_the_same_for_one_or_three_notifications(client: Client, url: str) -> None:
    user = UserFactory()
    client.force_login(user)
    notified(user, 0)
    one = queries(client, url)
    notified(user, 1)
    notified(user, 2)
    assert client.get("/api/v1/notifications").json()["count"] == 3
    assert queries(client, url) == one
