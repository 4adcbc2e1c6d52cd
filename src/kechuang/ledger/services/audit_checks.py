"""What the ledger audit compares, without touching the database, and the report it fills.

Each ``*_findings`` function compares one stored thing (an entry's digests, a tile's bytes, a checkpoint
row and its signed note) with what was recomputed from the entries, and returns one message per
mismatch, in the active language; ``audit`` walks the log and files them as ``Problem``s.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kechuang.ledger.canonical import sm3
from kechuang.ledger.tlog import merkle
from kechuang.ledger.tlog.checkpoint import CheckpointError, parse_checkpoint
from kechuang.ledger.tlog.note import (
    InvalidSignatureError,
    NoteError,
    UnverifiedNoteError,
    Verifier,
    open_note,
    parse_note,
)
from kechuang.ledger.tlog.tiles import FULL_TILE_BYTES

ProblemKind = Literal["entry", "tile", "checkpoint", "state"]
MAX_LISTED = 1_000  # problems kept in a report; past that they are only counted, so memory stays bounded


def show(value: bytes) -> str:
    """A hash as the log publishes hashes (checkpoints, proofs, tiles' paths aside): standard base64."""
    return base64.b64encode(value).decode("ascii")


@dataclass(frozen=True)
class Problem:
    """One mismatch. ``where`` is ``(index,)`` for an entry, ``(level, index)`` for a tile, ``(size,)`` for a
    checkpoint and ``()`` for the log state; ``what`` says what disagrees."""

    kind: ProblemKind
    where: tuple[int, ...]
    what: str

    def place(self) -> str:
        if self.kind == "entry":
            return _("entry at index %(index)d") % {"index": self.where[0]}
        if self.kind == "tile":
            return _("tile %(level)d/%(index)d") % {"level": self.where[0], "index": self.where[1]}
        if self.kind == "checkpoint":
            return _("checkpoint %(size)d") % {"size": self.where[0]}
        return _("log state")

    def __str__(self) -> str:
        return _("%(place)s: %(problem)s") % {"place": self.place(), "problem": self.what}


@dataclass
class AuditReport:
    """What the audit checked and found. ``problems`` lists the first ``limit``; ``problem_count`` counts all."""

    size: int = 0
    entries: int = 0
    tiles: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    limit: int = MAX_LISTED

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def unlisted(self) -> int:
        return self.problem_count - len(self.problems)

    def add(self, kind: ProblemKind, where: tuple[int, ...], *found: str) -> None:
        for what in found:
            self.problem_count += 1
            if len(self.problems) < self.limit:
                self.problems.append(Problem(kind, where, what))


def entry_findings(body: bytes, stored_leaf: bytes, stored_sm3: bytes) -> tuple[bytes, list[str]]:
    """The RFC 6962 leaf hash of ``body``, and how the stored leaf hash and SM3 digest disagree with it."""
    found = []
    computed = merkle.leaf_hash(body)
    if computed != stored_leaf:
        found.append(
            _("its bytes hash to leaf %(computed)s but the stored leaf hash is %(stored)s")
            % {"computed": show(computed), "stored": show(stored_leaf)}
        )
    digest = sm3(body)
    if digest != stored_sm3:
        found.append(
            _("its bytes have SM3 digest %(computed)s but the stored digest is %(stored)s")
            % {"computed": digest.hex(), "stored": stored_sm3.hex()}
        )
    return computed, found


def tile_findings(rebuilt: bytes, stored: bytes | None, *, full: bool, size: int) -> list[str]:
    """A stored tile against the one rebuilt from the entries: a full tile exactly; a partial one (of the
    tree of ``size``) as the prefix of the stored tile, which may have grown since."""
    if stored is None:
        return [_("it is missing from storage")]
    if full and len(stored) != FULL_TILE_BYTES:
        return [
            _("it holds %(stored)d bytes; a full tile holds exactly %(expected)d")
            % {"stored": len(stored), "expected": FULL_TILE_BYTES}
        ]
    if len(stored) < len(rebuilt):
        return [
            _("it holds %(stored)d bytes; the tree of size %(size)d needs at least %(expected)d")
            % {"stored": len(stored), "size": size, "expected": len(rebuilt)}
        ]
    if stored[: len(rebuilt)] == rebuilt:
        return []
    width = merkle.HASH_SIZE
    differing = [
        position
        for position in range(len(rebuilt) // width)
        if stored[position * width : (position + 1) * width] != rebuilt[position * width : (position + 1) * width]
    ]
    return [
        ngettext(
            "%(count)d hash differs from the tile rebuilt from the entries, at position %(position)d",
            "%(count)d hashes differ from the tile rebuilt from the entries, the first at position %(position)d",
            len(differing),
        )
        % {"count": len(differing), "position": differing[0]}
    ]


def checkpoint_findings(
    *, size: int, row_root: bytes, note: str, from_entries: bytes, from_tiles: bytes | None, verifier: Verifier
) -> list[str]:
    """A checkpoint row of ``size`` and its signed note against the root the entries give at that size.

    The note must verify with ``verifier``, name its key as the origin and be for ``size``; the row's and
    the note's roots must be the entries' root, and so must the root the stored tiles give
    (``from_tiles``, None when they lack hashes), which is what proofs and receipts are built from.
    """
    found = []

    def differs(template: str, stored: bytes) -> None:
        found.append(template % {"stored": show(stored), "computed": show(from_entries)})

    note_root = _note_findings(note, size, verifier, found)
    if note_root == row_root:
        if row_root != from_entries:
            differs(_("its signed root %(stored)s is not the root %(computed)s the entries give"), row_root)
    else:
        if row_root != from_entries:
            differs(_("the checkpoint row holds root %(stored)s, not the root %(computed)s the entries give"), row_root)
        if note_root is not None and note_root != from_entries:
            differs(_("its signed note holds root %(stored)s, not the root %(computed)s the entries give"), note_root)
    if from_tiles is None:
        found.append(_("the stored tiles lack hashes that the root at this size needs"))
    elif from_tiles != from_entries:
        differs(_("the stored tiles give root %(stored)s, not the root %(computed)s the entries give"), from_tiles)
    return found


def _note_findings(note: str, size: int, verifier: Verifier, found: list[str]) -> bytes | None:
    """Check the note's signature, origin and size into ``found``; returns its root (None when unreadable)."""
    try:
        text, _signatures = parse_note(note)
        body = parse_checkpoint(text)
    except (NoteError, CheckpointError) as exc:
        found.append(_("its signed note cannot be read as a checkpoint: %(error)s") % {"error": exc})
        return None
    try:
        open_note(note, [verifier])
    except InvalidSignatureError:
        found.append(_("the log key's signature on its note is invalid"))
    except UnverifiedNoteError:
        found.append(_("its note carries no signature by the log key %(key)s") % {"key": verifier.name})
    except NoteError as exc:
        found.append(_("its note does not verify: %(error)s") % {"error": exc})
    if body.origin != verifier.name:
        found.append(
            _("its signed note names the log %(origin)s, not %(expected)s")
            % {"origin": body.origin, "expected": verifier.name}
        )
    if body.size != size:
        found.append(_("its signed note is for tree size %(note)d, not %(size)d") % {"note": body.size, "size": size})
    return body.root
