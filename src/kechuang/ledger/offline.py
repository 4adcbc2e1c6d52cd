"""Checking a receipt with nothing but files: what ``kechuang ledger verify`` and the verify page do.

Pure Python (no Django, no network). A receipt proves that an entry is in the log; the optional
``file`` then ties something the relying party holds to that entry: the entry's own bytes, the
original document of an evidence entry (its SHA-256 is in the record), or a disclosure
``{"record": …, "salt": "<base64>"}`` that opens a commitment entry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from kechuang.ledger.canonical import RecordError, disclosure_matches, parse_body
from kechuang.ledger.tlog.note import NoteError, Verifier, parse_vkey
from kechuang.ledger.tlog.proof import ReceiptCheck, ReceiptError, verify_receipt


@dataclass
class Verdict:
    """A verified receipt and, line by line, what it proved."""

    check: ReceiptCheck
    envelope: dict[str, object] | None
    proved: list[str] = field(default_factory=list)


def _keys(texts: Sequence[str], what: str) -> list[Verifier]:
    keys: list[Verifier] = []
    for text in texts:
        try:
            keys.append(parse_vkey(text.strip()))
        except NoteError as exc:
            raise ReceiptError(f"{what} key {text.strip()!r}: {exc}") from None
    return keys


def _match_file(envelope: dict[str, object] | None, data: bytes, logged: bytes) -> str:
    """Which way ``data`` belongs to the logged entry; ``ReceiptError`` when it does not."""
    if data == logged:
        return "the given file is the logged entry itself"
    record = envelope.get("record") if envelope else None
    if isinstance(record, dict) and hashlib.sha256(data).hexdigest() == record.get("sha256"):
        return f"the given document's SHA-256 {record['sha256']} is the one notarised"
    try:
        disclosure = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        disclosure = None
    if envelope and isinstance(disclosure, dict) and isinstance(disclosure.get("record"), dict):
        try:
            salt = base64.b64decode(str(disclosure.get("salt", "")), validate=True)
        except (binascii.Error, ValueError):
            raise ReceiptError("the disclosure's salt is not base64") from None
        if disclosure_matches(envelope, disclosure["record"], salt):
            return "the disclosed record and salt open the logged commitment"
        raise ReceiptError("the disclosed record and salt do not open the logged commitment")
    raise ReceiptError(
        "the given file is neither the logged entry, nor the notarised document, nor a disclosure that opens it"
    )


def check(
    receipt: str,
    vkey: str,
    *,
    witness_keys: Sequence[str] = (),
    min_witnesses: int = 0,
    file: bytes | None = None,
) -> Verdict:
    """Verify ``receipt`` against the log key ``vkey``; with ``file``, also tie that file to the entry."""
    log = _keys([vkey], "log")[0]
    witnesses = _keys(witness_keys, "witness")
    verified = verify_receipt(receipt, log, witnesses=witnesses, min_witnesses=min_witnesses)
    try:
        envelope: dict[str, object] | None = parse_body(verified.entry)
    except RecordError:
        envelope = None
    checkpoint = verified.checkpoint
    verdict = Verdict(check=verified, envelope=envelope)
    kind = f" ({envelope['kind']} v{envelope['v']}, recorded {envelope['time']})" if envelope else ""
    verdict.proved += [
        f"entry {verified.index}{kind} is in the log {checkpoint.origin}",
        f"at tree size {checkpoint.size}, root {base64.b64encode(checkpoint.root).decode()}",
        f"signed by the log key {verified.log_key}",
    ]
    if verified.witnesses:
        verdict.proved.append("cosigned by " + ", ".join(verified.witnesses))
    if file is not None:
        verdict.proved.append(_match_file(envelope, file, verified.entry))
    return verdict
