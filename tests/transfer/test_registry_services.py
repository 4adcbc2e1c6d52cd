"""The registry's services: applying, deciding, correcting, amending and ending, with the tally, the
history and the ledger kept in step; every refusal changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from kechuang.accounts.enums import Role
from kechuang.core.errors import DomainError
from kechuang.core.money import Money
from kechuang.ledger.models import Entry
from kechuang.transfer import registry_terms as terms
from kechuang.transfer.models import NonTechnicalLine, Registration, RegistrationEvent, RegistryTally
from kechuang.transfer.selectors import registry as selectors
from kechuang.transfer.services import registry as services
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory, make_uscc
from tests.transfer import registry_builders as b
from tests.transfer.registry_builders import YUAN

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


@pytest.fixture
def people() -> b.Cast:
    return b.cast()


def snapshot() -> dict[str, Any]:
    """Everything a registry step may write, to show that a refused step wrote none of it."""
    return {
        "registrations": list(Registration.objects.order_by("id").values()),
        "lines": list(NonTechnicalLine.objects.order_by("id").values()),
        "events": RegistrationEvent.objects.count(),
        "tally": list(RegistryTally.objects.order_by("id").values()),
        "entries": Entry.objects.count(),
    }


def refused(step: Callable[[], object]) -> DomainError:
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        step()
    assert snapshot() == before
    return caught.value


# ---------------------------------------------------------------- the happy path


def test_an_application_computes_the_technology_amount_and_derives_the_provinces(people: b.Cast) -> None:
    registration = b.submitted(people, now=b.at(TODAY))
    assert (registration.status, registration.number, registration.applicant_id) == (
        "submitted",
        None,
        people.seller_member.pk,
    )
    assert (registration.contract_amount_fen, registration.non_technical_fen, registration.technology_amount_fen) == (
        1_000_000 * YUAN,
        100_000 * YUAN,
        900_000 * YUAN,
    )
    assert (registration.seller_province, registration.buyer_province) == ("110000", "120000")
    assert list(registration.non_technical_lines.values_list("kind", "label", "amount_fen")) == [
        ("equipment", "测试样机", 100_000 * YUAN)
    ]
    assert list(registration.events.values_list("from_status", "to_status")) == [("", "submitted")]
    assert list(Entry.objects.filter(subject=f"transfer.registration:{registration.pk}").values_list("kind")) == [
        ("transfer.registration_step",)
    ]
    assert RegistryTally.objects.count() == 0


def test_registering_numbers_counts_and_logs_the_contract(people: b.Cast) -> None:
    first = b.registered(people, now=b.at(TODAY))
    second = b.registered(people, b.contract(people, signed_on=date(2026, 9, 2)), now=b.at(TODAY))
    assert (first.status, first.number, second.number) == ("registered", "11010820260000001", "11010820260000002")
    assert (first.registered_on, first.year, first.registrar_id) == (TODAY, 2026, people.registrar.pk)
    assert list(
        RegistryTally.objects.values_list(
            "year", "contract_type", "field", "seller_province", "buyer_province", "contracts", "technology_amount_fen"
        )
    ) == [(2026, "development", "sei-2", "110000", "120000", 2, 1_800_000 * YUAN)]
    kinds = list(Entry.objects.filter(subject=f"transfer.registration:{first.pk}").order_by("id").values_list("kind"))
    assert kinds == [
        ("transfer.registration_step",),
        ("transfer.registration_contract",),
        ("transfer.registration",),
    ]
    public = json.loads(bytes(first.ledger_entry.body))  # type: ignore[union-attr]
    details = json.loads(
        bytes(
            Entry.objects.get(subject=f"transfer.registration:{first.pk}", kind="transfer.registration_contract").body
        )
    )
    assert public["record"]["number"] == "11010820260000001"
    assert public["record"]["contract"] == details["commitment"]
    assert "record" not in details  # the contract's details are only committed, never published
    assert selectors.tally_differences() == []


def test_a_returned_application_is_corrected_resubmitted_and_registered(people: b.Cast) -> None:
    registration = b.submitted(people, now=b.at(TODAY))
    services.return_registration(actor=people.registrar, registration=registration, reasons="设备清单缺少发票")
    registration.refresh_from_db()
    assert (registration.status, registration.return_reasons) == ("returned", "设备清单缺少发票")
    corrected = b.contract(
        people,
        non_technical=[services.NonTechnicalSpec(kind="equipment", label="测试样机", amount=Money(80_000 * YUAN))],
    )
    services.resubmit_registration(actor=people.seller_member, registration=registration, contract=corrected)
    registration.refresh_from_db()
    assert (registration.status, registration.technology_amount_fen, registration.return_reasons) == (
        "submitted",
        920_000 * YUAN,
        "",
    )
    services.register_contract(actor=people.registrar, registration=registration)
    assert list(registration.events.values_list("to_status", flat=True)) == [
        "submitted",
        "returned",
        "submitted",
        "registered",
    ]
    assert selectors.tally_differences() == []


def test_an_amendment_supersedes_the_registration_and_moves_the_tally(people: b.Cast) -> None:
    original = b.registered(people, now=b.at(date(2026, 9, 20)))
    amended_contract = b.contract(
        people,
        contract_amount=Money(1_200_000 * YUAN),
        buyer=services.Party(name="河北冀研制造有限公司", region=b.SHIJIAZHUANG_CHANGAN),
    )
    amendment = services.amend_registration(
        actor=people.seller_member,
        registration=original,
        contract=amended_contract,
        reason="增加第二期开发内容",
        benefits_claimed=["vat_exemption"],
        now=b.at(TODAY),
    )
    # Until the amendment is registered, the original still counts.
    assert list(RegistryTally.objects.filter(contracts__gt=0).values_list("buyer_province", "contracts")) == [
        ("120000", 1)
    ]
    services.register_contract(actor=people.registrar, registration=amendment, now=b.at(TODAY))
    original.refresh_from_db()
    amendment.refresh_from_db()
    assert (original.status, original.benefits_claimed, amendment.status, amendment.amends_id) == (
        "superseded",
        ["vat_exemption"],
        "registered",
        original.pk,
    )
    assert amendment.fingerprint == terms.fingerprint(
        seller_uscc=people.seller.uscc or "",
        buyer_uscc="",
        buyer_name="河北冀研制造有限公司",
        contract_type="development",
        contract_amount_fen=1_200_000 * YUAN,
        signed_on=date(2026, 9, 1),
    )
    assert list(
        RegistryTally.objects.filter(contracts__gt=0).values_list("year", "buyer_province", "technology_amount_fen")
    ) == [(2026, "130000", 1_100_000 * YUAN)]
    assert selectors.tally_differences() == []
    end = Entry.objects.get(subject=f"transfer.registration:{original.pk}", kind="transfer.registration_end")
    assert json.loads(bytes(end.body))["record"]["superseded_by"] == amendment.number


def test_an_amendment_that_changes_no_fingerprinted_field_can_wait_beside_its_original(people: b.Cast) -> None:
    original = b.registered(people, now=b.at(TODAY))
    amendment = services.amend_registration(
        actor=people.seller_member,
        registration=original,
        contract=b.contract(people, title="力控机械臂控制算法开发（更正）"),
        reason="更正合同名称",
    )
    services.register_contract(actor=people.registrar, registration=amendment)
    amendment.refresh_from_db()
    assert (amendment.status, amendment.fingerprint) == ("registered", original.fingerprint)


@pytest.mark.parametrize("end", ["terminate", "cancel"])
def test_an_ending_takes_the_contract_out_and_lists_the_benefits_to_report(people: b.Cast, end: str) -> None:
    registration = b.registered(people, now=b.at(TODAY))
    benefits = ["income_tax_relief", "vat_exemption"]
    if end == "terminate":
        services.terminate_registration(
            actor=people.seller_member,
            registration=registration,
            reason="双方协商解除",
            ended_on=TODAY,
            benefits_claimed=benefits,
            now=b.at(TODAY),
        )
    else:
        services.cancel_registration(
            actor=people.registrar, registration=registration, reason="虚假申报", benefits_claimed=benefits
        )
    registration.refresh_from_db()
    assert registration.status == {"terminate": "terminated", "cancel": "cancelled"}[end]
    # Benefits are kept in the order of the table, whatever order they were ticked in.
    assert [b.code for b in selectors.benefits_to_report(registration)] == ["vat_exemption", "income_tax_relief"]
    assert list(RegistryTally.objects.values_list("contracts", "technology_amount_fen")) == [(0, 0)]
    assert selectors.tally_differences() == []


# ---------------------------------------------------------------- refusals change nothing


def test_an_invalid_uscc_is_refused(people: b.Cast) -> None:
    bad = b.with_seller(b.contract(people), uscc="91110108000000001X")
    error = refused(lambda: b.submitted(people, bad))
    assert (error.code, list(error.errors)) == ("validation_error", ["seller_uscc"])
    bad_buyer = b.with_buyer(b.contract(people), uscc="12345")
    assert list(refused(lambda: b.submitted(people, bad_buyer)).errors) == ["buyer_uscc"]


@pytest.mark.parametrize("fen", [0, -1, -100_000 * YUAN, 2**63])
def test_a_contract_amount_of_zero_or_less_or_beyond_the_database_is_refused(people: b.Cast, fen: int) -> None:
    error = refused(lambda: b.submitted(people, b.contract(people, contract_amount=Money(fen), non_technical=[])))
    assert (error.code, list(error.errors)) == ("validation_error", ["contract_amount_fen"])


def test_a_negative_non_technical_item_is_refused(people: b.Cast) -> None:
    items = [services.NonTechnicalSpec(kind="materials", label="耗材", amount=Money(-1))]
    error = refused(lambda: b.submitted(people, b.contract(people, non_technical=items)))
    assert list(error.errors) == ["non_technical.0"]


@pytest.mark.parametrize("deducted_yuan", [1_000_000, 1_500_000])
def test_deductions_that_leave_no_technology_amount_are_refused(people: b.Cast, deducted_yuan: int) -> None:
    items = [
        services.NonTechnicalSpec(kind="equipment", label="设备", amount=Money(deducted_yuan * YUAN // 2)),
        services.NonTechnicalSpec(kind="construction", label="安装", amount=Money(deducted_yuan * YUAN // 2)),
    ]
    error = refused(lambda: b.submitted(people, b.contract(people, non_technical=items)))
    assert (error.code, list(error.errors)) == ("validation_error", ["non_technical"])


def test_bad_regions_types_and_dates_are_all_reported_at_once(people: b.Cast) -> None:
    spec = b.with_buyer(
        b.contract(people, contract_type="brokerage", signed_on=date(2026, 9, 20), effective_on=date(2026, 9, 1)),
        region="130100",  # 石家庄市: a prefecture, not its district
    )
    spec = b.with_seller(spec, region="999999")
    error = refused(lambda: b.submitted(people, spec))
    assert sorted(error.errors) == ["buyer_region", "contract_type", "effective_on", "seller_region"]


def test_a_duplicate_of_a_live_registration_is_refused_naming_it(people: b.Cast) -> None:
    registration = b.registered(people, now=b.at(TODAY))
    # The same contract with the buyer's name spelt another way: the buyer's USCC decides.
    same = b.with_buyer(b.contract(people, title="另一个名称"), name="天津滨海智造公司")
    error = refused(lambda: b.submitted(people, same))
    assert (error.code, error.errors) == ("duplicate", {"duplicate_of": [registration.number]})
    assert registration.number in str(error.detail)


def test_a_duplicate_of_a_pending_application_is_refused_too(people: b.Cast) -> None:
    no_uscc = b.with_buyer(b.contract(people), uscc="", name="天津滨海智造(有限公司)")
    first = b.submitted(people, no_uscc)
    retyped = b.with_buyer(b.contract(people), uscc="", name=" 天津滨海智造（有限公司） ")
    error = refused(lambda: b.submitted(people, retyped))
    assert (error.code, error.errors) == ("duplicate", {"duplicate_of": [str(first.pk)]})


def test_a_terminated_contract_may_be_registered_again(people: b.Cast) -> None:
    registration = b.registered(people, now=b.at(TODAY))
    services.terminate_registration(
        actor=people.seller_member, registration=registration, reason="误解除", ended_on=TODAY, now=b.at(TODAY)
    )
    again = b.registered(people, now=b.at(TODAY))
    assert again.status == "registered"


@pytest.mark.parametrize(
    ("status_path", "step"),
    [
        ([], "resubmit"),
        ([], "terminate"),
        (["return"], "register"),
        (["return"], "return"),
        (["register"], "register"),
        (["register"], "return"),
        (["register", "cancel"], "terminate"),
        (["register", "cancel"], "amend"),
    ],
)
def test_a_step_out_of_order_is_refused(people: b.Cast, status_path: list[str], step: str) -> None:
    registration = b.submitted(people, now=b.at(TODAY))
    steps = _steps(people)
    for earlier in status_path:
        steps[earlier](registration)
        registration.refresh_from_db()
    error = refused(lambda: steps[step](registration))
    assert error.code == "invalid_state"


def _steps(people: b.Cast) -> dict[str, Callable[[Registration], object]]:
    seller, registrar = people.seller_member, people.registrar
    return {
        "register": lambda r: services.register_contract(actor=registrar, registration=r),
        "return": lambda r: services.return_registration(actor=registrar, registration=r, reasons="补充材料"),
        "cancel": lambda r: services.cancel_registration(actor=registrar, registration=r, reason="撤销"),
        "resubmit": lambda r: services.resubmit_registration(actor=seller, registration=r, contract=b.contract(people)),
        "terminate": lambda r: services.terminate_registration(
            actor=seller, registration=r, reason="解除", ended_on=TODAY, now=b.at(TODAY)
        ),
        "amend": lambda r: services.amend_registration(
            actor=seller, registration=r, contract=b.contract(people, title="新"), reason="变更"
        ),
    }


def test_a_second_amendment_waits_for_the_first(people: b.Cast) -> None:
    original = b.registered(people, now=b.at(TODAY))
    services.amend_registration(
        actor=people.seller_member, registration=original, contract=b.contract(people, title="一"), reason="变更一"
    )
    error = refused(
        lambda: services.amend_registration(
            actor=people.seller_member, registration=original, contract=b.contract(people, title="二"), reason="变更二"
        )
    )
    assert error.code == "invalid_state"
    # Nor may the original end while its amendment awaits the registrar.
    assert refused(lambda: _steps(people)["terminate"](original)).code == "invalid_state"


def test_an_amendment_keeps_the_seller(people: b.Cast) -> None:
    original = b.registered(people, now=b.at(TODAY))
    other = b.with_seller(b.contract(people), uscc=make_uscc(777))
    error = refused(
        lambda: services.amend_registration(
            actor=people.seller_member, registration=original, contract=other, reason="换卖方"
        )
    )
    assert list(error.errors) == ["seller_uscc"]


def test_an_unknown_benefit_or_an_empty_reason_is_refused(people: b.Cast) -> None:
    registration = b.registered(people, now=b.at(TODAY))
    error = refused(
        lambda: services.cancel_registration(
            actor=people.registrar, registration=registration, reason="撤销", benefits_claimed=["free_lunch"]
        )
    )
    assert list(error.errors) == ["benefits_claimed"]
    error = refused(lambda: services.cancel_registration(actor=people.registrar, registration=registration, reason=" "))
    assert list(error.errors) == ["reason"]


# ---------------------------------------------------------------- who may do what


def test_a_registrar_who_belongs_to_the_seller_cannot_register_its_contract(people: b.Cast) -> None:
    MembershipFactory(user=people.registrar, organization=people.seller, role=Role.MEMBER)
    registration = b.submitted(people, now=b.at(TODAY))
    assert refused(lambda: _steps(people)["register"](registration)).code == "permission_denied"
    assert refused(lambda: _steps(people)["return"](registration)).code == "permission_denied"


def test_the_seller_cannot_register_its_own_application(people: b.Cast) -> None:
    registration = b.submitted(people, now=b.at(TODAY))
    error = refused(lambda: services.register_contract(actor=people.seller_member, registration=registration))
    assert error.code == "permission_denied"


def test_a_stranger_can_neither_apply_for_an_organisation_nor_read_its_registration(people: b.Cast) -> None:
    stranger = UserFactory()
    error = refused(
        lambda: services.submit_registration(actor=stranger, organization=people.seller, contract=b.contract(people))
    )
    assert error.code == "permission_denied"
    registration = b.submitted(people, now=b.at(TODAY))
    with pytest.raises(DomainError) as caught:
        selectors.get_registration_for(stranger, registration.pk)
    assert caught.value.code == "not_found"
    assert selectors.get_registration_for(people.registrar, registration.pk) == registration


def test_an_organisation_on_the_platform_applies_for_its_own_sales_only(people: b.Cast) -> None:
    intermediary = OrganizationFactory()
    agent = MembershipFactory(organization=intermediary, role=Role.MEMBER).user
    error = refused(
        lambda: services.submit_registration(actor=agent, organization=intermediary, contract=b.contract(people))
    )
    assert list(error.errors) == ["seller_uscc"]
    # A seller that is not on the platform may be represented by an intermediary.
    outside = b.with_seller(b.contract(people), uscc=make_uscc(123_456), name="外地卖方有限公司")
    registration = services.submit_registration(actor=agent, organization=intermediary, contract=outside)
    assert registration.applicant_organization == intermediary


# ---------------------------------------------------------------- time limits


def test_fifteen_working_days_skip_the_national_day_week_and_count_its_make_up_saturday(people: b.Cast) -> None:
    registration = b.submitted(people, b.contract(people, effective_on=date(2026, 9, 20)), now=b.at(date(2026, 9, 28)))
    # 9-29, 9-30, then 10-8, 10-9, Saturday 10-10 (a make-up working day), 10-12 … 10-16, 10-19 … 10-23.
    assert registration.due_on == date(2026, 10, 23)


def test_large_and_disputed_contracts_get_thirty_working_days() -> None:
    on = date(2026, 11, 2)  # a Monday; no holiday until New Year
    assert terms.due_date(on, technology_amount=Money(4_999_999_99), disputed=False) == date(2026, 11, 23)
    assert terms.due_date(on, technology_amount=Money(5_000_000 * YUAN), disputed=False) == date(2026, 12, 14)
    assert terms.due_date(on, technology_amount=Money(1 * YUAN), disputed=True) == date(2026, 12, 14)


def test_older_records_keep_the_beijing_thirty_days() -> None:
    assert terms.due_date(date(2025, 6, 1), technology_amount=Money(1), disputed=False) == date(2025, 7, 1)
    assert terms.time_limit_on(date(2026, 1, 23)).days == 15


def test_the_queue_puts_the_soonest_due_first_and_flags_overdue_and_near_duplicates(people: b.Cast) -> None:
    late = b.submitted(
        people, b.contract(people, title="早", effective_on=date(2026, 9, 2)), now=b.at(date(2026, 9, 2))
    )
    near = b.submitted(
        people,
        b.contract(
            people,
            title="近似",
            contract_amount=Money(1_030_000 * YUAN),
            signed_on=date(2026, 9, 20),
            effective_on=date(2026, 9, 20),
        ),
        now=b.at(TODAY),
    )
    far = b.submitted(
        people,
        b.contract(people, title="远", contract_amount=Money(1_200_000 * YUAN), signed_on=date(2026, 9, 10)),
        now=b.at(TODAY),
    )
    queue = list(selectors.registrar_queue())
    assert queue[0].pk == late.pk
    assert (selectors.is_overdue(late, today=TODAY), selectors.is_overdue(near, today=TODAY)) == (True, False)
    found = selectors.possible_duplicates_of(queue)
    assert {pk: [r.pk for r in rows] for pk, rows in found.items()} == {
        late.pk: [near.pk],
        near.pk: [late.pk],
        far.pk: [],
    }


def test_a_refused_write_inside_a_larger_transaction_leaves_the_tally_exact(people: b.Cast) -> None:
    b.registered(people, now=b.at(TODAY))
    with transaction.atomic():
        b.registered(people, b.contract(people, signed_on=date(2026, 9, 3)), now=b.at(TODAY))
        transaction.set_rollback(True)
    assert selectors.tally_differences() == []
    assert RegistryTally.objects.get().contracts == 1


def test_a_due_date_past_the_known_holiday_calendar_is_provisional() -> None:
    assert terms.due_is_provisional(date(2026, 11, 20), date(2026, 12, 11)) is False
    assert terms.due_is_provisional(date(2026, 12, 20), date(2027, 1, 12)) is True
    # Calendar days (the Beijing rule for older records) need no holiday calendar.
    assert terms.due_is_provisional(date(2025, 12, 10), date(2026, 1, 9)) is False
