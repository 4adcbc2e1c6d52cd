"""The review API at /api/v1/review: reviewer and operator actions, blind responses, problem+json refusals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.accounts import services as accounts_services
from kechuang.accounts.models import User
from kechuang.review import services
from kechuang.review.enums import AssignmentStatus, RunStatus
from kechuang.review.models import Assignment, Call, Criterion, Review
from tests.review.conftest import APPLICANT_NAME, APPLICANT_ORG, Setup, build

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def bearer(user: User) -> dict[str, str]:
    _token, raw = accounts_services.create_access_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, url: str, body: dict[str, Any], user: User) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **bearer(user))


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response["Content-Type"]) == (status, PROBLEM)
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def scores(call: Call, a: int, b: int) -> dict[str, int]:
    first, second = Criterion.objects.filter(call=call).order_by("order")
    return {str(first.pk): a, str(second.pk): b}


def assigned(setup: Setup) -> Assignment:
    return services.assign(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[0], reason="专业对口")


def identity_free(text: str, setup: Setup) -> None:
    for secret in (APPLICANT_NAME, APPLICANT_ORG, "Qingyun", '"user_id"', '"people"'):
        assert secret not in text
    for applicant in setup.applicants:
        assert f'"user_id": {applicant.pk}' not in text


def test_a_blind_reviewer_gets_no_identity_from_any_endpoint(setup: Setup, client: Client) -> None:
    assignment = assigned(setup)
    reviewer = setup.reviewers[0]
    bodies = [
        client.get("/api/v1/review/assignments", **bearer(reviewer)),
        client.get(f"/api/v1/review/assignments/{assignment.pk}", **bearer(reviewer)),
        client.get(f"/api/v1/review/items/{setup.items[0].pk}", **bearer(reviewer)),
    ]
    assert [b.status_code for b in bodies] == [200, 200, 200]
    for body in bodies:
        identity_free(body.content.decode(), setup)
    item = bodies[2].json()
    assert (item["identity"], item["parties"], item["subject_id"], item["blind"]) == (None, None, None, True)


def test_an_operator_and_a_reviewer_of_an_open_call_see_the_identity(db: None, client: Client) -> None:
    setup = build(blind=False)
    assigned(setup)
    seen = client.get(f"/api/v1/review/items/{setup.items[0].pk}", **bearer(setup.reviewers[0])).json()
    assert seen["identity"]["applicant"] == f"{APPLICANT_NAME}0"
    blind = build()
    as_operator = client.get(f"/api/v1/review/items/{blind.items[0].pk}", **bearer(blind.operator)).json()
    assert as_operator["identity"]["organization"] == f"{APPLICANT_ORG}0"


def test_an_item_names_its_subject_type_as_app_model_as_the_call_query_takes_it(setup: Setup, client: Client) -> None:
    item = client.get(f"/api/v1/review/items/{setup.items[0].pk}", **bearer(setup.operator)).json()
    assert (item["subject_type"], item["subject_id"]) == ("accounts.organization", setup.applicant_orgs[0].pk)
    # The same spelling finds calls: the subjects here are organisations, the call's subject another one.
    query = f"subject_type={item['subject_type']}"
    found = client.get(f"/api/v1/review/calls?{query}", **bearer(setup.operator)).json()
    assert [c["subject_type"] for c in found["items"]] == ["accounts.organization"]


def test_submit_a_review_through_the_api(setup: Setup, client: Client) -> None:
    assignment = assigned(setup)
    response = post(
        client,
        f"/api/v1/review/assignments/{assignment.pk}/review",
        {"scores": scores(setup.call, 7, 4), "comment_to_applicant": "很好"},
        setup.reviewers[0],
    )
    assert response.status_code == 200
    assert response.json()["scores"] == scores(setup.call, 7, 4)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED


def test_a_score_out_of_scale_is_refused(setup: Setup, client: Client) -> None:
    assignment = assigned(setup)
    body = assert_problem(
        post(
            client,
            f"/api/v1/review/assignments/{assignment.pk}/review",
            {"scores": scores(setup.call, 7, 9)},
            setup.reviewers[0],
        ),
        422,
        "validation_error",
    )
    second = Criterion.objects.filter(call=setup.call).order_by("order").last()
    assert second is not None
    assert body["errors"] == {f"scores.{second.pk}": ["请给出 1 至 5 之间的分数。"]}
    assert Review.objects.count() == 0


def test_a_review_after_the_deadline_is_refused(setup: Setup, client: Client) -> None:
    assignment = assigned(setup)
    Call.objects.filter(pk=setup.call.pk).update(review_deadline=timezone.now() - timedelta(hours=1))
    body = assert_problem(
        post(
            client,
            f"/api/v1/review/assignments/{assignment.pk}/review",
            {"scores": scores(setup.call, 7, 4)},
            setup.reviewers[0],
        ),
        409,
        "invalid_state",
    )
    assert body["detail"] == "评审截止时间已过。"


def test_someone_else_cannot_see_or_submit_an_assignment(setup: Setup, client: Client) -> None:
    assignment = assigned(setup)
    url = f"/api/v1/review/assignments/{assignment.pk}/review"
    assert_problem(post(client, url, {"scores": scores(setup.call, 7, 4)}, setup.reviewers[1]), 404, "not_found")
    assert_problem(
        client.get(f"/api/v1/review/items/{setup.items[0].pk}", **bearer(setup.reviewers[1])), 404, "not_found"
    )
    # An operator may read the assignment but not review in the reviewer's place.
    assert_problem(post(client, url, {"scores": scores(setup.call, 7, 4)}, setup.operator), 403, "permission_denied")
    assert_problem(client.get(f"/api/v1/review/calls/{setup.call.pk}", **bearer(setup.reviewers[0])), 404, "not_found")


def test_declare_a_conflict_through_the_api(setup: Setup, client: Client) -> None:
    assignment = assigned(setup)
    url = f"/api/v1/review/items/{setup.items[0].pk}/declare-conflict"
    assert_problem(post(client, url, {"reason": " "}, setup.reviewers[0]), 422, "validation_error")
    response = post(client, url, {"reason": "曾与申请人合作"}, setup.reviewers[0])
    assert (response.status_code, response.json()["kind"]) == (201, "declared")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WITHDRAWN


def test_the_operator_runs_assignment_changes_it_and_decides(
    setup: Setup, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    operator = setup.operator
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/review/calls/{setup.call.pk}/runs", **bearer(operator))
    assert started.status_code == 202
    run = client.get(f"/api/v1/review/runs/{started.json()['id']}", **bearer(operator)).json()
    assert (run["status"], run["progress"], run["assigned"]) == (RunStatus.SUCCEEDED, 100, 4)
    assert_problem(client.post(f"/api/v1/review/runs/{run['id']}/cancel", **bearer(operator)), 409, "invalid_state")

    call = client.get(f"/api/v1/review/calls/{setup.call.pk}", **bearer(operator)).json()
    assert (len(call["items"]), len(call["pool"]), call["latest_run"]["id"]) == (2, 4, run["id"])

    pending = Assignment.objects.filter(item=setup.items[0], status=AssignmentStatus.ASSIGNED).first()
    assert pending is not None
    assert_problem(
        post(client, f"/api/v1/review/assignments/{pending.pk}/replace", {"reason": ""}, operator),
        422,
        "validation_error",
    )
    replaced = post(client, f"/api/v1/review/assignments/{pending.pk}/replace", {"reason": "出差"}, operator)
    assert (replaced.status_code, replaced.json()["status"], replaced.json()["source"]) == (200, "assigned", "manual")

    for assignment in Assignment.objects.filter(item=setup.items[0], status=AssignmentStatus.ASSIGNED):
        services.submit_review(actor=assignment.reviewer, assignment=assignment, scores=scores(setup.call, 8, 4))
    ranking = client.get(f"/api/v1/review/calls/{setup.call.pk}/ranking", **bearer(operator)).json()
    assert [(r["item_id"], r["reviews"], r["mean"]) for r in ranking] == [
        (setup.items[0].pk, 2, 78.0),
        (setup.items[1].pk, 0, None),
    ]
    decided = post(
        client,
        f"/api/v1/review/items/{setup.items[0].pk}/decision",
        {"outcome": "accepted", "reasons": "两位专家一致推荐"},
        operator,
    )
    assert (decided.status_code, decided.json()["outcome"]) == (201, "accepted")
    feedback = client.get(f"/api/v1/review/items/{setup.items[0].pk}/feedback", **bearer(operator)).json()
    assert [(f["mean"], f["scores"]) for f in feedback] == [(8.0, [8, 8]), (4.0, [4, 4])]


def test_pool_endpoints(setup: Setup, client: Client) -> None:
    newcomer = build(items=1, reviewers=1).reviewers[0]
    url = f"/api/v1/review/calls/{setup.call.pk}/pool"
    added = post(client, url, {"user_id": newcomer.pk, "max_load": 2}, setup.operator)
    assert (added.status_code, added.json()["max_load"]) == (201, 2)
    assert_problem(post(client, url, {"user_id": newcomer.pk}, setup.operator), 409, "duplicate")
    gone = client.delete(f"{url}/{newcomer.pk}", **bearer(setup.operator))
    assert gone.status_code == 204


def test_the_operator_finds_the_calls_about_a_subject(setup: Setup, client: Client) -> None:
    other = build(items=1, reviewers=1)
    operator = setup.operator
    every = client.get("/api/v1/review/calls", **bearer(operator)).json()
    assert ([c["id"] for c in every["items"]], every["count"]) == ([other.call.pk, setup.call.pk], 2)
    subject = setup.call.subject
    query = f"subject_type=accounts.organization&subject_id={subject.pk}"
    found = client.get(f"/api/v1/review/calls?{query}", **bearer(operator)).json()
    assert [(c["id"], c["subject_type"], c["subject_id"]) for c in found["items"]] == [
        (setup.call.pk, "accounts.organization", subject.pk)
    ]


def test_listing_calls_is_for_operators_and_checks_the_subject_type(setup: Setup, client: Client) -> None:
    assert_problem(client.get("/api/v1/review/calls", **bearer(setup.reviewers[0])), 404, "not_found")
    unknown = client.get("/api/v1/review/calls?subject_type=nope.nothing", **bearer(setup.operator))
    assert list(assert_problem(unknown, 422, "validation_error")["errors"]) == ["subject_type"]
    untyped = client.get("/api/v1/review/calls?subject_id=1", **bearer(setup.operator))
    assert list(assert_problem(untyped, 422, "validation_error")["errors"]) == ["subject_type"]


def test_the_call_list_costs_the_same_queries_for_one_or_three_calls(setup: Setup, client: Client) -> None:
    headers = bearer(setup.operator)
    client.get("/api/v1/review/calls", **headers)  # warms the process's content-type cache
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/review/calls", **headers).json()["count"] == 1
    build(items=1, reviewers=1)
    build(items=1, reviewers=1)
    with CaptureQueriesContext(connection) as three:
        assert client.get("/api/v1/review/calls", **headers).json()["count"] == 3
    assert len(one) == len(three)
