"""C2SP tlog-proof@v1: an offline receipt (index, inclusion proof, cosigned checkpoint), and its verification.

A receipt checks with nothing but the log's verifier key (and any witnesses' keys the relying party
requires): no account, no network. Our receipts carry the entry's bytes on the ``extra`` line; the
extra data is not trusted by itself, it is hashed and must be proved included like any other leaf.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kechuang.ledger.tlog.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from kechuang.ledger.tlog.merkle import ProofError, leaf_hash, verify_inclusion
from kechuang.ledger.tlog.note import NoteError, Verifier, open_note

HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_LINES = 63
_INDEX = re.compile(r"index (0|[1-9][0-9]*)")


class ReceiptError(ValueError):
    """A receipt that is malformed or does not verify; the message says exactly which check failed."""


@dataclass(frozen=True)
class ProofFile:
    index: int
    proof: list[bytes]
    checkpoint_note: str
    extra: bytes | None = None


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ReceiptError(f"{what} is not base64: {text!r}") from None


def format_proof(*, index: int, proof: Sequence[bytes], checkpoint_note: str, extra: bytes | None = None) -> str:
    lines = [HEADER]
    if extra is not None:
        lines.append("extra " + base64.b64encode(extra).decode())
    lines.append(f"index {index}")
    lines += [base64.b64encode(value).decode() for value in proof]
    return "\n".join(lines) + "\n\n" + checkpoint_note


def parse_proof(text: str) -> ProofFile:
    """Parse a tlog-proof file strictly; ``ReceiptError`` for anything the format does not allow."""
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise ReceiptError("the receipt has no blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise ReceiptError(f"the receipt does not start with {HEADER!r}")
    position = 1
    extra = None
    if position < len(lines) and lines[position].startswith("extra "):
        extra = _b64(lines[position].removeprefix("extra "), "the extra line")
        position += 1
    match = _INDEX.fullmatch(lines[position]) if position < len(lines) else None
    if match is None:
        raise ReceiptError("the receipt has no valid 'index N' line")
    proof_lines = lines[position + 1 :]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise ReceiptError(f"the receipt has {len(proof_lines)} proof lines; at most {MAX_PROOF_LINES} are allowed")
    proof = [_b64(line, f"proof line {number + 1}") for number, line in enumerate(proof_lines)]
    return ProofFile(index=int(match[1]), proof=proof, checkpoint_note=note, extra=extra)


@dataclass
class ReceiptCheck:
    """What a verified receipt proved."""

    checkpoint: Checkpoint
    index: int
    leaf_hash: bytes
    entry: bytes
    log_key: str
    witnesses: list[str] = field(default_factory=list)


def verify_receipt(
    text: str,
    log: Verifier,
    *,
    witnesses: Sequence[Verifier] = (),
    min_witnesses: int = 0,
    entry: bytes | None = None,
) -> ReceiptCheck:
    """Check a receipt against the log's key: signature, origin, inclusion of the entry, enough witnesses.

    ``entry`` is the entry's bytes when the relying party has them; otherwise the receipt's ``extra``
    line must carry them. Raises ``ReceiptError`` naming the first check that failed.
    """
    parsed = parse_proof(text)
    try:
        opened = open_note(parsed.checkpoint_note, [log, *witnesses])
    except NoteError as exc:
        raise ReceiptError(f"checkpoint signature: {exc}") from None
    if not any(signature.name == log.name and signature.key_id == log.key_id for signature in opened.verified):
        raise ReceiptError(f"the checkpoint is not signed by the log key {log.name}")
    try:
        checkpoint = parse_checkpoint(opened.text)
    except CheckpointError as exc:
        raise ReceiptError(f"checkpoint: {exc}") from None
    if checkpoint.origin != log.name:
        raise ReceiptError(f"the checkpoint's origin {checkpoint.origin!r} is not the log {log.name!r}")
    cosigned = sorted(
        {
            signature.name
            for signature in opened.verified
            if any(w.name == signature.name and w.key_id == signature.key_id for w in witnesses)
        }
    )
    if len(cosigned) < min_witnesses:
        raise ReceiptError(f"{len(cosigned)} witness cosignature(s) verified; {min_witnesses} required")
    data = entry if entry is not None else parsed.extra
    if data is None:
        raise ReceiptError("no entry to check: the receipt carries none and none was given")
    if entry is not None and parsed.extra is not None and parsed.extra != entry:
        raise ReceiptError("the given entry differs from the one the receipt carries")
    hashed = leaf_hash(data)
    try:
        verify_inclusion(parsed.index, checkpoint.size, hashed, parsed.proof, checkpoint.root)
    except ProofError as exc:
        raise ReceiptError(f"inclusion: {exc}") from None
    return ReceiptCheck(
        checkpoint=checkpoint,
        index=parsed.index,
        leaf_hash=hashed,
        entry=data,
        log_key=f"{log.name}+{log.key_id:08x}",
        witnesses=cosigned,
    )
