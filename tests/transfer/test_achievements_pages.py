"""The achievement pages: the register and edit forms (bilingual inputs, completers one per line), the unit's
list with its filters, and a fixed number of queries however many rows a list shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kechuang.transfer.models import Achievement
from tests.counting import queries
from tests.transfer import achievement_builders as build

pytestmark = pytest.mark.django_db


def form_body(people: build.Cast, **overrides: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "owner": people.university.pk,
        "kind": "invention_patent",
        "title_zh": "柔顺关节力矩传感器",
        "title_en": "Compliant joint torque sensor",
        "summary_zh": "应变式关节力矩传感器，过载保护。",
        "ip_status": "filed",
        "ip_number": build.patent("202310123456"),
        "trl": "5",
        "funding": "北京市自然科学基金 | L223001\n企业横向",
        "sectors": ["sei-2"],
        "registered_on": str(timezone.localdate() - timedelta(days=3)),
        "completers": f"@{people.lead.username} | 66.67 | lead\n@{people.member.username} | 33.33\n",
    }
    body.update(overrides)
    return body


def test_the_tto_registers_through_the_form(client: Client) -> None:
    people = build.cast()
    client.force_login(people.tto)
    assert client.get(reverse("transfer:achievement_create")).status_code == 200
    response = client.post(reverse("transfer:achievement_create"), form_body(people))
    achievement = Achievement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("transfer:achievement", args=[achievement.pk])
    assert achievement.title == {"zh-hans": "柔顺关节力矩传感器", "en": "Compliant joint torque sensor"}
    assert achievement.funding == [
        {"source": "北京市自然科学基金", "number": "L223001"},
        {"source": "企业横向", "number": ""},
    ]
    rows = list(achievement.completers.values_list("user_id", "contribution_bp", "is_lead"))
    assert rows == [(people.lead.pk, 6667, True), (people.member.pk, 3333, False)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"completers": "@nobody | 100 | lead"}, "completers"),
        ({"completers": "陈思远 | 60 | lead\n王工 | 30"}, "completers"),  # adds up to 90%
        ({"completers": "陈思远 | 33.333 | lead"}, "completers"),  # finer than a basis point
        ({"ip_number": "202310123456.0"}, "ip_number"),
        ({"kind": "technical_secret", "ip_status": "secret"}, "ip_number"),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(
    client: Client, overrides: dict[str, str], field: str
) -> None:
    people = build.cast()
    client.force_login(people.tto)
    response = client.post(reverse("transfer:achievement_create"), form_body(people, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Achievement.objects.count() == 0


def test_a_stranger_has_no_unit_to_register_for(client: Client) -> None:
    people = build.cast()
    client.force_login(people.stranger)
    response = client.post(reverse("transfer:achievement_create"), form_body(people))
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert Achievement.objects.count() == 0


def test_the_edit_form_keeps_the_registration_date(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    client.force_login(people.tto)
    url = reverse("transfer:achievement_edit", args=[achievement.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = form_body(people, registered_on="2001-01-01", trl="8")
    assert client.post(url, body).status_code == 302
    achievement.refresh_from_db()
    assert (achievement.trl, achievement.registered_on) == (8, timezone.localdate() - timedelta(days=30))
    client.force_login(people.lead)
    assert client.get(url).status_code == 404


def test_the_list_shows_the_units_results_and_the_idle_ones(client: Client) -> None:
    people = build.cast()
    build.register(people)
    build.register(people, registered_on=timezone.localdate() - timedelta(days=400), title={"zh-hans": "闲置成果"})
    client.force_login(people.tto)
    url = reverse("transfer:achievements")
    assert client.get(url).content.decode().count('data-testid="achievement-row"') == 2
    idle = client.get(url, {"idle": "on"}).content.decode()
    assert (idle.count('data-testid="achievement-row"'), "闲置成果" in idle) == (1, True)
    client.force_login(people.lead)  # a completer sees the results they completed
    assert client.get(url).content.decode().count('data-testid="achievement-row"') == 2
    client.force_login(people.stranger)
    assert client.get(url).content.decode().count('data-testid="achievement-row"') == 0


@pytest.mark.usefixtures("settled_lexicon")
def test_the_list_and_its_endpoint_read_as_many_queries_for_three_rows_as_for_one(client: Client) -> None:
    people = build.cast()
    build.register(people)
    client.force_login(people.tto)
    page, api = reverse("transfer:achievements"), "/api/v1/transfer/achievements"
    one = (queries(client, page), queries(client, api))
    build.register(people, title={"zh-hans": "二"})
    build.register(people, title={"zh-hans": "三"})
    assert (queries(client, page), queries(client, api)) == one


@pytest.mark.usefixtures("settled_lexicon")
def test_an_achievements_page_reads_a_fixed_number_of_queries(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    client.force_login(people.tto)
    url = reverse("transfer:achievement", args=[achievement.pk])
    before = queries(client, url)
    build.open_deal(people, achievement)
    build.open_deal(people, achievement, licence_scope="non_exclusive")
    assert queries(client, url) == before


def test_the_register_form_starts_with_the_only_unit_and_todays_date(client: Client) -> None:
    people = build.cast()
    client.force_login(people.tto)
    html = client.get(reverse("transfer:achievement_create")).content.decode()
    # <input type="date"> shows only an ISO value; a localised one (2026/11/24) would leave it empty.
    date_input = f'name="registered_on" value="{timezone.localdate().isoformat()}"'
    unit_option = f'<option value="{people.university.pk}" selected>'
    assert (date_input in html, unit_option in html, 'type="checkbox" name="sectors"' in html) == (True, True, True)


def test_the_achievements_page_links_its_team_split_for_those_allowed(client: Client) -> None:
    people = build.cast()
    achievement = build.register(people)
    url = reverse("transfer:achievement", args=[achievement.pk])
    split = f'href="{reverse("transfer:income_split", args=[achievement.pk])}"'
    seen = {}
    for name, user in (("tto", people.tto), ("lead", people.lead), ("company", people.company_admin)):
        client.force_login(user)
        seen[name] = split in client.get(url).content.decode()
    client.logout()
    seen["public"] = split in client.get(url).content.decode()
    assert seen == {"tto": True, "lead": True, "company": False, "public": False}


def test_an_empty_list_says_what_to_do(client: Client) -> None:
    people = build.cast()
    client.force_login(people.tto)
    html = client.get(reverse("transfer:achievements")).content.decode()
    assert ('data-testid="achievements-empty"' in html, reverse("transfer:home") in html) == (True, True)
