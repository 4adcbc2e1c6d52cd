"""The landing page of technology transfer: the nav points at it, and each role finds its own parts there —
the public the marketplace and statistics, a unit's officer the achievements, deals, policies and registry, a
completer the statement, an operator the registrar's queue."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.counting import queries
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.transfer import achievement_builders as build
from tests.transfer import registry_builders as registry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled_lexicon")]
CARD = re.compile(r'<li class="card" data-testid="hub-([a-z-]+)"')


def cards(client: Client) -> list[str]:
    page = client.get(reverse("transfer:home"))
    assert page.status_code == 200
    return CARD.findall(page.content.decode())


def test_the_hub_is_at_the_apps_root_and_the_nav_points_at_it(client: Client) -> None:
    page = client.get("/transfer/")
    html = page.content.decode()
    nav = html[html.index('class="nav nav-wide"') : html.index("</nav>")]
    assert (reverse("transfer:home"), page.status_code, 'href="/transfer/"' in nav) == ("/transfer/", 200, True)


def test_a_visitor_sees_the_public_parts_and_is_asked_to_sign_in(client: Client) -> None:
    html = client.get(reverse("transfer:home")).content.decode()
    assert (cards(client), 'data-testid="hub-sign-in"' in html) == (
        ["market", "statistics", "policies"],
        True,
    )


def test_a_units_officer_finds_achievements_deals_policies_and_the_registry(client: Client) -> None:
    people = build.cast()
    build.signed(people, build.register(people))
    client.force_login(people.tto)
    assert cards(client) == ["achievements", "deals", "registry", "policies", "market", "statistics"]


def test_a_completer_finds_their_results_deals_and_statement(client: Client) -> None:
    people = build.cast()
    build.signed(people, build.register(people))
    client.force_login(people.lead)
    found = cards(client)
    html = client.get(reverse("transfer:home")).content.decode()
    assert found == ["my-achievements", "statements", "deals", "registry", "market", "statistics", "policies"]
    assert f'href="{reverse("transfer:statements")}"' in html


def test_an_operator_finds_the_registrars_queue_first(client: Client) -> None:
    people = registry.cast()
    registry.submitted(people)
    client.force_login(people.registrar)
    found = cards(client)
    html = client.get(reverse("transfer:home")).content.decode()
    assert (found[0], f'href="{reverse("transfer:registry_queue")}"' in html) == ("registry-queue", True)


def test_someone_without_a_role_sees_only_the_public_parts(client: Client) -> None:
    client.force_login(UserFactory())
    assert cards(client) == ["market", "statistics", "policies"]


def test_a_company_member_may_apply_to_register_a_contract(client: Client) -> None:
    people = build.cast()
    client.force_login(MembershipFactory(organization=people.company).user)
    assert cards(client) == ["registry", "market", "statistics", "policies"]


def test_the_hub_reads_a_fixed_number_of_queries(client: Client) -> None:
    people = build.cast()
    build.signed(people, build.register(people))
    client.force_login(people.tto)
    one = queries(client, reverse("transfer:home"))
    build.signed(people, build.register(people, ip_number=build.patent("202210593272")))
    build.signed(people, build.register(people, ip_number=build.patent("202210593273")))
    assert queries(client, reverse("transfer:home")) == one
