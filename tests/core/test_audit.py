"""Audit events: one row per state change, with who, what and the change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kechuang.core.audit import diff_of, record_event
from kechuang.core.models import AuditEvent
from tests.factories.accounts import OrganizationFactory, UserFactory


@pytest.mark.django_db
def test_record_event_keeps_actor_verb_object_and_change() -> None:
    actor = UserFactory()
    organization = OrganizationFactory()
    event = record_event(
        actor=actor, verb="accounts:organization:update", obj=organization, diff={"website": ["", "https://a.cn"]}
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.verb, stored.object_type, stored.object_id, stored.diff) == (
        actor,
        "accounts:organization:update",
        "accounts.organization",
        str(organization.pk),
        {"website": ["", "https://a.cn"]},
    )
    assert str(stored) == f"accounts:organization:update accounts.organization:{organization.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_an_event_without_a_signed_in_actor_has_no_actor(actor: object) -> None:
    organization = OrganizationFactory()
    event = record_event(actor=actor, verb="accounts:organization:create", obj=organization)
    assert (event.actor, event.diff) == (None, {})


@pytest.mark.django_db
@pytest.mark.parametrize("verb", ["approve", "accounts:approve", "Accounts:membership:approve", "a:b:c:d", ""])
def test_verbs_must_be_app_object_action(verb: str) -> None:
    organization = OrganizationFactory()
    with pytest.raises(ValueError, match="app:object:action"):
        record_event(actor=None, verb=verb, obj=organization)
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_events_are_listed_newest_first() -> None:
    organization = OrganizationFactory()
    first = record_event(actor=None, verb="accounts:organization:create", obj=organization)
    second = record_event(actor=None, verb="accounts:organization:update", obj=organization)
    assert list(AuditEvent.objects.all()) == [second, first]


def test_diff_of_lists_changed_fields_only() -> None:
    before = {"name": "甲", "kind": "enterprise", "website": ""}
    after = {"name": "乙", "kind": "enterprise", "region": "110108"}
    assert diff_of(before, after) == {"name": ["甲", "乙"], "region": [None, "110108"], "website": ["", None]}
    assert diff_of({}, {}) == {}
    assert diff_of(after, after) == {}
