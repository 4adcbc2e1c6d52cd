"""The review engine's list pages and list endpoints read as many queries for three rows as for one."""

from __future__ import annotations

import pytest
from django.test import Client

from kechuang.accounts.models import User
from kechuang.review import services
from kechuang.review.enums import DecisionOutcome
from kechuang.review.models import Assignment, Criterion, Item
from tests.counting import queries
from tests.review.conftest import Setup, build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled_lexicon")]


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def assign(setup: Setup, item: Item, reviewer: User) -> Assignment:
    return services.assign(actor=setup.operator, item=item, reviewer=reviewer, reason="专业对口")


def submit(assignment: Assignment, score: int) -> None:
    criteria = Criterion.objects.filter(call=assignment.item.call_id)
    services.submit_review(
        actor=assignment.reviewer,
        assignment=assignment,
        scores={c.pk: min(score, c.scale_max) for c in criteria},
        comment_to_applicant="思路清楚",
        notes={c.pk: f"备注{score}" for c in criteria},
    )


def scored(items: int) -> Setup:
    """A call of ``items`` items, each reviewed by two reviewers, reconciled and decided."""
    setup = build(items=items, reviewers=4)
    for number, item in enumerate(setup.items):
        for offset, reviewer in enumerate(setup.reviewers[:2]):
            submit(assign(setup, item, reviewer), 3 + number + offset)
        services.reconcile(actor=setup.operator, item=item, note="已核对")
        services.decide(actor=setup.operator, item=item, outcome=DecisionOutcome.ACCEPTED, reasons="综合评分靠前")
    return setup


def my_three_assignments(setup: Setup, reviewer: User) -> None:
    """Two more live assignments of ``reviewer``: one submitted, one in another call that is not blind."""
    submit(assign(setup, setup.items[1], reviewer), 4)
    other = build(blind=False, items=1, reviewers=1)
    services.invite_reviewer(actor=other.operator, call=other.call, user=reviewer)
    services.assign(actor=other.operator, item=other.items[0], reviewer=reviewer, reason="专业对口")


# ---------------------------------------------------------------- reviewer


def test_my_reviews_page_costs_the_same_for_one_or_three_assignments(client: Client) -> None:
    setup = build(items=3, reviewers=2)
    reviewer = setup.reviewers[0]
    assign(setup, setup.items[0], reviewer)
    signed_in(client, reviewer)
    one = queries(client, "/review/")
    my_three_assignments(setup, reviewer)
    assert client.get("/review/").content.decode().count('data-testid="my-review-row"') == 3
    assert queries(client, "/review/") == one


def test_my_assignments_endpoint_costs_the_same_for_one_or_three(client: Client) -> None:
    setup = build(items=3, reviewers=2)
    reviewer = setup.reviewers[0]
    assign(setup, setup.items[0], reviewer)
    signed_in(client, reviewer)
    one = queries(client, "/api/v1/review/assignments")
    my_three_assignments(setup, reviewer)
    assert len(client.get("/api/v1/review/assignments").json()) == 3
    assert queries(client, "/api/v1/review/assignments") == one


# ---------------------------------------------------------------- operator


def test_the_ranking_endpoint_costs_the_same_for_one_or_three_items(client: Client) -> None:
    counts = []
    for items in (1, 3):
        setup = scored(items)
        signed_in(client, setup.operator)
        url = f"/api/v1/review/calls/{setup.call.pk}/ranking"
        ranking = client.get(url).json()
        assert [(row["reviews"], row["decision"]["outcome"]) for row in ranking] == [(2, "accepted")] * items
        counts.append(queries(client, url))
    assert counts[0] == counts[1]


def test_a_call_page_and_endpoint_cost_the_same_for_one_or_three_items(client: Client) -> None:
    pages, endpoints = [], []
    for items in (1, 3):
        setup = scored(items)
        signed_in(client, setup.operator)
        pages.append(queries(client, f"/review/calls/{setup.call.pk}/"))
        endpoint = f"/api/v1/review/calls/{setup.call.pk}"
        assert len(client.get(endpoint).json()["items"]) == items
        endpoints.append(queries(client, endpoint))
    assert (pages[0], endpoints[0]) == (pages[1], endpoints[1])


def test_an_item_page_costs_the_same_for_one_or_three_reviewers(client: Client) -> None:
    counts = []
    for reviewers in (1, 3):
        setup = build(items=1, reviewers=4)
        item = setup.items[0]
        for offset, reviewer in enumerate(setup.reviewers[:reviewers]):
            submit(assign(setup, item, reviewer), 3 + offset)
        services.reconcile(actor=setup.operator, item=item, note="已核对")
        signed_in(client, setup.operator)
        counts.append(queries(client, f"/review/items/{item.pk}/"))
    assert counts[0] == counts[1]
