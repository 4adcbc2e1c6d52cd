"""Employment history, declared relations and shareholdings read as many queries for three rows as for one,
on their pages and their API endpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from kechuang.accounts.enums import RelationKind, Role, Visibility
from kechuang.accounts.models import ExpertProfile, Organization, User
from tests.counting import queries
from tests.factories.accounts import (
    AffiliationFactory,
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    RelationFactory,
    ShareholdingFactory,
    UserFactory,
    make_operator,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled_lexicon")]


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def expert() -> ExpertProfile:
    return ExpertProfileFactory(affiliation=OrganizationFactory(), visibility=Visibility.PUBLIC)


def post_at(profile: ExpertProfile, year: int) -> None:
    """A past post at an organisation of its own (each row joins a different organisation)."""
    AffiliationFactory(profile=profile, organization=OrganizationFactory(), start_year=year, end_year=year + 2)


def one_then_three(client: Client, url: str, add: Callable[[], object]) -> tuple[int, int]:
    """The queries of ``url`` with one row, then with three (``add`` makes one row)."""
    add()
    one = queries(client, url)
    add()
    add()
    return one, queries(client, url)


# ---------------------------------------------------------------- employment history


@pytest.mark.parametrize("url", ["/accounts/profile/", "/api/v1/me/expert-profile/history"])
def test_my_employment_history_costs_the_same_for_one_or_three_posts(client: Client, url: str) -> None:
    profile = expert()
    signed_in(client, profile.user)
    years = iter(range(2000, 2030, 3))
    one, three = one_then_three(client, url, lambda: post_at(profile, next(years)))
    assert profile.history.count() == 3
    assert three == one


def test_a_public_experts_history_costs_the_same_for_one_or_three_posts(client: Client) -> None:
    # The page also recommends related items through search, which reads the lexicon (settled above).
    profile = expert()
    years = iter(range(2000, 2030, 3))
    for url in (f"/experts/{profile.pk}/", f"/api/v1/experts/{profile.pk}"):
        profile.history.all().delete()
        one, three = one_then_three(client, url, lambda: post_at(profile, next(years)))
        assert three == one, url
    assert len(client.get(f"/api/v1/experts/{profile.pk}").json()["history"]) == 3


# ---------------------------------------------------------------- declared relations


@pytest.mark.parametrize("url", ["/accounts/profile/", "/api/v1/me/expert-profile/relations"])
def test_my_relations_cost_the_same_for_one_or_three(client: Client, url: str) -> None:
    profile = expert()
    signed_in(client, profile.user)
    declared = iter([True, False, True])

    def relation() -> None:
        # Declared by me and about me: both sides of the row are read.
        if next(declared):
            RelationFactory(from_profile=profile, to_profile=expert(), kind=RelationKind.COLLABORATOR)
        else:
            RelationFactory(from_profile=expert(), to_profile=profile, kind=RelationKind.ADVISOR)

    one, three = one_then_three(client, url, relation)
    assert three == one
    assert len(client.get("/api/v1/me/expert-profile/relations").json()) == 3


# ---------------------------------------------------------------- shareholdings


def holder(organization: Organization, number: Iterator[int]) -> None:
    """A person or (every other row) an organisation holds 5 %."""
    if next(number) % 2:
        ShareholdingFactory(organization=organization, holder_user=None, holder_organization=OrganizationFactory())
    else:
        ShareholdingFactory(organization=organization, holder_user=UserFactory())


@pytest.mark.parametrize("who", ["admin", "operator"])
@pytest.mark.parametrize("api", [False, True])
def test_shareholdings_cost_the_same_for_one_or_three_holders(client: Client, who: str, api: bool) -> None:
    organization = OrganizationFactory()
    user = make_operator() if who == "operator" else MembershipFactory(organization=organization, role=Role.ADMIN).user
    signed_in(client, user)
    url = (
        f"/api/v1/organizations/{organization.pk}/shareholdings"
        if api
        else f"/accounts/organizations/{organization.pk}/shareholdings/"
    )
    number = iter(range(10))
    one, three = one_then_three(client, url, lambda: holder(organization, number))
    assert len(client.get(f"/api/v1/organizations/{organization.pk}/shareholdings").json()) == 3
    assert three == one
