"""The running tally equals a recomputation from the rows after any sequence of registry steps, and the
``transfer_tally`` command says so (or lists the cells that differ and exits 1)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.core.errors import DomainError
from kechuang.core.money import Money
from kechuang.transfer.models import Registration, RegistryTally
from kechuang.transfer.selectors import registry as selectors
from kechuang.transfer.selectors import registry_stats as stats
from kechuang.transfer.services import registry as services
from kechuang.transfer.services.registry_stats import rebuild_tally
from tests.transfer import registry_builders as b
from tests.transfer.registry_builders import YUAN

pytestmark = pytest.mark.django_db

STEPS = ("submit", "register", "return", "resubmit", "amend", "terminate", "cancel")
# Contracts differ in type, field, buyer's province and amount, so the steps spread over several cells.
VARIANTS = (
    {"contract_type": "development", "field": "sei-1", "region": b.BINHAI, "yuan": 1_000_000},
    {"contract_type": "licence", "field": "", "region": b.SHIJIAZHUANG_CHANGAN, "yuan": 250_000},
    {"contract_type": "service", "field": "sei-2", "region": "310104", "yuan": 8_000_000},
    {"contract_type": "licence", "field": "", "region": b.HAIDIAN, "yuan": 99_999},
)
YEARS = (2024, 2025, 2026)


@pytest.fixture
def people() -> b.Cast:
    return b.cast()


def _contract(people: b.Cast, variant: int, serial: int) -> services.ContractSpec:
    chosen = VARIANTS[variant]
    return b.with_buyer(
        b.contract(
            people,
            contract_type=chosen["contract_type"],
            field=chosen["field"],
            contract_amount=Money(chosen["yuan"] * YUAN + serial),
            non_technical=[],
            signed_on=date(2023, 1, 1 + serial % 28),
            effective_on=date(2023, 2, 1),
        ),
        region=chosen["region"],
    )


def _pick(status: str, index: int) -> Registration | None:
    found = list(Registration.objects.filter(status=status).order_by("id"))
    return found[index % len(found)] if found else None


def _run(people: b.Cast, step: str, index: int, variant: int, serial: int) -> None:
    now = b.at(date(YEARS[index % len(YEARS)], 6, 1))
    seller, registrar = people.seller_member, people.registrar
    if step == "submit":
        b.submitted(people, _contract(people, variant, serial), now=now)
        return
    wanted = {"register": "submitted", "return": "submitted", "resubmit": "returned"}.get(step, "registered")
    registration = _pick(wanted, index)
    if registration is None:
        return
    if step == "register":
        services.register_contract(actor=registrar, registration=registration, now=now)
    elif step == "return":
        services.return_registration(actor=registrar, registration=registration, reasons="补正")
    elif step == "resubmit":
        services.resubmit_registration(
            actor=seller, registration=registration, contract=_contract(people, variant, serial), now=now
        )
    elif step == "amend":
        services.amend_registration(
            actor=seller, registration=registration, contract=_contract(people, variant, serial), reason="变更", now=now
        )
    elif step == "terminate":
        services.terminate_registration(
            actor=seller,
            registration=registration,
            reason="解除",
            ended_on=date(2026, 6, 1),
            now=b.at(date(2026, 6, 2)),
        )
    else:
        services.cancel_registration(actor=registrar, registration=registration, reason="撤销")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(STEPS), st.integers(0, 5), st.integers(0, len(VARIANTS) - 1)), min_size=1, max_size=18
    )
)
def test_the_tally_equals_the_rows_after_any_sequence_of_steps(
    people: b.Cast, steps: list[tuple[str, int, int]]
) -> None:
    with transaction.atomic():
        refusals = []
        for serial, (step, index, variant) in enumerate(steps):
            try:
                _run(people, step, index, variant, serial)
            except DomainError as refusal:
                refusals.append(refusal.code)
        # Duplicates and steps the state does not allow are refused (and change nothing); nothing else is.
        assert set(refusals) <= {"duplicate", "invalid_state"}
        assert selectors.tally_differences() == []
        # The statistics read from the tally agree with the rows they summarise.
        counted = Registration.objects.filter(status="registered")
        by_year = {row.key["year"]: row.contracts for row in stats.turnover(by=("year",))}
        expected: dict[int, int] = {}
        for registration in counted:
            assert registration.year is not None
            expected[registration.year] = expected.get(registration.year, 0) + 1
        assert by_year == expected
        transaction.set_rollback(True)


def test_verify_reports_a_cell_that_drifted_and_rebuild_repairs_it(people: b.Cast) -> None:
    b.registered(people, now=b.at(date(2026, 11, 20)))
    out = StringIO()
    call_command("transfer_tally", "--verify", stdout=out)
    assert out.getvalue() == "transfer tally: exact\n"

    RegistryTally.objects.update(contracts=F("contracts") + 2)
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("transfer_tally", "--verify", stdout=out)
    assert str(caught.value) == "transfer tally: 1 cells differ from the registrations"
    assert out.getvalue() == (
        "2026 development sei-2 110000→120000: stored (3, 100000000, 90000000), "
        "from the rows (1, 100000000, 90000000)\n"
    )

    assert rebuild_tally() == 1
    assert selectors.tally_differences() == []
    out = StringIO()
    call_command("transfer_tally", "--rebuild", stdout=out)
    assert out.getvalue() == "transfer tally: rebuilt, 1 cells\n"
