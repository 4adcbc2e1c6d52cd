"""The marketplace pages: publishing through the form (refused for an incomplete achievement), and the list,
its endpoint and a card's page reading a fixed number of queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kechuang.accounts.enums import Role
from kechuang.transfer.enums import InterestKind, PassReason
from kechuang.transfer.models import Achievement, Opportunity
from kechuang.transfer.services import market as services
from tests.counting import queries
from tests.factories.accounts import MembershipFactory, OrganizationFactory
from tests.transfer import achievement_builders as build

pytestmark = pytest.mark.django_db
FORM = {"problem_zh": "依赖进口", "benefit_zh": "精度提高40%", "asking_price": "50万"}


def test_the_tto_publishes_through_the_form(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    client.force_login(people.tto)
    url = reverse("transfer:opportunity_create", args=[achievement.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, FORM)
    card = Opportunity.objects.get()
    assert response["Location"] == reverse("transfer:opportunity", args=[card.pk])
    assert (card.asking_price_fen, card.benefit) == (50_000_000, {"zh-hans": "精度提高40%"})
    client.force_login(people.stranger)
    assert client.get(url).status_code == 404


def test_the_form_says_why_an_incomplete_achievement_cannot_be_offered(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    Achievement.objects.filter(pk=achievement.pk).update(ip_number="")
    client.force_login(people.tto)
    url = reverse("transfer:opportunity_create", args=[achievement.pk])
    assert 'data-testid="publish-problems"' in client.get(url).content.decode()
    assert client.post(url, FORM).status_code == 200
    assert Opportunity.objects.count() == 0


def _card(people: build.Cast, title: str) -> Opportunity:
    achievement = build.register(people, title={"zh-hans": title})
    return services.publish_opportunity(
        actor=people.tto, achievement=achievement, problem={"zh-hans": "问题"}, benefit={"zh-hans": "优势"}
    )


@pytest.mark.usefixtures("settled_lexicon")
def test_the_marketplace_and_its_endpoint_read_as_many_queries_for_three_cards_as_for_one(client: Client) -> None:
    people = build.cast()
    _card(people, "一")
    urls = [reverse("transfer:market"), "/api/v1/transfer/opportunities"]
    one = [queries(client, url) for url in urls]
    _card(people, "二")
    _card(people, "三")
    assert [queries(client, url) for url in urls] == one


@pytest.mark.usefixtures("settled_lexicon")
def test_a_cards_page_and_feedback_read_a_fixed_number_of_queries(client: Client) -> None:
    people = build.cast()
    card = _card(people, "一")
    client.force_login(people.tto)
    urls = [reverse("transfer:opportunity", args=[card.pk]), f"/api/v1/transfer/opportunities/{card.pk}/feedback"]

    def answer(reason: str) -> None:
        company = OrganizationFactory()
        member = MembershipFactory(organization=company, role=Role.MEMBER).user
        services.answer_opportunity(
            actor=member, opportunity=card, organization=company, kind=InterestKind.PASSED, pass_reason=reason
        )

    answer(PassReason.TOO_EARLY)
    one = [queries(client, url) for url in urls]
    answer(PassReason.TOO_EARLY)
    answer(PassReason.ROUTE_UNCLEAR)
    assert [queries(client, url) for url in urls] == one


def test_passing_without_a_reason_is_refused_with_one_clear_message(client: Client) -> None:
    people = build.cast()
    card = _card(people, "一")
    client.force_login(people.company_admin)
    url = reverse("transfer:opportunity_answer", args=[card.pk])
    answered = client.post(url, {"organization": people.company.pk, "kind": InterestKind.PASSED}, follow=True)
    shown = [str(message) for message in answered.context["messages"]]
    assert (len(shown), card.interests.count()) == (1, 0)
