"""The challenges pages for each role: public list and page, NDA gate, applying, issuer and operator steps."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kechuang.challenges import services
from kechuang.challenges.models import Application, Challenge, NdaAcceptance, Objection, TrancheRelease
from tests.challenges import builders
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_public_list_shows_published_lists_with_participation(client: Client) -> None:
    people = builders.cast()
    builders.closed(people)
    builders.draft(people, title={"zh-hans": "草稿榜单"})
    page = client.get("/challenges/").content.decode()
    assert "多自由度力控医用机械臂" in page
    assert "草稿榜单" not in page
    assert 'data-count="1"' in page
    assert (
        "2 applications" in client.get("/challenges/", headers={"Accept-Language": "en"}).content.decode()
        or "2" in page
    )


def test_the_list_page_costs_the_same_queries_for_one_or_three_lists(client: Client) -> None:
    people = builders.cast(teams=0)
    builders.published(people)
    with CaptureQueriesContext(connection) as one:
        client.get("/challenges/")
    builders.published(people)
    builders.published(people)
    with CaptureQueriesContext(connection) as three:
        client.get("/challenges/")
    assert len(one) == len(three)


def test_a_lists_first_screen_holds_indicators_bounty_ip_and_criteria_and_counts_views(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    page = client.get(f"/challenges/{challenge.pk}/").content.decode()
    for part in (
        'data-testid="bounty"',
        'data-testid="ip-terms"',
        'data-testid="criteria"',
        'data-testid="indicators"',
    ):
        assert part in page
    assert "1,000万元" in page
    assert "技术路线可行性" in page
    assert "接口图纸" not in page
    challenge.refresh_from_db()
    assert challenge.views == 1


def test_details_show_after_accepting_the_nda(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    reader = UserFactory()
    signed_in(client, reader)
    assert 'data-testid="accept-nda"' in client.get(f"/challenges/{challenge.pk}/").content.decode()
    response = client.post(f"/challenges/{challenge.pk}/nda/")
    assert response.status_code == 302
    assert NdaAcceptance.objects.filter(user=reader).count() == 1
    assert "接口图纸" in client.get(f"/challenges/{challenge.pk}/").content.decode()


def test_a_draft_answers_404_to_the_public_and_shows_to_its_issuer(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    assert client.get(f"/challenges/{challenge.pk}/").status_code == 404
    assert signed_in(client, people.issuer_admin).get(f"/challenges/{challenge.pk}/").status_code == 200


def test_an_issuer_creates_a_draft_through_the_form(client: Client) -> None:
    people = builders.cast(teams=0)
    signed_in(client, people.issuer_admin)
    assert client.get("/challenges/new/").status_code == 200
    response = client.post(
        "/challenges/new/",
        {
            "issuer": people.issuer.pk,
            "title_zh": "高精度关节力矩传感器",
            "summary": "摘要",
            "problem": "问题",
            "indicators": "量程 | ±100 | N·m | 第三方标定\n线性度 | ≤0.1 | % | 台架测试",
            "bounty": "300万",
            "issuer_share": "200万",
            "subsidy_share": "100万",
            "application_deadline": "2099-01-01T12:00",
            "winners": "1",
            "stage_gates": "2099-06-01 | 样机评审",
            "ip_terms": "solver_licence",
            "region": "110108",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    challenge = Challenge.objects.get()
    assert (challenge.bounty_fen, challenge.indicators.count(), challenge.stage_gates.count()) == (300_000_000, 2, 1)


def test_a_funding_mix_that_does_not_add_up_is_a_field_error(client: Client) -> None:
    people = builders.cast(teams=0)
    signed_in(client, people.issuer_admin)
    response = client.post(
        "/challenges/new/",
        {
            "issuer": people.issuer.pk,
            "title_zh": "t",
            "summary": "s",
            "problem": "p",
            "bounty": "300万",
            "issuer_share": "100万",
            "application_deadline": "2099-01-01T12:00",
            "winners": "1",
            "ip_terms": "open",
            "region": "110108",
        },
    )
    assert response.status_code == 200
    assert "add up to the bounty" in response.content.decode() or "之和" in response.content.decode()
    assert not Challenge.objects.exists()


def test_a_team_applies_through_the_form(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    lead, member = UserFactory(), UserFactory()
    signed_in(client, lead)
    response = client.post(
        f"/challenges/{challenge.pk}/apply/",
        {"team_name": "青年团队", "members": member.username, "proposal": "p", "technical_route": "t", "plan": "m"},
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert list(application.members.all()) == [member]
    assert "青年团队" in client.get("/challenges/mine/").content.decode()


def test_objection_and_answer_through_the_page(client: Client) -> None:
    people = builders.cast()
    challenge, _applications = builders.in_publicity(people)
    signed_in(client, UserFactory())
    page = client.get(f"/challenges/{challenge.pk}/").content.decode()
    assert 'data-testid="proposed-winners"' in page
    client.post(f"/challenges/{challenge.pk}/objections/", {"text": "数据存疑"})
    objection = Objection.objects.get()
    signed_in(client, people.issuer_admin)
    client.post(f"/challenges/objections/{objection.pk}/answer/", {"answer": "已核实"})
    assert "已核实" in client.get(f"/challenges/{challenge.pk}/").content.decode()


def test_the_operator_records_escrow_and_publishes_on_the_manage_page(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    services.transition(actor=people.issuer_admin, challenge=challenge, to="operator_review")
    signed_in(client, people.operator)
    assert client.get(f"/challenges/{challenge.pk}/manage/").status_code == 200
    for source, amount in (("issuer", "800万"), ("subsidy", "200万")):
        recorded = client.post(
            f"/challenges/{challenge.pk}/manage/",
            {"action": "escrow", "e-source": source, "e-amount": amount, "e-reference": "R"},
        )
        # A fresh GET of the same page follows, so reloading it cannot record the escrow twice.
        assert (recorded.status_code, recorded["Location"]) == (302, f"/challenges/{challenge.pk}/manage/")
    response = client.post(f"/challenges/{challenge.pk}/manage/", {"action": "transition", "t-to": "published"})
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert (challenge.status, challenge.escrowed_fen) == ("published", challenge.bounty_fen)
    assert "Operator queue" in client.get("/challenges/operate/", headers={"Accept-Language": "en"}).content.decode()


def test_an_out_of_order_step_shows_a_message_and_changes_nothing(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    services.transition(actor=people.issuer_admin, challenge=challenge, to="operator_review")
    signed_in(client, people.operator)
    response = client.post(f"/challenges/{challenge.pk}/manage/", {"action": "transition", "t-to": "published"})
    assert response.status_code == 200
    challenge.refresh_from_db()
    assert challenge.status == "operator_review"


def test_evidence_acceptance_and_release_on_the_milestone_page(client: Client) -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    agreement = challenge.agreements.order_by("id").first()
    assert agreement is not None
    milestone = agreement.milestones.order_by("position").first()
    assert milestone is not None
    url = f"/challenges/milestones/{milestone.pk}/"
    signed_in(client, agreement.application.lead)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("record.csv", b"force,0.4\n")
    client.post(url, {"action": "evidence", "evidence-evidence": "台架数据", "evidence-records": upload})
    milestone.refresh_from_db()
    assert milestone.status == "submitted"
    assert milestone.evidence_files[0]["name"] == "record.csv"
    signed_in(client, people.issuer_admin)
    client.post(url, {"action": "decision", "decision-accept": "1", "decision-reasons": ""})
    signed_in(client, people.operator)
    client.post(url, {"action": "release", "release-amount": ""})
    assert TrancheRelease.objects.get().amount_fen == milestone.amount_fen
    assert 'data-testid="releases"' in client.get(url).content.decode()


def test_sign_in_is_needed_to_apply(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    assert client.get(f"/challenges/{challenge.pk}/apply/").status_code == 302
    assert PASSWORD
