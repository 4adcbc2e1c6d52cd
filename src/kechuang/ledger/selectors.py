"""Reads of the transparency log: tiles, checkpoints, proofs, entry bundles and receipts."""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from kechuang.accounts.rules import is_operator
from kechuang.core.errors import NotFound
from kechuang.ledger import kinds
from kechuang.ledger.models import Checkpoint, Entry, LogState
from kechuang.ledger.rules import recorded_entry
from kechuang.ledger.tlog import merkle
from kechuang.ledger.tlog.proof import format_proof
from kechuang.ledger.tlog.tiles import TILE_WIDTH, ExpandedTileCache, TileNodes, tile_width


@dataclass(frozen=True)
class SignedTree:
    """A checkpoint as receipts carry it: its size and root, and its note with the cosignatures then known."""

    size: int
    root: bytes
    text: str
    fetched: float  # time.monotonic() when it was read


class _LogCache(ExpandedTileCache):
    """Expanded tiles, the largest tree size seen published (a log only grows, so neither goes stale) and the
    checkpoint receipts were last built on."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.published = 0
        self.signed: SignedTree | None = None

    def clear(self) -> None:
        super().clear()
        self.published = 0
        self.signed = None


# Expanded tiles (about 16 KB each when full) shared by every request of this process.
FULL_TILES = _LogCache(capacity=4096)


class LedgerIntegrityError(RuntimeError):
    """Stored data disagrees with itself (a tampered entry or tile); nothing signed or served from it."""


class OutOfRangeError(LookupError):
    """An index or tree size the log has not reached."""


def read_tile(level: int, index: int) -> bytes:
    """The stored hashes of a tile (b"" when absent); a partial tile may hold more than an older size needs."""
    # Every cold proof and every batch reads tiles; building this query through the ORM took 0.2 ms,
    # ten times what the database then needs (benchmarks/ledger.py), so it is written out once.
    with connection.cursor() as cursor:
        cursor.execute(_READ_TILE, [level, index])
        row = cursor.fetchone()
    return bytes(row[0]) if row is not None else b""


# The Tile model's table and columns, quoted as both SQLite and PostgreSQL read them.
_READ_TILE = 'SELECT "hashes" FROM "ledger_tile" WHERE "level" = %s AND "index" = %s'


def tree_nodes(size: int) -> TileNodes:
    return TileNodes(read_tile, size, FULL_TILES)


def log_state() -> LogState:
    """The sequencer's state; the empty tree before its first batch."""
    return LogState.objects.filter(pk=1).first() or LogState(pk=1, size=0, root=merkle.EMPTY_ROOT)


def latest_checkpoint() -> Checkpoint | None:
    # No prefetch_related: checkpoint_text loads the cosignatures in the same second query, and the
    # prefetch machinery cost more than the rest of a receipt (0.4 of 0.8 ms, benchmarks/ledger.py).
    return Checkpoint.objects.order_by("-size").first()


def checkpoint_text(checkpoint: Checkpoint) -> str:
    """The signed note with every witness's cosignature appended (signature lines in a stable order)."""
    lines = sorted(cosignature.line for cosignature in checkpoint.cosignatures.all())
    return checkpoint.note + "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def published_size() -> int:
    checkpoint = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
    return checkpoint or 0


def _check_size(size: int) -> None:
    if 0 < size <= FULL_TILES.published:  # checkpoints are never withdrawn: no query for a size seen before
        return
    published = published_size()
    FULL_TILES.published = max(FULL_TILES.published, published)
    if not 0 < size <= published:
        raise OutOfRangeError(f"tree size {size} is not between 1 and the published size {published}")


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """The RFC 6962 audit path of ``index`` in the published tree of ``size``."""
    _check_size(size)
    if not 0 <= index < size:
        raise OutOfRangeError(f"index {index} is not in a tree of size {size}")
    return merkle.inclusion_proof(tree_nodes(size), index, size)


def consistency_proof(first: int, second: int) -> list[bytes]:
    """The RFC 6962 consistency proof between two published sizes (empty when they are equal)."""
    _check_size(second)
    if not 0 < first <= second:
        raise OutOfRangeError(f"no consistency proof from size {first} to size {second}")
    return merkle.consistency_proof(tree_nodes(second), first, second)


def entry_at(index: int) -> Entry:
    """The integrated entry at ``index`` (``Entry.DoesNotExist`` when there is none)."""
    return Entry.objects.select_related("leaf", "organization").get(leaf__index=index)


def tile_bytes(level: int, index: int, width: int) -> bytes | None:
    """A hash tile as served: ``width`` hashes, or None when the published tree does not have them."""
    if width > tile_width(published_size(), level, index):
        return None
    hashes = read_tile(level, index)
    return hashes[: width * merkle.HASH_SIZE] if len(hashes) >= width * merkle.HASH_SIZE else None


def entry_bundle(index: int, width: int) -> bytes | None:
    """An entry bundle: big-endian uint16 length-prefixed entries, or None beyond the published tree."""
    first = index * TILE_WIDTH
    if first + width > published_size():
        return None
    bodies = list(
        Entry.objects.filter(leaf__index__gte=first, leaf__index__lt=first + width)
        .order_by("leaf__index")
        .values_list("body", flat=True)
    )
    if len(bodies) != width:
        raise LedgerIntegrityError(f"entries {first}..{first + width - 1} are not all stored")
    return b"".join(struct.pack(">H", len(body)) + bytes(body) for body in bodies)


def public_entries() -> QuerySet[Entry]:
    """Integrated entries of public kinds, newest first."""
    return (
        Entry.objects.filter(kind__in=kinds.public_kinds(), leaf__isnull=False)
        .select_related("leaf", "organization")
        .order_by("-leaf__index")
    )


# How long receipts may keep using a checkpoint this process read, when it covers their entry: any
# signed checkpoint that includes an entry proves it, and a witness's late cosignature then reaches
# receipts within this time. Saves two queries per receipt at high rates (benchmarks/ledger.py).
SIGNED_TREE_SECONDS = 1.0


def receipt_checkpoint(index: int) -> SignedTree:
    """The checkpoint a receipt for ``index`` is built on: the newest, or one read under a second ago that covers it."""
    signed = FULL_TILES.signed
    if signed is not None and index < signed.size and time.monotonic() - signed.fetched < SIGNED_TREE_SECONDS:
        return signed
    checkpoint = latest_checkpoint()
    if checkpoint is None or checkpoint.size <= index:
        raise OutOfRangeError(f"entry {index} is not under a signed checkpoint yet")
    signed = SignedTree(checkpoint.size, bytes(checkpoint.root), checkpoint_text(checkpoint), time.monotonic())
    FULL_TILES.signed = signed
    return signed


def receipt_text(entry: Entry, *, check: bool = True) -> str:
    """A ``c2sp.org/tlog-proof@v1`` file for an integrated entry; its ``extra`` line carries the entry's bytes.

    With ``check`` the proof is verified against the checkpoint before it is handed out, so tampered
    storage answers ``LedgerIntegrityError`` instead of a receipt that would fail elsewhere.
    """
    index = entry.leaf.index
    checkpoint = receipt_checkpoint(index)
    proof = merkle.inclusion_proof(tree_nodes(checkpoint.size), index, checkpoint.size)
    if check:
        body = bytes(entry.body)
        if merkle.leaf_hash(body) != bytes(entry.leaf_hash):
            raise LedgerIntegrityError(f"entry {index}'s bytes no longer hash to its leaf")
        try:
            merkle.verify_inclusion(index, checkpoint.size, bytes(entry.leaf_hash), proof, checkpoint.root)
        except merkle.ProofError as exc:
            raise LedgerIntegrityError(f"stored tiles do not prove entry {index}: {exc}") from None
    return format_proof(index=index, proof=proof, checkpoint_note=checkpoint.text, extra=bytes(entry.body))


def get_entry_for(user: Any, index: int) -> Entry:
    """The integrated entry at ``index`` if ``user`` may see it (rule ``ledger.view_entry``); ``NotFound`` for both
    a missing and a hidden entry, so that probing indexes tells nothing about non-public kinds."""
    entry = Entry.objects.select_related("leaf", "organization").filter(leaf__index=index).first()
    if entry is None or not user.has_perm("ledger.view_entry", entry):
        raise NotFound()
    return entry


def get_recorded_entry_for(user: Any, pk: int) -> Entry:
    """An entry by id, integrated or not, for whoever recorded it, its organisation's members and operators.

    The id of an entry that has no index yet is known only to the one who just recorded it; this is
    how they follow it until the sequencer integrates it. ``NotFound`` for missing and hidden alike.
    """
    entry = Entry.objects.select_related("leaf", "organization").filter(pk=pk).first()
    if entry is None or not (recorded_entry(user, entry) or is_operator(user)):
        raise NotFound()
    return entry
