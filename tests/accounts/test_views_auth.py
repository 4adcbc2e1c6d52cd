"""Signing in (throttled), out and up, password reset and change, and the settings page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from kechuang.accounts.models import LoginFailure, User
from tests.factories.accounts import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def client(client: Client) -> Client:
    """A browser that asks for English, so the assertions can quote the English messages."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


# ---------------------------------------------------------------- sign in


def test_the_urls_other_code_links_to_resolve() -> None:
    names = [
        "login",
        "logout",
        "signup",
        "settings",
        "tokens",
        "memberships",
        "profile_edit",
        "organization_propose",
        "password_reset",
        "password_reset_done",
        "password_reset_complete",
        "password_change",
        "password_change_done",
    ]
    assert [reverse(f"accounts:{name}") for name in names] == [
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/signup/",
        "/accounts/settings/",
        "/accounts/tokens/",
        "/accounts/memberships/",
        "/accounts/profile/",
        "/accounts/organizations/propose/",
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/done/",
        "/accounts/settings/password/",
        "/accounts/settings/password/done/",
    ]
    assert reverse("accounts:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "abc-123"}) == (
        "/accounts/password/reset/MQ/abc-123/"
    )


@pytest.mark.parametrize("login", ["ada", "Ada@Example.cn"])
def test_signs_in_by_username_or_email(client: Client, login: str) -> None:
    user = UserFactory(username="ada", email="ada@example.cn")

    response = client.post(LOGIN, {"username": login, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("web:home")
    assert signed_in_user_id(client) == user.pk


def test_a_wrong_password_is_refused_and_counted(client: Client) -> None:
    UserFactory(username="ada")

    response = client.post(LOGIN, {"username": "Ada", "password": "wrong-password-1"})

    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert "The username or e-mail address and the password do not match an active account." in response.text
    assert list(LoginFailure.objects.values_list("username", "ip")) == [("ada", "127.0.0.1")]


def test_a_locked_login_answers_429_without_checking_the_password(client: Client, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 600
    UserFactory(username="ada")
    for _ in range(2):
        assert client.post(LOGIN, {"username": "ada", "password": "wrong-password-1"}).status_code == 200

    # The right password now: the lock holds anyway and no further failure is counted.
    response = client.post(LOGIN, {"username": "ada", "password": PASSWORD})

    assert response.status_code == 429
    assert signed_in_user_id(client) is None
    assert 'data-testid="login-locked"' in response.text
    assert "Wait 10 minutes and try again" in response.text
    assert 'value="ada"' in response.text
    assert LoginFailure.objects.count() == 2


def test_the_lock_covers_an_address_trying_many_accounts(client: Client, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 1
    UserFactory(username="victim")
    for n in range(4):
        client.post(LOGIN, {"username": f"guess{n}", "password": "wrong-password-1"})

    response = client.post(LOGIN, {"username": "victim", "password": PASSWORD})

    assert response.status_code == 429
    assert signed_in_user_id(client) is None


def test_a_successful_sign_in_clears_the_failures_of_the_account(client: Client, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    UserFactory(username="ada", email="ada@example.cn")
    client.post(LOGIN, {"username": "ada", "password": "wrong-password-1"})
    client.post(LOGIN, {"username": "ada@example.cn", "password": "wrong-password-1"})

    response = client.post(LOGIN, {"username": "ada", "password": PASSWORD})

    assert response.status_code == 302
    assert LoginFailure.objects.count() == 0


def test_sign_out_takes_post_only(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)

    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_user_id(client) == user.pk
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert signed_in_user_id(client) is None


def test_every_post_needs_the_csrf_token() -> None:
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/accounts/tokens/").status_code == 200

    response = client.post("/accounts/tokens/", {"name": "script"})

    assert response.status_code == 403
    assert user.access_tokens.count() == 0


@pytest.mark.parametrize(
    "name", ["settings", "tokens", "memberships", "profile_edit", "organization_propose", "password_change"]
)
def test_account_pages_need_sign_in(client: Client, name: str) -> None:
    url = reverse(f"accounts:{name}")

    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"] == f"{LOGIN}?next={url}"


# ---------------------------------------------------------------- sign up


SIGNUP = {
    "username": "lin.wei",
    "email": "Lin.Wei@Example.cn",
    "display_name": "林伟",
    "password1": "patient-capital-42",
    "password2": "patient-capital-42",
}


def test_sign_up_creates_the_account_and_signs_in(client: Client) -> None:
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("web:home")
    user = User.objects.get(username="lin.wei")
    assert (user.email, user.display_name) == ("lin.wei@example.cn", "林伟")
    assert user.check_password("patient-capital-42")
    assert signed_in_user_id(client) == user.pk


def test_sign_up_with_differing_passwords_keeps_the_values_and_saves_nothing(client: Client) -> None:
    response = client.post("/accounts/signup/", {**SIGNUP, "password2": "something-else-42"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": ["The two passwords differ."]}
    assert 'value="lin.wei"' in response.text
    assert 'value="林伟"' in response.text
    assert User.objects.count() == 0
    assert signed_in_user_id(client) is None


def test_sign_up_refuses_a_taken_email_and_a_weak_password(client: Client) -> None:
    UserFactory(email="lin.wei@example.cn")

    response = client.post("/accounts/signup/", {**SIGNUP, "password1": "12345678", "password2": "12345678"})

    errors = response.context["form"].errors
    assert errors["email"] == ["An account with this e-mail address exists already."]
    assert "This password is entirely numeric." in errors["password1"]
    assert User.objects.filter(username="lin.wei").count() == 0


def test_sign_up_shows_the_password_pair_the_password_rules_and_the_username_at_once(client: Client) -> None:
    response = client.post(
        "/accounts/signup/", {**SIGNUP, "username": "lin wei", "password1": "lin-wei", "password2": "lin-we1"}
    )

    errors = response.context["form"].errors
    assert sorted(errors) == ["password1", "password2", "username"]
    assert errors["password2"] == ["The two passwords differ."]
    assert errors["password1"][0] == "This password is too short: use at least 10 characters."
    assert User.objects.count() == 0


def test_a_short_password_is_refused_in_chinese_on_the_chinese_sign_up_page(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.post("/accounts/signup/", {**SIGNUP, "password1": "力控-手术-42", "password2": "力控-手术-42"})

    with translation.override("zh-hans"):
        expected = ngettext(
            "This password is too short: use at least %(min_length)d character.",
            "This password is too short: use at least %(min_length)d characters.",
            10,
        ) % {"min_length": 10}
    assert '<html lang="zh-Hans">' in response.text
    assert response.context["form"].errors == {"password1": [expected]}
    assert User.objects.count() == 0


def test_a_signed_in_user_is_sent_home_from_sign_up_and_sign_in(client: Client) -> None:
    client.force_login(UserFactory())

    assert client.get("/accounts/signup/").headers["Location"] == reverse("web:home")
    assert client.get(LOGIN).headers["Location"] == reverse("web:home")


# ---------------------------------------------------------------- passwords


def test_password_reset_mails_a_link_on_the_site_url_that_sets_a_new_password(
    client: Client, mailoutbox: list[mail.EmailMessage], settings: Any
) -> None:
    settings.SITE_URL = "https://kc.example.cn/"
    user = UserFactory(username="ada", email="ada@example.cn")

    response = client.post("/accounts/password/reset/", {"email": "ADA@example.cn"})

    assert response.headers["Location"] == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.cn"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "ada" in message.body
    match = re.search(r"https://kc\.example\.cn(/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match is not None

    form_page = client.get(match.group(1), follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "new-secret-pass-77", "new_password2": "new-secret-pass-77"}
    )

    assert done.headers["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password("new-secret-pass-77")
    assert client.get(match.group(1), follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client: Client, mailoutbox: list[mail.EmailMessage]
) -> None:
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.cn"})

    assert response.headers["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []


def test_password_change_keeps_the_user_signed_in(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/settings/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "new-secret-pass-77",
            "new_password2": "new-secret-pass-77",
        },
    )

    assert response.headers["Location"] == "/accounts/settings/password/done/"
    user.refresh_from_db()
    assert user.check_password("new-secret-pass-77")
    assert client.get("/accounts/settings/").status_code == 200


def test_password_change_with_a_wrong_old_password_changes_nothing(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/settings/password/",
        {
            "old_password": "not-my-password",
            "new_password1": "new-secret-pass-77",
            "new_password2": "new-secret-pass-77",
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["old_password"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# ---------------------------------------------------------------- settings


def test_settings_change_the_display_name_and_email(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)

    response = client.post("/accounts/settings/", {"display_name": " 林伟 ", "email": "New@Example.cn"})

    assert response.headers["Location"] == "/accounts/settings/"
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("林伟", "new@example.cn")


def test_settings_refuse_an_email_another_account_uses(client: Client) -> None:
    UserFactory(email="taken@example.cn")
    user = UserFactory(display_name="Old", email="mine@example.cn")
    client.force_login(user)

    response = client.post("/accounts/settings/", {"display_name": "New", "email": "TAKEN@example.cn"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["An account with this e-mail address exists already."]}
    assert 'value="New"' in response.text
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Old", "mine@example.cn")


def test_settings_list_the_memberships_with_status_badges(client: Client) -> None:
    user = UserFactory()
    MembershipFactory(user=user, status="approved", organization__name={"zh-hans": "甲公司"})
    MembershipFactory(user=user, status="requested", organization__name={"zh-hans": "乙大学"})
    client.force_login(user)

    response = client.get("/accounts/settings/")

    text = response.text
    assert '<span class="badge ok">Approved</span>' in text
    assert re.search(r"甲公司</td>\s*<td>[^<]+</td>\s*<td><span class=\"badge ok\">", text)
    assert re.search(r"乙大学</td>\s*<td>[^<]+</td>\s*<td><span class=\"badge warn\">", text)


def test_settings_page_queries_do_not_grow_with_memberships(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/accounts/settings/").status_code == 200
        return len(queries.captured_queries)

    MembershipFactory(user=user)
    one = count()
    MembershipFactory.create_batch(2, user=user)
    assert count() == one


def test_the_page_language_follows_the_cookie(client: Client) -> None:
    client.force_login(UserFactory())
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    assert 'lang="zh-Hans"' in client.get("/accounts/settings/").text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en">' in client.get("/accounts/settings/").text


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/settings/",
        "/accounts/settings/password/",
        "/accounts/tokens/",
        "/accounts/memberships/",
        "/accounts/profile/",
        "/accounts/organizations/propose/",
    ],
)
def test_pages_carry_no_inline_script_or_style(client: Client, url: str) -> None:
    user = UserFactory()
    MembershipFactory(user=user, role="admin")
    if url not in {"/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"}:
        client.force_login(user)

    response = client.get(url)

    assert response.status_code == 200
    assert re.findall(r"\sstyle=|<style|\son[a-z]+=", response.text) == []
    assert [tag for tag in re.findall(r"<script[^>]*>", response.text) if " src=" not in tag] == []
