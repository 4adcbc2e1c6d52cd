"""The review step through the review engine: the call opened with the list's parties, reviews scored,
the shortlist recorded as decisions, and the applicant's feedback."""

from __future__ import annotations

import pytest
from django.test import Client

from kechuang.challenges import services
from kechuang.challenges.enums import ApplicationStatus, ChallengeStatus
from kechuang.challenges.models import Application
from kechuang.challenges.services import reviewing
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.review import selectors as review_selectors
from kechuang.review import services as review_services
from tests.challenges import builders
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db
S = ChallengeStatus


def _score_all(people: builders.Cast, challenge: object, *, good: Application) -> None:
    """Two reviewers score every item: ``good`` high, the others low (hand assignment, by the operator)."""
    call = review_selectors.call_for(challenge)
    reviewers = [UserFactory(), UserFactory()]
    for reviewer in reviewers:
        review_services.invite_reviewer(actor=people.operator, call=call, user=reviewer)
    criteria = list(call.criteria.all())
    for item in call.items.all():
        for reviewer in reviewers:
            assignment = review_services.assign(actor=people.operator, item=item, reviewer=reviewer, reason="测试")
            score = 9 if item.subject_id == good.pk else 5
            review_services.submit_review(
                actor=reviewer,
                assignment=assignment,
                scores={c.pk: score for c in criteria},
                comment_to_applicant="路线清楚",
                notes={criteria[0].pk: "可行"},
            )


def test_review_opens_a_call_with_one_item_per_application_and_their_parties() -> None:
    people = builders.cast()
    challenge, applications = builders.closed(people)
    services.transition(actor=people.operator, challenge=challenge, to=S.REVIEW)
    call = review_selectors.call_for(challenge)
    assert call is not None
    assert (call.blind, call.reviews_per_item) == (True, 3)
    assert sorted(c.weight for c in call.criteria.all()) == [20, 20, 30, 30]
    items = {item.subject_id: item for item in call.items.all()}
    assert sorted(items) == sorted(a.pk for a in applications)
    parties = items[applications[0].pk].parties
    assert (parties["people"], parties["issuer"]) == ([applications[0].lead_id], people.issuer.pk)
    # A blind reviewer reads the title and summary: neither names the team.
    assert applications[0].team_name not in str(items[applications[0].pk].title)


def test_shortlisting_needs_every_review_then_records_decisions() -> None:
    people = builders.cast()
    challenge, applications = builders.closed(people)
    services.transition(actor=people.operator, challenge=challenge, to=S.REVIEW)
    with pytest.raises(DomainError) as refused:
        services.transition(
            actor=people.operator, challenge=challenge, to=S.SHORTLIST, shortlist=[applications[0].pk], reason="评审"
        )
    assert refused.value.code == ErrorCode.INVALID_STATE
    _score_all(people, challenge, good=applications[0])
    rows = reviewing.review_rows(challenge)
    assert rows[0].application_id == applications[0].pk
    services.transition(
        actor=people.operator,
        challenge=challenge,
        to=S.SHORTLIST,
        shortlist=[applications[0].pk],
        reason="专家评审排名第一",
    )
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {
        applications[0].pk: ApplicationStatus.SHORTLISTED,
        applications[1].pk: ApplicationStatus.NOT_SHORTLISTED,
    }
    call = review_selectors.call_for(challenge)
    outcomes = {item.subject_id: item.decision.outcome for item in call.items.select_related("decision")}
    assert outcomes == {applications[0].pk: "accepted", applications[1].pk: "rejected"}
    feedback = reviewing.feedback_for(applications[1])
    assert [f.scores for f in feedback] == [[5, 5]] * 4
    assert feedback[0].comments == ["可行", "可行"]


def test_the_review_call_page_links_back_to_its_list(client: Client) -> None:
    people = builders.cast()
    challenge, _applications = builders.closed(people)
    services.transition(actor=people.operator, challenge=challenge, to=S.REVIEW)
    call = review_selectors.call_for(challenge)
    assert call is not None
    client.force_login(people.operator)
    page = client.get(f"/review/calls/{call.pk}/").content.decode()
    assert f'<a href="/challenges/{challenge.pk}/" data-testid="call-subject">' in page
