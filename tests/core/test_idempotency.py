"""The Idempotency-Key mechanism, through a real endpoint: POST /api/v1/organizations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kechuang.accounts.models import Organization
from kechuang.core.models import IdempotencyRecord
from tests.factories.accounts import make_operator, make_uscc

URL = "/api/v1/organizations"


def body(n: int = 1) -> dict[str, Any]:
    return {
        "name": {"zh-hans": f"幂等测试公司{n}", "en": f"Idempotency Test Co. {n}"},
        "kind": "enterprise",
        "region": "110108",
        "uscc": make_uscc(900_000 + n),
    }


@pytest.fixture
def operator_client(client: Client) -> Client:
    client.force_login(make_operator())
    return client


def created_names() -> list[str]:
    return sorted(o.name["en"] for o in Organization.objects.filter(operates_platform=False))


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_answer(operator_client: Client) -> None:
    first = operator_client.post(URL, body(), content_type="application/json", headers={"Idempotency-Key": "k-1"})
    second = operator_client.post(URL, body(), content_type="application/json", headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert created_names() == ["Idempotency Test Co. 1"]
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_refused(operator_client: Client) -> None:
    first = operator_client.post(URL, body(1), content_type="application/json", headers={"Idempotency-Key": "k-2"})
    reused = operator_client.post(URL, body(2), content_type="application/json", headers={"Idempotency-Key": "k-2"})
    assert first.status_code == 201
    assert reused.status_code == 422
    assert reused["Content-Type"] == "application/problem+json"
    assert reused.json()["code"] == "idempotency_key_reused"
    assert created_names() == ["Idempotency Test Co. 1"]


@pytest.mark.django_db
def test_without_a_key_every_post_runs(operator_client: Client) -> None:
    first = operator_client.post(URL, body(1), content_type="application/json")
    second = operator_client.post(URL, body(2), content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert created_names() == ["Idempotency Test Co. 1", "Idempotency Test Co. 2"]
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_a_refusal_is_replayed_too(operator_client: Client) -> None:
    bad = {**body(), "uscc": "914403001922038217"}
    first = operator_client.post(URL, bad, content_type="application/json", headers={"Idempotency-Key": "k-3"})
    second = operator_client.post(URL, bad, content_type="application/json", headers={"Idempotency-Key": "k-3"})
    assert (first.status_code, second.status_code) == (422, 422)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert created_names() == []


@pytest.mark.django_db
def test_keys_are_scoped_to_the_caller(client: Client) -> None:
    first_operator, second_operator = make_operator(), make_operator()
    client.force_login(first_operator)
    first = client.post(URL, body(1), content_type="application/json", headers={"Idempotency-Key": "shared"})
    client.force_login(second_operator)
    second = client.post(URL, body(2), content_type="application/json", headers={"Idempotency-Key": "shared"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert created_names() == ["Idempotency Test Co. 1", "Idempotency Test Co. 2"]


@pytest.mark.django_db
def test_an_overlong_key_is_a_bad_request(operator_client: Client) -> None:
    response = operator_client.post(
        URL, body(), content_type="application/json", headers={"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert created_names() == []


@pytest.mark.django_db
def test_a_key_still_running_is_reported_in_progress(operator_client: Client) -> None:
    first = operator_client.post(URL, body(), content_type="application/json", headers={"Idempotency-Key": "k-4"})
    assert first.status_code == 201
    # While the first request runs its record has no answer yet; look at the retry in that moment.
    IdempotencyRecord.objects.filter(key="k-4").update(status=None, body=None)
    retry = operator_client.post(URL, body(), content_type="application/json", headers={"Idempotency-Key": "k-4"})
    assert retry.status_code == 409
    assert retry.json()["code"] == "idempotency_in_progress"
    assert created_names() == ["Idempotency Test Co. 1"]
