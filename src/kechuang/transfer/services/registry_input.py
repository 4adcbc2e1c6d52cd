"""What a seller states about a contract, and its validation: the registry services take a
:class:`ContractSpec` and refuse bad input here with every field's problem at once.

Nothing here writes; :func:`check_seller` reads whether the seller's USCC belongs to an
organisation on the platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kechuang.accounts.models import Organization
from kechuang.core.errors import DomainError, ErrorCode
from kechuang.core.identifiers import normalise_uscc
from kechuang.core.money import Money
from kechuang.core.regions import children, get_region
from kechuang.core.sectors import BY_CODE as SECTORS
from kechuang.transfer import registry_terms as terms
from kechuang.transfer.enums import ContractType, NonTechnicalItem

MAX_FEN = 2**63 - 1
TITLE_MAX, NAME_MAX, NOTE_MAX, LABEL_MAX, NUMBER_MAX = 300, 200, 4000, 200, 80


@dataclass(frozen=True)
class Party:
    """A party to the contract: its name, USCC (optional for a buyer who is a natural person) and region code."""

    name: str
    uscc: str = ""
    region: str = ""


@dataclass(frozen=True)
class NonTechnicalSpec:
    """One non-technical item deducted from the contract amount (equipment, materials, …)."""

    kind: str
    label: str
    amount: Money


@dataclass(frozen=True)
class ContractSpec:
    """What the seller states about the contract, before validation."""

    contract_type: str
    title: str
    seller: Party
    buyer: Party
    contract_amount: Money
    signed_on: date
    effective_on: date
    non_technical: Sequence[NonTechnicalSpec] = ()
    contract_number: str = ""
    field: str = ""
    disputed: bool = False


@dataclass
class Checked:
    """A contract that passed validation: the row's values, its items and its plain fingerprint."""

    values: dict[str, Any]
    lines: list[NonTechnicalSpec]
    fingerprint: str
    technology_amount: Money
    errors: dict[str, list[str]] = field(default_factory=dict)


# ---------------------------------------------------------------- validation


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _region(code: str, errors: dict[str, list[str]], key: str) -> str:
    """A county-level region code (or a region with no subdivisions, e.g. 东莞市, Hong Kong); '' on error."""
    code = (code or "").strip()
    if not code:
        errors.setdefault(key, []).append(_("Choose the county-level region."))
        return ""
    try:
        region = get_region(code)
    except ValidationError as exc:
        errors.setdefault(key, []).append(_message(exc))
        return ""
    if children(region.code):
        errors.setdefault(key, []).append(
            _("Give the county-level region (district or county) inside %(region)s.") % {"region": region.name}
        )
        return ""
    return region.code


def _uscc(value: str, errors: dict[str, list[str]], key: str, *, required: bool) -> str:
    if not (value or "").strip():
        if required:
            errors.setdefault(key, []).append(_("Give the unified social credit code."))
        return ""
    try:
        return normalise_uscc(value)
    except ValidationError as exc:
        errors.setdefault(key, []).append(_message(exc))
        return ""


def _text(value: str, errors: dict[str, list[str]], key: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.setdefault(key, []).append(_("This field is required."))
    elif len(text) > limit:
        errors.setdefault(key, []).append(_("Use at most %(n)d characters.") % {"n": limit})
    return text


def _amount_ok(amount: Money) -> bool:
    return 0 < amount.fen <= MAX_FEN


def validate_contract(contract: ContractSpec, *, today: date) -> Checked:
    """Check and normalise ``contract``; ``DomainError(validation_error)`` with every field's problems at once."""
    errors: dict[str, list[str]] = {}
    if contract.contract_type not in ContractType.values:
        errors["contract_type"] = [_("Choose one of the five contract types.")]
    title = _text(contract.title, errors, "title", limit=TITLE_MAX)
    number = _text(contract.contract_number, errors, "contract_number", limit=NUMBER_MAX, required=False)
    seller_name = _text(contract.seller.name, errors, "seller_name", limit=NAME_MAX)
    buyer_name = _text(contract.buyer.name, errors, "buyer_name", limit=NAME_MAX)
    seller_uscc = _uscc(contract.seller.uscc, errors, "seller_uscc", required=True)
    buyer_uscc = _uscc(contract.buyer.uscc, errors, "buyer_uscc", required=False)
    if seller_uscc and seller_uscc == buyer_uscc:
        errors.setdefault("buyer_uscc", []).append(_("Seller and buyer must be different parties."))
    seller_region = _region(contract.seller.region, errors, "seller_region")
    buyer_region = _region(contract.buyer.region, errors, "buyer_region")
    if contract.field and contract.field not in SECTORS:
        errors["field"] = [_("Unknown technical field.")]

    if not _amount_ok(contract.contract_amount):
        errors["contract_amount_fen"] = [_("The contract amount must be more than zero.")]
    lines: list[NonTechnicalSpec] = []
    for index, line in enumerate(contract.non_technical):
        key = f"non_technical.{index}"
        if line.kind not in NonTechnicalItem.values:
            errors.setdefault(key, []).append(_("Choose the kind of non-technical item."))
        label = _text(line.label, errors, key, limit=LABEL_MAX)
        if not _amount_ok(line.amount):
            errors.setdefault(key, []).append(_("A non-technical item's amount must be more than zero."))
        lines.append(NonTechnicalSpec(kind=line.kind, label=label, amount=line.amount))
    deducted = sum((line.amount.fen for line in lines), 0)
    technology = contract.contract_amount.fen - deducted
    amounts_ok = "contract_amount_fen" not in errors and not any(k.startswith("non_technical.") for k in errors)
    if amounts_ok and technology <= 0:
        errors["non_technical"] = [
            _(
                "The non-technical items (%(deducted)s) leave no technology-trade amount out of the contract "
                "amount of %(amount)s."
            )
            % {"deducted": Money(deducted).format(), "amount": contract.contract_amount.format()}
        ]

    if contract.effective_on < contract.signed_on:
        errors["effective_on"] = [_("A contract cannot take effect before it is signed.")]
    elif contract.effective_on > today:
        errors["effective_on"] = [_("Apply once the contract has taken effect.")]
    if contract.signed_on > today:
        errors["signed_on"] = [_("The signing date lies in the future.")]
    if errors:
        raise DomainError(ErrorCode.VALIDATION, errors=errors)

    values = {
        "contract_type": contract.contract_type,
        "title": title,
        "contract_number": number,
        "seller_name": seller_name,
        "seller_uscc": seller_uscc,
        "seller_region": seller_region,
        "seller_province": get_region(seller_region).province_code,
        "buyer_name": buyer_name,
        "buyer_uscc": buyer_uscc,
        "buyer_region": buyer_region,
        "buyer_province": get_region(buyer_region).province_code,
        "field": contract.field,
        "contract_amount_fen": contract.contract_amount.fen,
        "non_technical_fen": deducted,
        "technology_amount_fen": technology,
        "signed_on": contract.signed_on,
        "effective_on": contract.effective_on,
        "disputed": bool(contract.disputed),
    }
    fingerprint = terms.fingerprint(
        seller_uscc=seller_uscc,
        buyer_uscc=buyer_uscc,
        buyer_name=buyer_name,
        contract_type=contract.contract_type,
        contract_amount_fen=contract.contract_amount.fen,
        signed_on=contract.signed_on,
    )
    return Checked(values=values, lines=lines, fingerprint=fingerprint, technology_amount=Money(technology))


def check_seller(organization: Organization, checked: Checked) -> None:
    """An organisation on the platform applies for its own sales only; for others, an intermediary may apply."""
    owner = Organization.objects.filter(uscc=checked.values["seller_uscc"]).first()
    if owner is not None and owner.pk != organization.pk:
        raise DomainError(
            ErrorCode.VALIDATION,
            errors={
                "seller_uscc": [
                    _("This code belongs to %(owner)s on the platform; its own people apply for its contracts.")
                    % {"owner": str(owner)}
                ]
            },
        )


def benefit_codes(codes: Sequence[str]) -> list[str]:
    unknown = sorted(set(codes) - terms.BENEFIT_CODES)
    if unknown:
        raise DomainError(
            ErrorCode.VALIDATION,
            errors={"benefits_claimed": [_("Unknown tax benefit: %(codes)s.") % {"codes": ", ".join(unknown)}]},
        )
    return [b.code for b in terms.BENEFITS if b.code in set(codes)]


def reason_text(text: str, key: str = "reason") -> str:
    reason = (text or "").strip()
    if not reason:
        raise DomainError(ErrorCode.VALIDATION, errors={key: [_("Give the reason.")]})
    if len(reason) > NOTE_MAX:
        raise DomainError(ErrorCode.VALIDATION, errors={key: [_("Use at most %(n)d characters.") % {"n": NOTE_MAX}]})
    return reason
