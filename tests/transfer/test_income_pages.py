"""The income pages: policies (a 40% one refused on the form, citing the law), the team's split, a deal's income
with a preview that saves nothing, a form sent twice recording once, proposing and approving (four eyes), and
404 for strangers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kechuang.transfer.enums import DistributionStatus, SplitStatus
from kechuang.transfer.models import Distribution, Policy, Receipt, TeamSplit
from kechuang.transfer.services import policies
from tests.counting import queries
from tests.transfer import income_builders as build

pytestmark = pytest.mark.django_db


def _once(page: Any, testid: str = "") -> str:
    html = page.content.decode()
    start = html.index(f'data-testid="{testid}"') if testid else 0
    found = re.search(r'name="once" value="([^"]+)"', html[start:])
    assert found is not None
    return found.group(1)


def _policy_post(setup: build.Income, **overrides: Any) -> dict[str, Any]:
    return {
        "institution": setup.people.university.pk,
        "name": "京华理工大学科技成果转化收益分配办法",
        "citation": "《京华理工大学促进科技成果转化管理办法》第二十条",
        "effective_from": "2024-01-01",
        "cash": "97",
        "equity": "90",
        "profit": "5",
        "profit_years": "5",
        **overrides,
    }


def test_anyone_reads_the_law_and_an_officer_records_the_units_policy(client: Client) -> None:
    setup = build.setting()
    policies.ensure_legal_policies()
    public = client.get(reverse("transfer:income_policies"))
    assert (
        public.status_code,
        public.content.decode().count('data-testid="legal-row"'),
        "policy-form" in public.content.decode(),
    ) == (
        200,
        2,
        False,
    )
    client.force_login(setup.tto)
    sent = client.post(reverse("transfer:income_policies"), _policy_post(setup))
    policy = Policy.objects.get(institution=setup.people.university)
    assert (sent.status_code, policy.cash_bp, policy.equity_bp, policy.profit_bp, policy.version) == (
        302,
        9_700,
        9_000,
        500,
        1,
    )


def test_a_40_percent_policy_is_refused_on_the_form_citing_the_law(client: Client) -> None:
    setup = build.setting()
    client.force_login(setup.tto)
    page = client.post(reverse("transfer:income_policies"), _policy_post(setup, cash="40"))
    html = page.content.decode()
    assert (page.status_code, Policy.objects.filter(institution__isnull=False).count()) == (200, 0)
    assert "《促进科技成果转化法》第四十五条第一款第（一）项" in html
    assert 'id="id_cash_error"' in html


def test_the_lead_sets_the_split_and_the_officer_signs_it_off_on_the_page(client: Client) -> None:
    setup = build.setting()
    url = reverse("transfer:income_split", args=[setup.achievement.pk])
    completers = list(setup.achievement.completers.order_by("position", "id"))
    client.force_login(setup.lead)
    wrong = {f"share_{c.pk}": v for c, v in zip(completers, ["50", "30", "10"], strict=True)}
    refused = client.post(url, {"action": "set", **wrong})
    assert (refused.status_code, TeamSplit.objects.count()) == (200, 0)
    right = {f"share_{c.pk}": v for c, v in zip(completers, ["50", "30", "20"], strict=True)}
    assert client.post(url, {"action": "set", **right}).status_code == 302
    split = TeamSplit.objects.get()
    client.force_login(setup.tto)
    page = client.get(url)
    assert 'data-testid="sign-off"' in page.content.decode()
    client.post(url, {"action": "sign_off", "split": split.pk})
    split.refresh_from_db()
    assert (split.status, split.signed_off_by) == (SplitStatus.SIGNED_OFF, setup.tto)
    client.force_login(setup.people.stranger)
    assert client.get(url).status_code == 404


def _receipt_post(page: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "once": _once(page, "receipt-form"),
        "kind": "upfront",
        "received_on": timezone.localdate().isoformat(),
        "gross": "100万",
        "tax_label": "",
        "tax_amount": "",
        "reference": "回单0001",
        **overrides,
    }


def test_the_preview_shows_the_lines_before_anything_is_saved(client: Client) -> None:
    setup = build.ready()
    client.force_login(setup.tto)
    url = reverse("transfer:deal_income", args=[setup.deal.pk])
    page = client.get(url)
    preview = client.post(url, {**_receipt_post(page), "action": "preview"})
    html = preview.content.decode()
    amounts = re.findall(r'data-testid="preview-amount">([^<]+)<', html)
    assert (preview.status_code, amounts, Receipt.objects.count()) == (
        200,
        ["¥485,000.00", "¥291,000.00", "¥194,000.00"],
        0,
    )


def test_the_receipt_form_sent_twice_records_once_then_four_eyes_approve(client: Client) -> None:
    setup = build.ready()
    client.force_login(setup.tto)
    url = reverse("transfer:deal_income", args=[setup.deal.pk])
    data = {**_receipt_post(client.get(url)), "action": "record"}
    first, second = client.post(url, data), client.post(url, data)
    assert (first.status_code, second.status_code, Receipt.objects.count()) == (302, 302, 1)
    receipt = Receipt.objects.get()
    page = client.get(url)
    proposed = client.post(
        reverse("transfer:receipt_distribute", args=[receipt.pk]), {"once": _once(page, f"propose-{receipt.pk}")}
    )
    distribution = Distribution.objects.get()
    detail = reverse("transfer:income_distribution", args=[distribution.pk])
    assert proposed["Location"] == detail
    shown = client.get(detail).content.decode()
    assert ('data-testid="approve"' in shown, 'data-testid="discard"' in shown) == (False, True)
    client.post(reverse("transfer:distribution_approve", args=[distribution.pk]), {"once": "t-1"})
    distribution.refresh_from_db()
    assert distribution.status == DistributionStatus.PROPOSED
    client.force_login(setup.approver)
    page = client.get(detail)
    assert 'data-testid="approve"' in page.content.decode()
    client.post(reverse("transfer:distribution_approve", args=[distribution.pk]), {"once": _once(page, "approve")})
    distribution.refresh_from_db()
    approved = client.get(detail).content.decode()
    assert (distribution.status, distribution.approved_by) == (DistributionStatus.APPROVED, setup.approver)
    assert re.findall(r'data-testid="payout-amount">([^<]+)<', approved) == [
        "¥485,000.00",
        "¥291,000.00",
        "¥194,000.00",
    ]
    assert ("JH-2026-001" in approved, 'data-testid="working"' in approved) == (True, True)


def test_a_negative_amount_on_the_form_is_refused_and_nothing_saved(client: Client) -> None:
    setup = build.ready()
    client.force_login(setup.tto)
    url = reverse("transfer:deal_income", args=[setup.deal.pk])
    page = client.post(url, {**_receipt_post(client.get(url), gross="-100"), "action": "record"})
    assert (page.status_code, Receipt.objects.count()) == (200, 0)


def test_a_deals_income_is_not_found_for_strangers_and_read_only_for_completers(client: Client) -> None:
    setup = build.ready()
    url = reverse("transfer:deal_income", args=[setup.deal.pk])
    client.force_login(setup.people.stranger)
    assert client.get(url).status_code == 404
    client.force_login(setup.lead)
    page = client.get(url)
    assert (page.status_code, 'data-testid="receipt-form"' in page.content.decode()) == (200, False)
    assert client.post(url, {"action": "record"}).status_code == 404


@pytest.mark.usefixtures("settled_lexicon")
def test_the_deals_income_page_reads_a_fixed_number_of_queries(client: Client) -> None:
    counts = []
    for n in (1, 3):
        setup = build.ready()
        for _ in range(n):
            build.distributed(setup, build.cash(setup, amount_yuan=1_000))
        client.force_login(setup.tto)
        url = reverse("transfer:deal_income", args=[setup.deal.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.content.decode().count('data-testid="receipt-row"') == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_income_forms_open_with_todays_date_and_no_id_twice(client: Client) -> None:
    setup = build.ready()
    for _ in range(2):
        build.distributed(setup, build.cash(setup))
    client.force_login(setup.tto)
    html = client.get(reverse("transfer:deal_income", args=[setup.deal.pk])).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    today = timezone.localdate().isoformat()
    # <input type="date"> shows only an ISO value; a localised one (2026/11/24) would leave the field empty.
    assert (f'name="received_on" value="{today}"' in html, sorted({i for i in ids if ids.count(i) > 1})) == (True, [])


def test_a_cash_receipt_shows_no_shares_and_the_page_links_back(client: Client) -> None:
    setup = build.ready()
    build.cash(setup)
    client.force_login(setup.tto)
    html = client.get(reverse("transfer:deal_income", args=[setup.deal.pk])).content.decode()
    row = html[html.index('data-testid="receipt-row"') :]
    cells = re.findall(r'<td class="num[^"]*" data-label="[^"]*">([^<]*)<', row[: row.index("</tr>")])
    assert (cells[-1], f'href="{reverse("transfer:deal", args=[setup.deal.pk])}"' in html) == ("—", True)


def test_the_policy_form_starts_with_the_only_unit_and_todays_date(client: Client) -> None:
    setup = build.setting()
    client.force_login(setup.tto)
    html = client.get(reverse("transfer:income_policies")).content.decode()
    today = timezone.localdate().isoformat()
    selected = f'<option value="{setup.people.university.pk}" selected>'
    assert (selected in html, f'name="effective_from" value="{today}"' in html) == (True, True)


def test_an_empty_statement_says_when_payouts_appear(client: Client) -> None:
    setup = build.setting()
    client.force_login(setup.lead)
    html = client.get(reverse("transfer:statements")).content.decode()
    assert ('data-testid="statement-empty"' in html, reverse("transfer:home") in html) == (True, True)


def test_the_policies_page_and_endpoint_read_as_many_queries_for_three_versions_as_for_one(client: Client) -> None:
    setup = build.setting()
    build.policy(setup)
    client.force_login(setup.tto)
    urls = ("/transfer/policies/", "/api/v1/transfer/policies")
    one = [queries(client, url) for url in urls]
    for later in (1, 2):
        build.policy(setup, effective_from=build.POLICY_FROM + timedelta(days=30 * later))
    assert Policy.objects.filter(institution=setup.people.university).count() == 3
    assert [queries(client, url) for url in urls] == one
