"""Validators of the identifiers the platform keeps, each with its check character.

* 统一社会信用代码 (unified social credit code): GB 32100-2015, 18 characters, check by mod 31.
* ORCID iD: 16 characters in four groups, check by ISO 7064 MOD 11-2.
* Chinese patent application number: 8 or 12 digits, a dot, a check digit (mod 11, 10 → X).

Each ``normalise_*`` returns the canonical form or raises a Django ``ValidationError`` with a
stable ``code`` and a translated message; nothing here touches the database.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# re.ASCII: \d would otherwise take any Unicode digit (e.g. Arabic-Indic), which has no check value.
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(value: str) -> str:
    code = re.sub(r"\s+", "", value or "").upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    if not _USCC_SHAPE.match(code):
        raise ValidationError(
            _("A unified social credit code uses digits and the capital letters other than I, O, S, V and Z."),
            code="uscc_characters",
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check it for typos."),
            code="uscc_check",
        )
    return code


def validate_uscc(value: str) -> None:
    normalise_uscc(value)


def orcid_check_character(first15: str) -> str:
    total = 0
    for ch in first15:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


_ORCID_SHAPE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$", re.ASCII)


def normalise_orcid(value: str) -> str:
    text = (value or "").strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    text = text.upper()
    if re.fullmatch(r"\d{15}[\dX]", text, re.ASCII):
        text = "-".join(text[i : i + 4] for i in range(0, 16, 4))
    if not _ORCID_SHAPE.match(text):
        raise ValidationError(_("An ORCID iD looks like 0000-0002-1825-0097."), code="orcid_format")
    digits = text.replace("-", "")
    if orcid_check_character(digits[:15]) != digits[15]:
        raise ValidationError(
            _("The check digit of this ORCID iD is wrong; please check it for typos."), code="orcid_check"
        )
    return text


def validate_orcid(value: str) -> None:
    normalise_orcid(value)


_PATENT_SHAPE = re.compile(r"^(?:CN|ZL)?\s*(\d{8}|\d{12})\.?([\dX])$", re.ASCII)


def patent_check_character(body: str) -> str:
    # Weights 2…9 cycle over the digits (CNIPA's rule for both the 8- and the 12-digit form).
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(body))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_patent_application(value: str) -> str:
    text = re.sub(r"\s+", "", (value or "")).upper()
    match = _PATENT_SHAPE.match(text)
    if not match:
        raise ValidationError(
            _("A Chinese patent application number looks like 202310123456.7 (12 digits, a dot, a check digit)."),
            code="patent_format",
        )
    body, check = match.groups()
    if patent_check_character(body) != check:
        raise ValidationError(
            _("The check digit of this patent application number is wrong; please check it for typos."),
            code="patent_check",
        )
    return f"{body}.{check}"


def validate_patent_application(value: str) -> None:
    normalise_patent_application(value)
