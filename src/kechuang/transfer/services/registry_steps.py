"""Shared steps of the registry services: row locks, history, the running tally, numbers, ledger records.

Every function here joins the caller's transaction; none of them checks a permission (the calling
service did). The tally is changed with one ``INSERT … ON CONFLICT DO UPDATE`` per cell, which both
PostgreSQL and SQLite (≥ 3.24) run atomically, so two registrars counting into the same cell at once
both land.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import F, Max

from kechuang.accounts.models import User
from kechuang.core.audit import record_event
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.ledger.models import Entry
from kechuang.ledger.services import record
from kechuang.transfer import kinds
from kechuang.transfer.models import Registration, RegistrationEvent, RegistryTally

SERIAL_DIGITS = 7
# pg_advisory_xact_lock takes one bigint: the high bits name this lock's purpose ("tr"), the rest is the number's
# prefix (region and year, at most 10 digits < 2**34), so each region and year has a lock of its own.
_LOCK_BASE = 0x7472 << 48


def locked(registration: Registration) -> Registration:
    """The registration re-read under a row lock (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers)."""
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("applicant_organization")
        .get(pk=registration.pk)
    )


def subject_of(registration: Registration) -> str:
    """The key every ledger entry about one registration shares."""
    return f"transfer.registration:{registration.pk}"


def write_event(
    registration: Registration,
    *,
    from_status: str,
    to_status: str,
    actor: User | None,
    note: str = "",
    commit_step: bool = True,
) -> RegistrationEvent:
    """Record one status change: the registration's history, the audit trail and (``commit_step``) a ledger commitment.

    The commitment (a private kind) proves later when an application was filed or returned, which
    is what a dispute over the time limit turns on. Registrations and endings have records of their
    own (:func:`log_registered`, :func:`log_ended`) and pass ``commit_step=False``.
    """
    event = RegistrationEvent.objects.create(
        registration=registration, from_status=from_status, to_status=to_status, actor=actor, note=note
    )
    record_event(
        actor=actor,
        verb=f"transfer:registration:{to_status}",
        obj=registration,
        diff={"status": [from_status or None, to_status]},
    )
    if not commit_step:
        return event
    record(
        kind=kinds.REGISTRATION_STEP.name,
        payload=step_record(event),
        actor=actor,
        organization=registration.applicant_organization,
        subject=subject_of(registration),
    )
    return event


def step_record(event: RegistrationEvent) -> dict[str, Any]:
    """The committed record of a status change, rebuilt from its row for disclosure."""
    registration = event.registration
    return {
        "registration": event.registration_id,
        "event": event.pk,
        "from": event.from_status,
        "to": event.to_status,
        "actor": event.actor_id,
        "note": event.note,
        "due_on": registration.due_on.isoformat(),
    }


# ---------------------------------------------------------------- tally


def count(registration: Registration, sign: int) -> None:
    """Add (``sign`` = 1) or take away (-1) ``registration`` in its tally cell, in the caller's transaction.

    Adding is one upsert, so the first two contracts of a new cell cannot both insert it. Taking away
    is a plain UPDATE of a cell that must exist (both databases check a CHECK constraint on the row an
    upsert proposes, before it finds the conflict, so a negative upsert would fail); a missing cell
    means the tally is already wrong, and the transaction is refused rather than made worse.
    """
    if sign not in (1, -1) or registration.year is None:
        raise ValueError("count a registered contract with sign 1 or -1")
    cell: dict[str, int | str] = {
        "year": registration.year,
        "contract_type": registration.contract_type,
        "field": registration.field,
        "seller_province": registration.seller_province,
        "buyer_province": registration.buyer_province,
    }
    if sign < 0:
        updated = RegistryTally.objects.filter(**cell).update(
            contracts=F("contracts") - 1,
            contract_amount_fen=F("contract_amount_fen") - registration.contract_amount_fen,
            technology_amount_fen=F("technology_amount_fen") - registration.technology_amount_fen,
        )
        if updated != 1:
            raise DomainError(ErrorCode.INTEGRITY, f"the tally has no cell for registration {registration.pk}")
        return
    table = connection.ops.quote_name(RegistryTally._meta.db_table)
    sums = ("contracts", "contract_amount_fen", "technology_amount_fen")
    columns = ", ".join((*cell, *sums))
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in sums)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(cell) + len(sums)))}) "  # noqa: S608 - names are ours
        f"ON CONFLICT ({', '.join(cell)}) DO UPDATE SET {updates}"
    )
    values: list[int | str] = [*cell.values(), 1, registration.contract_amount_fen, registration.technology_amount_fen]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


# ---------------------------------------------------------------- numbers


def next_number(region: str, year: int) -> str:
    """The next registration number for a seller in ``region``: region, year, 7-digit serial (``11010820260001234``).

    Serials run per region and year. On PostgreSQL a transaction-scoped advisory lock on the prefix
    makes concurrent registrars take turns; SQLite's IMMEDIATE transactions already do. The unique
    index on the number is the last line.
    """
    prefix = f"{region}{year:04d}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_BASE + int(prefix)])
    low, high = prefix + "0" * SERIAL_DIGITS, prefix + "9" * SERIAL_DIGITS
    last = Registration.objects.filter(number__gte=low, number__lte=high).aggregate(last=Max("number"))["last"]
    serial = int(last[len(prefix) :]) + 1 if last else 1
    if serial >= 10**SERIAL_DIGITS:
        raise DomainError(ErrorCode.CONFLICT, f"no registration numbers are left for {prefix}")
    return f"{prefix}{serial:0{SERIAL_DIGITS}d}"


# ---------------------------------------------------------------- ledger


def contract_record(registration: Registration) -> dict[str, Any]:
    """What the contract says, as committed at registration; rebuilt from the rows for disclosure."""
    return {
        "registration": registration.pk,
        "number": registration.number,
        "contract_type": registration.contract_type,
        "title": registration.title,
        "contract_number": registration.contract_number,
        "seller": {
            "name": registration.seller_name,
            "uscc": registration.seller_uscc,
            "region": registration.seller_region,
        },
        "buyer": {
            "name": registration.buyer_name,
            "uscc": registration.buyer_uscc,
            "region": registration.buyer_region,
        },
        "field": registration.field,
        "contract_amount_fen": registration.contract_amount_fen,
        "non_technical": [
            {"kind": line.kind, "label": line.label, "amount_fen": line.amount_fen}
            for line in registration.non_technical_lines.order_by("id")
        ],
        "technology_amount_fen": registration.technology_amount_fen,
        "signed_on": registration.signed_on.isoformat(),
        "effective_on": registration.effective_on.isoformat(),
        "fingerprint": registration.fingerprint,
    }


def log_registered(registration: Registration, *, actor: User) -> Entry:
    """Commit the contract's details (private) and publish the registration with that commitment's digest."""
    details = record(
        kind=kinds.REGISTRATION_CONTRACT.name,
        payload=contract_record(registration),
        actor=actor,
        organization=registration.applicant_organization,
        subject=subject_of(registration),
    )
    commitment = json.loads(bytes(details.body))["commitment"]
    amends = registration.amends
    return record(
        kind=kinds.REGISTRATION.name,
        payload={
            "number": registration.number,
            "contract_type": registration.contract_type,
            "registered_on": registration.registered_on.isoformat() if registration.registered_on else None,
            "year": registration.year,
            "seller_province": registration.seller_province,
            "buyer_province": registration.buyer_province,
            "amends": amends.number if amends is not None else None,
            "contract": {"sha256": commitment["sha256"], "sm3": commitment["sm3"]},
        },
        actor=actor,
        organization=registration.applicant_organization,
        subject=subject_of(registration),
    )


def log_ended(registration: Registration, *, actor: User, superseded_by: Registration | None = None) -> Entry:
    """Publish that a registration no longer counts: terminated, cancelled or superseded, and the benefits reported."""
    return record(
        kind=kinds.REGISTRATION_END.name,
        payload={
            "number": registration.number,
            "status": registration.status,
            "ended_on": registration.ended_on.isoformat() if registration.ended_on else None,
            "superseded_by": superseded_by.number if superseded_by is not None else None,
            "benefits_reported": list(registration.benefits_claimed),
        },
        actor=actor,
        organization=registration.applicant_organization,
        subject=subject_of(registration),
    )
