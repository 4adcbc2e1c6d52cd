"""What a newcomer meets on the registry's pages: a way from one's own list to the registrar's queue, optional
non-technical rows that do not claim to be required, empty lists that say what to do, and statistics whose
filter shows the period and whose charts keep the years in order."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kechuang.core.money import Money
from kechuang.transfer.models import Registration
from tests.factories.accounts import make_uscc
from tests.transfer import registry_builders as b
from tests.transfer.test_registry_views import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled_lexicon")]
YI = 10**10  # fen in 100 million yuan


@pytest.fixture
def people() -> b.Cast:
    return b.cast()


def test_the_registrar_reaches_the_queue_from_the_list_and_the_seller_does_not_see_it(
    client: Client, people: b.Cast
) -> None:
    queue = f'href="{reverse("transfer:registry_queue")}"'
    seen = {}
    for name, user in (("registrar", people.registrar), ("seller", people.seller_member)):
        client.force_login(user)
        seen[name] = queue in client.get(reverse("transfer:registry_mine")).content.decode()
    assert seen == {"registrar": True, "seller": False}


def test_an_empty_list_says_how_to_apply(client: Client, people: b.Cast) -> None:
    client.force_login(people.seller_member)
    html = client.get(reverse("transfer:registry_mine")).content.decode()
    empty = html[html.index('data-testid="registrations-empty"') :]
    assert (reverse("transfer:home") in html, "<p>" in empty[: empty.index("</div>")]) == (True, True)


def test_the_optional_rows_are_not_marked_required_and_a_begun_row_needs_all_its_parts(
    client: Client, people: b.Cast
) -> None:
    client.force_login(people.seller_member)
    page = client.get(reverse("transfer:registry_submit")).content.decode()
    row = page[page.index('data-testid="non-technical-row"') :]
    row = row[: row.index("</fieldset>")]
    begun = client.post(reverse("transfer:registry_submit"), form_data(people, [("", "服务器", "")]))
    errors: dict[str, Any] = begun.context["rows"].forms[0].errors
    assert ('class="required"' in row, sorted(errors), Registration.objects.count()) == (False, ["amount", "kind"], 0)
    assert 'class="message error form-errors"' in begun.content.decode()


def test_the_statistics_filter_shows_the_period_and_the_chart_keeps_every_year(client: Client, people: b.Cast) -> None:
    for serial, year in enumerate((2013, 2016), start=1):
        spec = b.with_buyer(
            b.contract(
                people,
                contract_amount=Money(YI),
                non_technical=[],
                signed_on=date(year, 1, serial),
                effective_on=date(year, 2, 1),
            ),
            uscc=make_uscc(600_000 + serial),
            region=b.BINHAI,
        )
        b.registered(people, spec, now=b.at(date(year, 6, 1)))
    html = client.get(reverse("transfer:registry_statistics")).content.decode()
    charts = json.loads(re.search(r'id="registry-charts"[^>]*>([^<]+)<', html).group(1))  # type: ignore[union-attr]
    assert ('name="start" id="id_start" value="2013"' in html, 'name="end" id="id_end" value="2016"' in html) == (
        True,
        True,
    )
    assert (charts["turnover"]["years"], charts["turnover"]["contracts"]) == ([2013, 2014, 2015, 2016], [1, 0, 0, 1])
    assert charts["jingjinji"]["years"] == [2013, 2014, 2015, 2016]
