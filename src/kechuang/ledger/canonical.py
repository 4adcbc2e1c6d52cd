"""The bytes of a log entry: an RFC 8785 (JCS) envelope around a typed record or a salted commitment.

An entry is ``{"kind": …, "v": …, "time": …, "record": {…}}`` or, when the record must stay private,
``{"kind": …, "v": …, "time": …, "commitment": {"sha256": …, "sm3": …}}`` where both digests are of
``salt || JCS(record)``. The leaf is the RFC 6962 hash of these canonical bytes; an SM3 digest of
the same bytes (国密, GB/T 32905) is kept beside it. Pure Python: the offline verifier uses it too.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

MAX_ENTRY_BYTES = 65_535  # entry bundles prefix each entry with a uint16 length
SALT_BYTES = 32


class RecordError(ValueError):
    """A record the log cannot take: not JSON of the allowed shapes, or too large."""


def sm3(data: bytes) -> bytes:
    """SM3 digest (GB/T 32905) through OpenSSL, falling back to ``cryptography``'s own OpenSSL."""
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:  # this interpreter's OpenSSL lacks SM3
        from cryptography.hazmat.primitives import hashes

        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return digest.finalize()


_SAFE_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3: integers beyond ±(2⁵³−1) are out of I-JSON's range


def _check_values(value: Any, path: str = "record") -> bool:
    """Only strings, integers, booleans, null, lists and objects: money is integer fen, never a float.

    Returns True when ``json.dumps`` writes exactly RFC 8785's bytes for ``value``: no integer beyond
    ±(2⁵³−1) and no key with a character outside the Basic Multilingual Plane (RFC 8785 sorts keys by
    UTF-16 code units, Python by code points; the two orders agree on BMP-only keys).
    """
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, float):
        raise RecordError(f"{path} is a floating-point number; write amounts as integers (fen) or strings")
    if isinstance(value, list | tuple):
        plain = True
        for number, item in enumerate(value):
            plain = _check_values(item, f"{path}[{number}]") and plain
        return plain
    if isinstance(value, Mapping):
        plain = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise RecordError(f"{path} has a key that is not a string: {key!r}")
            plain = _check_values(item, f"{path}.{key}") and plain and max(key, default="\0") <= "\uffff"
        return plain
    raise RecordError(f"{path} holds a {type(value).__name__}, which JSON cannot carry")


def canonical(value: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of a record (UTF-8, sorted keys, no whitespace).

    Records of strings, safe integers, booleans and null under BMP-only keys (nearly all) are written
    by the standard library's C encoder, whose output is then byte for byte RFC 8785's (same escapes:
    \\b \\t \\n \\f \\r, \\" and \\\\, other controls as lowercase \\u00xx; everything else raw
    UTF-8); a test checks the two agree on generated records. Anything else goes through ``rfc8785``.
    It was 60% of recording an entry (benchmarks/ledger.py).
    """
    if _check_values(value):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let rfc8785 refuse it in its own words
            pass
    return bytes(rfc8785.dumps(value))


def timestamp(moment: datetime) -> str:
    """UTC with microseconds and a ``Z``: the ``time`` of an envelope, sortable as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Commitment:
    sha256: str
    sm3: str

    @classmethod
    def of(cls, record: Mapping[str, Any], salt: bytes) -> Commitment:
        data = salt + canonical(record)
        return cls(sha256=hashlib.sha256(data).hexdigest(), sm3=sm3(data).hex())


@dataclass(frozen=True)
class Envelope:
    """A record ready to be logged: its canonical bytes, and the salt when it is a commitment."""

    body: bytes
    salt: bytes | None

    @property
    def sm3(self) -> bytes:
        return sm3(self.body)


def envelope(*, kind: str, version: int, record: Mapping[str, Any], moment: datetime, commit: bool = False) -> Envelope:
    """The entry for ``record``; with ``commit`` only a salted commitment of it is logged."""
    head: dict[str, Any] = {"kind": kind, "v": version, "time": timestamp(moment)}
    salt = None
    if commit:
        salt = secrets.token_bytes(SALT_BYTES)
        commitment = Commitment.of(record, salt)
        head["commitment"] = {"sha256": commitment.sha256, "sm3": commitment.sm3}
    else:
        head["record"] = dict(record)
    body = canonical(head)
    if len(body) > MAX_ENTRY_BYTES:
        raise RecordError(f"the entry is {len(body)} bytes; the log takes at most {MAX_ENTRY_BYTES}")
    return Envelope(body=body, salt=salt)


def parse_body(body: bytes) -> dict[str, Any]:
    """The envelope of an entry's bytes; ``RecordError`` when they are not one."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"the entry is not UTF-8 JSON: {exc}") from None
    if not isinstance(value, dict) or not {"kind", "v", "time"} <= value.keys():
        raise RecordError("the entry is not a kechuang envelope (kind, v, time)")
    return value


def disclosure_matches(envelope_value: Mapping[str, Any], record: Mapping[str, Any], salt: bytes) -> bool:
    """Whether ``record`` and ``salt`` open the commitment of a parsed envelope."""
    committed = envelope_value.get("commitment")
    if not isinstance(committed, Mapping):
        return False
    opened = Commitment.of(record, salt)
    return committed.get("sha256") == opened.sha256 and committed.get("sm3") == opened.sm3
