"""Our Merkle code beside pymerkle 7.0.0 on the same machine, the same entries and the same tree size.

Both build the RFC 6962 tree (pymerkle with its default ``security`` prefixes), so the roots must be
equal and are checked before anything is timed. pymerkle counts leaves from 1, we count from 0.
Nothing here needs Django or a database of ours: pymerkle's ``SqliteTree`` writes its own file.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pymerkle  # type: ignore[import-untyped]  # ships no type information

from kechuang.ledger.tlog import merkle
from kechuang.ledger.tlog.tiles import ExpandedTileCache, TileNodes, grow_tiles

ENTRY_BYTES = 345  # the size of the evidence entries the database benchmark records


def entries(count: int, seed: int = 7) -> list[bytes]:
    """``count`` distinct entries of ``ENTRY_BYTES`` bytes (random, so no two hash alike)."""
    rng = random.Random(seed)
    return [rng.randbytes(ENTRY_BYTES) for _ in range(count)]


def _rate(call: Callable[..., object], arguments: Sequence[tuple[object, ...]], warm: int = 200) -> float:
    """Calls per second of ``call(*each)`` over ``arguments``, after calling it with the first ``warm`` of them
    untimed (caches fill as they would on a server that has been answering for a while)."""
    for each in arguments[:warm]:
        call(*each)
    started = time.perf_counter()
    for each in arguments:
        call(*each)
    return len(arguments) / (time.perf_counter() - started)


def _memory_tiles(leaf_hashes: list[bytes]) -> tuple[TileNodes, dict[tuple[int, int], bytes]]:
    stored: dict[tuple[int, int], bytes] = {}
    stored.update(grow_tiles(0, leaf_hashes, lambda level, index: stored.get((level, index), b"")))
    size = len(leaf_hashes)
    return TileNodes(lambda level, index: stored[(level, index)], size, ExpandedTileCache(capacity=1 << 16)), stored


def compare(*, size: int, sqlite_size: int, proofs: int, sqlite_proofs: int, seed: int = 11) -> dict[str, Any]:
    """Append and proof rates of pymerkle and of ours at ``size`` leaves (``sqlite_size`` for ``SqliteTree``).

    Proof rates are over ``proofs`` random (index, size) challenges against the full tree, the same
    challenges for both; consistency proofs go from a random earlier size to ``size``.
    """
    rng = random.Random(seed)
    data = entries(size)
    indices = [rng.randrange(size) for _ in range(proofs)]
    olds = [rng.randrange(1, size) for _ in range(proofs)]

    theirs = pymerkle.InmemoryTree()
    started = time.perf_counter()
    for item in data:
        theirs.append_entry(item)
    their_append = size / (time.perf_counter() - started)

    ours = merkle.MemoryTree()
    started = time.perf_counter()
    for item in data:
        ours.append(item)
    our_append = size / (time.perf_counter() - started)
    if theirs.get_root(size) != ours.root(size):
        raise AssertionError("pymerkle and kechuang disagree on the root: the comparison would be meaningless")

    started = time.perf_counter()
    tiles, _stored = _memory_tiles(ours.levels[0])
    our_tiling = size / (time.perf_counter() - started)

    rows: dict[str, Any] = {
        "size": size,
        "proofs": proofs,
        "append": {"pymerkle": their_append, "memory": our_append, "tiles": our_tiling},
        "inclusion": {
            "pymerkle": _rate(theirs.prove_inclusion, [(i + 1, size) for i in indices]),  # pymerkle counts from 1
            "memory": _rate(merkle.inclusion_proof, [(ours, i, size) for i in indices]),
            "tiles": _rate(merkle.inclusion_proof, [(tiles, i, size) for i in indices]),
        },
        "consistency": {
            "pymerkle": _rate(theirs.prove_consistency, [(m, size) for m in olds]),
            "memory": _rate(merkle.consistency_proof, [(ours, m, size) for m in olds]),
            "tiles": _rate(merkle.consistency_proof, [(tiles, m, size) for m in olds]),
        },
    }
    rows["sqlite"] = _sqlite_tree(data[:sqlite_size], sqlite_proofs, rng)
    rows["sqlite"]["same_root"] = rows["sqlite"].pop("root") == ours.root(min(sqlite_size, size))
    return rows


def _sqlite_tree(data: list[bytes], proofs: int, rng: random.Random) -> dict[str, Any]:
    """pymerkle's ``SqliteTree``: bulk append (``append_entries``) and proofs, in a file removed afterwards."""
    size = len(data)
    with tempfile.TemporaryDirectory() as directory:
        tree = pymerkle.SqliteTree(str(Path(directory) / "pymerkle.db"))
        try:
            started = time.perf_counter()
            tree.append_entries(data)
            append = size / (time.perf_counter() - started)
            indices = [(rng.randrange(1, size + 1), size) for _ in range(proofs)]  # from 1 to size
            olds = [(rng.randrange(1, size), size) for _ in range(proofs)]
            inclusion = _rate(tree.prove_inclusion, indices, warm=10)
            consistency = _rate(tree.prove_consistency, olds, warm=10)
            root = tree.get_root(size)
        finally:
            tree.close()
    return {
        "size": size,
        "proofs": proofs,
        "append": append,
        "inclusion": inclusion,
        "consistency": consistency,
        "root": root,
    }
