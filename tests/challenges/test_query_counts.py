"""Every list page and list endpoint of the challenges app reads as many queries for three rows as for one."""

from __future__ import annotations

import pytest
from django.test import Client

from kechuang.accounts.enums import Role
from kechuang.accounts.models import User
from kechuang.challenges import services
from kechuang.challenges.enums import ChallengeStatus
from kechuang.challenges.models import Application, Challenge
from kechuang.review import selectors as review_selectors
from kechuang.review import services as review_services
from tests.challenges import builders
from tests.counting import queries
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled_lexicon")]
S = ChallengeStatus


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def team_applies(challenge: Challenge, lead: User | None = None) -> Application:
    """A team with an organisation of its own and two members applies (every joined row is filled)."""
    lead = lead or UserFactory()
    organization = OrganizationFactory()
    MembershipFactory(user=lead, organization=organization, role=Role.MEMBER)
    return services.apply(
        actor=lead,
        challenge=challenge,
        team_name=f"团队{lead.pk}",
        proposal="方案：串联弹性驱动。",
        technical_route="技术路线：阻抗控制。",
        plan="计划：12个月样机。",
        organization=organization,
        members=[UserFactory(), UserFactory()],
    )


def in_operator_review(people: builders.Cast) -> Challenge:
    challenge = builders.draft(people)
    return services.transition(actor=people.issuer_admin, challenge=challenge, to=S.OPERATOR_REVIEW)


def reviewed(people: builders.Cast, challenge: Challenge, reviewers: int = 2) -> None:
    """The list goes to review and ``reviewers`` experts score every application (hand assignment)."""
    services.transition(actor=people.operator, challenge=challenge, to=S.REVIEW)
    call = review_selectors.call_for(challenge)
    assert call is not None
    criteria = list(call.criteria.all())
    experts = [UserFactory() for _ in range(reviewers)]
    for expert in experts:
        review_services.invite_reviewer(actor=people.operator, call=call, user=expert)
    for item in call.items.all():
        for number, expert in enumerate(experts):
            assignment = review_services.assign(actor=people.operator, item=item, reviewer=expert, reason="对口")
            review_services.submit_review(
                actor=expert,
                assignment=assignment,
                scores={criterion.pk: 5 + number for criterion in criteria},
                comment_to_applicant=f"意见{number}",
                notes={criteria[0].pk: f"备注{number}"},
            )


def closed_with(people: builders.Cast, teams: int) -> tuple[Challenge, list[Application]]:
    challenge = builders.published(people)
    applications = [team_applies(challenge) for _ in range(teams)]
    services.transition(actor=people.operator, challenge=challenge, to=S.APPLICATIONS_CLOSED, reason="提前截止（测试）")
    return challenge, applications


# ---------------------------------------------------------------- pages


def test_the_issuers_lists_on_mine_cost_the_same_for_one_or_three(client: Client) -> None:
    people = builders.cast(teams=0)
    builders.draft(people)
    signed_in(client, people.issuer_admin)
    one = queries(client, "/challenges/mine/")
    builders.published(people)
    in_operator_review(people)
    assert queries(client, "/challenges/mine/") == one


def test_the_teams_applications_on_mine_cost_the_same_for_one_or_three(client: Client) -> None:
    # Each list is at work, so each application shows its agreement and milestones.
    people = builders.cast(teams=2)
    builders.at_work(people)
    signed_in(client, people.leads[0])
    one = queries(client, "/challenges/mine/")
    builders.at_work(people)
    builders.at_work(people)
    page = client.get("/challenges/mine/").content.decode()
    assert page.count("/challenges/milestones/") == 6
    assert queries(client, "/challenges/mine/") == one


def test_the_operator_queue_costs_the_same_for_one_or_three(client: Client) -> None:
    people = builders.cast(teams=0)
    in_operator_review(people)
    signed_in(client, people.operator)
    one = queries(client, "/challenges/operate/")
    in_operator_review(people)
    in_operator_review(builders.cast(teams=0))  # another issuer
    assert queries(client, "/challenges/operate/") == one


def test_a_lists_applications_page_costs_the_same_for_one_or_three(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    team_applies(challenge)
    signed_in(client, people.issuer_admin)
    url = f"/challenges/{challenge.pk}/applications/"
    one = queries(client, url)
    team_applies(challenge)
    team_applies(challenge)
    assert queries(client, url) == one


def test_a_reviewed_lists_applications_page_costs_the_same_for_one_or_three(client: Client) -> None:
    counts = []
    for teams in (1, 3):
        people = builders.cast(teams=0)
        challenge, _applications = closed_with(people, teams)
        reviewed(people, challenge)
        signed_in(client, people.operator)
        url = f"/challenges/{challenge.pk}/applications/"
        assert client.get(url).content.decode().count('data-testid="application-row"') == teams
        counts.append(queries(client, url))
    assert counts[0] == counts[1]


def test_the_teams_application_page_costs_the_same_for_one_or_three_reviews(client: Client) -> None:
    counts = []
    for reviewers in (1, 3):
        people = builders.cast(teams=0)
        challenge, (application,) = closed_with(people, 1)
        reviewed(people, challenge, reviewers=reviewers)
        signed_in(client, application.lead)
        url = f"/challenges/applications/{application.pk}/"
        assert f"备注{reviewers - 1}" in client.get(url).content.decode()  # every reviewer's remark is shown
        counts.append(queries(client, url))
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- API


def test_the_public_list_endpoint_costs_the_same_for_one_or_three(client: Client) -> None:
    people = builders.cast(teams=0)
    team_applies(builders.published(people))
    one = queries(client, "/api/v1/challenges")
    builders.published(people)
    team_applies(builders.published(builders.cast(teams=0)))
    assert client.get("/api/v1/challenges").json()["count"] == 3
    assert queries(client, "/api/v1/challenges") == one


def test_my_applications_endpoint_costs_the_same_for_one_or_three(client: Client) -> None:
    people = builders.cast(teams=2)
    builders.at_work(people)
    lead = people.leads[0]
    signed_in(client, lead)
    one = queries(client, "/api/v1/challenges/mine")
    team_applies(builders.published(people), lead)
    team_applies(builders.published(builders.cast(teams=0)), lead)
    assert len(client.get("/api/v1/challenges/mine").json()) == 3
    assert queries(client, "/api/v1/challenges/mine") == one


def test_a_lists_applications_endpoint_costs_the_same_for_one_or_three(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    team_applies(challenge)
    signed_in(client, people.issuer_admin)
    url = f"/api/v1/challenges/{challenge.pk}/applications"
    one = queries(client, url)
    team_applies(challenge)
    team_applies(challenge)
    assert len(client.get(url).json()) == 3
    assert queries(client, url) == one


def test_a_lists_review_ranking_endpoint_costs_the_same_for_one_or_three(client: Client) -> None:
    counts = []
    for teams in (1, 3):
        people = builders.cast(teams=0)
        challenge, _applications = closed_with(people, teams)
        reviewed(people, challenge)
        signed_in(client, people.operator)
        url = f"/api/v1/challenges/{challenge.pk}/review"
        assert [row["reviews"] for row in client.get(url).json()] == [2] * teams
        counts.append(queries(client, url))
    assert counts[0] == counts[1]
