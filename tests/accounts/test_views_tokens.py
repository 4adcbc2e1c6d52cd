"""The personal access token page: create (shown once), list, revoke, only one's own."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.accounts import services
from kechuang.accounts.models import AccessToken, User
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

TOKENS = "/accounts/tokens/"


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def user(client: Client) -> User:
    user: User = UserFactory()
    client.force_login(user)
    return user


def test_a_new_token_is_shown_once_and_works(client: Client, user: User) -> None:
    response = client.post(TOKENS, {"name": "reporting script", "expires_on": ""})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    raw = response.context["created"]["raw"]
    token = AccessToken.objects.get(user=user)
    assert (token.name, token.expires_at) == ("reporting script", None)
    assert token.digest == services.token_digest(raw)
    assert f'value="{raw}"' in response.text
    assert "It is shown only this once" in response.text
    assert services.user_for_token(raw) == user

    again = client.get(TOKENS)

    assert raw not in again.text
    assert again.context["created"] is None
    assert f"<code>{token.prefix}…</code>" in again.text


def test_the_expiry_day_runs_to_its_end_in_beijing(client: Client, user: User) -> None:
    day = timezone.localdate() + timedelta(days=30)

    client.post(TOKENS, {"name": "ci", "expires_on": day.isoformat()})

    expected = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("Asia/Shanghai"))
    assert AccessToken.objects.get(user=user).expires_at == expected


def test_a_past_expiry_is_refused_and_nothing_is_created(client: Client, user: User) -> None:
    response = client.post(TOKENS, {"name": "ci", "expires_on": date(2020, 1, 1).isoformat()})

    assert response.status_code == 200
    assert response.context["form"].errors == {"expires_on": ["The expiry must lie in the future."]}
    assert response.context["created"] is None
    assert 'value="ci"' in response.text
    assert AccessToken.objects.count() == 0


def test_a_token_needs_a_name(client: Client, user: User) -> None:
    response = client.post(TOKENS, {"name": "  ", "expires_on": ""})

    assert list(response.context["form"].errors) == ["name"]
    assert AccessToken.objects.count() == 0


def test_the_list_shows_only_my_tokens_with_their_state(client: Client, user: User) -> None:
    services.create_access_token(actor=user, name="mine-active")
    revoked, _ = services.create_access_token(actor=user, name="mine-revoked")
    services.revoke_access_token(actor=user, token=revoked)
    expiring, _ = services.create_access_token(
        actor=user, name="mine-expired", expires_at=timezone.now() + timedelta(seconds=30)
    )
    AccessToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(days=1))
    services.create_access_token(actor=UserFactory(), name="someone-else")

    response = client.get(TOKENS)

    assert [t.name for t in response.context["page"].items] == ["mine-expired", "mine-revoked", "mine-active"]
    assert "someone-else" not in response.text
    assert response.text.count('<span class="badge ok">Active</span>') == 1
    assert response.text.count('<span class="badge warn">Expired</span>') == 1
    assert response.text.count('<span class="badge muted">Revoked ') == 1
    assert response.text.count("/revoke/") == 2  # no revoke button on the revoked token


def test_revoke_stops_the_token(client: Client, user: User) -> None:
    token, raw = services.create_access_token(actor=user, name="old")

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.headers["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert services.user_for_token(raw) is None


def test_revoke_needs_post(client: Client, user: User) -> None:
    token, _ = services.create_access_token(actor=user, name="old")

    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_users_token_cannot_be_revoked(client: Client, user: User) -> None:
    token, raw = services.create_access_token(actor=UserFactory(), name="theirs")

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert services.user_for_token(raw) == token.user


def test_token_page_queries_do_not_grow_with_tokens(client: Client, user: User) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(TOKENS).status_code == 200
        return len(queries.captured_queries)

    services.create_access_token(actor=user, name="one")
    one = count()
    services.create_access_token(actor=user, name="two")
    services.create_access_token(actor=user, name="three")
    assert len(client.get(TOKENS).context["page"].items) == 3
    assert count() == one
