"""The money and award POSTs of the challenges API take an ``Idempotency-Key``: a retry has one effect."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kechuang.accounts import services as account_services
from kechuang.accounts.models import User
from kechuang.challenges import services
from kechuang.challenges.models import StageGateDecision
from kechuang.ledger.models import Entry
from tests.challenges import builders

pytestmark = pytest.mark.django_db


def _headers(user: User, key: str) -> dict[str, str]:
    # One credential for every try: a key is scoped to the caller.
    _token, raw = account_services.create_access_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_IDEMPOTENCY_KEY": key}


def _twice(client: Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[Any, Any]:
    first = client.post(path, body, content_type="application/json", **headers)
    second = client.post(path, body, content_type="application/json", **headers)
    return first, second


def test_a_retried_stage_gate_decision_is_decided_and_logged_once(client: Client) -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    gate = challenge.stage_gates.get()
    first_team = challenge.agreements.order_by("id").first()
    assert first_team is not None
    path = f"/api/v1/challenges/{challenge.pk}/stage-gates/{gate.pk}/decisions"
    body = {"agreement": first_team.pk, "decision": "cut", "reasons": "力控精度未达阶段目标"}
    first, second = _twice(client, path, body, _headers(people.operator, "gate-1"))
    assert (first.status_code, second.status_code, second["Idempotent-Replayed"]) == (201, 201, "true")
    assert second.content == first.content
    assert StageGateDecision.objects.count() == 1
    assert Entry.objects.filter(kind="challenge.stage_gate").count() == 1


def test_a_retried_milestone_acceptance_is_logged_once(client: Client) -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    agreement = challenge.agreements.order_by("id").first()
    assert agreement is not None
    milestone = agreement.milestones.order_by("position").first()
    assert milestone is not None
    services.submit_evidence(actor=agreement.application.lead, milestone=milestone, evidence="原理样机测试报告")
    path = f"/api/v1/challenges/milestones/{milestone.pk}/decision"
    first, second = _twice(client, path, {"accept": True}, _headers(people.issuer_admin, "accept-1"))
    assert (first.status_code, second.status_code, second["Idempotent-Replayed"]) == (200, 200, "true")
    assert (first.json()["status"], second.content) == ("accepted", first.content)
    assert Entry.objects.filter(kind="challenge.milestone_acceptance").count() == 1
