"""Registry statistics read from the tally: turnover, the Beijing → Tianjin/Hebei flow, growth with its
formula; the public page, its downloads and the API."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client

from kechuang.accounts.enums import Role
from kechuang.core.money import Money
from kechuang.transfer.models import Registration
from kechuang.transfer.selectors import registry_stats as stats
from kechuang.transfer.services import registry as services
from tests.counting import queries
from tests.factories.accounts import MembershipFactory, OrganizationFactory, make_uscc
from tests.transfer import registry_builders as b

pytestmark = pytest.mark.django_db
YI = 10**10  # fen in 100 million yuan


@pytest.fixture
def people() -> b.Cast:
    return b.cast()


def flow(
    people: b.Cast, *, year: int, buyer_region: str, fen: int, serial: int, contract_type: str = "development"
) -> None:
    """A contract from the Haidian seller, registered in ``year``, worth ``fen`` with no non-technical items."""
    spec = b.with_buyer(
        b.contract(
            people,
            contract_type=contract_type,
            contract_amount=Money(fen),
            non_technical=[],
            signed_on=date(year, 1, 1 + serial),
            effective_on=date(year, 2, 1),
        ),
        uscc=make_uscc(500_000 + serial),
        region=buyer_region,
    )
    b.registered(people, spec, now=b.at(date(year, 6, 1)))


@pytest.fixture
def flows(people: b.Cast) -> None:
    """The seed's endpoints: Beijing → Tianjin and Hebei, 7.12 billion yuan in 2013 and 74.87 billion in 2023."""
    flow(people, year=2013, buyer_region=b.BINHAI, fen=412 * YI // 10, serial=1)
    flow(people, year=2013, buyer_region=b.SHIJIAZHUANG_CHANGAN, fen=300 * YI // 10, serial=2, contract_type="licence")
    flow(people, year=2023, buyer_region=b.BINHAI, fen=4087 * YI // 10, serial=3)
    flow(people, year=2023, buyer_region=b.SHIJIAZHUANG_CHANGAN, fen=3400 * YI // 10, serial=4)
    flow(
        people, year=2023, buyer_region="310104", fen=10 * YI, serial=5, contract_type="service"
    )  # Shanghai: not in the flow


def test_turnover_by_year_and_type_comes_from_the_tally(flows: None) -> None:
    by_year = [(r.key["year"], r.contracts, r.technology_amount_fen) for r in stats.turnover(by=("year",))]
    assert by_year == [(2013, 2, 712 * YI // 10), (2023, 3, 7587 * YI // 10)]
    by_type = {r.key["contract_type"]: r.contracts for r in stats.turnover(by=("contract_type",), start=2013, end=2013)}
    assert by_type == {"development": 1, "licence": 1}


def test_the_flow_matrix_and_the_beijing_tianjin_hebei_growth(flows: None) -> None:
    matrix = [(r.key["seller_province"], r.key["buyer_province"], r.contracts) for r in stats.flow_matrix()]
    assert matrix == [("110000", "120000", 2), ("110000", "130000", 2), ("110000", "310000", 1)]
    origin, destinations = stats.JINGJINJI
    totals = stats.yearly_totals(stats.flows_from(origin, destinations))
    assert totals == {2013: 712 * YI // 10, 2023: 7487 * YI // 10}
    growth = stats.growth(totals, start=2013, end=2023)
    # (74.87 / 7.12)^(1/10) − 1 = 0.26527…, the 26.5 % a year the city reports.
    assert growth.rate == pytest.approx(0.265269, abs=1e-6)
    assert growth.formula == "CAGR = (v2/v1)^(1/(y2−y1)) − 1 = (748.70 / 71.20)^(1/(2023 − 2013)) − 1 = 26.53% (亿元)"
    assert [(y.year, y.rate) for y in growth.year_on_year] == [(2013, None), (2023, None)]


def test_growth_is_undefined_without_both_ends() -> None:
    assert stats.growth({2014: 5}, start=2013, end=2015).formula == ""
    yoy = stats.growth({2013: 100, 2014: 150, 2015: 0}, start=2013, end=2015, money=False)
    assert [(y.year, y.rate) for y in yoy.year_on_year] == [(2013, None), (2014, 0.5), (2015, -1.0)]
    assert (yoy.rate, yoy.formula) == (
        -1.0,
        "CAGR = (v2/v1)^(1/(y2−y1)) − 1 = (0 / 100)^(1/(2015 − 2013)) − 1 = -100.00%",
    )


def test_the_public_page_labels_registry_and_published_figures(client: Client, flows: None) -> None:
    response = client.get("/transfer/statistics/?start=2013&end=2023", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert ('data-source="registry"' in page, 'data-source="published"' in page) == (True, True)
    assert ('data-testid="growth-jingjinji"' in page, "(748.70 / 71.20)" in page) == (True, True)
    assert response.context["totals"]["contracts"] == 5


STATISTICS_URLS = (
    "/transfer/statistics/",
    "/transfer/statistics/download.csv?table=turnover",
    "/transfer/statistics/download.json?table=flows",
    "/api/v1/transfer/statistics",
    "/api/v1/transfer/statistics/flows",
    "/api/v1/transfer/statistics/growth?start=2020&end=2024",
    "/api/v1/transfer/statistics/published",
)


def test_the_page_downloads_and_endpoints_read_a_fixed_number_of_queries(client: Client, people: b.Cast) -> None:
    flow(people, year=2020, buyer_region=b.BINHAI, fen=YI, serial=1)
    one = [queries(client, url) for url in STATISTICS_URLS]
    for serial in range(2, 5):
        flow(people, year=2020 + serial, buyer_region=b.SHIJIAZHUANG_CHANGAN, fen=YI, serial=serial)
    assert min(one) > 0
    assert [queries(client, url) for url in STATISTICS_URLS] == one


def test_csv_and_json_downloads(client: Client, flows: None) -> None:
    response = client.get("/transfer/statistics/download.csv?table=turnover&by=year,buyer_province&start=2023")
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "source",
        "year",
        "buyer_province",
        "buyer_province_name",
        "contracts",
        "contract_amount_fen",
        "technology_amount_fen",
    ]
    assert [row[:3] + row[4:5] for row in rows[1:]] == [
        ["registry", "2023", "120000", "1"],
        ["registry", "2023", "130000", "1"],
        ["registry", "2023", "310000", "1"],
    ]
    flows_json = client.get("/transfer/statistics/download.json?table=flows").json()
    assert (flows_json["table"], flows_json["source"], len(flows_json["rows"])) == ("flows", "registry", 5)
    assert client.get("/transfer/statistics/download.xml").status_code == 404
    assert client.get("/transfer/statistics/download.csv?table=turnover&by=colour").status_code == 404


def test_the_statistics_api(client: Client, flows: None) -> None:
    body = client.get("/api/v1/transfer/statistics?by=year,contract_type&start=2013&end=2013").json()
    assert body == {
        "source": "registry",
        "by": ["year", "contract_type"],
        "start": 2013,
        "end": 2013,
        "rows": [
            {
                "year": 2013,
                "contract_type": "development",
                "field": None,
                "seller_province": None,
                "buyer_province": None,
                "contracts": 1,
                "contract_amount_fen": 412 * YI // 10,
                "technology_amount_fen": 412 * YI // 10,
            },
            {
                "year": 2013,
                "contract_type": "licence",
                "field": None,
                "seller_province": None,
                "buyer_province": None,
                "contracts": 1,
                "contract_amount_fen": 300 * YI // 10,
                "technology_amount_fen": 300 * YI // 10,
            },
        ],
    }
    csv_response = client.get("/api/v1/transfer/statistics?by=seller_province&format=csv")
    assert csv_response.content.decode().splitlines()[1].startswith("registry,110000,")
    growth = client.get("/api/v1/transfer/statistics/growth?start=2013&end=2023").json()
    assert (growth["source"], growth["series"], growth["start_value"], growth["end_value"]) == (
        "registry",
        "110000→120000,130000:technology_amount_fen",
        712 * YI // 10,
        7487 * YI // 10,
    )
    assert growth["formula"].endswith("= 26.53% (亿元)")
    matrix = client.get("/api/v1/transfer/statistics/flows?start=2023").json()
    assert [(r["seller_province"], r["buyer_province"]) for r in matrix["rows"]] == [
        ("110000", "120000"),
        ("110000", "130000"),
        ("110000", "310000"),
    ]
    refused = client.get("/api/v1/transfer/statistics?by=colour")
    assert (refused.status_code, refused.json()["code"], list(refused.json()["errors"])) == (
        422,
        "validation_error",
        ["by"],
    )


def test_ended_contracts_leave_the_statistics(people: b.Cast) -> None:
    flow(people, year=2024, buyer_region=b.BINHAI, fen=YI, serial=1)
    registration = Registration.objects.get()
    services.cancel_registration(actor=people.registrar, registration=registration, reason="撤销")
    assert stats.turnover(by=("year",)) == []
    assert stats.registry_years() is None


def test_an_intermediary_applies_for_a_seller_off_the_platform(people: b.Cast) -> None:
    # Not a statistics rule, but it decides whose province a contract counts for: the seller's, not the applicant's.
    agent_org = OrganizationFactory(region="120101")
    agent = MembershipFactory(organization=agent_org, role=Role.MEMBER).user
    spec = b.with_seller(b.contract(people), uscc=make_uscc(4242), name="外地卖方", region="440305")
    registration = services.submit_registration(actor=agent, organization=agent_org, contract=spec)
    services.register_contract(actor=people.registrar, registration=registration)
    assert [(r.key["seller_province"], r.contracts) for r in stats.turnover(by=("seller_province",))] == [("440000", 1)]
