"""The challenges pages for each role: public list and page, NDA gate, applying, issuer and operator steps."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kechuang.challenges import services
from kechuang.challenges.models import (
    Application,
    Challenge,
    EscrowDeposit,
    Milestone,
    NdaAcceptance,
    Objection,
    TrancheRelease,
)
from tests.challenges import builders
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def token(page: HttpResponse, name: str) -> str:
    """The one-time token a page's form carries in its hidden field ``name``."""
    found = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', page.content.decode())
    assert found is not None, f"no {name} on the page"
    return found.group(1)


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
    # Named, not yet on the team: the member is invited and joins by accepting.
    assert [(row.user, row.status) for row in application.member_rows()] == [(member, "invited")]
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
    url = f"/challenges/{challenge.pk}/manage/"
    for source, amount in (("issuer", "800万"), ("subsidy", "200万")):
        page = client.get(url)
        assert page.status_code == 200
        recorded = client.post(
            url,
            {
                "action": "escrow",
                "e-source": source,
                "e-amount": amount,
                "e-reference": "R",
                "e-once": token(page, "e-once"),
            },
        )
        # A fresh GET of the same page follows, so reloading it cannot record the escrow twice.
        assert (recorded.status_code, recorded["Location"]) == (302, url)
    response = client.post(url, {"action": "transition", "to": "published"})
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert (challenge.status, challenge.escrowed_fen) == ("published", challenge.bounty_fen)
    assert "Operator queue" in client.get("/challenges/operate/", headers={"Accept-Language": "en"}).content.decode()


def test_an_out_of_order_step_shows_a_message_and_changes_nothing(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    services.transition(actor=people.issuer_admin, challenge=challenge, to="operator_review")
    signed_in(client, people.operator)
    response = client.post(f"/challenges/{challenge.pk}/manage/", {"action": "transition", "to": "published"})
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
    client.post(
        url, {"action": "release", "release-amount": "", "release-once": token(client.get(url), "release-once")}
    )
    assert TrancheRelease.objects.get().amount_fen == milestone.amount_fen
    assert 'data-testid="releases"' in client.get(url).content.decode()


def test_sign_in_is_needed_to_apply(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    assert client.get(f"/challenges/{challenge.pk}/apply/").status_code == 302
    assert PASSWORD


# ---------------------------------------------------------------- lifecycle buttons


def step_buttons(page: HttpResponse) -> list[str]:
    """The ``to`` values of the page's step buttons, in page order."""
    return re.findall(r'<button[^>]*name="to" value="([a-z_]+)"', page.content.decode())


def test_each_allowed_step_is_a_button_of_its_own_named_from_the_transition_table(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    url = f"/challenges/{challenge.pk}/manage/"
    with translation.override("en"):
        page = signed_in(client, people.issuer_admin).get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert (step_buttons(page), "Submit for review" in page.content.decode()) == (["operator_review"], True)
        assert 'name="t-to"' not in page.content.decode()  # no drop-down of steps
        assert client.post(url, {"action": "transition", "to": "operator_review"}).status_code == 302
        page = signed_in(client, people.operator).get(url, HTTP_ACCEPT_LANGUAGE="en")
        html = page.content.decode()
    # Publishing takes no reason; returning the draft asks what to change, in its own form.
    assert (step_buttons(page), html.count('<form method="post">'), html.count('name="reason"')) == (
        ["published", "draft"],
        1,  # the publish form (without a reason box)
        1,
    )
    assert ("Publish" in html, "Return to the issuer" in html, "What the issuer should change" in html) == (
        True,
        True,
        True,
    )
    assert 'data-testid="terminate-link"' not in html  # a list under review cannot be terminated
    client.post(url, {"action": "transition", "to": "draft", "reason": "请补充验收方式"})
    challenge.refresh_from_db()
    assert (challenge.status, challenge.status_changes.last().reason) == ("draft", "请补充验收方式")  # type: ignore[union-attr]


def test_returning_a_draft_without_a_reason_marks_the_box_and_changes_nothing(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    services.transition(actor=people.issuer_admin, challenge=challenge, to="operator_review")
    signed_in(client, people.operator)
    response = client.post(f"/challenges/{challenge.pk}/manage/", {"action": "transition", "to": "draft"})
    html = response.content.decode()
    assert (response.status_code, 'id="id_draft_reason_error"' in html) == (200, True)
    challenge.refresh_from_db()
    assert challenge.status == "operator_review"


def test_a_button_for_a_step_no_longer_open_says_so_and_changes_nothing(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.published(people)
    signed_in(client, people.operator)
    response = client.post(
        f"/challenges/{challenge.pk}/manage/", {"action": "transition", "to": "published"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "This step is not open now" in response.content.decode()
    challenge.refresh_from_db()
    assert challenge.status == "published"


def test_termination_is_confirmed_on_a_page_that_says_what_it_ends(client: Client) -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    manage = f"/challenges/{challenge.pk}/manage/"
    url = f"/challenges/{challenge.pk}/terminate/"
    assert signed_in(client, people.issuer_admin).get(url).status_code == 404  # the operator's step
    signed_in(client, people.operator)
    html = client.get(manage).content.decode()
    assert (f'href="{url}"' in html, 'value="terminated"' in html) == (True, False)  # a link, not the step itself
    page = client.get(url)
    assert (page.status_code, 'data-testid="termination-consequences"' in page.content.decode()) == (200, True)
    assert step_buttons(page) == ["terminated"]
    agreements = list(challenge.agreements.order_by("pk"))
    missing = client.post(url, {"x-reason": "技术路线不可行"})
    assert missing.status_code == 200
    challenge.refresh_from_db()
    assert challenge.status == "in_progress"
    data = {"x-reason": "技术路线不可行"}
    for agreement in agreements:
        data |= {
            f"x-records_{agreement.pk}": "实验记录本 1-3",
            f"x-diligent_{agreement.pk}": "on",
            f"x-finding_{agreement.pk}": "已尽责",
        }
    done = client.post(url, data)
    assert (done.status_code, done["Location"]) == (302, f"/challenges/{challenge.pk}/")
    challenge.refresh_from_db()
    assert challenge.status == "terminated"


# ---------------------------------------------------------------- the award's milestone rows


def award_data(applications: list[Application], rows: dict[int, list[tuple[str, str, str, str]]]) -> dict[str, str]:
    """The award form as a browser sends it: two rows per team (or more), the given ones filled, the rest empty."""
    data = {"action": "award", "a-reason": "公示期满"}
    for application in applications:
        prefix = f"a-m{application.pk}"
        filled = rows.get(application.pk, [])
        total = max(2, len(filled))
        data |= {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}
        for index in range(total):
            title, amount, due, criterion = filled[index] if index < len(filled) else ("", "", "", "")
            data |= {
                f"{prefix}-{index}-title": title,
                f"{prefix}-{index}-amount": amount,
                f"{prefix}-{index}-due_on": due,
                f"{prefix}-{index}-criterion": criterion,
            }
    return data


def two_milestones(first: str = "250万", second: str = "250万") -> list[tuple[str, str, str, str]]:
    return [
        ("原理样机", first, "2099-06-30", "七自由度，力控精度≤0.5 N（台架测试）"),
        ("工程样机", second, "2099-12-31", "第三方检测报告"),
    ]


def awarding(client: Client) -> tuple[Challenge, list[Application], str]:
    people = builders.cast()
    challenge, applications = builders.in_publicity(people)
    builders.end_publicity(challenge)
    signed_in(client, people.operator)
    return challenge, applications, f"/challenges/{challenge.pk}/manage/"


def test_the_award_form_has_rows_of_fields_and_awards_from_them(client: Client) -> None:
    challenge, applications, url = awarding(client)
    html = client.get(url).content.decode()
    first = applications[0].pk
    for name in (f"a-m{first}-TOTAL_FORMS", f"a-m{first}-0-due_on", f"a-m{first}-0-criterion"):
        assert f'name="{name}"' in html
    assert f'name="a-add_row" value="{first}"' in html
    rows = {a.pk: two_milestones() for a in applications}
    response = client.post(url, award_data(applications, rows))
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == "awarded"
    agreement = challenge.agreements.get(application=applications[0])
    assert (
        agreement.amount_fen,
        [(m.deliverable, m.criterion, m.amount_fen) for m in agreement.milestones.order_by("position")],
    ) == (
        500_000_000,
        [
            ("原理样机", "七自由度，力控精度≤0.5 N（台架测试）", 250_000_000),
            ("工程样机", "第三方检测报告", 250_000_000),
        ],
    )
    milestone = agreement.milestones.order_by("position").first()
    assert milestone is not None
    page = client.get(f"/challenges/milestones/{milestone.pk}/").content.decode()
    assert '<h1 data-testid="milestone-title">原理样机</h1>' in page
    assert "七自由度，力控精度≤0.5 N（台架测试）</dd>" in page


def test_adding_a_row_keeps_what_was_typed_and_awards_nothing(client: Client) -> None:
    challenge, applications, url = awarding(client)
    first, second = (a.pk for a in applications)
    data = award_data(applications, {first: two_milestones()}) | {"a-add_row": str(first)}
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        f'name="a-m{first}-TOTAL_FORMS" value="3"' in html,
        f'name="a-m{second}-TOTAL_FORMS" value="2"' in html,
    ) == (
        True,
        True,
    )
    assert (f'name="a-m{first}-1-title" value="工程样机"' in html, f'name="a-m{first}-2-title"' in html) == (True, True)
    assert "field-error" not in html  # nothing was checked yet
    challenge.refresh_from_db()
    assert challenge.status == "publicity"


def test_tranches_that_do_not_add_up_to_the_award_are_a_clear_error(client: Client) -> None:
    challenge, applications, url = awarding(client)
    first = applications[0].pk
    data = award_data(applications, {first: two_milestones("250万", "200万")}) | {f"a-amount_{first}": "500万"}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The tranches add up to ¥4,500,000.00, not the ¥5,000,000.00 awarded." in html
    assert f'id="id_a-amount_{first}_error"' in html
    challenge.refresh_from_db()
    assert challenge.status == "publicity"


def test_awards_above_the_bounty_are_refused_with_the_sums(client: Client) -> None:
    challenge, applications, url = awarding(client)
    rows = {a.pk: two_milestones("300万", "300万") for a in applications}
    response = client.post(url, award_data(applications, rows), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "The awards add up to ¥12,000,000.00, more than the bounty of ¥10,000,000.00." in response.content.decode()
    challenge.refresh_from_db()
    assert (challenge.status, challenge.agreements.count()) == ("publicity", 0)


def test_a_milestone_row_missing_its_criterion_is_marked(client: Client) -> None:
    challenge, applications, url = awarding(client)
    first = applications[0].pk
    rows = {first: [("原理样机", "500万", "2099-06-30", "")]}
    response = client.post(url, award_data(applications, rows))
    assert (response.status_code, f'id="id_a-m{first}-0-criterion_error"' in response.content.decode()) == (200, True)
    challenge.refresh_from_db()
    assert challenge.status == "publicity"


# ---------------------------------------------------------------- money forms sent twice


def accepted_milestone(people: builders.Cast, challenge: Challenge) -> Milestone:
    agreement = challenge.agreements.order_by("id").first()
    assert agreement is not None
    milestone = agreement.milestones.order_by("position").first()
    assert milestone is not None
    services.submit_evidence(actor=agreement.application.lead, milestone=milestone, evidence="台架数据")
    return services.decide_milestone(actor=people.issuer_admin, milestone=milestone, accept=True)


def test_a_release_form_sent_twice_pays_once(client: Client) -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    milestone = accepted_milestone(people, challenge)
    url = f"/challenges/milestones/{milestone.pk}/"
    signed_in(client, people.operator)
    data = {"action": "release", "release-amount": "100万", "release-once": token(client.get(url), "release-once")}
    first, second = client.post(url, data), client.post(url, data)
    assert [(r.status_code, r["Location"]) for r in (first, second)] == [(302, url), (302, url)]
    assert list(TrancheRelease.objects.values_list("amount_fen", flat=True)) == [100_000_000]
    challenge.refresh_from_db()
    assert challenge.released_fen == 100_000_000
    # A fresh page carries a fresh token: the next part of the tranche is paid.
    client.post(url, data | {"release-once": token(client.get(url), "release-once")})
    assert TrancheRelease.objects.count() == 2


def test_a_refused_release_leaves_its_token_usable(client: Client) -> None:
    people = builders.cast()
    challenge = builders.at_work(people)
    milestone = accepted_milestone(people, challenge)
    url = f"/challenges/milestones/{milestone.pk}/"
    signed_in(client, people.operator)
    once = token(client.get(url), "release-once")
    too_much = client.post(url, {"action": "release", "release-amount": "300万", "release-once": once})
    assert (too_much.status_code, TrancheRelease.objects.count()) == (200, 0)
    client.post(url, {"action": "release", "release-amount": "", "release-once": once})
    assert list(TrancheRelease.objects.values_list("amount_fen", flat=True)) == [milestone.amount_fen]


def test_an_escrow_form_sent_twice_records_once(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    url = f"/challenges/{challenge.pk}/manage/"
    signed_in(client, people.operator)
    data = {
        "action": "escrow",
        "e-source": "issuer",
        "e-amount": "100万",
        "e-reference": "BANK-1",
        "e-once": token(client.get(url), "e-once"),
    }
    assert [client.post(url, data).status_code for _ in range(2)] == [302, 302]
    assert list(EscrowDeposit.objects.values_list("amount_fen", flat=True)) == [100_000_000]
    challenge.refresh_from_db()
    assert challenge.escrowed_fen == 100_000_000


def test_a_money_form_without_its_token_is_refused(client: Client) -> None:
    people = builders.cast(teams=0)
    challenge = builders.draft(people)
    signed_in(client, people.operator)
    data = {"action": "escrow", "e-source": "issuer", "e-amount": "100万", "e-reference": "BANK-1"}
    assert client.post(f"/challenges/{challenge.pk}/manage/", data).status_code == 200
    assert EscrowDeposit.objects.count() == 0


def test_an_accepted_milestone_is_paid_while_the_list_is_still_awarded(client: Client) -> None:
    people = builders.cast()
    challenge, applications = builders.in_publicity(people)
    builders.end_publicity(challenge)
    services.transition(actor=people.operator, challenge=challenge, to="awarded", awards=builders.plans(applications))
    milestone = accepted_milestone(people, challenge)
    url = f"/challenges/milestones/{milestone.pk}/"
    signed_in(client, people.operator)
    page = client.get(url)
    assert 'data-testid="release-tranche"' in page.content.decode()
    client.post(url, {"action": "release", "release-amount": "", "release-once": token(page, "release-once")})
    challenge.refresh_from_db()
    assert (challenge.status, challenge.released_fen) == ("awarded", milestone.amount_fen)
