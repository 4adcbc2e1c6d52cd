"""Unified social credit codes, ORCID iDs and Chinese patent application numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kechuang.core.identifiers import (
    USCC_ALPHABET,
    normalise_orcid,
    normalise_patent_application,
    normalise_uscc,
    orcid_check_character,
    patent_check_character,
    uscc_check_character,
    validate_orcid,
    validate_patent_application,
    validate_uscc,
)

# Published codes of real enterprises (Shenzhen, Hangzhou, Beijing), each with its own check character.
REAL_USCC = ["914403001922038216", "91330100716105852F", "9144030071526726XG", "91110000100003495Y"]


def error_code(validate: object, value: str) -> str | None:
    assert callable(validate)
    with pytest.raises(ValidationError) as caught:
        validate(value)
    return caught.value.code


# ------------------------------------------------------------------ USCC


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_uscc_validate(code: str) -> None:
    assert normalise_uscc(code) == code
    assert uscc_check_character(code[:17]) == code[17]
    validate_uscc(code)


def test_uscc_is_normalised() -> None:
    assert normalise_uscc(" 9133 0100 7161 0585 2f ") == "91330100716105852F"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "uscc_length"),
        ("91440300192203821", "uscc_length"),
        ("9144030019220382166", "uscc_length"),
        ("91440300192203821I", "uscc_characters"),  # I is not in the alphabet
        ("9144030O1922038216", "uscc_characters"),  # a letter where the region code needs digits
        ("91440300192203821-", "uscc_characters"),
        ("91٣٣٣٣٣٣0000000000", "uscc_characters"),  # Arabic-Indic digits
        ("914403001922038217", "uscc_check"),
        ("914403001922083216", "uscc_check"),  # two digits swapped
        ("91330100716105852E", "uscc_check"),
    ],
)
def test_corrupted_uscc_refused(value: str, code: str) -> None:
    assert error_code(normalise_uscc, value) == code


uscc_char = st.sampled_from(USCC_ALPHABET)
uscc_body = st.builds(
    lambda head, region, rest: "".join(head) + "".join(region) + "".join(rest),
    st.lists(uscc_char, min_size=2, max_size=2),
    st.lists(st.sampled_from("0123456789"), min_size=6, max_size=6),
    st.lists(uscc_char, min_size=9, max_size=9),
)


@given(body=uscc_body)
def test_any_body_with_its_check_character_validates(body: str) -> None:
    code = body + uscc_check_character(body)
    assert normalise_uscc(code) == code


valid_uscc = st.one_of(st.sampled_from(REAL_USCC), uscc_body.map(lambda body: body + uscc_check_character(body)))


@given(
    original=valid_uscc,
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(USCC_ALPHABET + "IOSVZ"),
)
def test_any_single_character_change_is_refused(original: str, position: int, replacement: str) -> None:
    changed = original[:position] + replacement + original[position + 1 :]
    if changed == original:
        return
    with pytest.raises(ValidationError):
        normalise_uscc(changed)


# ------------------------------------------------------------------ ORCID


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("0000-0002-1694-233X", "0000-0002-1694-233X"),
        ("0000-0002-1694-233x", "0000-0002-1694-233X"),
        ("https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("http://orcid.org/0000-0002-1694-233X", "0000-0002-1694-233X"),
        ("orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("0000000218250097", "0000-0002-1825-0097"),
        (" 0000-0002-1825-0097 ", "0000-0002-1825-0097"),
    ],
)
def test_orcid_accepted(value: str, expected: str) -> None:
    assert normalise_orcid(value) == expected
    validate_orcid(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0000-0002-1825-0098", "orcid_check"),
        ("0000-0002-1694-2330", "orcid_check"),
        ("0000-0002-1825-009", "orcid_format"),
        ("0000-0002-1825-00970", "orcid_format"),
        ("0000-000X-1825-0097", "orcid_format"),
        ("https://example.org/0000-0002-1825-0097", "orcid_format"),
        ("", "orcid_format"),
        ("٠٠٠٠-0002-1825-0097", "orcid_format"),
    ],
)
def test_orcid_refused(value: str, code: str) -> None:
    assert error_code(normalise_orcid, value) == code


def test_orcid_check_digit() -> None:
    assert orcid_check_character("000000021825009") == "7"
    assert orcid_check_character("000000021694233") == "X"


# ------------------------------------------------------------------ patent application numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("200710308494.X", "200710308494.X"),  # a real application (CNIPA), check digit 10 → X
        ("200710308494X", "200710308494.X"),
        ("CN200710308494.X", "200710308494.X"),
        ("ZL 2007 1030 8494.x", "200710308494.X"),
        ("02144686.5", "02144686.5"),  # the 8-digit form used before October 2003
    ],
)
def test_patent_application_accepted(value: str, expected: str) -> None:
    assert normalise_patent_application(value) == expected
    validate_patent_application(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("200710308494.1", "patent_check"),
        ("200710308495.X", "patent_check"),
        ("02144686.4", "patent_check"),
        ("2007103084941.X", "patent_format"),
        ("٠٢١٤٤٦٨٦.5", "patent_format"),  # Arabic-Indic digits
        ("2007103084.X", "patent_format"),
        ("200710308494.Y", "patent_format"),
        ("", "patent_format"),
    ],
)
def test_patent_application_refused(value: str, code: str) -> None:
    assert error_code(normalise_patent_application, value) == code


@given(body=st.one_of(st.text("0123456789", min_size=12, max_size=12), st.text("0123456789", min_size=8, max_size=8)))
def test_any_patent_body_with_its_check_validates(body: str) -> None:
    number = f"{body}.{patent_check_character(body)}"
    assert normalise_patent_application(number) == number


def test_messages_are_english_msgids() -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_uscc("914403001922038217")
    with translation.override("en"):
        assert caught.value.messages == [
            "The check character of this unified social credit code is wrong; please check it for typos."
        ]
