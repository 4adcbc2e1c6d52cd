"""C2SP tlog-tiles: tile coordinates and paths, tiles as a ``NodeSource``, and growing tiles by a batch.

A tile at level ``L`` and index ``N`` holds up to 256 consecutive hashes of the tree at height
``8 * L``: level 0 holds leaf hashes; each hash of a level-1 tile is the root of a full level-0 tile.
The heights in between are recomputed from the tile's hashes (``expand``), and kept in a bounded
cache: a full tile never changes, nor do the hashes a partial tile already holds.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kechuang.ledger.tlog.merkle import HASH_SIZE, hash_pairs

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes
FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE  # 8,192 bytes
MAX_LEVEL = 63
ENTRIES = -1  # the "level" of entry bundles in a parsed path


class TilePathError(ValueError):
    """A tile path that the tlog-tiles encoding does not allow."""


@dataclass(frozen=True, order=True)
class Tile:
    """One tile resource: ``level`` (``ENTRIES`` for an entry bundle), ``index`` and ``width`` (256 when full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    def path(self) -> str:
        """``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``."""
        level = "entries" if self.level == ENTRIES else str(self.level)
        suffix = "" if self.full else f".p/{self.width}"
        return f"tile/{level}/{encode_index(self.index)}{suffix}"


def encode_index(index: int) -> str:
    """Index 1234067 → ``x001/x234/067``: 3-digit groups, all but the last prefixed with ``x``."""
    if index < 0:
        raise TilePathError(f"negative tile index {index}")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])


_PATH = re.compile(r"tile/(?P<level>entries|0|[1-9]\d?)/(?P<index>(?:x\d{3}/)*\d{3})(?:\.p/(?P<width>[1-9]\d{0,2}))?")


def parse_tile_path(path: str) -> Tile:
    """The tile a request path names (without the log's prefix); ``TilePathError`` for anything else."""
    match = _PATH.fullmatch(path)
    if match is None:
        raise TilePathError(f"not a tile path: {path!r}")
    level = ENTRIES if match["level"] == "entries" else int(match["level"])
    if level > MAX_LEVEL:
        raise TilePathError(f"tile level {level} is above {MAX_LEVEL}")
    width = int(match["width"]) if match["width"] else TILE_WIDTH
    if match["width"] and width >= TILE_WIDTH:
        raise TilePathError(f"partial tile width {width} is not below {TILE_WIDTH}")
    index = int("".join(group.lstrip("x") for group in match["index"].split("/")))
    return Tile(level, index, width)


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every hash tile of a tree of ``size`` (full and partial), level by level; no entry bundles."""
    level = 0
    count = size
    while count:
        full, width = divmod(count, TILE_WIDTH)
        for index in range(full):
            yield Tile(level, index)
        if width:
            yield Tile(level, full, width)
        count = full
        level += 1


def bundle_tiles(size: int) -> Iterator[Tile]:
    """The entry bundles of a tree of ``size``."""
    full, width = divmod(size, TILE_WIDTH)
    for index in range(full):
        yield Tile(ENTRIES, index)
    if width:
        yield Tile(ENTRIES, full, width)


def tile_width(size: int, level: int, index: int) -> int:
    """How many hashes tile ``(level, index)`` holds in a tree of ``size`` (0 when it does not exist yet)."""
    count = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


# ---------------------------------------------------------------- tiles as a node source


def expand(hashes: bytes) -> list[bytes]:
    """The tile's rows, bottom up: row 0 is ``hashes``; row ``r`` the complete nodes ``r`` heights above."""
    rows = [hashes]
    row = hashes
    while len(row) >= 2 * HASH_SIZE:
        row = hash_pairs(row)
        rows.append(row)
    return rows


class ExpandedTileCache:
    """A bounded LRU of expanded tiles keyed by ``(level, index, width)``, shareable across requests.

    A full tile never changes, and neither do the first ``width`` hashes of a partial one (a log only
    appends), so an entry stays true for good; the right-edge tiles of the newest size are the ones
    every receipt needs.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._rows: OrderedDict[tuple[int, int, int], list[bytes]] = OrderedDict()
        # Threads of one process (gunicorn threads, the worker's sequencer) share the cache; a lookup
        # must not race an eviction between finding a key and moving it to the end.
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int, int]) -> list[bytes] | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
            return rows

    def put(self, key: tuple[int, int, int], rows: list[bytes]) -> None:
        with self._lock:
            self._rows[key] = rows
            if len(self._rows) > self.capacity:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


TileReader = Callable[[int, int], bytes]
"""``read(level, index)`` → the stored hashes of a tile (a partial tile may hold more than a given size needs)."""


class TileNodes:
    """A ``NodeSource`` over tiles for one tree size: reads each tile at most once, expands it on demand."""

    def __init__(self, read: TileReader, size: int, cache: ExpandedTileCache | None = None) -> None:
        self.read = read
        self.size = size
        self.cache = cache
        self._seen: dict[tuple[int, int], list[bytes]] = {}

    def rows(self, level: int, index: int) -> list[bytes]:
        rows = self._seen.get((level, index))
        if rows is not None:
            return rows
        width = tile_width(self.size, level, index)
        if self.cache is None:
            rows = expand(self._load(level, index, width))
        else:
            rows = self.cache.get((level, index, width))
            if rows is None:
                rows = expand(self._load(level, index, width))
                self.cache.put((level, index, width), rows)
        self._seen[(level, index)] = rows
        return rows

    def _load(self, level: int, index: int, width: int) -> bytes:
        if width == 0:
            raise KeyError(f"tile {level}/{index} is beyond tree size {self.size}")
        hashes = self.read(level, index)
        if len(hashes) < width * HASH_SIZE:
            raise KeyError(
                f"tile {level}/{index} holds {len(hashes) // HASH_SIZE} hashes; size {self.size} needs {width}"
            )
        return hashes[: width * HASH_SIZE]

    def node(self, level: int, index: int, /) -> bytes:
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height  # the node's first hash at the tile's level
        rows = self.rows(tile_level, first >> TILE_HEIGHT)
        position = index & ((TILE_WIDTH >> height) - 1)
        return rows[height][position * HASH_SIZE : (position + 1) * HASH_SIZE]


# ---------------------------------------------------------------- growing the tiles


def grow_tiles(size: int, leaf_hashes: list[bytes], read: TileReader) -> dict[tuple[int, int], bytes]:
    """The tiles that change when ``leaf_hashes`` are appended to a tree of ``size``, with their new contents.

    ``read`` gives the current (partial) right-edge tiles. A tile that fills up hands its root to the
    level above, which is how level ``L + 1`` learns of it; partial tiles are never hashed upwards.
    """
    changed: dict[tuple[int, int], bytes] = {}
    level, start, incoming = 0, size, b"".join(leaf_hashes)
    while incoming:
        first_tile, offset = divmod(start, TILE_WIDTH)
        existing = read(level, first_tile)[: offset * HASH_SIZE] if offset else b""
        if len(existing) != offset * HASH_SIZE:
            raise KeyError(f"tile {level}/{first_tile} holds fewer hashes than the tree of size {size} has")
        buffer = existing + incoming
        roots = []
        for number, begin in enumerate(range(0, len(buffer), FULL_TILE_BYTES)):
            content = buffer[begin : begin + FULL_TILE_BYTES]
            changed[(level, first_tile + number)] = content
            if len(content) == FULL_TILE_BYTES:
                roots.append(expand(content)[-1])
        level, start, incoming = level + 1, first_tile, b"".join(roots)
    return changed
