"""RFC 6962 hashing, proofs and verification against the transparency-dev vectors and reference tables."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.ledger.tlog.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)
from tests.ledger.conftest import tlog_data

# transparency-dev/merkle testonly/constants.go, as transcribed in reference/ledger.md table A.
LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _vectors(kind: str) -> list[tuple[str, dict[str, Any]]]:
    root = tlog_data() / "transparency-dev-merkle" / "testdata" / kind
    return [(str(path.relative_to(root)), json.loads(path.read_text())) for path in sorted(root.rglob("*.json"))]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b64(item) for item in vector["proof"] or []]  # the probes write an empty proof as null


@pytest.fixture(scope="module")
def eight() -> MemoryTree:
    return MemoryTree([leaf_hash(data) for data in LEAVES])


def test_roots_of_every_prefix_match_table_a(eight: MemoryTree) -> None:
    assert [eight.root(size).hex() for size in range(9)] == ROOTS
    assert EMPTY_ROOT.hex() == ROOTS[0]


@pytest.mark.parametrize(
    ("index", "size", "prefixes"),
    [
        (0, 8, ["96a296d224f285c6", "5f083f0a1a33ca07", "6b47aaf29ee3c2af"]),
        (5, 8, ["bc1a0643b12e4d2d", "ca854ea128ed050b", "d37ee418976dd957"]),
        (2, 3, ["fac54203e7cc696c"]),
        (1, 5, ["6e340b9cffb37a98", "5f083f0a1a33ca07", "bc1a0643b12e4d2d"]),
    ],
)
def test_generated_inclusion_proofs_match_table_b(
    eight: MemoryTree, index: int, size: int, prefixes: list[str]
) -> None:
    proof = inclusion_proof(eight, index, size)
    assert [value.hex()[:16] for value in proof] == prefixes
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, eight.root(size))


@pytest.mark.parametrize(
    ("old", "new", "prefixes"),
    [
        (1, 8, ["96a296d224f285c6", "5f083f0a1a33ca07", "6b47aaf29ee3c2af"]),
        (6, 8, ["0ebc5d3437fbe2db", "ca854ea128ed050b", "d37ee418976dd957"]),
        (2, 5, ["5f083f0a1a33ca07", "bc1a0643b12e4d2d"]),
        (6, 7, ["0ebc5d3437fbe2db", "b08693ec2e721597", "d37ee418976dd957"]),
    ],
)
def test_generated_consistency_proofs_match_table_b(eight: MemoryTree, old: int, new: int, prefixes: list[str]) -> None:
    proof = consistency_proof(eight, old, new)
    assert [value.hex()[:16] for value in proof] == prefixes
    verify_consistency(old, new, eight.root(old), eight.root(new), proof)


def test_happy_path_vectors_are_generated_exactly(eight: MemoryTree) -> None:
    happy = [(name, v) for name, v in _vectors("inclusion") if name.endswith("happy-path.json") and v["treeSize"] <= 8]
    happy += [(name, v) for name, v in _vectors("consistency") if name.endswith("happy-path.json") and v["size2"] <= 8]
    assert len(happy) >= 8
    for name, vector in happy:
        if "leafIdx" in vector:
            generated = inclusion_proof(eight, vector["leafIdx"], vector["treeSize"])
        else:
            generated = consistency_proof(eight, vector["size1"], vector["size2"])
        assert generated == _proof(vector), name


def test_every_inclusion_vector() -> None:
    vectors = _vectors("inclusion")
    assert len(vectors) == 98
    outcomes = []
    for name, vector in vectors:
        try:
            verify_inclusion(
                vector["leafIdx"], vector["treeSize"], _b64(vector["leafHash"]), _proof(vector), _b64(vector["root"])
            )
        except ProofError:
            failed = True
        else:
            failed = False
        outcomes.append((name, failed))
    assert outcomes == [(name, vector["wantErr"]) for name, vector in vectors]


def test_every_consistency_vector() -> None:
    vectors = _vectors("consistency")
    assert len(vectors) == 98
    outcomes = []
    for name, vector in vectors:
        try:
            verify_consistency(
                vector["size1"], vector["size2"], _b64(vector["root1"]), _b64(vector["root2"]), _proof(vector)
            )
        except ProofError:
            failed = True
        else:
            failed = False
        outcomes.append((name, failed))
    assert outcomes == [(name, vector["wantErr"]) for name, vector in vectors]


def test_size_zero_is_an_error_for_proofs_but_not_for_a_witness() -> None:
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, ROOT_FIVE, [], from_empty=True)
    with pytest.raises(ProofError):
        verify_consistency(0, 5, EMPTY_ROOT, ROOT_FIVE, [ROOT_FIVE], from_empty=True)


ROOT_FIVE = bytes.fromhex(ROOTS[5])


def test_short_hashes_and_out_of_range_indices_are_refused(eight: MemoryTree) -> None:
    proof = inclusion_proof(eight, 3, 8)
    with pytest.raises(ProofError, match="leaf hash has 31 bytes"):
        root_from_inclusion(3, 8, b"\x00" * 31, proof)
    with pytest.raises(ProofError, match="outside"):
        root_from_inclusion(8, 8, leaf_hash(b""), proof)
    with pytest.raises(ProofError, match="outside"):
        inclusion_proof(eight, 8, 8)


def test_node_hash_is_domain_separated() -> None:
    assert node_hash(b"a" * 32, b"b" * 32) != leaf_hash(b"a" * 32 + b"b" * 32)


# ---------------------------------------------------------------- properties


def _flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 700), data=st.data())
def test_every_generated_inclusion_proof_verifies_and_no_mutation_does(size: int, data: st.DataObject) -> None:
    # Leaves past ``size`` give the true roots of other sizes: a changed size is checked against its own root.
    tree = MemoryTree([leaf_hash(i.to_bytes(4, "big")) for i in range(2 * size + 1)])
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(tree, index, size)
    root = tree.root(size)
    leaf = leaf_hash(index.to_bytes(4, "big"))
    verify_inclusion(index, size, leaf, proof, root)

    bit = data.draw(st.integers(0, 255))
    mutations: list[tuple[int, int, bytes, list[bytes], bytes]] = [
        (index, size, _flip(leaf, bit), proof, root),
        (index, size, leaf, proof, _flip(root, bit)),
        (index, size + 1, leaf, proof, tree.root(size + 1)),
        (index, size * 2, leaf, proof, tree.root(size * 2)),
        (index ^ 1, size, leaf, proof, root),
        (index + 1, size, leaf, proof, root),
        (index, size, leaf, [*proof, leaf], root),
    ]
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        changed = list(proof)
        changed[position] = _flip(changed[position], bit)
        mutations += [(index, size, leaf, changed, root), (index, size, leaf, proof[:-1], root)]
    if size > 1:
        mutations.append((index, size - 1, leaf, proof, tree.root(size - 1)))
    for mutation in mutations:
        with pytest.raises(ProofError):
            verify_inclusion(*mutation)


@settings(max_examples=150, deadline=None)
@given(new=st.integers(1, 700), data=st.data())
def test_every_generated_consistency_proof_verifies_and_no_mutation_does(new: int, data: st.DataObject) -> None:
    tree = MemoryTree([leaf_hash(i.to_bytes(4, "big")) for i in range(new + 1)])
    old = data.draw(st.integers(1, new))
    proof = consistency_proof(tree, old, new)
    old_root, new_root = tree.root(old), tree.root(new)
    verify_consistency(old, new, old_root, new_root, proof)

    bit = data.draw(st.integers(0, 255))
    mutations: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (old, new, _flip(old_root, bit), new_root, proof),
        (old, new, old_root, _flip(new_root, bit), proof),
        (old, new + 1, old_root, tree.root(new + 1), proof),
        (old, new, old_root, new_root, [*proof, new_root]),
    ]
    if old > 1:
        mutations.append((old - 1, new, tree.root(old - 1), new_root, proof))
    if old < new:
        mutations.append((old + 1, new, tree.root(old + 1), new_root, proof))
        position = data.draw(st.integers(0, len(proof) - 1))
        changed = list(proof)
        changed[position] = _flip(changed[position], bit)
        mutations += [(old, new, old_root, new_root, changed), (old, new, old_root, new_root, proof[:-1])]
    for mutation in mutations:
        with pytest.raises(ProofError):
            verify_consistency(*mutation)


def test_vector_directory_is_the_one_documented() -> None:
    assert Path(tlog_data() / "transparency-dev-merkle" / "testdata").is_dir()
