"""技术转移 from end to end in Chromium: from a registered achievement to a researcher's verified payout.

A university's TTO officer sets the unit's public-notice period, registers an achievement of three
completers and offers it on the marketplace; a company answers "interested"; the officer opens a
non-exclusive licence at a negotiated price, keeps the due-diligence record, publicises the price and,
after the notice, approves the deal and records the signed contract. The team lead sets the split and
the officer signs it off; the officer records the unit's reward policy and a receipt of 1,000,000.00
yuan, previews the lines to the fen, and proposes the distribution; a second officer approves it.
The researcher opens their statement, sees their line, downloads the payout's ledger receipt and
disclosure, and ``kechuang ledger verify`` accepts them.

Set up through the ORM, because no page makes them: the people, the university and the company and
their memberships (factories), and the end of the notice period (time passes). Every step a person
takes is a click or a form in the browser, from the menu on.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from kechuang.accounts.enums import OrganizationKind, Role
from kechuang.accounts.models import Organization, User
from kechuang.ledger.keys import log_signer
from kechuang.ledger.services import integrate_all
from kechuang.transfer.models import Deal
from tests.conftest import ARTIFACTS
from tests.factories.accounts import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from tests.transfer.achievement_builders import end_publicity, patent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KECHUANG = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kechuang"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
UNIVERSITY = "京华理工大学"
COMPANY = "北京锐骨医疗机器人有限公司"
TITLE = "七自由度力控关节模组"
CONTRACT = "JH-2026-017"


def sign_in(page: Any, user: User) -> None:
    """Sign out whoever was signed in, then sign ``user`` in on the login page."""
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=account-link]")


def press(page: Any, selector: str) -> None:
    """Click ``selector`` and wait for the next page; a refusal on it fails the test with its text."""
    with page.expect_navigation():
        page.click(selector)
    errors = page.locator(".message.error, .field-error")
    assert errors.count() == 0, errors.all_inner_texts()


def follow(page: Any, selector: str) -> None:
    """Follow the link ``selector`` (the first that matches)."""
    with page.expect_navigation():
        page.locator(selector).first.click()


def open_transfer(page: Any, path: str) -> None:
    """Take the menu's technology-transfer link, then the link to ``path`` on the page it lands on (the
    marketplace, or the app's landing page once there is one), unless it landed there."""
    follow(page, "nav.nav-wide a[href^='/transfer/']")
    if urlsplit(page.url).path != path:
        follow(page, f"main a[href='{path}']")


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at {PHONE['width']} px"


def fits_a_phone(page: Any, screenshot: str) -> None:
    """The page as it is now, at 375 px: no sideways scroll; kept as a screenshot in the artifacts."""
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    page.set_viewport_size(DESKTOP)


def download(page: Any, selector: str, to: Path) -> Path:
    with page.expect_download() as started:
        page.click(selector)
    started.value.save_as(str(to))
    return to


def cells(page: Any, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


@dataclass(frozen=True)
class Cast:
    tto: User
    approver: User  # a second TTO officer: four eyes on the distribution
    lead: User
    researcher: User
    buyer: User  # a member of the company


def cast() -> Cast:
    """The organisations and people (ORM set-up: joining and approving memberships is not this journey)."""
    university = OrganizationFactory(
        kind=OrganizationKind.UNIVERSITY, name={"zh-hans": UNIVERSITY, "en": "Jinghua University of S&T"}
    )
    company = OrganizationFactory(name={"zh-hans": COMPANY, "en": "Ruigu Medical Robotics"})

    def member(organization: Organization, role: str, username: str, name: str) -> User:
        user = UserFactory(username=username, display_name=name)
        MembershipFactory(user=user, organization=organization, role=role)
        return user

    return Cast(
        tto=member(university, Role.TTO_OFFICER, "tto_zhou", "周明"),
        approver=member(university, Role.TTO_OFFICER, "tto_wu", "吴芳"),
        lead=member(university, Role.MEMBER, "prof_chen", "陈立"),
        researcher=member(university, Role.MEMBER, "dr_lin", "林晓"),
        buyer=member(company, Role.MEMBER, "bd_zhao", "赵强"),
    )


def test_an_achievement_is_licensed_and_its_income_paid_to_a_researcher_who_verifies_it(
    browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    people = cast()
    tto, approver, lead, researcher = people.tto, people.approver, people.lead, people.researcher
    today = timezone.localdate()

    # ---------------------------------------------------------------- the officer registers the achievement
    sign_in(page, tto)
    open_transfer(page, "/transfer/achievements/")
    follow(page, "main a[href='/transfer/deals/']")
    # A negotiated price is publicised for the unit's period; one day keeps the journey short.
    form = page.locator("[data-testid=deal-settings]")
    form.locator("select[name=organization]").select_option(label=UNIVERSITY)
    form.locator("input[name=publicity_days]").fill("1")
    press(page, "[data-testid=deal-settings] button[type=submit]")

    follow(page, "main a[href='/transfer/achievements/']")
    follow(page, "[data-testid=register-achievement]")
    page.select_option("select[name=owner]", label=UNIVERSITY)
    page.select_option("select[name=kind]", "invention_patent")
    page.fill("input[name=title_zh]", TITLE)
    page.fill("input[name=title_en]", "Seven-DOF force-controlled joint module")
    page.fill("textarea[name=summary_zh]", "基于串联弹性驱动的力控关节，适用于手术机器人机械臂。")
    page.select_option("select[name=ip_status]", "granted")
    page.fill("input[name=ip_number]", patent("202210593271"))
    page.fill("input[name=trl]", "6")
    page.fill("textarea[name=funding]", "国家自然科学基金 | 62171234")
    page.fill("input[name=registered_on]", (today - timedelta(days=30)).isoformat())
    page.fill(
        "textarea[name=completers]",
        f"@{lead.username} | 35 | lead\n@{researcher.username} | 45\n王工（退休） | 20",
    )
    press(page, "[data-testid=save-achievement]")
    achievement_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert cells(page, "[data-testid=contribution]") == ["35%", "45%", "20%"]

    # ---------------------------------------------------------------- on the marketplace; a company is interested
    follow(page, "[data-testid=publish-card]")
    assert page.locator("[data-testid=publish-problems]").count() == 0
    page.fill("textarea[name=problem_zh]", "手术机器人机械臂的关节力控依赖进口模组，成本高、交期长。")
    page.fill("textarea[name=benefit_zh]", "力控精度0.4 N，优于进口模组的0.5 N；成本约为其六成。")
    page.fill("textarea[name=route_zh]", "授权医疗机器人企业实施，学校提供技术支持。")
    page.fill("input[name=asking_price]", "100万")
    press(page, "[data-testid=publish-opportunity]")
    card_url = page.url

    sign_in(page, people.buyer)
    open_transfer(page, "/transfer/market/")
    follow(page, f"[data-testid=opportunity-link]:has-text('{TITLE}')")
    form = page.locator("[data-testid=interest-form]")
    assert form.locator("select[name=organization] option:checked").inner_text() == COMPANY
    form.locator("input[name=kind][value=interested]").check()
    form.locator("textarea[name=comment]").fill("希望获得非独占许可，用于我司骨科手术机器人。")
    press(page, "[data-testid=answer-card]")
    assert page.locator("[data-testid=my-answers] li").count() == 1

    # ---------------------------------------------------------------- the officer opens, approves and signs the licence
    sign_in(page, tto)
    follow(page, "[data-testid=notification-bell]")
    press(page, "[data-testid=notification][data-kind='transfer.interest_received'] button[type=submit]")
    assert page.url == card_url
    assert page.inner_text("[data-testid=interested-count]") == "1"
    follow(page, f"main a[href$='/transfer/achievements/{achievement_id}/']")
    follow(page, "[data-testid=open-deal]")
    page.select_option("select[name=buyer]", label=COMPANY)
    page.select_option("select[name=kind]", "licence")
    page.select_option("select[name=licence_scope]", "non_exclusive")
    page.select_option("select[name=pricing]", "negotiated")
    page.fill("input[name=price]", "100万")
    page.fill("textarea[name=notes]", "入门费100万元，一次付清。")
    press(page, "[data-testid=save-deal]")
    deal_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert page.inner_text("[data-testid=price]") == "¥1,000,000.00"

    form = page.locator("[data-testid=diligence-form]")
    form.locator("textarea[name=technology]").fill("专利有效，权属清晰，无质押。")
    form.locator("textarea[name=buyer]").fill("被许可方具备实施能力，资信良好，与完成人无关联。")
    form.locator("textarea[name=plan]").fill("非独占许可，协议定价100万元，经公示。")
    form.locator("textarea[name=approvals]").fill("校长办公会2026年第5次会议审议通过。")
    press(page, "[data-testid=diligence-form] button[type=submit]")
    press(page, "[data-testid=move-publicity] button[type=submit]")
    notice = page.inner_text("[data-testid=publicity-text]")
    assert (TITLE in notice, COMPANY in notice, "¥1,000,000.00" in notice) == (True, True, True)

    # Time passes: the day of public notice is over (the builders' test-only helper moves it into the past).
    end_publicity(Deal.objects.get(pk=deal_id))

    page.reload()
    press(page, "[data-testid=move-approval] button[type=submit]")
    form = page.locator("[data-testid=move-signed]")
    form.locator("input[name=signed-contract_number]").fill(CONTRACT)
    form.locator("input[name=signed-signed_on]").fill(today.isoformat())
    press(page, "[data-testid=move-signed] button[type=submit]")
    assert page.locator("[data-testid=stepper] [aria-current=step]").get_attribute("data-stage") == "signed"

    # The company finds its licence among its deals.
    sign_in(page, people.buyer)
    open_transfer(page, "/transfer/deals/")
    follow(page, f"[data-testid=deal-row] a:has-text('{TITLE}')")
    assert page.locator("[data-testid=stepper] [aria-current=step]").get_attribute("data-stage") == "signed"

    # ---------------------------------------------------------------- the lead sets the split; the officer signs it off
    sign_in(page, lead)
    open_transfer(page, "/transfer/achievements/")
    follow(page, f"[data-testid=achievement-row] a:has-text('{TITLE}')")
    follow(page, "[data-testid=split-link]")
    form = page.locator("[data-testid=split-form]")
    for name, share in (("陈立", "30"), ("林晓", "50"), ("王工（退休）", "20")):
        form.get_by_label(name, exact=True).fill(share)
    form.locator("textarea[name=note]").fill("林晓完成了力控算法与样机调试。")
    press(page, "[data-testid=split-form] button[type=submit]")
    assert cells(page, "[data-testid=split][data-status=proposed] [data-testid=split-share]") == ["30%", "50%", "20%"]
    fits_a_phone(page, "transfer-split-375.png")

    sign_in(page, tto)
    open_transfer(page, "/transfer/achievements/")
    follow(page, f"[data-testid=achievement-row] a:has-text('{TITLE}')")
    follow(page, "[data-testid=split-link]")
    press(page, "[data-testid=sign-off] button[type=submit]")
    assert page.locator("[data-testid=split][data-status=signed_off]").count() == 1

    # ---------------------------------------------------------------- the unit's policy, the receipt, the distribution
    open_transfer(page, "/transfer/policies/")
    form = page.locator("[data-testid=policy-form]")
    form.locator("select[name=institution]").select_option(label=UNIVERSITY)
    form.locator("input[name=name]").fill("京华理工大学科技成果转化收益分配办法")
    assert form.locator("input[name=effective_from]").input_value() == today.isoformat()  # today, pre-set
    form.locator("textarea[name=citation]").fill("《京华理工大学促进科技成果转化管理办法》（校发〔2023〕12号）第二十条")
    form.locator("input[name=cash]").fill("97")
    form.locator("input[name=equity]").fill("90")
    form.locator("input[name=profit]").fill("5")
    form.locator("input[name=profit_years]").fill("5")
    press(page, "[data-testid=policy-form] button[type=submit]")

    open_transfer(page, "/transfer/deals/")
    follow(page, f"[data-testid=deal-row] a:has-text('{TITLE}')")
    follow(page, "[data-testid=income-link]")
    form = page.locator("[data-testid=receipt-form]")
    form.locator("select[name=kind]").select_option("upfront")
    assert form.locator("input[name=received_on]").input_value() == today.isoformat()
    form.locator("input[name=gross]").fill("1,000,000.00")
    form.locator("input[name=reference]").fill("招商银行 2026-11 回单 0001")
    press(page, "[data-testid=preview-button]")
    assert cells(page, "[data-testid=preview-line] th") == ["陈立", "林晓", "王工（退休）"]
    assert cells(page, "[data-testid=preview-amount]") == ["¥291,000.00", "¥485,000.00", "¥194,000.00"]
    fits_a_phone(page, "transfer-income-preview-375.png")
    press(page, "[data-testid=receipt-form] button[value=record]")
    assert page.locator("[data-testid=receipt-row]").count() == 1
    press(page, "[data-testid=receipt-row] form[data-testid^=propose-] button[type=submit]")
    distribution_url = page.url
    assert page.get_attribute("[data-testid=status]", "data-status") == "proposed"
    assert cells(page, "[data-testid=payout-amount]") == ["¥291,000.00", "¥485,000.00", "¥194,000.00"]
    assert page.locator("[data-testid=approve]").count() == 0  # never the proposer

    sign_in(page, approver)
    # Nobody tells the second officer a distribution awaits them; they find it on the deal's income page.
    open_transfer(page, "/transfer/deals/")
    follow(page, f"[data-testid=deal-row] a:has-text('{TITLE}')")
    follow(page, "[data-testid=income-link]")
    follow(page, "[data-testid=receipt-row] [data-testid=distribution-link]")
    assert page.url == distribution_url
    press(page, "[data-testid=approve] button[type=submit]")
    assert page.get_attribute("[data-testid=status]", "data-status") == "approved"
    fits_a_phone(page, "transfer-distribution-approved-375.png")

    # The sequencer (a loop of its own in production) puts the payouts under a signed checkpoint.
    integrate_all()

    # ---------------------------------------------------------------- the researcher's statement and receipt
    # On a phone, through the menu; nobody tells the researcher they were paid.
    sign_in(page, researcher)
    page.set_viewport_size(PHONE)
    page.click("details.menu summary")
    follow(page, "details.menu nav a[href^='/transfer/']")
    no_sideways_scroll(page)
    follow(page, "main a[href='/transfer/statements/']")
    rows = page.locator("[data-testid=statement-row]")
    assert rows.count() == 1
    assert cells(page, "[data-testid=row-cash]") == ["¥485,000.00"]
    assert CONTRACT in rows.first.inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "transfer-statement-375.png"), full_page=True)

    receipt = download(page, "[data-testid=statement-row] [data-testid=receipt-link]", tmp_path / "payout.tlog-proof")
    disclosure = download(
        page, "[data-testid=statement-row] [data-testid=disclosure-link]", tmp_path / "payout.disclosure.json"
    )
    record = json.loads(disclosure.read_text(encoding="utf-8"))["record"]
    assert (record["name"], record["share_bp"], record["cash_fen"], record["contract_number"]) == (
        "林晓",
        5_000,
        48_500_000,
        CONTRACT,
    )

    # The verifier key, as anyone reads it on the trusted-records page.
    page.click("details.menu summary")
    follow(page, "details.menu nav a[href='/records/']")
    vkey = page.inner_text("[data-testid=log-vkey]").strip()
    assert vkey == log_signer().vkey
    verified = subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [str(KECHUANG), "ledger", "verify", str(receipt), "--vkey", vkey, "--entry", str(disclosure)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (verified.returncode, verified.stderr) == (0, ""), verified.stdout
    assert "the disclosed record and salt open the logged commitment" in verified.stdout
