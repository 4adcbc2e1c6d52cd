"""Reads of the contract registry: one registration for whoever may see it, the seller's list, the
registrar's queue with possible duplicates, the ledger records, and the tally's recomputation.

A registration is seen by the applicant organisation's members and by operators; everyone else
gets "not found", for a missing and a hidden registration alike (rule ``transfer.view_registration``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.urls import reverse

from kechuang.accounts.models import Organization
from kechuang.core.errors import NotFound
from kechuang.ledger import kinds
from kechuang.ledger.models import Entry
from kechuang.transfer import registry_terms as terms
from kechuang.transfer.enums import COUNTED_STATUSES, RegistrationStatus
from kechuang.transfer.models import Registration, RegistrationEvent, RegistryTally

S = RegistrationStatus
LIVE = (S.SUBMITTED, S.REGISTERED)
# Possible duplicates: same seller, buyer and type, signed within this many days, amounts within this share.
NEAR_DAYS = 30
NEAR_PERCENT = 5


def _detailed(found: QuerySet[Registration]) -> QuerySet[Registration]:
    return found.select_related(
        "applicant", "applicant_organization", "registrar", "amends", "ledger_entry__leaf"
    ).prefetch_related(
        "non_technical_lines",
        Prefetch("events", queryset=RegistrationEvent.objects.select_related("actor")),
        Prefetch("amendments", queryset=Registration.objects.order_by("submitted_at", "id")),
    )


def get_registration_for(user: Any, pk: int) -> Registration:
    """The registration if ``user`` may see it; ``NotFound`` otherwise (missing and hidden alike)."""
    registration = _detailed(Registration.objects.filter(pk=pk)).first()
    if registration is None or not user.has_perm("transfer.view_registration", registration):
        raise NotFound()
    return registration


def my_registrations(user: Any, *, status: str = "") -> QuerySet[Registration]:
    """Applications of the organisations ``user`` belongs to, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Registration.objects.none()
    found = Registration.objects.filter(
        applicant_organization__memberships__user=user, applicant_organization__memberships__status="approved"
    ).distinct()
    if status in S.values:
        found = found.filter(status=status)
    return found.select_related("applicant_organization", "amends").order_by("-submitted_at", "-id")


def registrar_queue(*, status: str = S.SUBMITTED) -> QuerySet[Registration]:
    """Applications awaiting the registrar (or in ``status``), the soonest due first."""
    wanted = status if status in S.values else S.SUBMITTED
    return (
        Registration.objects.filter(status=wanted)
        .select_related("applicant_organization", "amends")
        .order_by("due_on", "submitted_at", "id")
    )


def is_overdue(registration: Registration, *, today: date) -> bool:
    return registration.status == S.SUBMITTED and registration.due_on < today


def status_counts() -> dict[str, int]:
    rows = Registration.objects.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


# ---------------------------------------------------------------- duplicates


def _near_amounts(amount: int) -> tuple[int, int]:
    """The contract amounts within ±5 % of ``amount``, in whole fen."""
    return -(-amount * (100 - NEAR_PERCENT) // 100), amount * (100 + NEAR_PERCENT) // 100


def _related_ids(registration: Registration) -> set[int]:
    """The registration itself and the one it amends: an amendment is meant to look like its original."""
    return {registration.pk} | ({registration.amends_id} if registration.amends_id else set())


def possible_duplicates_of(registrations: Sequence[Registration]) -> dict[int, list[Registration]]:
    """For each registration, other live ones of the same seller, buyer and type signed within ±30 days
    and with a contract amount within ±5 %; in one query for the whole list."""
    if not registrations:
        return {}
    sellers = {r.seller_uscc for r in registrations}
    earliest = min(r.signed_on for r in registrations) - timedelta(days=NEAR_DAYS)
    latest = max(r.signed_on for r in registrations) + timedelta(days=NEAR_DAYS)
    candidates = list(
        Registration.objects.filter(
            seller_uscc__in=sellers, status__in=LIVE, signed_on__gte=earliest, signed_on__lte=latest
        ).order_by("signed_on", "id")
    )
    by_party: dict[tuple[str, str, str], list[Registration]] = defaultdict(list)
    for candidate in candidates:
        key = (candidate.seller_uscc, _buyer(candidate), candidate.contract_type)
        by_party[key].append(candidate)
    found: dict[int, list[Registration]] = {}
    for registration in registrations:
        low, high = _near_amounts(registration.contract_amount_fen)
        related = _related_ids(registration)
        found[registration.pk] = [
            other
            for other in by_party.get((registration.seller_uscc, _buyer(registration), registration.contract_type), [])
            if other.pk not in related
            and other.amends_id != registration.pk
            and abs((other.signed_on - registration.signed_on).days) <= NEAR_DAYS
            and low <= other.contract_amount_fen <= high
        ]
    return found


def possible_duplicates(registration: Registration) -> list[Registration]:
    return possible_duplicates_of([registration])[registration.pk]


def _buyer(registration: Registration) -> str:
    return terms.buyer_key(buyer_uscc=registration.buyer_uscc, buyer_name=registration.buyer_name)


# ---------------------------------------------------------------- what an ending reports back


def benefits_to_report(registration: Registration) -> list[terms.Benefit]:
    """The tax benefits claimed on the certificate, which a change, termination or cancellation reports back."""
    return [terms.BENEFITS_BY_CODE[code] for code in registration.benefits_claimed if code in terms.BENEFITS_BY_CODE]


def pending_amendment(registration: Registration) -> Registration | None:
    """The amendment of ``registration`` that is submitted or returned, if any (uses prefetched amendments)."""
    for amendment in registration.amendments.all():
        if amendment.status in (S.SUBMITTED, S.RETURNED):
            return amendment
    return None


# ---------------------------------------------------------------- ledger records


@dataclass(frozen=True)
class Record:
    """A ledger entry about a registration: its kind and, once integrated, where its receipt is."""

    entry_id: int
    kind: str
    index: int | None

    @property
    def label(self) -> str:
        try:
            return str(kinds.get(self.kind).label)
        except kinds.UnknownKindError:
            return self.kind

    @property
    def page_url(self) -> str:
        return reverse("ledger:entry", args=[self.index]) if self.index is not None else ""

    @property
    def receipt_url(self) -> str:
        return reverse("ledger:receipt", args=[self.index]) if self.index is not None else ""


def records_of(registration: Registration) -> list[Record]:
    """The ledger entries about ``registration``, oldest first (the viewer may already see the registration)."""
    entries = (
        Entry.objects.filter(subject=f"transfer.registration:{registration.pk}").select_related("leaf").order_by("id")
    )
    return [Record(entry_id=e.pk, kind=e.kind, index=e.leaf.index if hasattr(e, "leaf") else None) for e in entries]


# ---------------------------------------------------------------- the tally, recomputed


Cell = tuple[int, str, str, str, str]
Sums = tuple[int, int, int]
CELL_FIELDS = ("year", "contract_type", "field", "seller_province", "buyer_province")


def _cells(rows: Iterable[dict[str, Any]]) -> dict[Cell, Sums]:
    return {
        (row["year"], row["contract_type"], row["field"], row["seller_province"], row["buyer_province"]): (
            row["contracts"],
            row["contract_amount_fen"],
            row["technology_amount_fen"],
        )
        for row in rows
        if (row["contracts"], row["contract_amount_fen"], row["technology_amount_fen"]) != (0, 0, 0)
    }


def tally_from_rows() -> dict[Cell, Sums]:
    """The tally as it should be: the counted registrations grouped by cell, read from the rows."""
    rows = (
        Registration.objects.filter(status__in=COUNTED_STATUSES)
        .values(*CELL_FIELDS)
        .annotate(
            contracts=Count("id"),
            contract_amount_fen=Sum("contract_amount_fen"),
            technology_amount_fen=Sum("technology_amount_fen"),
        )
        .order_by()
    )
    return _cells(rows)


def tally_stored() -> dict[Cell, Sums]:
    """The tally as stored (cells that have fallen back to zero left out)."""
    return _cells(
        RegistryTally.objects.values(*CELL_FIELDS, "contracts", "contract_amount_fen", "technology_amount_fen")
    )


@dataclass(frozen=True)
class TallyDifference:
    cell: Cell
    stored: Sums | None
    recomputed: Sums | None


def tally_differences() -> list[TallyDifference]:
    """Every cell where the stored tally and the rows disagree (empty when the tally is exact)."""
    stored, recomputed = tally_stored(), tally_from_rows()
    return [
        TallyDifference(cell=cell, stored=stored.get(cell), recomputed=recomputed.get(cell))
        for cell in sorted(set(stored) | set(recomputed))
        if stored.get(cell) != recomputed.get(cell)
    ]


def applying_organizations(user: Any) -> list[Organization]:
    """The active organisations ``user`` belongs to (approved, any role), through which they may apply."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Organization.objects.filter(memberships__user=user, memberships__status="approved", status="active")
        .distinct()
        .order_by("sort_name", "id")
    )
