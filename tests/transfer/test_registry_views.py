"""The registry's pages: the seller's form without JavaScript, the registrar's queue and decisions, a
registration's page, and who may open which."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kechuang.transfer.models import Registration
from kechuang.transfer.services import registry as services
from tests.counting import queries
from tests.factories.accounts import UserFactory, make_uscc
from tests.transfer import registry_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled_lexicon")]
TODAY = date(2026, 11, 20)


@pytest.fixture
def people() -> b.Cast:
    return b.cast()


def form_data(people: b.Cast, rows: list[tuple[str, str, str]], **overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organization": str(people.seller.pk),
        "contract_type": "consulting",
        "title": "产线数字化改造咨询",
        "contract_number": "",
        "seller_name": str(people.seller),
        "seller_uscc": people.seller.uscc,
        "seller_region": b.HAIDIAN,
        "buyer_name": "天津滨海智造有限公司",
        "buyer_uscc": people.buyer_uscc,
        "buyer_region": b.BINHAI,
        "field": "",
        "contract_amount": "125万",
        "signed_on": "2026-10-09",
        "effective_on": "2026-10-12",
        "items-TOTAL_FORMS": str(max(len(rows), 3)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
    }
    for index, (kind, label, amount) in enumerate(rows):
        data.update({f"items-{index}-kind": kind, f"items-{index}-label": label, f"items-{index}-amount": amount})
    data.update(overrides)
    return data


def test_the_form_opens_with_the_seller_filled_in(client: Client, people: b.Cast) -> None:
    client.force_login(people.seller_member)
    response = client.get("/transfer/registry/new/")
    assert response.status_code == 200
    form = response.context["form"]
    assert (form["seller_uscc"].value(), form["seller_region"].value()) == (people.seller.uscc, b.HAIDIAN)
    assert response.content.decode().count('data-testid="non-technical-row"') == 3


def test_an_application_from_the_form_with_a_non_technical_row(client: Client, people: b.Cast) -> None:
    client.force_login(people.seller_member)
    response = client.post("/transfer/registry/new/", form_data(people, [("equipment", "服务器", "25万")]))
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/transfer/registry/{registration.pk}/"
    assert (registration.contract_amount_fen, registration.technology_amount_fen) == (125_000_000, 100_000_000)
    assert list(registration.non_technical_lines.values_list("label", "amount_fen")) == [("服务器", 25_000_000)]


def test_add_a_row_shows_one_more_and_keeps_what_was_typed(client: Client, people: b.Cast) -> None:
    client.force_login(people.seller_member)
    data = form_data(people, [("equipment", "服务器", "25万"), ("materials", "芯片", "1万"), ("other", "差旅", "5000")])
    response = client.post("/transfer/registry/new/", {**data, "add_row": "1"})
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="non-technical-row"') == 4
    assert response.context["rows"].forms[1].initial["label"] == "芯片"
    assert response.context["form"].initial["title"] == "产线数字化改造咨询"
    assert Registration.objects.count() == 0


def test_refusals_appear_on_the_fields_and_nothing_is_saved(client: Client, people: b.Cast) -> None:
    client.force_login(people.seller_member)
    response = client.post("/transfer/registry/new/", form_data(people, [], seller_uscc="91110108000000001X"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["seller_uscc"]
    too_much = client.post("/transfer/registry/new/", form_data(people, [("equipment", "设备", "130万")]))
    assert list(too_much.context["form"].errors) == ["contract_amount"]
    bad_row = client.post("/transfer/registry/new/", form_data(people, [("equipment", "", "1万")]))
    assert list(bad_row.context["rows"].forms[0].errors) == ["label"]
    assert Registration.objects.count() == 0


def test_a_duplicate_is_refused_on_the_page(client: Client, people: b.Cast) -> None:
    client.force_login(people.seller_member)
    client.post("/transfer/registry/new/", form_data(people, []))
    response = client.post("/transfer/registry/new/", form_data(people, []), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert Registration.objects.count() == 1
    # The first application's success message is shown on this page too (it followed no redirect).
    assert [m.level_tag for m in response.context["messages"]] == ["success", "error"]


def test_the_registrar_registers_from_the_page_and_the_seller_cannot(client: Client, people: b.Cast) -> None:
    registration = b.submitted(people, now=b.at(TODAY))
    client.force_login(people.seller_member)
    page = client.get(f"/transfer/registry/{registration.pk}/")
    assert (page.status_code, page.context["may_decide"]) == (200, False)
    client.post(f"/transfer/registry/{registration.pk}/decide/", {"action": "register"})
    registration.refresh_from_db()
    assert registration.status == "submitted"

    client.force_login(people.registrar)
    page = client.get(f"/transfer/registry/{registration.pk}/")
    assert (page.context["may_decide"], page.context["duplicates"]) == (True, [])
    response = client.post(f"/transfer/registry/{registration.pk}/decide/", {"action": "register"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.number) == ("registered", "11010820260000001")


def test_return_resubmit_amend_and_terminate_from_the_pages(client: Client, people: b.Cast) -> None:
    registration = b.submitted(people, now=b.at(TODAY))
    client.force_login(people.registrar)
    client.post(f"/transfer/registry/{registration.pk}/decide/", {"action": "return", "reasons": "缺少附件"})
    registration.refresh_from_db()
    assert registration.status == "returned"

    client.force_login(people.seller_member)
    form = client.get(f"/transfer/registry/{registration.pk}/resubmit/")
    assert form.context["rows"].forms[0].initial["label"] == "测试样机"
    data = form_data(
        people, [("equipment", "测试样机", "10万")], contract_type="development", title="力控机械臂控制算法开发"
    )
    data.update({"contract_amount": "100万", "signed_on": "2026-09-01", "effective_on": "2026-09-15", "field": "sei-2"})
    assert client.post(f"/transfer/registry/{registration.pk}/resubmit/", data).status_code == 302
    registration.refresh_from_db()
    assert registration.status == "submitted"
    services.register_contract(actor=people.registrar, registration=registration)

    amended = {**data, "contract_amount": "110万", "reason": "增加验收条款", "benefits_claimed": ["vat_exemption"]}
    response = client.post(f"/transfer/registry/{registration.pk}/amend/", amended)
    amendment = Registration.objects.get(amends=registration)
    assert response["Location"] == f"/transfer/registry/{amendment.pk}/"
    services.register_contract(actor=people.registrar, registration=amendment)

    ended = client.post(
        f"/transfer/registry/{amendment.pk}/terminate/",
        {"reason": "双方解除", "ended_on": str(timezone.localdate()), "benefits_claimed": ["income_tax_relief"]},
    )
    assert ended.status_code == 302
    amendment.refresh_from_db()
    assert (amendment.status, amendment.benefits_claimed) == ("terminated", ["income_tax_relief"])
    page = client.get(f"/transfer/registry/{amendment.pk}/")
    assert 'data-testid="benefits-notice"' in page.content.decode()


def test_strangers_see_nothing_and_only_registrars_see_the_queue(client: Client, people: b.Cast) -> None:
    registration = b.submitted(people, now=b.at(TODAY))
    client.force_login(UserFactory())
    assert client.get(f"/transfer/registry/{registration.pk}/").status_code == 404
    assert client.get(f"/transfer/registry/{registration.pk}/resubmit/").status_code == 404
    assert client.get("/transfer/registry/queue/").status_code == 403
    client.force_login(people.seller_member)
    assert client.get("/transfer/registry/queue/").status_code == 403
    client.logout()
    assert client.get("/transfer/registry/").status_code == 302


def test_the_queue_flags_overdue_applications_and_possible_duplicates(client: Client, people: b.Cast) -> None:
    late = b.submitted(people, b.contract(people, effective_on=date(2026, 9, 2)), now=b.at(date(2026, 9, 2)))
    near = b.with_buyer(b.contract(people, contract_amount=b.Money(1_020_000 * b.YUAN)), uscc=people.buyer_uscc)
    b.submitted(people, near, now=b.at(TODAY))
    client.force_login(people.registrar)
    response = client.get("/transfer/registry/queue/")
    rows = response.context["rows"]
    first = rows[0]
    assert (first["registration"].pk, first["overdue"], len(first["duplicates"])) == (late.pk, True, 1)
    assert 'data-testid="duplicate-flag"' in response.content.decode()


def test_list_pages_read_as_many_queries_for_three_rows_as_for_one(client: Client, people: b.Cast) -> None:
    b.submitted(people, now=b.at(TODAY))
    client.force_login(people.seller_member)
    mine = queries(client, "/transfer/registry/")
    client.force_login(people.registrar)
    queue = queries(client, "/transfer/registry/queue/")
    for n in range(2):
        b.submitted(people, b.with_buyer(b.contract(people), uscc=make_uscc(600 + n)), now=b.at(TODAY))
    client.force_login(people.seller_member)
    assert queries(client, "/transfer/registry/") == mine
    client.force_login(people.registrar)
    assert queries(client, "/transfer/registry/queue/") == queue
