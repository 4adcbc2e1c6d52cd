"""Management commands of the accounts app: seed_demo, accounts_token, make_operator."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from kechuang.accounts.models import AccessToken, Organization, User
from tests.factories.accounts import PlatformOfficeFactory, UserFactory


def run(*args: str, **options: object) -> str:
    """The command's output, in English whatever the catalogue holds."""
    out = StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_token_printed_by_the_command_authenticates_against_the_api(client: Client) -> None:
    user = UserFactory(username="alice")
    raw = run("accounts_token", "alice", "--name", "nightly export").strip()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert (response.status_code, response.json()["username"]) == (200, "alice")
    assert list(AccessToken.objects.values_list("user", "name")) == [(user.pk, "nightly export")]


@pytest.mark.django_db
def test_token_for_an_unknown_or_deactivated_user_is_refused() -> None:
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError, match="There is no user called nobody"):
        run("accounts_token", "nobody")
    with pytest.raises(CommandError, match="deactivated"):
        run("accounts_token", "gone")
    assert AccessToken.objects.count() == 0


@pytest.mark.django_db
def test_make_operator_creates_the_platform_office_once_and_opens_the_admin() -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    assert "alice" in run("make_operator", "alice")
    run("make_operator", "bob")
    run("make_operator", "bob")
    office = Organization.objects.get(operates_platform=True)
    assert office.sort_name == "北京市科学技术委员会、中关村科技园区管理委员会"
    for user in (alice, bob):
        fresh = User.objects.get(pk=user.pk)
        assert (fresh.is_staff, fresh.has_perm("accounts.view_audit")) == (True, True)
    assert bob.memberships.count() == 1


@pytest.mark.django_db
def test_make_operator_joins_an_existing_office_and_refuses_unknown_users() -> None:
    office = PlatformOfficeFactory(name={"zh-hans": "天津市科学技术局", "en": "Tianjin S&T Bureau"}, region="120000")
    UserFactory(username="carol")
    assert run("make_operator", "carol").strip() == "carol is now an operator of Tianjin S&T Bureau."
    assert list(Organization.objects.filter(operates_platform=True)) == [office]
    with pytest.raises(CommandError, match="nobody"):
        run("make_operator", "nobody")


@pytest.mark.django_db
def test_seed_demo_reports_what_it_made_then_that_nothing_was_missing() -> None:
    first = run("seed_demo")
    assert first.startswith(
        "Demo region loaded: declared relations 2, employment history rows 4, expert profiles 14, "
        "membership requests 4, memberships 23,"
    )
    assert run("seed_demo").strip() == "The demo region is loaded already; nothing to add."
    assert run("seed_demo", verbosity=0) == ""
