"""Migration 0002 keeps the people named before team invitations existed, as accepted members."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kechuang.challenges.models import ApplicationMember
from tests.challenges import builders
from tests.factories.accounts import UserFactory

BEFORE = [("challenges", "0001_initial")]
AFTER = [("challenges", "0002_application_member_consent")]


@pytest.fixture
def at_0001(transactional_db: None) -> Iterator[MigrationExecutor]:
    """The schema as it was before invitations; migrated forward again afterwards whatever happens."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_members_named_before_the_migration_are_kept_as_accepted(at_0001: MigrationExecutor) -> None:
    # Rows written with the historical models: the plain many-to-many the old code used.
    state = at_0001.loader.project_state(BEFORE)
    old_application = state.apps.get_model("challenges", "Application")
    people = builders.cast(teams=0)
    old_challenge = state.apps.get_model("challenges", "Challenge")
    submitted: datetime = timezone.now() - timedelta(days=3)
    challenge = old_challenge.objects.create(
        issuer_id=people.issuer.pk,
        created_by_id=people.issuer_admin.pk,
        title={"zh-hans": "旧榜单"},
        summary={"zh-hans": "s"},
        problem={"zh-hans": "p"},
        bounty_fen=100,
        issuer_share_fen=100,
        application_deadline=timezone.now(),
        region="110108",
    )
    lead, first, second = UserFactory(), UserFactory(), UserFactory()
    application = old_application.objects.create(
        challenge=challenge,
        lead_id=lead.pk,
        team_name="旧团队",
        proposal="p",
        technical_route="t",
        plan="m",
        submitted_at=submitted,
    )
    application.members.set([first.pk, second.pk])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    kept = ApplicationMember.objects.filter(application_id=application.pk).order_by("user_id")
    assert [(row.user_id, row.status, row.invited_at, row.decided_at) for row in kept] == [
        (first.pk, "accepted", submitted, submitted),
        (second.pk, "accepted", submitted, submitted),
    ]
