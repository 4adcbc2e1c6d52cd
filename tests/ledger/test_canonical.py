"""RFC 8785 canonical bytes: the standard library's fast path agrees with ``rfc8785`` wherever it is taken."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.ledger.canonical import RecordError, _check_values, canonical

# Every code point but lone surrogates (no JSON text can carry those); keys include astral characters.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60) | TEXT
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=20
)


@given(st.dictionaries(TEXT, VALUES, max_size=6))
@settings(max_examples=400, deadline=None)
def test_canonical_bytes_are_rfc8785s_whichever_path_writes_them(record: dict[str, Any]) -> None:
    try:
        expected = bytes(rfc8785.dumps(record))
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical(record)
        return
    assert canonical(record) == expected


def test_the_fast_path_is_refused_where_the_orders_or_ranges_differ() -> None:
    assert _check_values({"a": 1, "b": ["x", None, True]}) is True
    assert _check_values({"\U0001f600": 1}) is False  # astral key: UTF-16 order differs from code point order
    assert _check_values({"a": 2**53}) is False  # beyond I-JSON: rfc8785 refuses it
    # The classic JCS ordering example: U+E000 sorts after the astral U+1F600 in UTF-16 code units.
    record = {"\ue000": 1, "\U0001f600": 2}
    assert canonical(record) == bytes(rfc8785.dumps(record)) == '{"😀":2,"\ue000":1}'.encode()


def test_floats_are_refused_before_either_path() -> None:
    with pytest.raises(RecordError, match="floating-point"):
        canonical({"amount": 1.5})


def test_control_characters_escape_as_rfc8785_says() -> None:
    record = {"s": '\b\t\n\f\r"\\\x00\x1f\x7f\u2028é'}
    assert canonical(record) == b'{"s":"\\b\\t\\n\\f\\r\\"\\\\\\u0000\\u001f\x7f\xe2\x80\xa8\xc3\xa9"}'
