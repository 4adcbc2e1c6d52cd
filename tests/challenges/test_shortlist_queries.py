"""Shortlisting scores the review call once, not once per application.

Deciding an item needs its standing (flagged? reconciled?), which comes from scoring the whole call:
every submitted review of it. Scored per decision, shortlisting n applications read n × (all the
call's reviews), quadratic in the call's size; scored once and handed down, the reviews are read a
fixed number of times and each application adds the same few queries (its own writes).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.challenges import services
from kechuang.challenges.enums import ApplicationStatus, ChallengeStatus
from kechuang.challenges.models import Application, Challenge
from kechuang.review import services as review_services
from kechuang.review.models import Decision, Review
from kechuang.review.selectors import call_for
from tests.challenges import builders
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db
REVIEWS_TABLE = Review._meta.db_table
# What one more application costs a shortlist, whatever the call's size: its status saved, and its
# decision (rule, call lock, once-only check, the row, its audit event), 8 queries today. Scoring the
# call per decision added 4 more (the call's criteria, reviews, reconciliations and items).
PER_APPLICATION = 10


def reviewed_list(applications: int) -> tuple[builders.Cast, Challenge]:
    """A list in review whose ``applications`` were each scored by two reviewers alike (nothing flagged)."""
    people = builders.cast(teams=applications)
    challenge, _ = builders.closed(people)
    services.transition(actor=people.operator, challenge=challenge, to=ChallengeStatus.REVIEW)
    call = call_for(challenge)
    assert call is not None
    criteria = list(call.criteria.all())
    experts = [UserFactory(), UserFactory()]
    for expert in experts:
        review_services.invite_reviewer(actor=people.operator, call=call, user=expert, max_load=applications)
    for number, item in enumerate(call.items.order_by("id")):
        for expert in experts:
            assignment = review_services.assign(actor=people.operator, item=item, reviewer=expert, reason="对口")
            review_services.submit_review(
                actor=expert, assignment=assignment, scores={c.pk: 3 + number % 6 for c in criteria}
            )
    return people, challenge


def shortlisting(applications: int) -> tuple[int, int]:
    """(all queries, queries reading the call's reviews) of shortlisting a list of ``applications``."""
    people, challenge = reviewed_list(applications)
    ids = list(Application.objects.filter(challenge=challenge).order_by("id").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        services.transition(
            actor=people.operator, challenge=challenge, to=ChallengeStatus.SHORTLIST, shortlist=ids[:2], reason="择优"
        )
    assert Decision.objects.filter(item__call__subject_id=challenge.pk).count() == applications
    assert Application.objects.filter(challenge=challenge, status=ApplicationStatus.SHORTLISTED).count() == 2
    reads = sum(1 for query in captured if f'FROM "{REVIEWS_TABLE}"' in query["sql"])
    return len(captured), reads


def test_shortlisting_reads_the_reviews_a_fixed_number_of_times_and_grows_linearly() -> None:
    small_total, small_reads = shortlisting(3)
    large_total, large_reads = shortlisting(10)
    assert large_reads == small_reads
    assert large_total - small_total <= (10 - 3) * PER_APPLICATION
