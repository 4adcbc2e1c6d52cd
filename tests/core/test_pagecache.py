"""The anonymous page micro-cache and the language link it relies on."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories.accounts import OrganizationFactory, UserFactory


@pytest.fixture
def page_cache(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()


@pytest.mark.django_db
def test_an_anonymous_page_is_served_from_the_cache_until_it_expires(client: Client, page_cache: None) -> None:
    OrganizationFactory(name={"zh-hans": "先到机构", "en": "First"})
    first = client.get("/organizations/")
    assert first["X-Page-Cache"] == "miss"
    OrganizationFactory(name={"zh-hans": "后到机构", "en": "Later"})
    second = client.get("/organizations/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "后到机构" not in second.text
    cache.clear()  # what expiry does
    assert "后到机构" in client.get("/organizations/").text


@pytest.mark.django_db
def test_the_cache_keeps_languages_and_query_strings_apart(client: Client, page_cache: None) -> None:
    OrganizationFactory(name={"zh-hans": "双语机构", "en": "Bilingual Org"})
    chinese = client.get("/organizations/")
    english = client.get("/organizations/", headers={"accept-language": "en"})
    assert english["X-Page-Cache"] == "miss"
    assert '<html lang="zh-Hans">' in chinese.text
    assert '<html lang="en">' in english.text
    assert client.get("/organizations/?kind=university")["X-Page-Cache"] == "miss"
    assert client.get("/organizations/", headers={"hx-request": "true"})["X-Page-Cache"] == "miss"


@pytest.mark.django_db
def test_signed_in_users_always_get_a_fresh_page(client: Client, page_cache: None) -> None:
    client.get("/")
    client.force_login(UserFactory())
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert 'data-testid="account-link"' in response.text


@pytest.mark.django_db
def test_a_visitor_with_a_pending_message_is_not_served_or_stored(client: Client, page_cache: None) -> None:
    client.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in client.get("/")


@pytest.mark.django_db
def test_cached_pages_carry_no_csrf_token_or_cookie(client: Client, page_cache: None) -> None:
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "csrfmiddlewaretoken" not in response.text
    assert response.cookies == {}
    assert "Cookie" in response["Vary"]


def test_the_language_link_sets_the_cookie_and_returns_to_the_page(client: Client) -> None:
    response = client.get("/language/?language=en&next=/organizations/%3Fkind%3Duniversity")
    assert response.status_code == 302
    assert response["Location"] == "/organizations/?kind=university"
    assert response.cookies["django_language"].value == "en"


def test_the_language_link_refuses_foreign_redirects_and_unknown_languages(client: Client) -> None:
    response = client.get("/language/?language=fr&next=https://evil.example/")
    assert response["Location"] == "/"
    assert "django_language" not in response.cookies


@pytest.mark.django_db
def test_the_public_api_list_is_cached_for_anonymous_calls_but_not_for_token_holders(
    client: Client, page_cache: None
) -> None:
    from kechuang.accounts.services import create_access_token

    assert client.get("/api/v1/organizations")["X-Page-Cache"] == "miss"
    assert client.get("/api/v1/organizations")["X-Page-Cache"] == "hit"
    _, token = create_access_token(actor=UserFactory(), name="script")
    with_token = client.get("/api/v1/organizations", headers={"authorization": f"Bearer {token}"})
    assert with_token.status_code == 200
    assert "X-Page-Cache" not in with_token
