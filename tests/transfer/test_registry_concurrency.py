"""Registrars deciding at the same moment: every contract gets its own number and counts once.

Runs real threads against a committed database (``transaction=True``). On PostgreSQL the number's
advisory lock and the tally's upsert are what keep the figures exact; SQLite's IMMEDIATE
transactions make the writers queue.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from kechuang.core.errors import DomainError
from kechuang.core.money import Money
from kechuang.transfer.models import Registration, RegistryTally
from kechuang.transfer.selectors import registry as selectors
from kechuang.transfer.services import registry as services
from tests.factories.accounts import make_operator, make_uscc
from tests.transfer import registry_builders as b
from tests.transfer.registry_builders import YUAN

WORKERS = 4


@pytest.mark.django_db(transaction=True)
def test_registrars_at_once_take_distinct_serials_and_the_tally_stays_exact() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs a server with concurrent writers (PostgreSQL); SQLite queues its writers")
    people = b.cast()
    registrars = [people.registrar, *(make_operator() for _ in range(WORKERS - 1))]
    applications = [
        b.submitted(
            people,
            b.with_buyer(b.contract(people, contract_amount=Money((100 + n) * 10_000 * YUAN)), uscc=make_uscc(700 + n)),
            now=b.at(date(2026, 11, 20)),
        )
        for n in range(WORKERS)
    ]
    start = threading.Barrier(WORKERS)
    failures: list[BaseException] = []

    def decide(registration: Registration, registrar: object) -> None:
        try:
            start.wait(timeout=10)
            services.register_contract(actor=registrar, registration=registration)  # type: ignore[arg-type]
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=pair) for pair in zip(applications, registrars, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    numbers = sorted(Registration.objects.values_list("number", flat=True))
    assert numbers == [f"1101082026{serial:07d}" for serial in range(1, WORKERS + 1)]
    assert list(RegistryTally.objects.values_list("contracts", flat=True)) == [WORKERS]
    assert selectors.tally_differences() == []


@pytest.mark.django_db(transaction=True)
def test_the_same_contract_submitted_twice_at_once_is_taken_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs a server with concurrent writers (PostgreSQL); SQLite queues its writers")
    people = b.cast()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            start.wait(timeout=10)
            b.submitted(people, now=b.at(date(2026, 11, 20)))
            outcomes.append("submitted")
        except DomainError as refusal:
            outcomes.append(refusal.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["duplicate", "submitted"]
    assert Registration.objects.count() == 1
