"""Checkpoints against the C2SP examples and a real Rekor v2 (sigstage) checkpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

from kechuang.ledger.tlog.checkpoint import Checkpoint, CheckpointError, open_checkpoint, parse_checkpoint
from kechuang.ledger.tlog.note import (
    ED25519,
    CosignatureSigner,
    Ed25519Signer,
    InvalidSignatureError,
    UnverifiedNoteError,
    cosignature_message,
    cosignature_timestamp,
    format_vkey,
    parse_note,
    parse_vkey,
    sign_note,
)
from tests.ledger.conftest import tlog_data

ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()
REKOR_ORIGIN = "log2025-alpha1.rekor.sigstage.dev"


def checkpoint_vector(vector_id: str) -> dict[str, Any]:
    vectors = json.loads((tlog_data() / "vectors.json").read_text(encoding="utf-8"))
    (vector,) = (v for v in vectors["checkpoint"] if v["id"] == vector_id)
    return dict(vector)


def test_c2sp_checkpoint_example_parses() -> None:
    note = checkpoint_vector("c2sp-checkpoint-example")["note"]
    text, signatures = parse_note(note)
    checkpoint = parse_checkpoint(text)
    assert (checkpoint.origin, checkpoint.size, len(checkpoint.root), checkpoint.extensions) == (
        "example.com/behind-the-sofa",
        20852163,
        32,
        (),
    )
    assert checkpoint.body() == text
    assert [(s.name, f"{s.key_id:08x}") for s in signatures] == [("example.com/behind-the-sofa", "033de0ae")]
    # No public key was published for it, so it can be parsed but never opened.
    with pytest.raises(UnverifiedNoteError):
        open_checkpoint(note, [])


def test_c2sp_cosignature_example_decodes() -> None:
    checkpoint_note = checkpoint_vector("c2sp-checkpoint-example")["note"]
    vector = checkpoint_vector("c2sp-cosignature-example")
    text, signatures = parse_note(checkpoint_note + vector["cosignature_line"] + "\n")
    cosignature = signatures[1]
    timestamp = cosignature_timestamp(cosignature.data)
    assert (cosignature.name, f"{cosignature.key_id:08x}", timestamp, len(cosignature.data) - 8) == (
        "witness.example.com/w1",
        vector["decoded"]["keyid"],
        vector["decoded"]["timestamp"],
        vector["decoded"]["ed25519_sig_len"],
    )
    assert cosignature_message(text, timestamp) == vector["signed_message"].encode("utf-8")


def rekor_public_key() -> Ed25519PublicKey:
    """The sigstage trusted root's Ed25519 key for log2025-alpha1, from its DER SubjectPublicKeyInfo."""
    trusted_root = json.loads((tlog_data() / "sigstore-python" / "sigstage-trusted_root.json").read_text())
    (log,) = (t for t in trusted_root["tlogs"] if t["baseUrl"] == f"https://{REKOR_ORIGIN}")
    assert log["publicKey"]["keyDetails"] == "PKIX_ED25519"
    key = load_der_public_key(base64.b64decode(log["publicKey"]["rawBytes"]))
    assert isinstance(key, Ed25519PublicKey)
    # Rekor v2's logId.keyId is the full SHA-256 whose first four bytes are the note key id.
    full_id = hashlib.sha256(REKOR_ORIGIN.encode() + b"\n\x01" + key.public_bytes_raw()).digest()
    assert base64.b64encode(full_id).decode() == log["logId"]["keyId"]
    return key


def test_rekor_vkey_derives_from_the_trusted_root() -> None:
    vector = checkpoint_vector("rekor-v2-staging-log2025-alpha1")
    assert format_vkey(REKOR_ORIGIN, ED25519, rekor_public_key().public_bytes_raw()) == vector["vkey_derived"]


def test_rekor_v2_checkpoint_verifies() -> None:
    vector = checkpoint_vector("rekor-v2-staging-log2025-alpha1")
    bundle = json.loads((tlog_data() / "sigstore-python" / "staging-rekor-v2.txt.sigstore.json").read_text())
    proof = bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
    assert proof["checkpoint"]["envelope"] == vector["note"]
    verifier = parse_vkey(vector["vkey_derived"])
    checkpoint, opened = open_checkpoint(vector["note"], [verifier], origin=REKOR_ORIGIN)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (
        REKOR_ORIGIN,
        int(proof["treeSize"]),
        base64.b64decode(vector["inclusion"]["root_b64"]),
    )
    assert [(s.name, s.key_id) for s in opened.verified] == [(REKOR_ORIGIN, 0xF30D5A99)]
    with pytest.raises(CheckpointError, match="not the expected"):
        open_checkpoint(vector["note"], [verifier], origin="log2025-alpha2.rekor.sigstage.dev")


def test_witnessed_checkpoint_round_trip() -> None:
    checkpoint = Checkpoint(origin="example.com/ledger", size=7, root=ROOT, extensions=("ext one",))
    log = Ed25519Signer("example.com/ledger", Ed25519PrivateKey.generate())
    witness = CosignatureSigner("witness.example.com/w1", Ed25519PrivateKey.generate())
    note = sign_note(checkpoint.body(), log) + witness.cosign(checkpoint.body(), 1_750_000_000).line()
    verifiers = [parse_vkey(log.vkey), parse_vkey(witness.vkey)]
    opened_checkpoint, opened = open_checkpoint(note, verifiers, origin="example.com/ledger")
    assert opened_checkpoint == checkpoint
    assert [s.name for s in opened.verified] == ["example.com/ledger", "witness.example.com/w1"]
    # A changed body fails the log's signature first; with only the witness known, the cosignature fails.
    tampered = note.replace("\n7\n", "\n8\n")
    with pytest.raises(InvalidSignatureError, match=r"example\.com/ledger"):
        open_checkpoint(tampered, verifiers)
    with pytest.raises(InvalidSignatureError, match=r"witness\.example\.com/w1"):
        open_checkpoint(tampered, verifiers[1:])


@pytest.mark.parametrize(
    ("checkpoint", "body"),
    [
        (Checkpoint("a", 0, ROOT), f"a\n0\n{ROOT_B64}\n"),
        (Checkpoint("example.com/log", 2**64 - 1, ROOT), f"example.com/log\n18446744073709551615\n{ROOT_B64}\n"),
        (Checkpoint("o", 10, ROOT, ("x", "y z")), f"o\n10\n{ROOT_B64}\nx\ny z\n"),
    ],
)
def test_body_and_parse_are_inverse(checkpoint: Checkpoint, body: str) -> None:
    assert checkpoint.body() == body
    assert parse_checkpoint(body) == checkpoint


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"o\n007\n{ROOT_B64}\n", "leading zeros"),
        (f"o\n00\n{ROOT_B64}\n", "leading zeros"),
        (f"o\n-1\n{ROOT_B64}\n", "not an ASCII decimal"),
        (f"o\n+1\n{ROOT_B64}\n", "not an ASCII decimal"),
        (f"o\n 1\n{ROOT_B64}\n", "not an ASCII decimal"),
        (f"o\n1_000\n{ROOT_B64}\n", "not an ASCII decimal"),
        (f"o\n\u0661\n{ROOT_B64}\n", "not an ASCII decimal"),
        (f"o\n\n{ROOT_B64}\n", "not an ASCII decimal"),
        (f"o\n18446744073709551616\n{ROOT_B64}\n", "outside 0..2"),
        (f"o\n1\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes"),
        (f"o\n1\n{base64.b64encode(ROOT + b'x').decode()}\n", "33 bytes"),
        (f"o\n1\n{ROOT_B64[:-1]}\n", "not canonical base64"),
        (f"o\n1\n{ROOT_B64[:-2]}9=\n", "not canonical base64"),  # padding bits set
        ("o\n1\n", "2 line(s)"),
        ("o\n", "1 line(s)"),
        ("", "end with a newline"),
        (f"o\n1\n{ROOT_B64}", "end with a newline"),
        (f"\n1\n{ROOT_B64}\n", "origin is empty"),
        (f"example.com/my log\n1\n{ROOT_B64}\n", "whitespace"),
        (f"example.com/log\u3000\n1\n{ROOT_B64}\n", "whitespace"),
        (f"o\x01\n1\n{ROOT_B64}\n", "control character"),
        (f"o\n1\n{ROOT_B64}\n\n", "extension line 4 is empty"),
        (f"o\n1\n{ROOT_B64}\next\n\n", "extension line 5 is empty"),
        (f"o\n1\n{ROOT_B64}\nbad\x7f\x01\n", "extension line 4 contains a control character"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=re.escape(message)):
        parse_checkpoint(text)


@pytest.mark.parametrize(
    "fields",
    [
        {"origin": "o", "size": -1, "root": ROOT},
        {"origin": "o", "size": 2**64, "root": ROOT},
        {"origin": "o", "size": 1, "root": b""},
        {"origin": "o\n", "size": 1, "root": ROOT},
        {"origin": "o", "size": 1, "root": ROOT, "extensions": ("a\nb",)},
    ],
)
def test_constructor_rejects(fields: dict[str, Any]) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint(**fields)
