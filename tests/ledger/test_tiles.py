"""tlog-tiles paths and layout, and tiles grown batch by batch giving the same tree as a plain one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.ledger.tlog.merkle import MemoryTree, consistency_proof, inclusion_proof, leaf_hash, tree_root
from kechuang.ledger.tlog.tiles import (
    ENTRIES,
    ExpandedTileCache,
    Tile,
    TileNodes,
    TilePathError,
    encode_index,
    grow_tiles,
    parse_tile_path,
    tile_width,
    tiles_for_size,
)


@pytest.mark.parametrize(
    ("index", "encoded"),
    [
        (0, "000"),
        (1, "001"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),
        (123456078, "x123/x456/078"),
    ],
)
def test_index_encoding(index: int, encoded: str) -> None:
    assert encode_index(index) == encoded
    assert parse_tile_path(f"tile/0/{encoded}") == Tile(0, index)


@pytest.mark.parametrize(
    ("path", "tile"),
    [
        ("tile/0/001", Tile(0, 1)),
        ("tile/0/001.p/5", Tile(0, 1, 5)),
        ("tile/5/x123/x456/078.p/255", Tile(5, 123456078, 255)),
        ("tile/63/000", Tile(63, 0)),
        ("tile/entries/x003/x057/500", Tile(ENTRIES, 3057500)),
        ("tile/entries/000.p/1", Tile(ENTRIES, 0, 1)),
    ],
)
def test_paths_round_trip(path: str, tile: Tile) -> None:
    assert parse_tile_path(path) == tile
    assert tile.path() == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/123/456/078",  # groups before the last need an x
        "tile/-1/000",
        "tile/00/000",  # no leading zeros in the level
        "tile/64/000",
        "tile/0/1",
        "tile/0/x001",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/05",
        "tile/data/000",
        "tile/0/000/",
        "checkpoint",
    ],
)
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_the_specs_70000_leaf_example() -> None:
    tiles = list(tiles_for_size(70_000))
    level0 = [tile for tile in tiles if tile.level == 0]
    assert sum(tile.full for tile in level0) == 273
    assert [tile for tile in level0 if not tile.full] == [Tile(0, 273, 112)]
    assert [tile for tile in tiles if tile.level == 1] == [Tile(1, 0), Tile(1, 1, 17)]
    assert [tile for tile in tiles if tile.level == 2] == [Tile(2, 0, 1)]
    assert list(tiles_for_size(256)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tiles_for_size(0)) == []
    assert tile_width(70_000, 1, 1) == 17
    assert tile_width(70_000, 0, 274) == 0


class DictTiles:
    """Tiles kept in a dict, grown by ``grow_tiles``: the storage a sequencer would have."""

    def __init__(self) -> None:
        self.tiles: dict[tuple[int, int], bytes] = {}
        self.size = 0

    def read(self, level: int, index: int) -> bytes:
        return self.tiles.get((level, index), b"")

    def append(self, hashes: list[bytes]) -> None:
        self.tiles.update(grow_tiles(self.size, hashes, self.read))
        self.size += len(hashes)


@settings(max_examples=40, deadline=None)
@given(batches=st.lists(st.integers(1, 900), min_size=1, max_size=6), data=st.data())
def test_tiles_grown_in_batches_answer_like_a_plain_tree(batches: list[int], data: st.DataObject) -> None:
    plain = MemoryTree()
    tiled = DictTiles()
    for count in batches:
        hashes = [leaf_hash(str(plain.size + i).encode()) for i in range(count)]
        for value in hashes:
            plain.append_hash(value)
        tiled.append(hashes)
        nodes = TileNodes(tiled.read, tiled.size)
        assert tree_root(nodes, tiled.size) == plain.root()
    size = plain.size
    nodes = TileNodes(tiled.read, size, ExpandedTileCache(8))
    index = data.draw(st.integers(0, size - 1))
    assert inclusion_proof(nodes, index, size) == inclusion_proof(plain, index, size)
    old = data.draw(st.integers(1, size))
    assert consistency_proof(nodes, old, size) == consistency_proof(plain, old, size)
    # An older size reads only the prefix of today's partial tiles.
    assert tree_root(TileNodes(tiled.read, old), old) == plain.root(old)


def test_level_one_hashes_are_roots_of_full_level_zero_tiles() -> None:
    tiled = DictTiles()
    tiled.append([leaf_hash(i.to_bytes(3, "big")) for i in range(256 * 3 + 7)])
    plain = MemoryTree([leaf_hash(i.to_bytes(3, "big")) for i in range(256 * 3 + 7)])
    level1 = tiled.tiles[(1, 0)]
    assert len(level1) == 3 * 32
    assert [level1[i * 32 : (i + 1) * 32] for i in range(3)] == [plain.node(8, i) for i in range(3)]
    assert len(tiled.tiles[(0, 3)]) == 7 * 32


def test_a_tile_shorter_than_the_size_needs_is_an_error() -> None:
    tiled = DictTiles()
    tiled.append([leaf_hash(b"a"), leaf_hash(b"b")])
    with pytest.raises(KeyError, match="holds 2 hashes; size 3 needs 3"):
        tree_root(TileNodes(tiled.read, 3), 3)


def test_the_tile_cache_survives_threads_racing_on_a_tiny_capacity() -> None:
    import threading

    cache = ExpandedTileCache(capacity=2)
    failures: list[BaseException] = []

    def churn(offset: int) -> None:
        try:
            for number in range(5_000):
                key = (0, (number + offset) % 5, 256)
                cache.put(key, [b"x"])
                cache.get(key)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=churn, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(cache._rows) <= 2
