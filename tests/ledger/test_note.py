"""Signed notes and cosignatures against the C2SP and Go (golang.org/x/mod/sumdb/note) vectors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from kechuang.ledger.tlog.note import (
    COSIGNATURE_V1,
    ED25519,
    MAX_SIGNATURES,
    AmbiguousKeyError,
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Signer,
    Ed25519Verifier,
    InvalidSignatureError,
    KeyFormatError,
    MalformedNoteError,
    NoteError,
    Signature,
    UnverifiedNoteError,
    cosignature_message,
    cosignature_timestamp,
    decode_base64,
    format_skey,
    format_vkey,
    generate_key,
    key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
    valid_key_name,
)
from tests.ledger.conftest import tlog_data

# Go's TestOpen fixtures (sumdb/note/note_test.go); also in vectors.json, which the vector tests read.
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
PETER = Signature("PeterNeumann", 0xC74F20A3, decode_base64(PETER_SIG.split()[2])[4:])
ENOCH = Signature("EnochRoot", 0xAF0CFE78, decode_base64(ENOCH_SIG.split()[2])[4:])


def signed_note_vector(vector_id: str) -> dict[str, Any]:
    vectors = json.loads((tlog_data() / "vectors.json").read_text(encoding="utf-8"))
    (vector,) = (v for v in vectors["signed_note"] if v["id"] == vector_id)
    return dict(vector)


def corrupt(line: str, at: int = 60) -> str:
    """Go's corruption: insert "ABCD" at byte ``at`` of a signature line (the em dash is three bytes)."""
    raw = line.encode("utf-8")
    return (raw[:at] + b"ABCD" + raw[at:]).decode("utf-8")


def test_c2sp_example_note_verifies() -> None:
    vector = signed_note_vector("c2sp-signed-note-example")
    opened = open_note(vector["note"], [parse_vkey(vector["vkey"])])
    assert opened.text == "This is an example message.\n"
    assert [(s.name, s.key_id) for s in opened.verified] == [("example.com/foo", 0x530D903A)]
    assert opened.unverified == []


def test_go_peter_note_verifies_and_signing_reproduces_it() -> None:
    vector = signed_note_vector("go-sumdb-note-peter")
    signer = parse_skey(vector["skey"])
    assert type(signer) is Ed25519Signer
    assert signer.vkey == vector["vkey"]
    assert sign_note(vector["text"], signer) == vector["note"]
    opened = open_note(vector["note"].encode("utf-8"), [parse_vkey(vector["vkey"])])
    assert (opened.text, opened.verified, opened.unverified) == (vector["text"], [PETER], [])


def test_enoch_line_with_only_peters_key_is_kept_unverified() -> None:
    peter = signed_note_vector("go-sumdb-note-peter")
    enoch = signed_note_vector("go-sumdb-note-enoch")
    note = peter["note"] + enoch["signature_line"] + "\n"
    opened = open_note(note, [parse_vkey(peter["vkey"])])
    assert (opened.verified, opened.unverified) == ([PETER], [ENOCH])
    both = open_note(note, [parse_vkey(peter["vkey"]), parse_vkey(enoch["vkey"])])
    assert (both.verified, both.unverified) == ([PETER, ENOCH], [])


def test_no_known_key_is_unverified() -> None:
    with pytest.raises(UnverifiedNoteError) as caught:
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    assert str(caught.value) == "note has no verifiable signatures"
    assert (caught.value.note.text, caught.value.note.verified, caught.value.note.unverified) == (
        TEXT,
        [],
        [PETER, ENOCH],
    )


def test_duplicated_verifier_is_ambiguous_only_when_used() -> None:
    enoch, peter = parse_vkey(ENOCH_VKEY), parse_vkey(PETER_VKEY)
    with pytest.raises(AmbiguousKeyError, match=r"^ambiguous key EnochRoot\+af0cfe78$"):
        open_note(TEXT + "\n" + ENOCH_SIG, [enoch, peter, enoch])
    assert open_note(TEXT + "\n" + PETER_SIG, [enoch, peter, enoch]).verified == [PETER]


@pytest.mark.parametrize("verifiers", [[PETER_VKEY], []], ids=["known", "unknown"])
def test_more_than_100_signatures_is_malformed(verifiers: list[str]) -> None:
    with pytest.raises(MalformedNoteError):
        open_note(TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1), [parse_vkey(v) for v in verifiers])
    assert open_note(TEXT + "\n" + PETER_SIG * MAX_SIGNATURES, [parse_vkey(PETER_VKEY)]).verified == [PETER]


def test_sixteen_distinct_signers_are_accepted() -> None:
    signers = [Ed25519Signer(f"example.com/w{i}", Ed25519PrivateKey.generate()) for i in range(16)]
    note = sign_note(TEXT, *signers)
    opened = open_note(note, [parse_vkey(s.vkey) for s in signers])
    assert [s.name for s in opened.verified] == [s.name for s in signers]


def test_corrupted_known_signature_rejects_the_whole_note() -> None:
    with pytest.raises(InvalidSignatureError, match=r"^invalid signature for key PeterNeumann\+c74f20a3$") as caught:
        open_note(TEXT + "\n" + corrupt(PETER_SIG) + ENOCH_SIG, [parse_vkey(PETER_VKEY)])
    assert (caught.value.name, caught.value.key_id) == ("PeterNeumann", 0xC74F20A3)


def test_repeated_signatures_are_listed_once() -> None:
    corrupted_enoch = corrupt(ENOCH_SIG)
    note = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + corrupted_enoch
    opened = open_note(note, [parse_vkey(PETER_VKEY)])
    enoch_abcd = Signature("EnochRoot", 0xAF0CFE78, decode_base64(corrupted_enoch.split()[2])[4:])
    assert (opened.verified, opened.unverified) == ([PETER], [ENOCH, enoch_abcd])


def test_a_failing_repeat_by_a_known_key_is_not_skipped() -> None:
    """Stricter than Go, which verifies only a key's first line: every known-key line must verify."""
    with pytest.raises(InvalidSignatureError):
        open_note(TEXT + "\n" + PETER_SIG + corrupt(PETER_SIG), [parse_vkey(PETER_VKEY)])


@pytest.mark.parametrize(
    "note",
    [
        pytest.param(TEXT, id="no-blank-line"),
        pytest.param(TEXT + "\n", id="no-signatures"),
        pytest.param(TEXT + "\n" + PETER_SIG[:-1], id="no-final-newline"),
        pytest.param("\x01" + TEXT + "\n" + PETER_SIG, id="control-character"),
        pytest.param(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), id="invalid-utf8"),
        pytest.param(TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"), id="name-with-space"),
        pytest.param(TEXT + "\n" + PETER_SIG + "Unexpected line.\n", id="trailing-line"),
        pytest.param(TEXT + "\n" + PETER_SIG.replace("— ", "- "), id="hyphen-not-em-dash"),
        pytest.param(TEXT + "\n— PeterNeumann\n", id="no-signature"),
        pytest.param(TEXT + "\n— PeterNeumann x08gow==\n", id="key-id-without-signature"),
        pytest.param(TEXT + "\n" + PETER_SIG.replace("nAM=", "nAN="), id="non-canonical-base64"),
        pytest.param(TEXT + "\n" + PETER_SIG.replace("=\n", "\n"), id="missing-padding"),
        pytest.param("\ud800" + TEXT + "\n" + PETER_SIG, id="lone-surrogate"),
    ],
)
def test_malformed_notes(note: str | bytes) -> None:
    with pytest.raises(MalformedNoteError):
        open_note(note, [parse_vkey(PETER_VKEY)])
    with pytest.raises(MalformedNoteError):
        parse_note(note)


def test_parse_note_reads_every_line_without_verifying() -> None:
    assert parse_note(TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG) == (TEXT, [PETER, PETER, ENOCH])
    assert PETER.line() == PETER_SIG


def test_text_may_contain_blank_lines_and_only_the_last_one_separates() -> None:
    signer = parse_skey(PETER_SKEY)
    for text in ["\n", "a\n\nb\n", "a\n\n", "a\n\n\n"]:
        assert open_note(sign_note(text, signer), [parse_vkey(PETER_VKEY)]).text == text


@pytest.mark.parametrize("text", ["", "no newline", "tab\there\n", "cr\r\n"])
def test_sign_note_refuses_invalid_text(text: str) -> None:
    with pytest.raises(MalformedNoteError):
        sign_note(text, parse_skey(PETER_SKEY))


def test_sign_note_needs_a_signer() -> None:
    with pytest.raises(NoteError):
        sign_note(TEXT)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("example.com/log", True),
        ("日志/1", True),
        ("", False),
        ("a+b", False),
        ("a b", False),
        ("a\u00a0b", False),
        ("a\u3000b", False),
        ("a\u2028b", False),
        ("a\tb", False),
        ("\ud800", False),
    ],
)
def test_valid_key_name(name: str, valid: bool) -> None:
    assert valid_key_name(name) is valid


def test_key_id_of_go_key() -> None:
    verifier = parse_vkey(PETER_VKEY)
    assert key_id("PeterNeumann", ED25519, verifier.public_key) == 0xC74F20A3
    assert format_vkey("PeterNeumann", ED25519, verifier.public_key) == PETER_VKEY


def test_vkey_whose_base64_contains_plus_parses() -> None:
    vkey = "log2025-alpha1.rekor.sigstage.dev+f30d5a99+AT5/gERB6AWme8IEtcwaqcZi0hp8ocV4+JRcUnVlQfKP"
    verifier = parse_vkey(vkey)
    assert type(verifier) is Ed25519Verifier
    assert (verifier.name, verifier.key_id, verifier.vkey) == ("log2025-alpha1.rekor.sigstage.dev", 0xF30D5A99, vkey)


def manglings(text: str) -> list[str]:
    """Go's TestNewVerifier/TestNewSigner manglings: every proper substring and every byte incremented by one."""
    raw = text.encode("ascii")
    cut = [raw[i:j] for i in range(len(raw) + 1) for j in range(i + 1, len(raw) + 1) if (i, j) != (0, len(raw))]
    bumped = [raw[:i] + bytes([raw[i] + 1]) + raw[i + 1 :] for i in range(len(raw))]
    return [m.decode("ascii") for m in cut + bumped]


def test_every_mangled_vkey_is_refused() -> None:
    for mangled in manglings(PETER_VKEY):
        with pytest.raises(KeyFormatError):
            parse_vkey(mangled)


def test_every_mangled_skey_is_refused() -> None:
    for mangled in manglings(PETER_SKEY):
        with pytest.raises(KeyFormatError):
            parse_skey(mangled)


@pytest.mark.parametrize(
    "vkey",
    [
        pytest.param("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", id="wrong-length"),
        pytest.param("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", id="unknown-type"),
        pytest.param("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", id="uppercase-id"),
    ],
)
def test_go_bad_vkeys_are_refused(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_vkey(vkey)


@pytest.mark.parametrize(("key_type", "signer_type"), [(ED25519, Ed25519Signer), (COSIGNATURE_V1, CosignatureSigner)])
def test_generate_key_round_trip(key_type: int, signer_type: type) -> None:
    skey, vkey = generate_key("example.com/witness", key_type)
    signer, verifier = parse_skey(skey), parse_vkey(vkey)
    assert type(signer) is signer_type
    assert verifier.key_type == key_type
    # Callers tell a log key from a cosigner key with isinstance, so the two families must not mix.
    assert isinstance(signer, Ed25519Signer) is isinstance(verifier, Ed25519Verifier) is (key_type == ED25519)
    assert (signer.vkey, signer.skey, signer.key_id) == (vkey, skey, verifier.key_id)
    assert format_skey(signer.name, key_type, signer.private_key.private_bytes_raw()) == skey
    assert open_note(sign_note(TEXT, signer), [verifier]).verified[0].key_id == verifier.key_id
    assert open_note(sign_note(TEXT, signer), [signer]).text == TEXT  # a signer verifies its own key
    assert "PRIVATE" not in repr(signer)


def test_cosignature_verifies_and_binds_the_body() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cosigner = CosignatureSigner("witness.example.com/w1", Ed25519PrivateKey.generate())
    verifier = parse_vkey(cosigner.vkey)
    assert type(verifier) is CosignatureVerifier
    cosignature = cosigner.cosign(body, 1679315147)
    assert cosignature_timestamp(cosignature.data) == 1679315147
    note = body + "\n" + cosignature.line()
    assert open_note(note, [verifier]).verified == [cosignature]
    # The same key as a plain Ed25519 verifier has another key id, so the line is merely unknown.
    with pytest.raises(UnverifiedNoteError):
        open_note(note, [Ed25519Verifier(cosigner.name, cosigner.public_key)])
    with pytest.raises(InvalidSignatureError):
        open_note(note.replace("20852163", "20852164"), [verifier])


def test_cosignature_made_by_sign_note_carries_the_current_time() -> None:
    cosigner = CosignatureSigner("witness.example.com/w2", Ed25519PrivateKey.generate())
    opened = open_note(sign_note(TEXT, cosigner), [parse_vkey(cosigner.vkey)])
    assert cosignature_timestamp(opened.verified[0].data) > 1_700_000_000


def test_cosignature_timestamp_above_2_63_is_refused() -> None:
    private_key = Ed25519PrivateKey.generate()
    cosigner = CosignatureSigner("witness.example.com/w3", private_key)
    timestamp = 2**63
    message = b"cosignature/v1\ntime %d\n" % timestamp + TEXT.encode()
    forged = Signature(cosigner.name, cosigner.key_id, timestamp.to_bytes(8, "big") + private_key.sign(message))
    with pytest.raises(InvalidSignatureError):
        open_note(TEXT + "\n" + forged.line(), [parse_vkey(cosigner.vkey)])
    with pytest.raises(NoteError):
        cosigner.cosign(TEXT, timestamp)
    with pytest.raises(NoteError):
        cosignature_message(TEXT, -1)


# Key names: printable, no whitespace, no '+'; note text: no control characters but newline, always newline-ended.
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Zs", "Zl", "Zp"]), min_size=1).filter(
    valid_key_name
)
TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=["Cc"]) | st.just("\n")).map(lambda s: s + "\n")
SEEDS = st.binary(min_size=32, max_size=32).map(Ed25519PrivateKey.from_private_bytes)
SIGNER_TYPES = st.sampled_from([Ed25519Signer, CosignatureSigner])
KEYS = st.lists(
    st.tuples(NAMES, SEEDS, SIGNER_TYPES),
    min_size=1,
    max_size=3,
    unique_by=lambda k: (k[0], k[1].private_bytes_raw(), k[2]),
)


@given(text=TEXTS, keys=KEYS)
def test_signed_notes_open(
    text: str, keys: list[tuple[str, Ed25519PrivateKey, type[Ed25519Signer | CosignatureSigner]]]
) -> None:
    signers = [signer_type(name, key) for name, key, signer_type in keys]
    opened = open_note(sign_note(text, *signers), [parse_vkey(s.vkey) for s in signers])
    assert opened.text == text
    assert {(s.name, s.key_id) for s in opened.verified} == {(s.name, s.key_id) for s in signers}


@given(text=TEXTS, name=NAMES, key=SEEDS, signer_type=SIGNER_TYPES, data=st.data())
def test_any_flipped_byte_is_rejected(
    text: str,
    name: str,
    key: Ed25519PrivateKey,
    signer_type: type[Ed25519Signer | CosignatureSigner],
    data: st.DataObject,
) -> None:
    signer = signer_type(name, key)
    note = bytearray(sign_note(text, signer).encode("utf-8"))
    position = data.draw(st.integers(0, len(note) - 1), label="position")
    note[position] ^= data.draw(st.integers(1, 255), label="xor")
    with pytest.raises((InvalidSignatureError, MalformedNoteError, UnverifiedNoteError)):
        open_note(bytes(note), [parse_vkey(signer.vkey)])
