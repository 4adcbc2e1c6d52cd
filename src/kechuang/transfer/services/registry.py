"""Writes of the technology-contract registry (技术合同认定登记): apply, decide, correct, amend, end.

The seller's people apply through their organisation once the contract is in force; a registrar
(a platform operator, rule ``transfer.register_contract``) registers it with a number or returns
it with reasons before the due date (:mod:`kechuang.transfer.registry_terms`). A returned
application is corrected and resubmitted. A registered contract is changed by an amendment — a new
application that, once registered, supersedes the old registration — and ends by termination (the
parties ended the contract) or cancellation (the office withdraws the registration); either
reports back the tax benefits claimed on the certificate.

Every status change goes through :func:`set_registration_state`, which checks the edge
(:data:`~kechuang.transfer.enums.REGISTRATION_EDGES`), writes the history, the audit event and the
ledger records, and moves the contract into or out of :class:`RegistryTally` — all in the caller's
transaction, so a refused step leaves nothing behind. Refusals are ``DomainError``: ``validation_error``
with field errors for bad input, ``duplicate`` (with ``errors["duplicate_of"]``) for a contract
already live, ``invalid_state`` for a step out of order, ``permission_denied``.

``now`` is for tests and for loading older records; it defaults to the current time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization, User
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.permissions import require
from kechuang.transfer import registry_terms as terms
from kechuang.transfer.enums import COUNTED_STATUSES, REGISTRATION_EDGES, RegistrationStatus
from kechuang.transfer.models import Deal, NonTechnicalLine, Registration
from kechuang.transfer.services import registry_steps as steps
from kechuang.transfer.services.registry_input import (
    NOTE_MAX,
    Checked,
    ContractSpec,
    NonTechnicalSpec,
    Party,
    benefit_codes,
    check_seller,
    reason_text,
    validate_contract,
)

__all__ = [
    "ContractSpec",
    "NonTechnicalSpec",
    "Party",
    "amend_registration",
    "cancel_registration",
    "register_contract",
    "resubmit_registration",
    "return_registration",
    "set_registration_state",
    "submit_registration",
    "terminate_registration",
    "validate_contract",
]

S = RegistrationStatus
LIVE = (S.SUBMITTED, S.REGISTERED)
ENDED = (S.TERMINATED, S.CANCELLED, S.SUPERSEDED)


# ---------------------------------------------------------------- duplicates


def _duplicate(existing: Registration) -> DomainError:
    if existing.number:
        detail = _("This contract is already registered as %(number)s.") % {"number": existing.number}
    else:
        detail = _("An application for this contract is already awaiting the registrar (application %(id)d).") % {
            "id": existing.pk
        }
    return DomainError(ErrorCode.DUPLICATE, detail, errors={"duplicate_of": [existing.number or str(existing.pk)]})


def _refuse_duplicate(fingerprint: str, *, exclude: Sequence[int] = ()) -> None:
    existing = (
        Registration.objects.filter(fingerprint=fingerprint, status__in=LIVE).exclude(pk__in=list(exclude)).first()
    )
    if existing is not None:
        raise _duplicate(existing)


@contextmanager
def _unique_or_duplicate(fingerprint: str, *, exclude: Sequence[int] = ()) -> Iterator[None]:
    """Run a write in a savepoint; a race that the check above lost becomes the same ``duplicate`` refusal."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        existing = (
            Registration.objects.filter(fingerprint=fingerprint, status__in=LIVE).exclude(pk__in=list(exclude)).first()
        )
        if existing is None:
            raise
        raise _duplicate(existing) from None


def _replace_lines(registration: Registration, lines: Sequence[NonTechnicalSpec]) -> None:
    registration.non_technical_lines.all().delete()
    NonTechnicalLine.objects.bulk_create(
        NonTechnicalLine(registration=registration, kind=line.kind, label=line.label, amount_fen=line.amount.fen)
        for line in lines
    )


# ---------------------------------------------------------------- the one transition function


def set_registration_state(
    registration: Registration,
    to: str,
    *,
    actor: User,
    note: str = "",
    superseded_by: Registration | None = None,
) -> Registration:
    """Move a (locked) registration along one edge and save it with whatever fields the caller set.

    Writes the history row, the audit event and the ledger records; a contract that starts or stops
    counting is added to or taken out of the tally. Raises ``invalid_state`` for an edge the table
    does not have. Call it inside the service's transaction.
    """
    before = registration.status
    if to not in REGISTRATION_EDGES.get(before, ()):
        raise DomainError(
            ErrorCode.INVALID_STATE,
            _("A registration that is %(current)s cannot become %(next)s.")
            % {"current": S(before).label, "next": S(to).label},
        )
    registration.status = to
    registration.save()
    was_counted, counted = before in COUNTED_STATUSES, to in COUNTED_STATUSES
    if was_counted and not counted:
        steps.count(registration, -1)
    elif counted and not was_counted:
        steps.count(registration, 1)
    has_record = to == S.REGISTERED or to in ENDED
    steps.write_event(
        registration, from_status=before, to_status=to, actor=actor, note=note, commit_step=not has_record
    )
    if to == S.REGISTERED:
        registration.ledger_entry = steps.log_registered(registration, actor=actor)
        registration.save(update_fields=["ledger_entry"])
    elif to in ENDED:
        steps.log_ended(registration, actor=actor, superseded_by=superseded_by)
    return registration


def _pending_amendment(registration: Registration) -> Registration | None:
    return registration.amendments.filter(status__in=(S.SUBMITTED, S.RETURNED)).first()


def _today(now: datetime) -> date:
    return timezone.localdate(now)


# ---------------------------------------------------------------- the seller


def submit_registration(
    *,
    actor: User,
    organization: Organization,
    contract: ContractSpec,
    deal: Deal | None = None,
    now: datetime | None = None,
) -> Registration:
    """The seller applies (→ SUBMITTED) through ``organization``, which ``actor`` belongs to.

    The due date follows the time limit in force on the day (Beijing time). A contract already live
    (submitted or registered) is refused as a duplicate naming the existing registration. Writes the
    history, the audit event and a ledger commitment of the application.
    """
    require(actor, "transfer.submit_registration", organization)
    now = now or timezone.now()
    checked = validate_contract(contract, today=_today(now))
    check_seller(organization, checked)
    if deal is not None and deal.seller_id != organization.pk:
        raise DomainError(ErrorCode.VALIDATION, errors={"deal": [_("The deal is not one of this organisation's.")]})
    with transaction.atomic():
        _refuse_duplicate(checked.fingerprint)
        registration = Registration(
            **checked.values,
            fingerprint=checked.fingerprint,
            status=S.SUBMITTED,
            submitted_at=now,
            due_on=terms.due_date(
                _today(now), technology_amount=checked.technology_amount, disputed=checked.values["disputed"]
            ),
            applicant=actor,
            applicant_organization=organization,
            deal=deal,
        )
        with _unique_or_duplicate(checked.fingerprint):
            registration.save()
        _replace_lines(registration, checked.lines)
        steps.write_event(registration, from_status="", to_status=S.SUBMITTED, actor=actor)
    return registration


def resubmit_registration(
    *, actor: User, registration: Registration, contract: ContractSpec, note: str = "", now: datetime | None = None
) -> Registration:
    """RETURNED → SUBMITTED with the corrected contract; the time limit starts again from today.

    A returned amendment keeps its seller and may be resubmitted only while the registration it
    amends is still registered.
    """
    require(actor, "transfer.change_registration", registration)
    now = now or timezone.now()
    checked = validate_contract(contract, today=_today(now))
    with transaction.atomic():
        registration = steps.locked(registration)
        if registration.status != S.RETURNED:
            raise DomainError(
                ErrorCode.INVALID_STATE, _("Only a returned application can be corrected and resubmitted.")
            )
        exclude = [registration.pk]
        fingerprint = checked.fingerprint
        if registration.amends_id is not None:
            amended = steps.locked(registration.amends)  # type: ignore[arg-type]
            _check_amendment(amended, checked)
            exclude.append(amended.pk)
            fingerprint = terms.pending_amendment_fingerprint(checked.fingerprint, amends_id=amended.pk)
        else:
            check_seller(registration.applicant_organization, checked)  # type: ignore[arg-type]
        _refuse_duplicate(checked.fingerprint, exclude=exclude)
        for name, value in checked.values.items():
            setattr(registration, name, value)
        registration.fingerprint = fingerprint
        registration.submitted_at = now
        registration.due_on = terms.due_date(
            _today(now), technology_amount=checked.technology_amount, disputed=checked.values["disputed"]
        )
        registration.return_reasons = ""
        registration.decided_at = None
        registration.registrar = None
        with _unique_or_duplicate(checked.fingerprint, exclude=exclude):
            set_registration_state(registration, S.SUBMITTED, actor=actor, note=note.strip()[:NOTE_MAX])
        _replace_lines(registration, checked.lines)
    return registration


def _check_amendment(amended: Registration, checked: Checked) -> None:
    if amended.status != S.REGISTERED:
        raise DomainError(ErrorCode.INVALID_STATE, _("Only a registered contract can be amended."))
    if checked.values["seller_uscc"] != amended.seller_uscc:
        raise DomainError(
            ErrorCode.VALIDATION, errors={"seller_uscc": [_("An amendment cannot change the seller; apply anew.")]}
        )


def amend_registration(
    *,
    actor: User,
    registration: Registration,
    contract: ContractSpec,
    reason: str,
    benefits_claimed: Sequence[str] = (),
    now: datetime | None = None,
) -> Registration:
    """Apply for an amendment of a REGISTERED contract: a new application (→ SUBMITTED) that names it in ``amends``.

    The registered contract keeps counting until the amendment is registered; then it is superseded
    and the amendment counts in its place (:func:`register_contract`). One amendment at a time; the
    seller stays the same. ``benefits_claimed`` are the tax benefits already claimed on the
    current certificate, which the change must report back.
    """
    require(actor, "transfer.change_registration", registration)
    now = now or timezone.now()
    reason = reason_text(reason)
    benefits = benefit_codes(benefits_claimed)
    checked = validate_contract(contract, today=_today(now))
    with transaction.atomic():
        amended = steps.locked(registration)
        _check_amendment(amended, checked)
        if _pending_amendment(amended) is not None:
            raise DomainError(
                ErrorCode.INVALID_STATE, _("An amendment of this registration is already under way; correct that one.")
            )
        _refuse_duplicate(checked.fingerprint, exclude=[amended.pk])
        amended.benefits_claimed = benefits
        amended.save(update_fields=["benefits_claimed"])
        amendment = Registration(
            **checked.values,
            fingerprint=terms.pending_amendment_fingerprint(checked.fingerprint, amends_id=amended.pk),
            status=S.SUBMITTED,
            submitted_at=now,
            due_on=terms.due_date(
                _today(now), technology_amount=checked.technology_amount, disputed=checked.values["disputed"]
            ),
            amends=amended,
            applicant=actor,
            applicant_organization=amended.applicant_organization,
            deal=amended.deal,
        )
        amendment.save()
        _replace_lines(amendment, checked.lines)
        steps.write_event(amendment, from_status="", to_status=S.SUBMITTED, actor=actor, note=reason)
    return amendment


def terminate_registration(
    *,
    actor: User,
    registration: Registration,
    reason: str,
    ended_on: date,
    benefits_claimed: Sequence[str] = (),
    now: datetime | None = None,
) -> Registration:
    """REGISTERED → TERMINATED: the parties ended the contract on ``ended_on``; it leaves the statistics.

    The seller's people or a registrar record it, with the reason and the tax benefits claimed on
    the certificate, which must be reported back (:func:`kechuang.transfer.selectors.registry.benefits_to_report`).
    """
    require(actor, "transfer.terminate_registration", registration)
    now = now or timezone.now()
    reason = reason_text(reason)
    benefits = benefit_codes(benefits_claimed)
    with transaction.atomic():
        registration = steps.locked(registration)
        if not registration.effective_on <= ended_on <= _today(now):
            raise DomainError(
                ErrorCode.VALIDATION,
                errors={"ended_on": [_("The contract ends between the day it took effect and today.")]},
            )
        return _end(registration, S.TERMINATED, actor=actor, reason=reason, ended_on=ended_on, benefits=benefits)


def _end(
    registration: Registration, to: str, *, actor: User, reason: str, ended_on: date, benefits: list[str]
) -> Registration:
    if registration.status == S.REGISTERED and _pending_amendment_submitted(registration):
        raise DomainError(
            ErrorCode.INVALID_STATE, _("An amendment of this registration awaits the registrar; decide it first.")
        )
    registration.ended_on = ended_on
    registration.end_reason = reason
    registration.benefits_claimed = benefits
    return set_registration_state(registration, to, actor=actor, note=reason)


def _pending_amendment_submitted(registration: Registration) -> bool:
    return registration.amendments.filter(status=S.SUBMITTED).exists()


# ---------------------------------------------------------------- the registrar


def return_registration(
    *, actor: User, registration: Registration, reasons: str, now: datetime | None = None
) -> Registration:
    """SUBMITTED → RETURNED with the reasons the seller must address."""
    require(actor, "transfer.return_registration", registration)
    reasons = reason_text(reasons, "reasons")
    with transaction.atomic():
        registration = steps.locked(registration)
        registration.return_reasons = reasons
        registration.decided_at = now or timezone.now()
        registration.registrar = actor
        return set_registration_state(registration, S.RETURNED, actor=actor, note=reasons)


def register_contract(*, actor: User, registration: Registration, now: datetime | None = None) -> Registration:
    """SUBMITTED → REGISTERED with a new number; the contract starts counting in the statistics.

    For an amendment, the registration it amends is superseded in the same transaction (it stops
    counting and the amendment counts instead, in the original's statistics year) and the
    amendment takes the contract's plain fingerprint. Logs the contract's details as a private
    commitment and the registration as a public record carrying that commitment's digest.
    """
    require(actor, "transfer.register_contract", registration)
    now = now or timezone.now()
    today = _today(now)
    with transaction.atomic():
        registration = steps.locked(registration)
        if S.REGISTERED not in REGISTRATION_EDGES.get(registration.status, ()):
            raise DomainError(ErrorCode.INVALID_STATE, _("Only a submitted application can be registered."))
        registration.number = steps.next_number(registration.seller_region, today.year)
        registration.registered_on = today
        registration.decided_at = now
        registration.registrar = actor
        registration.year = today.year
        if registration.amends_id is not None:
            amended = steps.locked(registration.amends)  # type: ignore[arg-type]
            if amended.status != S.REGISTERED:
                raise DomainError(
                    ErrorCode.INVALID_STATE, _("The registration this amends is no longer registered; return it.")
                )
            plain = terms.fingerprint(
                seller_uscc=registration.seller_uscc,
                buyer_uscc=registration.buyer_uscc,
                buyer_name=registration.buyer_name,
                contract_type=registration.contract_type,
                contract_amount_fen=registration.contract_amount_fen,
                signed_on=registration.signed_on,
            )
            _refuse_duplicate(plain, exclude=[amended.pk, registration.pk])
            amended.ended_on = today
            amended.end_reason = _("Superseded by amendment %(number)s.") % {"number": registration.number}
            set_registration_state(
                amended, S.SUPERSEDED, actor=actor, note=amended.end_reason, superseded_by=registration
            )
            registration.fingerprint = plain
            # An amendment corrects the same contract: it stays in the year the contract was first registered.
            registration.year = amended.year
        with _unique_or_duplicate(registration.fingerprint, exclude=[registration.pk]):
            set_registration_state(registration, S.REGISTERED, actor=actor)
    return registration


def cancel_registration(
    *,
    actor: User,
    registration: Registration,
    reason: str,
    benefits_claimed: Sequence[str] = (),
    now: datetime | None = None,
) -> Registration:
    """REGISTERED → CANCELLED by the registration office (registered in error, or on false statements).

    The contract leaves the statistics; the tax benefits claimed on the certificate must be reported back.
    """
    require(actor, "transfer.cancel_registration", registration)
    now = now or timezone.now()
    reason = reason_text(reason)
    benefits = benefit_codes(benefits_claimed)
    with transaction.atomic():
        registration = steps.locked(registration)
        return _end(registration, S.CANCELLED, actor=actor, reason=reason, ended_on=_today(now), benefits=benefits)
