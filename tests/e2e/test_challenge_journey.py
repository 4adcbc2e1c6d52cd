"""揭榜挂帅 from end to end in Chromium, through the pages only.

An issuer writes a list and submits it; the operator records the escrow and publishes; two teams
accept the NDA and apply; the operator closes applications, opens the expert review, fills the pool
and runs the optimal assignment; three reviewers score from "我的评审"; the operator shortlists both
teams and opens 公示; an objection is raised and the issuer answers it; after the notice period the
operator awards both teams (赛马); a milestone is evidenced, accepted and paid; and the payment's
receipt, downloaded from its page, verifies with the real ``kechuang ledger verify``.

People and time are set up through the ORM (factories; the end of the notice period); every step a
person takes is a click or a form in the browser.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kechuang.accounts.models import User
from kechuang.challenges.models import Application, Challenge
from kechuang.ledger.keys import log_signer
from kechuang.ledger.services import integrate_all
from tests.challenges import builders
from tests.conftest import ARTIFACTS
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def sign_in(page: Any, user: User) -> None:
    """Sign out whoever was signed in, then sign ``user`` in on the login page."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=account-link]")


def submit(page: Any, testid: str) -> None:
    """Click a form's button and wait for the next page; a refusal on it fails the test with its text."""
    with page.expect_navigation():
        page.click(f"[data-testid={testid}]")
    errors = page.locator(".message.error, .field-error")
    assert errors.count() == 0, errors.all_inner_texts()


def next_step(page: Any, challenge_id: int, to: str, reason: str = "") -> None:
    """On the list's "next steps" page, press the button of the step to ``to`` (after its reason, if given)."""
    page.goto(f"/challenges/{challenge_id}/manage/")
    if reason:
        form = page.locator("form", has=page.locator(f"[data-testid=step-{to}]"))
        form.locator("textarea[name=reason]").fill(reason)
    submit(page, f"step-{to}")


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def score_my_reviews(page: Any, expert: User, *, on_phone: bool) -> None:
    """``expert`` opens 我的评审 from the menu and scores both applications (8 and 7 on every criterion)."""
    sign_in(page, expert)
    if on_phone:
        page.set_viewport_size(PHONE)
        page.click("details.menu summary")
        with page.expect_navigation():
            page.locator("details.menu nav a", has_text="我的评审").click()
        no_sideways_scroll(page)
    else:
        with page.expect_navigation():
            page.locator("nav.nav-wide a", has_text="我的评审").click()
    assert page.locator("[data-testid=my-review-row]").count() == 2
    for index, score in ((0, "8"), (1, "7")):
        with page.expect_navigation():
            page.locator("[data-testid=my-review-row] th a").nth(index).click()
        # Each of the list's four default criteria says what it asks.
        assert page.locator("[data-testid=criterion-description]").count() == 4
        if on_phone:
            no_sideways_scroll(page)
            page.screenshot(path=str(ARTIFACTS / "challenge-review-form-375.png"), full_page=True)
        for field in page.locator("[data-testid=review-form] input[name^=score_]").all():
            field.fill(score)
        page.fill("textarea[name=comment_to_applicant]", "路线清楚，请补充每项指标的测试方案。")
        with page.expect_navigation():
            page.click("[data-testid=review-form] button[type=submit]")
        assert page.locator(".message.error, .field-error").count() == 0
    assert page.locator("[data-testid=my-review-row] .badge.ok").count() == 2
    if on_phone:
        no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / "challenge-my-reviews-375.png"), full_page=True)
        page.set_viewport_size(DESKTOP)


def test_a_list_goes_from_draft_to_a_paid_milestone_with_a_verified_receipt(browser_page: Any, tmp_path: Path) -> None:
    page = browser_page
    people = builders.cast(teams=2)
    experts = builders.reviewers(3)
    citizen = UserFactory()
    issuer, operator = people.issuer_admin, people.operator

    # ---------------------------------------------------------------- the issuer writes the list
    sign_in(page, issuer)
    page.goto("/challenges/")
    page.click("[data-testid=create-challenge]")
    page.select_option("select[name=issuer]", str(people.issuer.pk))
    page.fill("input[name=title_zh]", "多自由度力控医用机械臂")
    page.fill("input[name=title_en]", "Multi-DOF force-controlled medical arm")
    page.fill("textarea[name=summary]", "研制国产七自由度力控机械臂，替代进口。")
    page.fill("textarea[name=problem]", "骨科手术机器人需要高精度力控机械臂，目前依赖进口。")
    page.fill("textarea[name=details]", "接口图纸与力控回路参数（保密）。")
    page.fill("textarea[name=indicators]", "自由度 | 7 |  | 第三方检测报告\n力控精度 | ≤0.5 | N | 台架测试")
    page.fill("input[name=bounty]", "1000万")
    page.fill("input[name=issuer_share]", "800万")
    page.fill("input[name=subsidy_share]", "200万")
    deadline = timezone.localtime(timezone.now() + timedelta(days=30))
    page.fill("input[name=application_deadline]", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=winners]", "2")
    gate_day = timezone.localdate() + timedelta(days=200)
    page.fill("textarea[name=stage_gates]", f"{gate_day.isoformat()} | 样机评审")
    page.select_option("select[name=region]", "110108")
    submit(page, "save-challenge")
    challenge_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert page.locator("[data-testid=indicators] tbody tr").count() == 2
    page.click("[data-testid=manage-link]")
    next_step(page, challenge_id, "operator_review")

    # ---------------------------------------------------------------- the operator escrows and publishes
    sign_in(page, operator)
    page.goto("/challenges/operate/")
    with page.expect_navigation():
        page.locator("[data-testid=operator-queue] a.button").first.click()
    for source, amount, reference in (("issuer", "800万", "BANK-2025-001"), ("subsidy", "200万", "BUDGET-2025-7")):
        page.select_option("select[name=e-source]", source)
        page.fill("input[name=e-amount]", amount)
        page.fill("input[name=e-reference]", reference)
        submit(page, "record-escrow")
    next_step(page, challenge_id, "published")
    assert Challenge.objects.get(pk=challenge_id).status == "published"
    page.screenshot(path=str(ARTIFACTS / "challenge-published.png"), full_page=True)

    # ---------------------------------------------------------------- two teams accept the NDA and apply
    for number, lead in enumerate(people.leads, start=1):
        sign_in(page, lead)
        page.goto(f"/challenges/{challenge_id}/")
        submit(page, "accept-nda")
        assert page.inner_text("[data-testid=details-text]") == "接口图纸与力控回路参数（保密）。"
        page.click("[data-testid=apply-link]")
        page.fill("input[name=team_name]", f"团队{number}")
        page.fill("textarea[name=proposal]", "方案：串联弹性驱动的七自由度力控机械臂。")
        page.fill("textarea[name=technical_route]", "技术路线：关节力矩传感 + 阻抗控制。")
        page.fill("textarea[name=plan]", "计划：12个月原理样机，24个月工程样机。")
        submit(page, "submit-application")
    page.goto(f"/challenges/{challenge_id}/")
    assert page.inner_text("[data-testid=stat-applications]") == "2"

    # ---------------------------------------------------------------- the operator runs the review
    sign_in(page, operator)
    next_step(page, challenge_id, "applications_closed", reason="两队已申报，提前截止。")
    next_step(page, challenge_id, "review")
    page.goto(f"/challenges/{challenge_id}/manage/")
    page.click("[data-testid=review-call-link]")
    for expert in experts:
        page.fill("[data-testid=invite-form] input[name=user]", expert.username)
        with page.expect_navigation():
            page.click("[data-testid=invite-form] button[type=submit]")
    assert page.locator("[data-testid=pool] tbody tr").count() == 3
    # The run is a background task; the test settings run tasks at once, after the request's commit.
    with page.expect_navigation():
        page.click("[data-testid=run-start]")
    page.wait_for_selector("[data-testid=run-status][data-status=succeeded]")
    # Three reviews per application; three reviewers, each with both applications, named in the table.
    cells = page.locator("[data-testid=score-row] [data-testid=item-reviewers]").all()
    assert [cell.locator("li").count() for cell in cells] == [3, 3]
    assert {name for cell in cells for name in cell.locator("li").all_inner_texts()} == {str(e) for e in experts}
    page.screenshot(path=str(ARTIFACTS / "challenge-review-assigned.png"), full_page=True)
    with page.expect_navigation():
        page.locator("[data-testid=score-row] th a").first.click()
    for expert in experts:
        assert page.get_by_text(expert.username).count() >= 1

    # ---------------------------------------------------------------- reviewers score from 我的评审
    for number, expert in enumerate(experts):
        score_my_reviews(page, expert, on_phone=number == 0)

    # ---------------------------------------------------------------- shortlist and 公示
    sign_in(page, operator)
    page.goto(f"/challenges/{challenge_id}/manage/")
    assert page.locator("[data-testid=review-ranking] tbody tr").count() == 2
    for box in page.locator("input[name=s-applications]").all():
        box.check()
    page.fill("textarea[name=s-reason]", "两队方案均可行，赛马推进。")
    submit(page, "shortlist")
    next_step(page, challenge_id, "publicity")
    assert page.locator("[data-testid=proposed-winners] li").count() == 2

    sign_in(page, citizen)
    page.goto(f"/challenges/{challenge_id}/")
    page.fill("textarea[name=text]", "团队2的样机进度是否属实？")
    submit(page, "raise-objection")

    sign_in(page, issuer)
    page.goto(f"/challenges/{challenge_id}/")
    page.fill("textarea[name=answer]", "已现场核实，进度属实。")
    submit(page, "answer-objection")
    assert page.inner_text("[data-testid=objection-answer]") == "已现场核实，进度属实。"
    page.screenshot(path=str(ARTIFACTS / "challenge-publicity.png"), full_page=True)

    # Time passes: the notice period is over (the builders' test-only helper moves its end into the past).
    builders.end_publicity(Challenge.objects.get(pk=challenge_id))

    # ---------------------------------------------------------------- the race is awarded
    sign_in(page, operator)
    page.goto(f"/challenges/{challenge_id}/manage/")
    first_due = timezone.localdate() + timedelta(days=180)
    second_due = timezone.localdate() + timedelta(days=360)
    plan = [
        ("原理样机", "250万", first_due, "七自由度，力控精度≤0.5 N（台架测试）"),
        ("工程样机通过第三方检测", "250万", second_due, "第三方检测报告"),
    ]
    applications = list(Application.objects.filter(challenge_id=challenge_id).order_by("pk"))
    # Two empty rows per team at first: the first team asks for a third row (no script: the form comes back).
    with page.expect_navigation():
        page.click(f"[data-testid=add-row][value='{applications[0].pk}']")
    assert page.locator(f"input[name^=a-m{applications[0].pk}-][name$=-title]").count() == 3
    for application in applications:
        for index, (title, tranche, due, criterion) in enumerate(plan):
            row = f"a-m{application.pk}-{index}"
            page.fill(f"input[name={row}-title]", title)
            page.fill(f"input[name={row}-amount]", tranche)
            page.fill(f"input[name={row}-due_on]", due.isoformat())
            page.fill(f"textarea[name={row}-criterion]", criterion)
        page.fill(f"input[name=a-amount_{application.pk}]", "500万")
    page.fill("textarea[name=a-reason]", "公示期满，异议已答复。")
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "challenge-award-375.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    submit(page, "award")
    assert page.locator("[data-testid=agreement]").count() == 2

    sign_in(page, issuer)
    next_step(page, challenge_id, "in_progress")

    # ---------------------------------------------------------------- a milestone: evidence, acceptance, payment
    lead = people.leads[0]
    sign_in(page, lead)
    page.goto(f"/challenges/{challenge_id}/")
    team = page.locator("[data-testid=agreement]", has_text="团队1")
    with page.expect_navigation():
        team.locator("[data-testid=milestone-link]").first.click()
    milestone_url = page.url
    page.fill("textarea[name=evidence-evidence]", "原理样机台架测试报告：七自由度，力控精度0.4 N。")
    page.set_input_files(
        "input[name=evidence-records]",
        files=[{"name": "bench-test.csv", "mimeType": "text/csv", "buffer": b"joint,force_n\n1,0.41\n"}],
    )
    submit(page, "submit-evidence")

    sign_in(page, issuer)
    page.goto(milestone_url)
    page.check("input[name=decision-accept][value='1']")
    submit(page, "decide-milestone")

    sign_in(page, operator)
    page.goto(milestone_url)
    submit(page, "release-tranche")
    assert page.locator("[data-testid=releases] li").count() == 1
    assert page.locator("[data-testid=release-tranche]").count() == 0  # the whole tranche is paid

    # The sequencer (a loop of its own in production) puts the release under a signed checkpoint.
    integrate_all()
    page.reload()
    page.screenshot(path=str(ARTIFACTS / "challenge-milestone-paid.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=releases] [data-testid=receipt-download]")
    receipt = tmp_path / "downloaded.tlog-proof"
    download.value.save_as(str(receipt))

    # The verifier key, as anyone reads it on the trusted-records page.
    page.goto("/records/")
    vkey = page.inner_text("[data-testid=log-vkey]").strip()
    assert vkey == log_signer().vkey
    verified = builders.verify_with_cli(receipt.read_text(encoding="utf-8"), vkey, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("OK: ")
