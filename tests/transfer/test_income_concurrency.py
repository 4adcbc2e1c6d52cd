"""Two officers acting on one receipt at the same moment: it is distributed once, approved once, logged once.

Runs real threads against a committed database (``transaction=True``) on PostgreSQL, where the row locks
(the receipt's, the distribution's) are what keep the second writer from paying twice; SQLite queues its
writers, so there is no race to test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection, connections

from kechuang.core.errors import DomainError, ErrorCode
from kechuang.ledger.models import Entry
from kechuang.transfer.enums import DistributionStatus
from kechuang.transfer.models import Distribution, Payout
from kechuang.transfer.services import distributions
from tests.transfer import income_builders as build


def _race(*calls: Callable[[], object]) -> list[BaseException]:
    start = threading.Barrier(len(calls))
    failures: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait(timeout=10)
            call()
        except BaseException as error:  # collected and asserted on below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failures


@pytest.mark.django_db(transaction=True)
def test_two_officers_proposing_and_approving_at_once_pay_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs a server with concurrent writers (PostgreSQL); SQLite queues its writers")
    setup = build.ready()
    receipt = build.cash(setup)
    proposing = _race(
        lambda: distributions.propose_distribution(actor=setup.tto, receipt=receipt),
        lambda: distributions.propose_distribution(actor=setup.approver, receipt=receipt),
    )
    assert ([getattr(error, "code", error) for error in proposing], Distribution.objects.count()) == (
        [ErrorCode.DUPLICATE],
        1,
    )
    proposed = Distribution.objects.select_related("receipt__deal", "proposed_by").get()
    approvers = [user for user in (setup.tto, setup.approver, setup.admin) if user.pk != proposed.proposed_by_id]
    entries = Entry.objects.count()
    approving = _race(
        *[partial(distributions.approve_distribution, actor=user, distribution=proposed) for user in approvers]
    )
    proposed.refresh_from_db()
    assert (
        [isinstance(error, DomainError) and error.code for error in approving],
        proposed.status,
        Entry.objects.count() - entries,
        Payout.objects.filter(ledger_entry__isnull=False).count(),
    ) == ([ErrorCode.INVALID_STATE], DistributionStatus.APPROVED, 4, 3)
