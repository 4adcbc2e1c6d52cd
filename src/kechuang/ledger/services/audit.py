"""Auditing the log: recompute every leaf, tile and root from the stored entries and report each mismatch.

The entries are the source of truth: each one's bytes are hashed again (RFC 6962 leaf hash and SM3), the
tiles are rebuilt from those hashes with the sequencer's own ``grow_tiles``, and every stored tile,
checkpoint and the log state must agree with what was rebuilt. The audit reads only, in leaf-index
ranges of ``chunk_size``, and holds the right edge of the rebuilt tree plus one range of stored tiles,
so its memory does not grow with the log.

It may run while the sequencer integrates: it audits the tree of the size the log state had when it
started, and anything the sequencer adds meanwhile (leaves, tiles, checkpoints, a partial tile that
grew) is told apart from tampering by reading the state again after the rows in question were read;
the sequencer writes leaves, tiles, state and checkpoint in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db.models import Q
from django.utils.translation import gettext as _

from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Checkpoint, Leaf, LogState, Tile
from kechuang.ledger.services.audit_checks import (
    MAX_LISTED,
    AuditReport,
    Problem,
    checkpoint_findings,
    entry_findings,
    show,
    tile_findings,
)
from kechuang.ledger.tlog import merkle
from kechuang.ledger.tlog.note import Verifier, parse_vkey
from kechuang.ledger.tlog.tiles import (
    FULL_TILE_BYTES,
    MAX_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileNodes,
    grow_tiles,
    tile_width,
)

__all__ = ["AuditReport", "Problem", "Progress", "audit_log"]

Progress = Callable[[int, int], None]
"""``progress(done, total)``: leaves audited so far out of the audited size, called after each range."""

CHUNK_SIZE = 10_000
_ZERO_HASH = bytes(merkle.HASH_SIZE)
_SNAPSHOT_TRIES = 5


def audit_log(
    *,
    verifier: Verifier | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    limit: int = MAX_LISTED,
) -> AuditReport:
    """Audit the whole log against its stored entries; never writes.

    ``verifier`` checks the checkpoints' signatures (default: the public half of ``log_signer()``, which
    raises ``MissingKeyError`` when no key is configured). Checkpoint notes must also name the verifier's
    key name as their origin. Cosignatures are not checked: the audit knows no witness keys.
    """
    if verifier is None:
        verifier = parse_vkey(log_signer().vkey)
    return _Audit(verifier, chunk_size, AuditReport(limit=limit)).run(progress)


class _Audit:
    def __init__(self, verifier: Verifier, chunk_size: int, report: AuditReport) -> None:
        self.verifier = verifier
        self.chunk_size = chunk_size
        self.report = report
        self.size = 0  # the audited tree size: the log state's when the audit started
        self.built = 0  # leaves fed to the rebuilt tree so far
        self.edge: dict[tuple[int, int], bytes] = {}  # the rebuilt tree's partial tiles, one per level
        self.gap_start: int | None = None  # first index of a run of missing leaves not reported yet

    # ------------------------------------------------------------ the whole audit

    def run(self, progress: Progress | None) -> AuditReport:
        latest_size = self._check_state()
        self.report.size = self.size
        checkpoints = self._checkpoints()
        upcoming = next(checkpoints, None)
        while upcoming is not None and upcoming.size == 0:
            self._check_checkpoint(upcoming, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT)
            upcoming = next(checkpoints, None)
        for start in range(0, self.size, self.chunk_size):
            upcoming = self._audit_range(start, min(start + self.chunk_size, self.size), upcoming, checkpoints)
            if progress is not None:
                progress(self.built, self.size)
        self._close_gap(self.size)
        self._check_right_edge()
        while upcoming is not None:
            # Checkpoints past the audited size: signed since the audit started, or, if they were
            # already there, ahead of the state (which _check_state reported).
            if upcoming.size <= latest_size:
                self.report.add(
                    "checkpoint",
                    (upcoming.size,),
                    _("it lies beyond the log state's size %(size)d") % {"size": self.size},
                )
            upcoming = next(checkpoints, None)
        self._check_leaves_outside()
        self._check_tiles_outside()
        return self.report

    def _check_state(self) -> int:
        """Read the log state and the latest checkpoint consistently; compare them. Returns the latest size."""
        for _try in range(_SNAPSHOT_TRIES):
            state = LogState.objects.filter(pk=1).values_list("size", "root").first()
            latest = Checkpoint.objects.order_by("-size").values_list("size", "root").first()
            # The sequencer moves state and checkpoint in one transaction and every batch grows the size:
            # an unchanged state around the checkpoint read means the two belong together.
            if LogState.objects.filter(pk=1).values_list("size", "root").first() == state:
                break
        latest_size, latest_root = (latest[0], bytes(latest[1])) if latest is not None else (0, b"")
        if state is None:
            # A log whose sequencer never ran has no state row; one with signed checkpoints must have it.
            # Audit up to the latest checkpoint then, so that everything signed is still checked.
            if latest_size:
                self.report.add(
                    "state",
                    (),
                    _("there is no log state row, but checkpoints go up to size %(size)d") % {"size": latest_size},
                )
            self.size = latest_size
            return latest_size
        self.size, root = state[0], bytes(state[1])
        if latest is None:
            if self.size:
                self.report.add(
                    "state",
                    (),
                    _("the log state has size %(size)d but there is no signed checkpoint") % {"size": self.size},
                )
        elif (self.size, root) != (latest_size, latest_root):
            self.report.add(
                "state",
                (),
                _(
                    "the log state (size %(size)d, root %(root)s) is not the latest checkpoint "
                    "(size %(checkpoint_size)d, root %(checkpoint_root)s)"
                )
                % {
                    "size": self.size,
                    "root": show(root),
                    "checkpoint_size": latest_size,
                    "checkpoint_root": show(latest_root),
                },
            )
        return latest_size

    def _checkpoints(self) -> Iterator[Checkpoint]:
        """Every checkpoint in size order, fetched ``chunk_size`` at a time (keyset pagination on the size)."""
        after = -1
        while True:
            rows = list(
                Checkpoint.objects.filter(size__gt=after)
                .order_by("size")
                .only("size", "root", "note")[: self.chunk_size]
            )
            yield from rows
            if len(rows) < self.chunk_size:
                return
            after = rows[-1].size

    # ------------------------------------------------------------ one range of leaves

    def _audit_range(
        self, start: int, end: int, upcoming: Checkpoint | None, checkpoints: Iterator[Checkpoint]
    ) -> Checkpoint | None:
        """Check the entries at ``[start, end)``, grow the rebuilt tree by them, check the tiles that became
        full and the checkpoints whose size falls in ``(start, end]``; returns the next checkpoint after."""
        stored = self._stored_tiles(start, end)
        hashes: list[bytes] = []
        rows = (
            Leaf.objects.filter(index__gte=start, index__lt=end)
            .order_by("index")
            .values_list("index", "entry__body", "entry__leaf_hash", "entry__sm3")
        )
        for index, body, stored_leaf, stored_sm3 in rows:
            self._fill_gap(start + len(hashes), index, stored, hashes)
            self._close_gap(index)
            self.report.entries += 1
            computed, found = entry_findings(bytes(body), bytes(stored_leaf), bytes(stored_sm3))
            self.report.add("entry", (index,), *found)
            hashes.append(computed)
        self._fill_gap(start + len(hashes), end, stored, hashes)

        fed = 0
        while upcoming is not None and upcoming.size <= end:
            self._grow(hashes[fed : upcoming.size - start], stored)
            fed = upcoming.size - start
            from_entries = merkle.tree_root(TileNodes(self._read_edge, upcoming.size), upcoming.size)
            try:
                from_tiles: bytes | None = merkle.tree_root(TileNodes(_reader(stored), upcoming.size), upcoming.size)
            except KeyError:  # a stored tile is missing or short; reported as a tile problem too
                from_tiles = None
            self._check_checkpoint(upcoming, from_entries, from_tiles)
            upcoming = next(checkpoints, None)
        self._grow(hashes[fed:], stored)
        return upcoming

    def _fill_gap(self, position: int, end: int, stored: dict[tuple[int, int], bytes], hashes: list[bytes]) -> None:
        """Stand in for missing leaves ``[position, end)`` with the hashes the stored level-0 tiles hold.

        The gap itself is reported once (``_close_gap``); borrowing the stored hashes keeps one missing
        leaf from making every later tile and root differ, so the rest of the report stays precise.
        """
        if position >= end:
            return
        if self.gap_start is None:
            self.gap_start = position
        for missing in range(position, end):
            tile = stored.get((0, missing >> TILE_HEIGHT), b"")
            offset = missing % TILE_WIDTH * merkle.HASH_SIZE
            value = tile[offset : offset + merkle.HASH_SIZE]
            hashes.append(value if len(value) == merkle.HASH_SIZE else _ZERO_HASH)

    def _close_gap(self, end: int) -> None:
        if self.gap_start is None or end <= self.gap_start:
            return
        first, last = self.gap_start, end - 1
        if first == last:
            what = _("no entry has this index")
        else:
            what = _("no entries have indices %(first)d to %(last)d") % {"first": first, "last": last}
        self.report.add("entry", (first,), what)
        self.gap_start = None

    # ------------------------------------------------------------ tiles

    def _levels(self) -> range:
        """The tile levels a tree of the audited size has."""
        return range(next(level for level in range(MAX_LEVEL + 2) if not self.size >> (TILE_HEIGHT * level)))

    def _stored_tiles(self, start: int, end: int) -> dict[tuple[int, int], bytes]:
        """The stored tiles that hold hashes of leaves ``[start, end)``, at every level, in one query."""
        query = Q()
        for level in self._levels():
            shift = TILE_HEIGHT * (level + 1)
            query |= Q(level=level, index__gte=start >> shift, index__lte=(end - 1) >> shift)
        rows = Tile.objects.filter(query).values_list("level", "index", "hashes")
        return {(level, index): bytes(hashes) for level, index, hashes in rows}

    def _read_edge(self, level: int, index: int) -> bytes:
        return self.edge.get((level, index), b"")

    def _grow(self, hashes: list[bytes], stored: dict[tuple[int, int], bytes]) -> None:
        """Append ``hashes`` to the rebuilt tree; compare each tile that became full with its stored bytes."""
        if not hashes:
            return
        for key, content in sorted(grow_tiles(self.built, hashes, self._read_edge).items()):
            if len(content) == FULL_TILE_BYTES:
                self.edge.pop(key, None)
                self._compare_tile(key, content, stored.get(key), full=True)
            else:
                self.edge[key] = content
        self.built += len(hashes)

    def _check_right_edge(self) -> None:
        """The partial tiles of the audited size: each must be a prefix of its stored tile (which may have grown)."""
        if not self.edge:
            return
        query = Q()
        for level, index in self.edge:
            query |= Q(level=level, index=index)
        stored = {
            (level, index): bytes(hashes)
            for level, index, hashes in Tile.objects.filter(query).values_list("level", "index", "hashes")
        }
        for key, content in sorted(self.edge.items()):
            self._compare_tile(key, content, stored.get(key), full=False)

    def _compare_tile(self, key: tuple[int, int], rebuilt: bytes, stored: bytes | None, *, full: bool) -> None:
        self.report.tiles += 1
        self.report.add("tile", key, *tile_findings(rebuilt, stored, full=full, size=self.size))

    def _check_checkpoint(self, checkpoint: Checkpoint, from_entries: bytes, from_tiles: bytes | None) -> None:
        self.report.checkpoints += 1
        found = checkpoint_findings(
            size=checkpoint.size,
            row_root=bytes(checkpoint.root),
            note=checkpoint.note,
            from_entries=from_entries,
            from_tiles=from_tiles,
            verifier=self.verifier,
        )
        self.report.add("checkpoint", (checkpoint.size,), *found)

    # ------------------------------------------------------------ rows outside the tree

    def _current_size(self) -> int:
        size = LogState.objects.filter(pk=1).values_list("size", flat=True).first()
        return size if size is not None else self.size

    def _check_leaves_outside(self) -> None:
        """Leaves below 0 or at or past the log's size; coalesced into ranges of consecutive indices."""
        rows = (
            Leaf.objects.filter(Q(index__lt=0) | Q(index__gte=self.size))
            .order_by("index")
            .values_list("index", flat=True)
        )
        # Leaves integrated since the audit started are not problems. Reading the state after the rows'
        # query has started gives a size that covers every such leaf the query can see.
        later: int | None = None
        run: list[int] = []  # [first, last] of the current run of consecutive stray indices
        for index in rows.iterator(chunk_size=self.chunk_size):
            if later is None:
                later = self._current_size()
            if 0 <= index < later:
                continue
            if run and index == run[1] + 1:
                run[1] = index
                continue
            self._report_stray_leaves(run, later)
            run = [index, index]
        self._report_stray_leaves(run, later if later is not None else self.size)

    def _report_stray_leaves(self, run: list[int], size: int) -> None:
        if not run:
            return
        first, last = run
        if first == last:
            what = _("its leaf lies outside the tree of size %(size)d") % {"size": size}
        else:
            what = _("leaves with indices %(first)d to %(last)d lie outside the tree of size %(size)d") % {
                "first": first,
                "last": last,
                "size": size,
            }
        self.report.add("entry", (first,), what)

    def _check_tiles_outside(self) -> None:
        """Stored tiles that a tree of the log's size does not have."""
        query = Q(index__lt=0) | Q(level__gte=len(self._levels()))
        for level in self._levels():
            query |= Q(level=level, index__gte=-(-(self.size >> (TILE_HEIGHT * level)) // TILE_WIDTH))
        rows = Tile.objects.filter(query).order_by("level", "index").values_list("level", "index")
        later: int | None = None
        for level, index in rows.iterator(chunk_size=self.chunk_size):
            if later is None:
                later = self._current_size()
            if index < 0 or tile_width(later, level, index) == 0:
                self.report.add(
                    "tile",
                    (level, index),
                    _("it lies outside the tree of size %(size)d and should not exist") % {"size": later},
                )


def _reader(stored: dict[tuple[int, int], bytes]) -> Callable[[int, int], bytes]:
    def read(level: int, index: int) -> bytes:
        return stored.get((level, index), b"")

    return read
