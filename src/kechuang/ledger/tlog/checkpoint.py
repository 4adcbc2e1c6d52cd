"""C2SP transparency-log checkpoints (https://c2sp.org/tlog-checkpoint): the signed head of a Merkle tree.

A checkpoint is a signed note whose text is exactly::

    <origin>\\n            the log's identity, e.g. example.com/behind-the-sofa
    <tree size>\\n         ASCII decimal, no leading zeros ("0" for the empty tree), at most 2^64-1
    <root hash>\\n         canonical base64 of the 32-byte RFC 6962 SHA-256 root
    [<extension line>\\n]  optional, non-empty, opaque

We are stricter than the spec on one point: an origin may not contain whitespace (the spec only recommends that;
``+``, which it also discourages, is accepted). Cosignatures over a checkpoint are made and checked by ``note``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kechuang.ledger.tlog.note import OpenedNote, Verifier, decode_base64, open_note

MAX_TREE_SIZE = 2**64 - 1  # sizes are uint64 in every implementation we interoperate with
ROOT_SIZE = 32

_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f]")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: int() would also take "١٢", "+1" and "1_000"


class CheckpointError(ValueError):
    """A checkpoint text or value breaks the tlog-checkpoint format, or is not the log the caller expected."""


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: log origin, tree size, root hash and extension lines. Construction validates every field."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin:
            raise CheckpointError("checkpoint origin is empty")
        if any(c.isspace() for c in self.origin) or _CONTROL_OR_NEWLINE.search(self.origin):
            raise CheckpointError(f"checkpoint origin {self.origin!r} contains whitespace or a control character")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"checkpoint tree size {self.size} is outside 0..2^64-1")
        if len(self.root) != ROOT_SIZE:
            raise CheckpointError(f"checkpoint root hash is {len(self.root)} bytes, not {ROOT_SIZE}")
        for number, line in enumerate(self.extensions, start=4):
            if not line:
                raise CheckpointError(f"checkpoint extension line {number} is empty")
            if _CONTROL_OR_NEWLINE.search(line):
                raise CheckpointError(f"checkpoint extension line {number} contains a control character")

    def body(self) -> str:
        """The exact note text of this checkpoint (what the log signs and cosigners cosign)."""
        root = base64.b64encode(self.root).decode("ascii")
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions))


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint a note text spells out; ``CheckpointError`` naming the first problem otherwise.

    ``Checkpoint(...).body()`` gives ``text`` back exactly: every accepted spelling is the canonical one.
    """
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(f"checkpoint text has {len(lines)} line(s); it needs origin, tree size and root hash")
    origin, size_text, root_text, *extensions = lines
    if not _DIGITS.fullmatch(size_text):
        raise CheckpointError(f"checkpoint tree size {size_text!r} is not an ASCII decimal number")
    if size_text != "0" and size_text.startswith("0"):
        raise CheckpointError(f"checkpoint tree size {size_text!r} has leading zeros")
    try:
        root = decode_base64(root_text)
    except ValueError as exc:
        raise CheckpointError(f"checkpoint root hash {root_text!r} is not canonical base64") from exc
    return Checkpoint(origin=origin, size=int(size_text), root=root, extensions=tuple(extensions))


def open_checkpoint(
    note: str | bytes, verifiers: Iterable[Verifier], *, origin: str | None = None
) -> tuple[Checkpoint, OpenedNote]:
    """Verify a signed checkpoint note, then parse its text; with ``origin``, refuse a checkpoint of another log.

    Raises the ``note`` module's errors for the signatures and ``CheckpointError`` for the text. Which keys must
    have signed (the log's own key, a quorum of cosigners) is the caller's policy, read from ``OpenedNote.verified``.
    """
    opened = open_note(note, verifiers)
    checkpoint = parse_checkpoint(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint origin {checkpoint.origin!r} is not the expected {origin!r}")
    return checkpoint, opened
