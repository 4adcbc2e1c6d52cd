"""Researchers' statements: their own payouts with running totals by year and tax treatment, the unit's view for
its officers, the CSV, and a payout's ledger receipt and disclosure verified offline by ``kechuang ledger verify``."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from kechuang.ledger.keys import log_signer
from kechuang.ledger.services import integrate_all
from kechuang.transfer.enums import DealKind, ReceiptKind
from kechuang.transfer.models import Payout
from kechuang.transfer.selectors import statements
from kechuang.transfer.services import income
from tests.transfer import income_builders as build

pytestmark = pytest.mark.django_db
KECHUANG = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kechuang"


def _paid(setup: build.Income, *amounts_yuan: int) -> None:
    for amount in amounts_yuan:
        build.distributed(setup, build.cash(setup, amount_yuan=amount))


def test_the_researcher_sees_each_payout_with_the_years_running_total_and_its_tax_treatment(client: Client) -> None:
    setup = build.ready()
    _paid(setup, 1_000_000, 10_000)
    client.force_login(setup.lead)
    with translation.override("en"):
        page = client.get(reverse("transfer:statements"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    found = statements.statement(statements.payouts(user=setup.lead))
    assert (page.status_code, [row.cash.fen for row in found.rows], [row.year_cash.fen for row in found.rows]) == (
        200,
        [48_500_000, 485_000],
        [48_500_000, 48_985_000],
    )
    assert (html.count('data-testid="statement-row"'), "¥4,850.00" in html, "¥489,850.00" in html) == (2, True, True)
    assert ("财税〔2018〕58号" in html, "Caishui [2018] No. 58" in html, "JH-2026-001" in html) == (False, True, True)
    assert 'data-tag="cash_reward_half_wage"' in html


def test_a_stranger_sees_an_empty_statement_and_no_one_elses_payouts(client: Client) -> None:
    setup = build.ready()
    _paid(setup, 1_000)
    payout = Payout.objects.get(user=setup.lead)
    client.force_login(setup.people.stranger)
    page = client.get(reverse("transfer:statements"))
    answers = [
        client.get(reverse("transfer:payout_receipt", args=[payout.pk])).status_code,
        client.get(reverse("transfer:payout_disclosure", args=[payout.pk])).status_code,
        client.get(reverse("transfer:statements") + f"?unit={setup.people.university.pk}").status_code,
        client.get(reverse("transfer:income_distribution", args=[payout.distribution_id])).status_code,
    ]
    assert (page.content.decode().count('data-testid="statement-row"'), answers) == (0, [404, 404, 404, 404])
    client.force_login(setup.people.member)  # a completer of the same team: their own payout only
    assert client.get(reverse("transfer:payout_disclosure", args=[payout.pk])).status_code == 404


def test_the_units_officers_see_every_payout_of_the_unit(client: Client) -> None:
    setup = build.ready()
    _paid(setup, 1_000)
    client.force_login(setup.tto)
    page = client.get(reverse("transfer:statements") + f"?unit={setup.people.university.pk}")
    mine = client.get(reverse("transfer:statements"))
    assert (
        page.status_code,
        page.content.decode().count('data-testid="statement-row"'),
        mine.content.decode().count('data-testid="statement-row"'),
    ) == (200, 3, 0)


def test_cash_and_shares_have_running_totals_of_their_own() -> None:
    setup = build.ready(kind=DealKind.EQUITY)
    build.distributed(setup, build.cash(setup, amount_yuan=1_000))
    build.distributed(setup, build.cash(setup, kind=ReceiptKind.EQUITY_GRANT, gross=None, shares=12_500_000))
    found = statements.statement(statements.payouts(user=setup.lead))
    year = timezone.localdate().year
    assert [(row.cash.fen, row.shares, row.year_cash.fen, row.year_shares) for row in found.rows] == [
        (48_500, 0, 48_500, 0),
        (0, 5_625_000, 48_500, 5_625_000),
    ]
    assert [(total.year, total.cash.fen, total.shares, total.payouts) for total in found.years] == [
        (year, 48_500, 5_625_000, 2)
    ]


def test_a_reversal_shows_as_negative_lines_and_the_total_returns_to_zero() -> None:
    setup = build.ready()
    receipt = build.cash(setup, amount_yuan=1_000)
    build.distributed(setup, receipt)
    build.distributed(setup, income.record_reversal(actor=setup.tto, receipt=receipt, received_on=timezone.localdate()))
    found = statements.statement(statements.payouts(user=setup.lead))
    assert ([row.cash.fen for row in found.rows], found.cash.fen) == ([48_500, -48_500], 0)


def test_the_csv_has_one_row_per_payout_with_yuan_to_the_fen(client: Client) -> None:
    setup = build.ready()
    _paid(setup, 1_000_000)
    client.force_login(setup.lead)
    response = client.get(reverse("transfer:statements_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (response["Content-Type"], len(rows)) == ("text/csv; charset=utf-8", 1)
    row = rows[0]
    assert (
        row["cash_yuan"],
        row["contract_number"],
        row["share_percent"],
        row["policy_version"],
        row["receipt_kind"],
    ) == (
        "485000.00",
        "JH-2026-001",
        "50.00",
        "1",
        "upfront",
    )
    assert "财税〔2018〕58号" in row["tax_treatment"] or "Caishui" in row["tax_treatment"]


@pytest.mark.usefixtures("settled_lexicon")
def test_the_statement_page_reads_a_fixed_number_of_queries(client: Client) -> None:
    counts = []
    for n in (1, 3):
        setup = build.ready()
        _paid(setup, *([1_000] * n))
        client.force_login(setup.lead)
        client.get(reverse("transfer:statements"))
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("transfer:statements"))
        assert page.content.decode().count('data-testid="statement-row"') == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_researcher_verifies_their_payouts_receipt_and_disclosure_offline(client: Client, tmp_path: Path) -> None:
    setup = build.ready()
    _paid(setup, 1_000_000)
    integrate_all()
    payout = Payout.objects.get(user=setup.lead)
    client.force_login(setup.lead)
    receipt = client.get(reverse("transfer:payout_receipt", args=[payout.pk]))
    disclosure = client.get(reverse("transfer:payout_disclosure", args=[payout.pk]))
    assert (receipt.status_code, disclosure.status_code) == (200, 200)
    (tmp_path / "payout.tlog-proof").write_bytes(receipt.content)
    (tmp_path / "payout.json").write_bytes(disclosure.content)
    vkey = log_signer().vkey
    verified = subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [
            str(KECHUANG),
            "ledger",
            "verify",
            str(tmp_path / "payout.tlog-proof"),
            "--vkey",
            vkey,
            "--entry",
            str(tmp_path / "payout.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (verified.returncode, verified.stderr) == (0, ""), verified.stdout
    assert "the disclosed record and salt open the logged commitment" in verified.stdout
    # The same receipt from the API, and a disclosure with a changed amount does not open it.
    api = client.get(f"/api/v1/transfer/payouts/{payout.pk}/receipt")
    tampered = disclosure.content.decode().replace("48500000", "48500001")
    (tmp_path / "tampered.json").write_text(tampered, encoding="utf-8")
    refused = subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [
            str(KECHUANG),
            "ledger",
            "verify",
            str(tmp_path / "payout.tlog-proof"),
            "--vkey",
            vkey,
            "--entry",
            str(tmp_path / "tampered.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (api.status_code, refused.returncode != 0) == (200, True)
