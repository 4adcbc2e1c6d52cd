"""The deal pages: opening and editing a draft, the stepper with one named button per allowed move, refusals
shown without change, the due-diligence and first-refusal forms, documents for the parties only, and list
pages that read a fixed number of queries."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kechuang.transfer.enums import DealStage, FirstRefusal
from kechuang.transfer.models import Deal
from kechuang.transfer.services import deals as services
from tests.counting import queries
from tests.transfer import achievement_builders as build

pytestmark = pytest.mark.django_db
D = DealStage
BUTTON = re.compile(r'data-testid="move-([a-z_]+)"')
STEP = re.compile(r'data-stage="([a-z_]+)" data-state="([a-z]+)"')


def page_of(client: Client, deal: Deal) -> str:
    response = client.get(reverse("transfer:deal", args=[deal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_tto_opens_and_edits_a_draft_through_the_forms(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    client.force_login(people.tto)
    url = reverse("transfer:deal_create", args=[achievement.pk])
    assert client.get(url).status_code == 200
    body = {
        "buyer": people.company.pk,
        "kind": "equity",
        "pricing": "exchange",
        "price": "1250万",
        "equity_shares": "12500000",
    }
    response = client.post(url, body)
    deal = Deal.objects.get()
    assert response["Location"] == reverse("transfer:deal", args=[deal.pk])
    assert (deal.kind, deal.price_fen, deal.equity_shares) == ("equity", 12_500_000 * 100, 12_500_000)
    edit = reverse("transfer:deal_edit", args=[deal.pk])
    assert client.post(edit, {**body, "price": "-5"}).status_code == 200  # refused on the form
    deal.refresh_from_db()
    assert deal.price_fen == 12_500_000 * 100
    assert client.post(edit, {**body, "price": "1300万"}).status_code == 302
    deal.refresh_from_db()
    assert deal.price_fen == 13_000_000 * 100


def test_only_the_owners_officers_see_the_open_deal_form(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    for outsider in (people.stranger, people.company_admin, people.lead):
        client.force_login(outsider)
        assert client.get(reverse("transfer:deal_create", args=[achievement.pk])).status_code == 404


def test_the_stepper_and_one_named_button_per_allowed_move(client: Client) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people), kind="assignment", licence_scope="")
    client.force_login(people.tto)
    page = page_of(client, deal)
    assert STEP.findall(page) == [
        ("draft", "current"),
        ("first_refusal", "todo"),
        ("publicity", "todo"),
        ("approval", "todo"),
        ("signed", "todo"),
        ("closed", "todo"),
    ]
    assert BUTTON.findall(page) == ["first_refusal", "abandoned"]
    # The parties see the stepper without the buttons.
    for party in (people.company_admin, people.lead):
        client.force_login(party)
        seen = page_of(client, deal)
        assert (BUTTON.findall(seen), 'data-testid="diligence"' in seen) == ([], False)


def test_a_refused_move_is_explained_and_changes_nothing(client: Client) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    client.force_login(people.tto)
    url = reverse("transfer:deal_move", args=[deal.pk])
    response = client.post(url, {"to": "approval"})
    assert response.status_code == 422
    deal.refresh_from_db()
    assert (deal.stage, deal.stage_changes.count()) == (D.DRAFT, 0)
    response = client.post(url, {"to": "abandoned", "abandoned-reason": ""})
    assert response.status_code == 422
    assert client.post(url, {"to": "publicity"}).status_code == 302
    deal.refresh_from_db()
    assert deal.stage == D.PUBLICITY
    assert 'data-testid="publicity-text"' in page_of(client, deal)


def test_the_whole_deal_through_the_pages(client: Client) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people), kind="assignment", licence_scope="", pricing="auction")
    client.force_login(people.tto)
    move = reverse("transfer:deal_move", args=[deal.pk])
    diligence = {"technology": "权属清晰", "buyer": "资信良好", "plan": "拍卖", "approvals": "校长办公会"}
    assert client.post(reverse("transfer:deal_diligence", args=[deal.pk]), diligence).status_code == 302
    assert client.post(move, {"to": "first_refusal"}).status_code == 302
    # A completer sees the answer form; the lead exercises nothing here, the unit records the waivers.
    client.force_login(people.lead)
    assert 'data-testid="first-refusal-form"' in page_of(client, deal)
    client.force_login(people.tto)
    answer = {"outcome": FirstRefusal.WAIVED, "note": "全体完成人书面放弃"}
    assert client.post(reverse("transfer:deal_first_refusal", args=[deal.pk]), answer).status_code == 302
    assert client.post(move, {"to": "approval"}).status_code == 302
    sign = {"to": "signed", "signed-contract_number": "JH-2026-100", "signed-signed_on": str(timezone.localdate())}
    assert client.post(move, sign).status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.contract_number) == (D.SIGNED, "JH-2026-100")
    assert [s for s, state in STEP.findall(page_of(client, deal)) if state == "done"] == [
        "draft",
        "first_refusal",
        "approval",
    ]


def test_documents_are_for_the_parties_only(client: Client, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    client.force_login(people.tto)
    upload = SimpleUploadedFile("valuation.pdf", b"%PDF-1.4 valuation", content_type="application/pdf")
    response = client.post(
        reverse("transfer:deal_document_upload", args=[deal.pk]), {"title": "评估报告", "file": upload}
    )
    assert response.status_code == 302
    document = deal.documents.get()
    url = reverse("transfer:deal_document", args=[document.pk])
    client.force_login(people.company_member)
    got = client.get(url)
    assert (got.status_code, b"".join(got.streaming_content), got["Content-Type"]) == (  # type: ignore[attr-defined]
        200,
        b"%PDF-1.4 valuation",
        "application/pdf",
    )
    client.force_login(people.stranger)
    assert client.get(url).status_code == 404
    assert client.get(reverse("transfer:deal", args=[deal.pk])).status_code == 404
    client.force_login(people.tto)
    bad = SimpleUploadedFile("script.pdf", b"#!/bin/sh\nrm -rf /", content_type="application/pdf")
    assert client.post(reverse("transfer:deal_document_upload", args=[deal.pk]), {"file": bad}).status_code == 422
    assert deal.documents.count() == 1


def test_the_unit_sets_its_period_on_the_deals_page(client: Client) -> None:
    people = build.cast()
    client.force_login(people.tto)
    assert 'data-testid="deal-settings"' in client.get(reverse("transfer:deals")).content.decode()
    body = {"organization": people.university.pk, "publicity_days": "20"}
    assert client.post(reverse("transfer:deal_settings"), body).status_code == 302
    assert build.open_deal(people, build.register(people)).publicity_days == 20


@pytest.mark.usefixtures("settled_lexicon")
def test_deal_lists_and_pages_read_as_many_queries_for_three_rows_as_for_one(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    deal = build.open_deal(people, achievement)
    client.force_login(people.tto)
    urls = [reverse("transfer:deals"), "/api/v1/transfer/deals", reverse("transfer:deal", args=[deal.pk])]
    one = [queries(client, url) for url in urls]
    build.open_deal(people, achievement, licence_scope="non_exclusive")
    build.open_deal(people, achievement, licence_scope="sole")
    services.transition(actor=people.tto, deal=deal, to=D.PUBLICITY)
    services.transition(actor=people.tto, deal=deal, to=D.ABANDONED, reason="买方退出")
    assert [queries(client, url) for url in urls] == one


def test_a_signed_deals_page_links_its_income_for_those_who_may_see_it(client: Client) -> None:
    people = build.cast()
    deal = build.signed(people, build.register(people))
    income = f'href="{reverse("transfer:deal_income", args=[deal.pk])}"'
    seen = {}
    for name, user in (("tto", people.tto), ("lead", people.lead), ("buyer", people.company_admin)):
        client.force_login(user)
        seen[name] = income in page_of(client, deal)
    assert seen == {"tto": True, "lead": True, "buyer": False}


def test_a_draft_has_no_income_link_and_shows_its_exact_price(client: Client) -> None:
    people = build.cast()
    deal = build.open_deal(people, build.register(people))
    client.force_login(people.tto)
    page = page_of(client, deal)
    price = re.search(r'data-testid="price">([^<]+)<', page)
    assert ('data-testid="income-link"' in page, price.group(1) if price else None) == (False, "¥1,000,000.00")


def test_approval_waits_for_the_notice_with_its_reason_beside_the_button(client: Client) -> None:
    people = build.cast()
    deal = build.with_diligence(people, build.open_deal(people, build.register(people)))
    deal = services.transition(actor=people.tto, deal=deal, to=D.PUBLICITY)
    client.force_login(people.tto)
    running = page_of(client, deal)
    form = running[running.index('data-testid="move-approval"') :]
    form = form[: form.index("</form>")]
    build.end_publicity(deal)
    over = page_of(client, deal)
    assert ('data-testid="blocked-approval"' in form, " disabled" in form) == (True, True)
    assert 'data-testid="blocked-approval"' not in over
