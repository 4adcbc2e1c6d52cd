"""``/api/v1/challenges``: the journey through the API alone, and refusals as problem+json."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kechuang.accounts import services as account_services
from kechuang.accounts.models import User
from kechuang.challenges.models import Challenge, TrancheRelease
from kechuang.ledger.keys import log_signer
from kechuang.ledger.services import integrate_all
from kechuang.ledger.tlog.note import parse_vkey
from kechuang.ledger.tlog.proof import verify_receipt
from tests.challenges import builders
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def bearer(user: User) -> dict[str, str]:
    _token, raw = account_services.create_access_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Client, path: str, user: User, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(path, body or {}, content_type="application/json", **bearer(user), **headers)


def _draft_body(people: builders.Cast) -> dict[str, Any]:
    return {
        "issuer": people.issuer.pk,
        "title": {"zh-hans": "多自由度力控医用机械臂"},
        "summary": {"zh-hans": "国产力控机械臂"},
        "problem": {"zh-hans": "目前依赖进口"},
        "details": {"zh-hans": "保密参数"},
        "bounty_fen": 1_000_000_000,
        "issuer_share_fen": 800_000_000,
        "subsidy_share_fen": 200_000_000,
        "application_deadline": (timezone.now() + timedelta(days=30)).isoformat(),
        "winners": 2,
        "region": "110108",
        "indicators": [{"name": {"zh-hans": "自由度"}, "target": "7", "acceptance": {"zh-hans": "第三方检测"}}],
        "stage_gates": [{"name": {"zh-hans": "样机评审"}, "due_on": str(timezone.localdate() + timedelta(days=200))}],
    }


def test_the_whole_journey_passes_through_the_api_alone(
    client: Client, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    people = builders.cast()
    made = post(client, "/api/v1/challenges", people.issuer_admin, _draft_body(people))
    assert made.status_code == 201, made.content
    cid = made.json()["id"]
    base = f"/api/v1/challenges/{cid}"
    assert post(client, f"{base}/transitions", people.issuer_admin, {"to": "operator_review"}).status_code == 200
    for source, amount in (("issuer", 800_000_000), ("subsidy", 200_000_000)):
        escrow = post(
            client, f"{base}/escrow", people.operator, {"source": source, "amount_fen": amount, "reference": "R"}
        )
        assert escrow.status_code == 201, escrow.content
    assert post(client, f"{base}/transitions", people.operator, {"to": "published"}).json()["status"] == "published"

    # The public reads the list; the details wait for the NDA.
    public = client.get(base).json()
    assert (public["details"], public["nda_accepted"], public["bounty_fen"]) == (None, False, 1_000_000_000)
    applicant_ids = []
    for number, lead in enumerate(people.leads, start=1):
        assert post(client, f"{base}/nda", lead).status_code == 200
        assert client.get(base, **bearer(lead)).json()["details"] == {"zh-hans": "保密参数"}
        body = {"team_name": f"团队{number}", "proposal": "p", "technical_route": "t", "plan": "m"}
        applied = post(client, f"{base}/applications", lead, body)
        assert applied.status_code == 201, applied.content
        applicant_ids.append(applied.json()["id"])
    assert client.get(base).json()["stats"]["applications"] == 2

    close = {"to": "applications_closed", "reason": "提前截止"}
    assert post(client, f"{base}/transitions", people.operator, close).status_code == 200
    assert post(client, f"{base}/transitions", people.operator, {"to": "review"}).status_code == 200
    # The operator finds the list's review call, fills its pool and runs the optimal assignment.
    operator = people.operator
    query = f"subject_type=challenges.challenge&subject_id={cid}"
    calls = client.get(f"/api/v1/review/calls?{query}", **bearer(operator)).json()["items"]
    assert len(calls) == 1
    call = f"/api/v1/review/calls/{calls[0]['id']}"
    experts = builders.reviewers(3)
    for expert in experts:
        assert post(client, f"{call}/pool", operator, {"user_id": expert.pk}).status_code == 201
    # Tasks run at commit (the immediate backend); this test's transaction never commits, so commit hooks run here.
    with django_capture_on_commit_callbacks(execute=True):
        started = post(client, f"{call}/runs", operator)
    assert started.status_code == 202, started.content
    run = started.json()
    for _poll in range(50):
        run = client.get(f"/api/v1/review/runs/{run['id']}", **bearer(operator)).json()
        if run["status"] not in ("queued", "running"):
            break
    # Three reviews per application, two applications.
    assert (run["status"], run["progress"], run["assigned"]) == ("succeeded", 100, 6)

    # Each reviewer lists her assignments and scores them; she reads the criteria from the assignment.
    for expert in experts:
        mine = client.get("/api/v1/review/assignments", **bearer(expert)).json()
        assert len(mine) == 2
        for assignment in mine:
            detail = client.get(f"/api/v1/review/assignments/{assignment['id']}", **bearer(expert)).json()
            scores = {str(c["id"]): 8 for c in detail["criteria"]}
            review = {"scores": scores, "comment_to_applicant": "路线清楚"}
            submitted = post(client, f"/api/v1/review/assignments/{assignment['id']}/review", expert, review)
            assert submitted.status_code == 200, submitted.content
    rows = client.get(f"{base}/review", **bearer(operator)).json()
    assert [row["reviews"] for row in rows] == [3, 3]
    assert len(client.get(f"{base}/review", **bearer(people.operator)).json()) == 2

    shortlist = {"to": "shortlist", "shortlist": applicant_ids, "reason": "两队并列"}
    assert post(client, f"{base}/transitions", people.operator, shortlist).status_code == 200
    assert post(client, f"{base}/transitions", people.operator, {"to": "publicity"}).status_code == 200
    objection = post(client, f"{base}/objections", UserFactory(), {"text": "异议"})
    assert objection.status_code == 201
    answered = post(
        client,
        f"/api/v1/challenges/objections/{objection.json()['id']}/answer",
        people.issuer_admin,
        {"answer": "已核实"},
    )
    assert answered.json()["answer"] == "已核实"
    builders.end_publicity(Challenge.objects.get(pk=cid))  # time passes: the notice period is over

    due = str(timezone.localdate() + timedelta(days=180))
    awards = [
        {
            "application": pk,
            "amount_fen": 500_000_000,
            "milestones": [{"deliverable": "样机", "due_on": due, "amount_fen": 500_000_000}],
        }
        for pk in applicant_ids
    ]
    awarded = post(client, f"{base}/transitions", people.operator, {"to": "awarded", "awards": awards})
    assert awarded.status_code == 200, awarded.content
    assert len(awarded.json()["agreements"]) == 2
    assert post(client, f"{base}/transitions", people.issuer_admin, {"to": "in_progress"}).status_code == 200

    milestone = client.get(base).json()["agreements"][0]["milestones"][0]["id"]
    lead = people.leads[0]
    evidence = {"evidence": "检测报告", "files": [{"name": "report.pdf", "sha256": "b" * 64, "size": 3}]}
    assert (
        post(client, f"/api/v1/challenges/milestones/{milestone}/evidence", lead, evidence).json()["status"]
        == "submitted"
    )
    accepted = post(
        client, f"/api/v1/challenges/milestones/{milestone}/decision", people.issuer_admin, {"accept": True}
    )
    assert accepted.json()["status"] == "accepted"
    # One credential for both tries: an Idempotency-Key is scoped to the caller.
    operator = {**bearer(people.operator), "HTTP_IDEMPOTENCY_KEY": "k-1"}
    path = f"/api/v1/challenges/milestones/{milestone}/releases"
    released = client.post(path, {}, content_type="application/json", **operator)
    assert released.status_code == 201, released.content
    replay = client.post(path, {}, content_type="application/json", **operator)
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    assert TrancheRelease.objects.count() == 1

    integrate_all()
    receipt = client.get(base).json()["agreements"][0]["milestones"][0]["releases"][0]["receipt"]
    text = client.get(receipt["receipt_url"]).content.decode()
    checked = verify_receipt(text, parse_vkey(log_signer().vkey))
    assert checked.index == receipt["index"]
    verified = builders.verify_with_cli(text, log_signer().vkey, tmp_path)
    assert (verified.returncode, verified.stderr) == (0, ""), verified.stdout


def test_a_transition_out_of_order_is_problem_json_and_changes_nothing(client: Client) -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    response = post(client, f"/api/v1/challenges/{challenge.pk}/transitions", people.operator, {"to": "awarded"})
    assert (response.status_code, response["Content-Type"]) == (409, PROBLEM)
    assert response.json()["code"] == "invalid_state"
    challenge.refresh_from_db()
    assert challenge.status == "draft"


def test_an_application_after_the_deadline_is_problem_json(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    Challenge.objects.filter(pk=challenge.pk).update(application_deadline=timezone.now() - timedelta(seconds=1))
    body = {"team_name": "t", "proposal": "p", "technical_route": "t", "plan": "m"}
    url = f"/api/v1/challenges/{challenge.pk}/applications"
    response = post(client, url, UserFactory(), body, HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response.json()["code"]) == (409, "invalid_state")
    assert response.json()["detail"] == "The application deadline has passed."


def test_a_tranche_above_the_remaining_bounty_is_problem_json(client: Client) -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    agreement = challenge.agreements.order_by("id").first()
    assert agreement is not None
    milestone = agreement.milestones.first()
    assert milestone is not None
    from kechuang.challenges import services

    services.submit_evidence(actor=agreement.application.lead, milestone=milestone, evidence="e")
    services.decide_milestone(actor=people.issuer_admin, milestone=milestone, accept=True)
    body = {"amount_fen": challenge.bounty_fen + 1}
    response = post(client, f"/api/v1/challenges/milestones/{milestone.pk}/releases", people.operator, body)
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    assert list(response.json()["errors"]) == ["amount"]
    assert not TrancheRelease.objects.exists()


def test_a_draft_is_not_found_for_the_public(client: Client) -> None:
    people = builders.cast()
    challenge = builders.draft(people)
    response = client.get(f"/api/v1/challenges/{challenge.pk}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_list_endpoint_costs_the_same_queries_for_one_or_three_lists(client: Client) -> None:
    people = builders.cast(teams=0)
    builders.published(people)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/challenges").json()["count"] == 1
    builders.published(people)
    builders.published(people)
    with CaptureQueriesContext(connection) as three:
        assert client.get("/api/v1/challenges").json()["count"] == 3
    assert len(one) == len(three)
