"""Review pages: the reviewer's list and form (blind), the operator's call and item pages, run polling."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kechuang.review import services
from kechuang.review.enums import AssignmentStatus, RunStatus
from kechuang.review.models import Assignment, AssignmentRun, ConflictRecord, Criterion
from tests.review.conftest import APPLICANT_NAME, APPLICANT_ORG, Setup, build, open_test_call

pytestmark = pytest.mark.django_db


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def assign(setup: Setup, item: int = 0, reviewer: int = 0) -> Assignment:
    return services.assign(
        actor=setup.operator, item=setup.items[item], reviewer=setup.reviewers[reviewer], reason="专业对口"
    )


def test_a_blind_reviewer_s_pages_show_no_applicant(setup: Setup, client: Client) -> None:
    assignment = assign(setup)
    signed_in(client, setup.reviewers[0])
    pages = [client.get("/review/"), client.get(f"/review/assignments/{assignment.pk}/")]
    assert [p.status_code for p in pages] == [200, 200]
    for page in pages:
        html = page.content.decode()
        for secret in (APPLICANT_NAME, APPLICANT_ORG, "Qingyun", "user_id"):
            assert secret not in html
    assert "力控" in pages[1].content.decode()  # the title is shown


def test_a_reviewer_of_an_open_call_sees_the_identity(db: None, client: Client) -> None:
    setup = build(blind=False)
    assignment = assign(setup)
    html = signed_in(client, setup.reviewers[0]).get(f"/review/assignments/{assignment.pk}/").content.decode()
    assert f"{APPLICANT_NAME}0" in html


def test_the_review_form_is_built_from_the_criteria_and_submits(setup: Setup, client: Client) -> None:
    assignment = assign(setup)
    first, second = Criterion.objects.filter(call=setup.call).order_by("order")
    signed_in(client, setup.reviewers[0])
    page = client.get(f"/review/assignments/{assignment.pk}/").content.decode()
    assert f'name="score_{first.pk}"' in page
    assert f'name="score_{second.pk}"' in page
    bad = client.post(f"/review/assignments/{assignment.pk}/", {f"score_{first.pk}": "12", f"score_{second.pk}": "3"})
    assert bad.status_code == 200
    assert f'id="id_score_{first.pk}_error"' in bad.content.decode()
    good = client.post(
        f"/review/assignments/{assignment.pk}/",
        {f"score_{first.pk}": "9", f"score_{second.pk}": "4", "comment_to_applicant": "方案扎实"},
    )
    assert (good.status_code, good["Location"]) == (302, "/review/")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED


def test_a_stranger_gets_404_for_an_assignment(setup: Setup, client: Client) -> None:
    assignment = assign(setup)
    assert signed_in(client, setup.reviewers[1]).get(f"/review/assignments/{assignment.pk}/").status_code == 404
    assert client.get(f"/review/calls/{setup.call.pk}/").status_code == 404


def test_declare_a_conflict_from_the_page(setup: Setup, client: Client) -> None:
    assignment = assign(setup)
    signed_in(client, setup.reviewers[0])
    client.post(f"/review/items/{setup.items[0].pk}/declare-conflict/", {"reason": "申请人是我的博士生"})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WITHDRAWN
    assert ConflictRecord.objects.get().reason == "申请人是我的博士生"


def test_the_operator_pages(setup: Setup, client: Client, django_capture_on_commit_callbacks: Any) -> None:
    signed_in(client, setup.operator)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/review/calls/{setup.call.pk}/runs/")
    assert started.status_code == 302
    run = AssignmentRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    page = client.get(f"/review/calls/{setup.call.pk}/").content.decode()
    assert 'data-testid="scores-table"' in page
    assert 'data-status="succeeded"' in page
    panel = client.get(f"/review/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in panel  # finished: the panel stops polling
    item_page = client.get(f"/review/items/{setup.items[0].pk}/").content.decode()
    assert f"{APPLICANT_NAME}0" in item_page  # operators see who applied
    pending = Assignment.objects.filter(item=setup.items[0], status=AssignmentStatus.ASSIGNED).first()
    assert pending is not None
    client.post(f"/review/assignments/{pending.pk}/unassign/", {"reason": ""})
    pending.refresh_from_db()
    assert pending.status == AssignmentStatus.ASSIGNED  # no reason, no change
    client.post(f"/review/assignments/{pending.pk}/unassign/", {"reason": "请假"})
    pending.refresh_from_db()
    assert pending.status == AssignmentStatus.WITHDRAWN


def test_a_running_run_polls_and_can_be_cancelled(setup: Setup, client: Client) -> None:
    run = services.start_assignment(actor=setup.operator, call=setup.call)  # queued, not executed
    AssignmentRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=42)
    signed_in(client, setup.operator)
    panel = client.get(f"/review/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in panel
    assert 'value="42"' in panel
    client.post(f"/review/runs/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.cancel_requested is True


def test_my_reviews_reads_a_fixed_number_of_queries(db: None, client: Client) -> None:
    setup = build(items=3, reviewers=2)
    assign(setup, 0, 0)
    signed_in(client, setup.reviewers[0])
    client.get("/review/")
    with CaptureQueriesContext(connection) as one:
        client.get("/review/")
    assign(setup, 1, 0)
    assign(setup, 2, 0)
    with CaptureQueriesContext(connection) as three:
        client.get("/review/")
    assert len(one) == len(three)


def test_the_call_list_pages_and_reads_a_fixed_number_of_queries(setup: Setup, client: Client) -> None:
    signed_in(client, setup.operator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/review/calls/").status_code == 200
        return len(captured)

    one = queries()
    for _ in range(2):
        open_test_call(setup.operator)
    assert queries() == one
    for _ in range(20):
        open_test_call(setup.operator)
    page = client.get("/review/calls/").content.decode()
    assert ('rel="next"' in page, page.count('href="/review/calls/') - page.count('href="/review/calls/?')) == (
        True,
        20,
    )


def reviewers_by_item(html: str) -> dict[int, list[str]]:
    """Per item row of a call page's table: the reviewers' names, as listed (without their status badges)."""
    rows = re.findall(
        r'<th scope="row"><a href="/review/items/(\d+)/">.*?<td data-testid="item-reviewers">(.*?)</td>', html, re.S
    )
    return {int(item): re.findall(r"<li>(.*?)(?: <span[^>]*>.*?</span>)?</li>", cell) for item, cell in rows}


def assigned_names(item: Any) -> list[str]:
    chosen = Assignment.objects.filter(item=item, status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED])
    return [str(a.reviewer) for a in chosen.select_related("reviewer").order_by("-affinity", "id")]


def test_the_call_page_names_each_item_s_reviewers(setup: Setup, client: Client) -> None:
    services.assign(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[0], reason="专业对口")
    services.assign(actor=setup.operator, item=setup.items[0], reviewer=setup.reviewers[2], reason="专业对口")
    signed_in(client, setup.operator)
    html = client.get(f"/review/calls/{setup.call.pk}/").content.decode()
    first, second = setup.items
    assert reviewers_by_item(html) == {first.pk: assigned_names(first), second.pk: []}
    assert sorted(assigned_names(first)) == sorted([str(setup.reviewers[0]), str(setup.reviewers[2])])


def test_a_finished_run_s_poll_stops_and_brings_the_assignments_without_a_reload(
    setup: Setup, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    signed_in(client, setup.operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/review/calls/{setup.call.pk}/runs/")
    run = AssignmentRun.objects.get()
    panel = client.get(f"/review/runs/{run.pk}/", HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ("hx-trigger" in panel, "Reload" in panel, 'data-testid="run-start"' in panel) == (False, False, True)
    assert '<section class="section" id="items-section" aria-labelledby="items-heading" hx-swap-oob="true">' in panel
    first, second = setup.items
    expected = {first.pk: assigned_names(first), second.pk: assigned_names(second)}
    assert (reviewers_by_item(panel), [len(names) for names in expected.values()]) == (expected, [2, 2])
    # Outside a poll (and on the call page) the panel comes alone.
    assert "hx-swap-oob" not in client.get(f"/review/runs/{run.pk}/").content.decode()
    assert "hx-swap-oob" not in client.get(f"/review/calls/{setup.call.pk}/").content.decode()


def test_a_running_run_s_panel_polls_without_the_start_button_or_the_table(setup: Setup, client: Client) -> None:
    run = services.start_assignment(actor=setup.operator, call=setup.call)  # queued, not executed
    signed_in(client, setup.operator)
    panel = client.get(f"/review/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert (
        f'hx-get="/review/runs/{run.pk}/"' in panel,
        'data-testid="run-start"' in panel,
        "items-section" in panel,
    ) == (True, False, False)


def test_the_review_form_names_each_criterion_once(setup: Setup, client: Client) -> None:
    assignment = assign(setup)
    signed_in(client, setup.reviewers[0])
    html = client.get(f"/review/assignments/{assignment.pk}/").content.decode()
    assert (html.count("技术可行性"), html.count("团队能力"), html.count('data-testid="criterion"')) == (1, 1, 2)
