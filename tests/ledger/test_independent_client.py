"""Acceptance 4: a client that knows only the tlog-tiles and tlog-checkpoint specs rebuilds our root over HTTP.

Nothing below imports the ledger's own tree, tile or note code: the client is written from the
specs (C2SP signed-note, tlog-checkpoint, tlog-tiles; RFC 6962 §2.1) so that it checks the server,
not our reading of the specs against itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import urllib.request
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kechuang.ledger import services


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the live test server
        return bytes(response.read())


def verify_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    """signed-note: text, blank line, signature lines; Ed25519 over the text; vkey name+id+base64(0x01||key)."""
    name, key_id_hex, key_b64 = vkey.split("+", 2)
    key = base64.b64decode(key_b64)
    assert key[0] == 0x01
    assert len(key) == 33
    assert hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == key_id_hex
    text, _blank, signatures = note.rpartition("\n\n")
    text += "\n"
    found = False
    for line in signatures.splitlines():
        signer, _space, encoded = line.removeprefix("\u2014 ").partition(" ")
        raw = base64.b64decode(encoded)
        if signer == name and raw[:4].hex() == key_id_hex:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(raw[4:], text.encode())
            found = True
    assert found, "no signature by the log key"
    origin, size, root = text.splitlines()[:3]
    return origin, int(size), base64.b64decode(root)


def tile_path(level: int | str, index: int, width: int) -> str:
    digits = f"{index:03d}"
    groups = [digits[max(0, end - 3) : end] for end in range(len(digits), 0, -3)][::-1]
    groups = [group.rjust(3, "0") for group in groups]
    encoded = "/".join([*("x" + group for group in groups[:-1]), groups[-1]])
    return f"tile/{level}/{encoded}" + ("" if width == 256 else f".p/{width}")


def h(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 MTH over already-hashed leaves (k = largest power of two below n)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return h(b"\x01", mth(hashes[:k]), mth(hashes[k:]))


def root_from_tiles(prefix: str, size: int) -> tuple[bytes, list[bytes]]:
    """The root of ``size`` leaves built from the top tiles down, as tlog-tiles describes; also the leaf hashes."""
    leaves: list[bytes] = []
    for index in range((size + 255) // 256):
        width = min(256, size - index * 256)
        data = fetch(prefix + tile_path(0, index, width))
        assert len(data) == 32 * width
        leaves += [data[i : i + 32] for i in range(0, len(data), 32)]
    # Check the level-1 tiles: each hash is the MTH of a full level-0 tile.
    full = size // 256
    if full:
        level1 = fetch(prefix + tile_path(1, 0, min(256, full)))
        assert [level1[i * 32 : i * 32 + 32] for i in range(min(256, full))] == [
            mth(leaves[i * 256 : i * 256 + 256]) for i in range(min(256, full))
        ]
    return mth(leaves), leaves


@pytest.mark.django_db(transaction=True)
def test_a_spec_only_client_rebuilds_the_root_and_checks_the_signature(live_server: Any) -> None:
    for number in range(600):
        services.record(kind="evidence", payload={"title": f"doc {number}", "sha256": f"{number:064x}"}, actor=None)
    services.integrate_all(batch_size=250)

    info = json.loads(fetch(live_server.url + "/api/v1/ledger/info"))
    prefix = info["tiles_prefix"]
    origin, size, root = verify_checkpoint(fetch(prefix + "checkpoint").decode(), info["vkey"])
    assert (origin, size) == (info["origin"], 600)

    rebuilt, leaves = root_from_tiles(prefix, size)
    assert rebuilt == root

    # Entry bundles: uint16 length-prefixed entries hashing to the level-0 tile.
    bundle = fetch(prefix + tile_path("entries", 2, 88))
    offset, entries = 0, []
    while offset < len(bundle):
        (length,) = struct.unpack(">H", bundle[offset : offset + 2])
        entries.append(bundle[offset + 2 : offset + 2 + length])
        offset += 2 + length
    assert [h(b"\x00", entry) for entry in entries] == leaves[512:600]
    assert json.loads(entries[0])["record"]["title"] == "doc 512"
