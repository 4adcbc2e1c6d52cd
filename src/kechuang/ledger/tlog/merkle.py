"""RFC 6962 Merkle tree hashing, proof generation and proof verification (SHA-256).

Generation works over any ``NodeSource``: something that answers the hash of a *perfect* subtree
(``level`` = log2 of its leaf count, ``index`` = its position at that level). The ledger's tiles are
one such source; ``MemoryTree`` is another, for tests and offline tools.

Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 with the checks transparency-dev/merkle adds:
hashes are exactly 32 bytes, an inclusion proof has exactly the length the tree shape implies, and
a consistency proof *from size 0 is an error, even 0 → 0*; equal sizes need an empty proof and
equal roots (checked after the size-0 rule). A tlog-witness treats old size 0 differently (any
checkpoint is consistent with nothing); ``verify_consistency(..., from_empty=True)`` gives that
reading, for the witness only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A proof, hash or tree size does not verify; the message says which check failed."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one entry."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def hash_pairs(row: bytes) -> bytes:
    """The row above ``row`` (concatenated hashes): ``node_hash`` of each pair, a trailing odd hash left out."""
    sha256 = hashlib.sha256  # one slice per pair instead of two: this is the tile and sequencer hot loop
    pair = 2 * HASH_SIZE
    return b"".join([sha256(_NODE_PREFIX + row[at : at + pair]).digest() for at in range(0, len(row) - pair + 1, pair)])


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree whose leaves (at any level) are ``hashes``; the count is a power of two."""
    row = list(hashes)
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
    return row[0]


class NodeSource(Protocol):
    def node(self, level: int, index: int, /) -> bytes:
        """The hash of the perfect subtree over leaves ``[index << level, (index + 1) << level)``."""
        ...


def _split(count: int) -> int:
    """The largest power of two strictly below ``count`` (``count`` ≥ 2): the size of the left subtree."""
    return 1 << ((count - 1).bit_length() - 1)


def range_hash(source: NodeSource, start: int, end: int) -> bytes:
    """``MTH(D[start:end])`` for a range that is a node of some tree (``start`` aligned to its largest block).

    The range is cut into perfect subtrees from the left, largest first, which is exactly the RFC 6962
    shape; their hashes are then folded from the right.
    """
    if end <= start:
        raise ValueError(f"empty range [{start}, {end})")
    blocks = []
    position, count = start, end - start
    while count:  # one block per set bit of the count, largest first
        level = count.bit_length() - 1
        blocks.append(source.node(level, position >> level))
        position += 1 << level
        count -= 1 << level
    accumulated = blocks[-1]
    for block in reversed(blocks[:-1]):
        accumulated = node_hash(block, accumulated)
    return accumulated


def tree_root(source: NodeSource, size: int) -> bytes:
    """The root hash of the first ``size`` leaves (SHA-256 of nothing for the empty tree)."""
    return EMPTY_ROOT if size == 0 else range_hash(source, 0, size)


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    """RFC 6962 ``PATH(index, D[0:size])``: the leaf's sibling first, the root's child last."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    # Below the level where index and size - 1 part (``inner``), the path is the siblings of the
    # leaf's ancestors; only the highest of them can reach past the tree's edge and need a range
    # hash. Above it, the leaf's ancestors are right-edge nodes, and each that is a right child
    # adds its left sibling. This is the shape root_from_inclusion checks, without RFC 6962's recursion.
    inner = (index ^ (size - 1)).bit_length()
    path: list[bytes] = []
    for level in range(inner):
        sibling = (index >> level) ^ 1
        start = sibling << level
        end = min(start + (1 << level), size)
        path.append(source.node(level, sibling) if end - start == 1 << level else range_hash(source, start, end))
    for level in range(inner, size.bit_length()):
        if (index >> level) & 1:
            path.append(source.node(level, (index >> level) ^ 1))
    return path


def consistency_proof(source: NodeSource, old_size: int, new_size: int) -> list[bytes]:
    """RFC 6962 ``PROOF(old_size, D[0:new_size])``; empty when the sizes are equal."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    path: list[bytes] = []
    start, end, wanted, complete = 0, new_size, old_size, True
    while wanted != end - start:
        half = _split(end - start)
        if wanted <= half:
            path.append(range_hash(source, start + half, end))
            end = start + half
        else:
            path.append(range_hash(source, start, start + half))
            wanted -= half
            start += half
            complete = False
    if not complete:
        path.append(range_hash(source, start, end))
    path.reverse()
    return path


# ---------------------------------------------------------------- verification


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf`` at ``index`` in a tree of ``size``; raises on a malformed proof."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    if len(proof) != inner + border:
        raise ProofError(f"inclusion proof has {len(proof)} hashes; index {index} of {size} needs {inner + border}")
    accumulated = leaf
    for level, sibling in enumerate(proof):
        _check_hash(sibling, f"proof hash {level}")
        if level < inner and not (index >> level) & 1:
            accumulated = node_hash(accumulated, sibling)
        else:
            accumulated = node_hash(sibling, accumulated)
    return accumulated


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ``ProofError`` unless ``proof`` shows ``leaf`` at ``index`` in the tree of ``size`` with ``root``."""
    _check_hash(root, "root hash")
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"inclusion proof for index {index} does not lead to the root of size {size}")


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
    *,
    from_empty: bool = False,
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows the tree of ``old_size`` is a prefix of the tree of ``new_size``.

    ``from_empty`` is the tlog-witness reading of old size 0: the proof must be empty and is accepted.
    """
    if new_size < old_size:
        raise ProofError(f"new size {new_size} is smaller than old size {old_size}")
    if old_size == 0:
        if from_empty and not proof:
            return
        raise ProofError("no consistency proof from the empty tree" + (" may carry hashes" if from_empty else ""))
    if old_size == new_size:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError(f"two different roots for size {old_size}")
        return
    _check_hash(old_root, "old root")
    _check_hash(new_root, "new root")
    if not proof:
        raise ProofError("consistency proof is empty")
    for position, value in enumerate(proof):
        _check_hash(value, f"proof hash {position}")
    old_hash, new_hash = _roots_from_consistency(old_size, new_size, old_root, proof)
    if old_hash != old_root:
        raise ProofError(f"consistency proof does not lead to the root of size {old_size}")
    if new_hash != new_root:
        raise ProofError(f"consistency proof does not lead to the root of size {new_size}")


def _roots_from_consistency(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 2–7: the old and new roots a consistency proof implies."""
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path.insert(0, old_root)
    first, second = old_size - 1, new_size - 1
    while first & 1:
        first >>= 1
        second >>= 1
    old_hash = new_hash = path[0]
    for value in path[1:]:
        if second == 0:
            raise ProofError("consistency proof is longer than the tree is high")
        if first & 1 or first == second:
            old_hash = node_hash(value, old_hash)
            new_hash = node_hash(value, new_hash)
            while first and not first & 1:
                first >>= 1
                second >>= 1
        else:
            new_hash = node_hash(new_hash, value)
        first >>= 1
        second >>= 1
    if second != 0:
        raise ProofError("consistency proof is shorter than the tree is high")
    return old_hash, new_hash


# ---------------------------------------------------------------- an in-memory tree


class MemoryTree:
    """Every level of a tree kept in lists: a ``NodeSource`` for tests, tools and small logs."""

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for value in leaf_hashes:
            self.append_hash(value)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, data: bytes) -> int:
        """Add an entry; returns its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, value: bytes) -> int:
        index = self.size
        self.levels[0].append(value)
        level, position = 0, index
        while position & 1:  # a right child completes its parent
            if level + 1 == len(self.levels):
                self.levels.append([])
            row = self.levels[level]
            self.levels[level + 1].append(node_hash(row[position - 1], row[position]))
            level, position = level + 1, position >> 1
        return index

    def node(self, level: int, index: int, /) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self, self.size if size is None else size)
