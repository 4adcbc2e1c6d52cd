"""Every model registered in the admin opens for a superuser: its list (with rows, searched) and a row's page,
and its list reads a fixed number of queries whatever the number of rows.

The rows are made through each app's services, so every column, search field and filter of every
registered admin is read against real data; adding a model to the admin adds it here by itself.
tests/accounts/test_admin.py covers who gets in and that nothing is written outside the services.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kechuang.accounts import services as account_services
from kechuang.challenges import services as challenge_services
from kechuang.challenges.enums import ChallengeStatus, GateDecision
from kechuang.challenges.models import Challenge
from kechuang.core.audit import record_event
from kechuang.notifications import services as notification_services
from kechuang.review import services as review_services
from kechuang.review.enums import DecisionOutcome
from kechuang.review.models import Criterion
from kechuang.search.models import DomainTerm, SynonymGroup
from tests.challenges import builders
from tests.factories.accounts import (
    AffiliationFactory,
    ExpertProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    RelationFactory,
    ShareholdingFactory,
    UserFactory,
    WorkFactory,
)
from tests.review.conftest import build

pytestmark = pytest.mark.django_db

REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)
APPS = sorted({label.split(".")[0] for label in REGISTERED})
NUMBERS = itertools.count()
S = ChallengeStatus


def accounts_rows() -> None:
    profile = ExpertProfileFactory(affiliation=OrganizationFactory())
    MembershipFactory(user=profile.user, organization=profile.affiliation)
    WorkFactory(profile=profile)
    AffiliationFactory(profile=profile, start_year=2010, end_year=2015)
    RelationFactory(from_profile=profile)
    ShareholdingFactory()
    ShareholdingFactory(holder_user=None, holder_organization=OrganizationFactory())
    account_services.create_access_token(actor=profile.user, name="script")
    record_event(actor=profile.user, verb="accounts:user:register", obj=profile.user)


def search_rows() -> None:
    # Operators keep the lexicon in the admin itself; there is no service to go through.
    number = next(NUMBERS)
    DomainTerm.objects.create(word=f"力控{number}", frequency=1000)
    SynonymGroup.objects.create(words=f"机械臂{number}, robot arm {number}")


def notification_rows() -> None:
    user = UserFactory()
    params = {"call": "力控机械臂评审", "deadline": "2026-12-01"}
    notification_services.notify(recipients=[user], kind="review.due_now", params=params, actor=UserFactory())
    notification_services.schedule_reminder(
        recipient=user,
        kind="review.due_now",
        params=params,
        url="/review/",
        due_at=timezone.now() + timedelta(days=3),
        key="test-reminder",
    )
    notification_services.update_email_preference(actor=user, enabled=False, muted_kinds=[], language="en")


def review_rows() -> None:
    """A call whose items were assigned, reviewed, reconciled and decided; a conflict; a queued run."""
    setup = build(items=2, reviewers=4)
    criteria = list(Criterion.objects.filter(call=setup.call))
    for item in setup.items:
        for reviewer in setup.reviewers[:2]:
            assignment = review_services.assign(actor=setup.operator, item=item, reviewer=reviewer, reason="对口")
            review_services.submit_review(actor=reviewer, assignment=assignment, scores={c.pk: 3 for c in criteria})
        review_services.reconcile(actor=setup.operator, item=item, note="已核对")
        review_services.decide(actor=setup.operator, item=item, outcome=DecisionOutcome.ACCEPTED, reasons="评分靠前")
    review_services.set_conflict(
        actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[3], reason="同一课题组"
    )
    review_services.start_assignment(actor=setup.operator, call=setup.call)


def challenge_rows() -> None:
    """A race walked from publication to termination: NDA, objection, award, a paid tranche, a stage
    gate, and the due-diligence records and closure of the termination."""
    people = builders.cast()
    challenge, applications = builders.in_publicity(people)
    challenge_services.accept_nda(actor=UserFactory(), challenge=challenge)
    challenge_services.apply(
        actor=UserFactory(),
        challenge=builders.published(people),
        team_name="邀请成员的团队",
        proposal="方案",
        technical_route="路线",
        plan="计划",
        members=[UserFactory()],
    )
    objection = challenge_services.raise_objection(actor=UserFactory(), challenge=challenge, text="样机数据存疑")
    challenge_services.answer_objection(actor=people.operator, objection=objection, answer="已核查原始记录。")
    builders.end_publicity(challenge)
    challenge_services.transition(
        actor=people.operator, challenge=challenge, to=S.AWARDED, awards=builders.plans(applications)
    )
    challenge_services.transition(actor=people.issuer_admin, challenge=challenge, to=S.IN_PROGRESS)
    first, second = challenge.agreements.order_by("id")
    milestone = first.milestones.order_by("position").first()
    assert milestone is not None
    challenge_services.submit_evidence(actor=first.application.lead, milestone=milestone, evidence="测试报告")
    challenge_services.decide_milestone(actor=people.issuer_admin, milestone=milestone, accept=True)
    challenge_services.release_tranche(actor=people.operator, milestone=milestone)
    challenge_services.decide_stage_gate(
        actor=people.operator,
        gate=challenge.stage_gates.get(),
        agreement=second,
        decision=GateDecision.CONTINUE,
        reasons="按计划推进",
    )
    challenge_services.transition(
        actor=people.operator,
        challenge=Challenge.objects.get(pk=challenge.pk),
        to=S.TERMINATED,
        reason="技术路线均未达到力控精度",
        diligence=[
            challenge_services.DiligenceSpec(
                agreement_id=agreement.pk, records="实验记录本", diligent=True, finding="勤勉尽责"
            )
            for agreement in (first, second)
        ],
    )


def group_rows() -> None:
    Group.objects.create(name=f"力控{next(NUMBERS)}")


ROWS: dict[str, Callable[[], None]] = {
    "auth": group_rows,
    "accounts": accounts_rows,
    "core": accounts_rows,
    "search": search_rows,
    "notifications": notification_rows,
    "review": review_rows,
    "challenges": challenge_rows,
}
# django-tasks' results: the suite runs tasks at once, so none is ever stored; the empty list still opens.
WITHOUT_ROWS = {"django_tasks_database.dbtaskresult"}


def changelist_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


@pytest.mark.usefixtures("settled_lexicon")
@pytest.mark.parametrize("app_label", APPS)
def test_each_registered_model_opens_in_the_admin_for_a_superuser(client: Client, app_label: str) -> None:
    """Each list, searched, and a row's page answer 200; a list reads as many queries for three sets of
    rows as for one (the app's set-up made once, then twice more)."""
    labels = [label for label in REGISTERED if label.startswith(f"{app_label}.")]
    make = ROWS.get(app_label, lambda: None)
    make()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    urls = {label: reverse(f"admin:{label.replace('.', '_')}_changelist") for label in labels}
    one = {}
    for label, url in urls.items():
        assert client.get(url, {"q": "力控"}).status_code == 200, label
        row = apps.get_model(label)._default_manager.order_by("pk").first()
        if label not in WITHOUT_ROWS:
            assert row is not None, f"{label}: no row to read its columns from; give its app a set-up in ROWS"
            change = reverse(f"admin:{label.replace('.', '_')}_change", args=[row.pk])
            assert client.get(change).status_code == 200, label
        one[label] = changelist_queries(client, url)
    make()
    make()
    assert {label: changelist_queries(client, url) for label, url in urls.items()} == one
