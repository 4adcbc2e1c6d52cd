"""C2SP signed notes (https://c2sp.org/signed-note) and Ed25519 cosignatures (https://c2sp.org/tlog-cosignature).

``open_note`` follows Go's ``golang.org/x/mod/sumdb/note.Open`` with two stricter points: base64 must be canonical
(Go ignores padding bits), so no edit of a signature line leaves a note valid; and every line by a known key is
verified, repeats included (Go checks only the first), as the spec's "MUST verify the signature" reads. Key names
may not hold control characters (Go allows those that are not whitespace, though no valid note can carry them).
Keys are Go's texts, with the key id in 8 lowercase hex digits (Go also takes uppercase): vkey ``<name>+<id>+
base64(type || public key)``, skey ``PRIVATE+KEY+<name>+<id>+base64(type || seed)``, for types ``0x01`` (Ed25519
over the note text) and ``0x04`` (timestamped v1 cosignature).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100  # Go's limit; the spec requires accepting at least 16
MAX_TIMESTAMP = 2**63 - 1  # tlog-cosignature: "It MUST NOT exceed 2^63 - 1"

_SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, space
# ASCII control characters other than newline; lone surrogates, which only a Python str (never UTF-8) can hold.
_FORBIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\ud800-\udfff]")
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")
_COSIGNATURE_SIZE = 8 + 64  # u64 timestamp || Ed25519 signature


class NoteError(ValueError):
    """Base class of everything this module raises about notes and keys."""


class MalformedNoteError(NoteError):
    """The note (or a text to be signed) breaks the signed-note syntax."""


class KeyFormatError(NoteError):
    """A key text, key name or key material is not acceptable."""


class InvalidSignatureError(NoteError):
    """A signature by a known key failed to verify; the whole note is rejected."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"invalid signature for key {name}+{key_id:08x}")
        self.name, self.key_id = name, key_id


class AmbiguousKeyError(NoteError):
    """Two verifiers share the (name, key id) of a signature, so the verifier list cannot be trusted."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"ambiguous key {name}+{key_id:08x}")
        self.name, self.key_id = name, key_id


class UnverifiedNoteError(NoteError):
    """The note parsed, but no signature came from a known key; ``note`` holds what was read (for diagnostics)."""

    def __init__(self, note: OpenedNote) -> None:
        super().__init__("note has no verifiable signatures")
        self.note = note


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, 32-bit key id and the signature bytes that follow the key id."""

    name: str
    key_id: int
    data: bytes

    def line(self) -> str:
        """The signature line as it appears in a note, newline included."""
        encoded = base64.b64encode(self.key_id.to_bytes(4, "big") + self.data).decode("ascii")
        return f"{_SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class OpenedNote:
    """A note after :func:`open_note`: its text, the signatures that verified and those by unknown keys."""

    text: str
    verified: list[Signature]
    unverified: list[Signature]


class Verifier(Protocol):
    """A known public key: ``verify`` says whether ``signature`` (bytes after the key id) is valid for ``message``."""

    name: str
    key_id: int

    def verify(self, message: bytes, signature: bytes) -> bool: ...


def decode_base64(text: str) -> bytes:
    """Decode standard base64 (RFC 4648 §4) given in its one canonical spelling; raise ``ValueError`` otherwise."""
    raw = base64.b64decode(text, validate=True)  # binascii.Error is a ValueError
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"non-canonical base64 {text!r}")
    return raw


def key_id(name: str, key_type: int, public_key: bytes) -> int:
    """The key id: the first four bytes, big-endian, of SHA-256(name || 0x0A || type || public key)."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def valid_key_name(name: str) -> bool:
    """Whether ``name`` may name a key: non-empty, no Unicode whitespace, no ``+``, no control character."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name) and not _FORBIDDEN.search(name)


def cosignature_message(body: str | bytes, timestamp: int) -> bytes:
    """The bytes an Ed25519 v1 cosigner signs: ``cosignature/v1``, ``time <timestamp>``, then the checkpoint body."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp} is outside 0..2^63-1")
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return b"cosignature/v1\ntime %d\n" % timestamp + raw


def cosignature_timestamp(signature_data: bytes) -> int:
    """The POSIX timestamp a v1 cosignature carries (its first eight bytes, big-endian)."""
    if len(signature_data) != _COSIGNATURE_SIZE:
        raise MalformedNoteError(f"a v1 cosignature is {_COSIGNATURE_SIZE} bytes, got {len(signature_data)}")
    return int.from_bytes(signature_data[:8], "big")


class _PublicKey:
    """Name, key id and Ed25519 public key, and plain Ed25519 verification; shared by every key class here."""

    key_type: ClassVar[int]

    def __init__(self, name: str, public_key: bytes) -> None:
        if not valid_key_name(name):
            raise KeyFormatError(f"invalid key name {name!r}")
        if len(public_key) != 32:
            raise KeyFormatError(f"an Ed25519 public key is 32 bytes, got {len(public_key)}")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, self.key_type, self.public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key text for this key."""
        return format_vkey(self.name, self.key_type, self.public_key)

    def __repr__(self) -> str:
        # The vkey only, also for signers: a repr must never leak a seed into logs or tracebacks.
        return f"{type(self).__name__}({self.vkey!r})"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Ed25519Verifier(_PublicKey):
    """A known Ed25519 key of type 0x01: signatures are RFC 8032 signatures of the note text."""

    key_type = ED25519


class CosignatureVerifier(_PublicKey):
    """A known Ed25519 v1 cosigner key (type 0x04); ``message`` is the note text, i.e. the checkpoint body."""

    key_type = COSIGNATURE_V1

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is timestamp ≤ 2^63-1 || Ed25519 signature of the cosigned message."""
        if len(signature) != _COSIGNATURE_SIZE or (timestamp := cosignature_timestamp(signature)) > MAX_TIMESTAMP:
            return False
        return super().verify(cosignature_message(message, timestamp), signature[8:])


class _PrivateKey(_PublicKey):
    """A key pair. Each signer class is also the verifier class of its type, so it can check what it signed."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        super().__init__(name, private_key.public_key().public_bytes_raw())
        self.private_key = private_key

    @property
    def skey(self) -> str:
        """The private key text. Secret: never log or display it."""
        encoded = base64.b64encode(bytes([self.key_type]) + self.private_key.private_bytes_raw()).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{encoded}"


class Ed25519Signer(_PrivateKey, Ed25519Verifier):
    """Signs note text with Ed25519 (type 0x01). RFC 8032 signing is deterministic."""

    def sign(self, message: bytes) -> bytes:
        """This key's signature bytes (without the key id) for the note text ``message``."""
        return self.private_key.sign(message)


class CosignatureSigner(_PrivateKey, CosignatureVerifier):
    """Cosigns checkpoints as an Ed25519 v1 witness (type 0x04). Not an ``Ed25519Signer``: it cannot sign notes."""

    def cosign(self, checkpoint_body: str, timestamp: int) -> Signature:
        """The cosignature of ``checkpoint_body`` (a valid note text) made at POSIX time ``timestamp``."""
        _note_text_bytes(checkpoint_body)
        signed = self.private_key.sign(cosignature_message(checkpoint_body, timestamp))
        return Signature(self.name, self.key_id, timestamp.to_bytes(8, "big") + signed)

    def sign(self, message: bytes) -> bytes:
        """Cosign the note text ``message`` now; this is what :func:`sign_note` calls."""
        return self.cosign(message.decode("utf-8"), int(time.time())).data


AnyVerifier = Ed25519Verifier | CosignatureVerifier
AnySigner = Ed25519Signer | CosignatureSigner
_VERIFIERS: dict[int, type[AnyVerifier]] = {ED25519: Ed25519Verifier, COSIGNATURE_V1: CosignatureVerifier}
_SIGNERS: dict[int, type[AnySigner]] = {ED25519: Ed25519Signer, COSIGNATURE_V1: CosignatureSigner}


def format_vkey(name: str, key_type: int, public_key: bytes) -> str:
    """The verifier key text ``<name>+<8 hex digits key id>+base64(type || public key)``."""
    if not valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    encoded = base64.b64encode(bytes([key_type]) + public_key).decode("ascii")
    return f"{name}+{key_id(name, key_type, public_key):08x}+{encoded}"


def format_skey(name: str, key_type: int, seed: bytes) -> str:
    """Go's private key text ``PRIVATE+KEY+<name>+<hex key id>+base64(type || 32-byte seed)``; secret."""
    return _new_signer(name, key_type, seed).skey


def parse_vkey(text: str) -> AnyVerifier:
    """The verifier for a vkey (a ``CosignatureVerifier`` for type 0x04); ``KeyFormatError`` if it is wrong."""
    # At most two splits: the base64 part may itself contain '+'.
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError("a verifier key has the form <name>+<key id>+<key>")
    wanted, key_type, material = _decode_key_text(*parts)
    if key_id(parts[0], key_type, material) != wanted:
        raise KeyFormatError(f"key id {parts[1]} does not match the key")
    if key_type not in _VERIFIERS:
        raise KeyFormatError(f"unsupported key type 0x{key_type:02x}")
    return _VERIFIERS[key_type](parts[0], material)


def parse_skey(text: str) -> AnySigner:
    """The signer for a private key text: an ``Ed25519Signer`` for type 0x01, a ``CosignatureSigner`` for 0x04."""
    parts = text.split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise KeyFormatError("a private key has the form PRIVATE+KEY+<name>+<key id>+<key>")
    wanted, key_type, seed = _decode_key_text(*parts[2:])
    signer = _new_signer(parts[2], key_type, seed)
    # The key id hashes the public key, so it can only be checked once the key is derived from the seed.
    if signer.key_id != wanted:
        raise KeyFormatError(f"key id {parts[3]} does not match the key")
    return signer


def generate_key(name: str, key_type: int = ED25519) -> tuple[str, str]:
    """A fresh key pair as (skey, vkey) texts, for type 0x01 (note signer) or 0x04 (cosigner)."""
    signer = _new_signer(name, key_type, secrets.token_bytes(32))
    return signer.skey, signer.vkey


def sign_note(text: str, *signers: AnySigner) -> str:
    """The signed note: ``text`` (a valid note text ending in a newline), a blank line, one line per signer."""
    message = _note_text_bytes(text)
    if not signers:
        raise NoteError("a signed note needs at least one signer")
    return text + "\n" + "".join(Signature(s.name, s.key_id, s.sign(message)).line() for s in signers)


def parse_note(note: str | bytes) -> tuple[str, list[Signature]]:
    """The text and every signature line of a note, checking syntax only (nothing is verified)."""
    text, block = _split_note(note)
    return text, list(_signature_lines(block))


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Parse ``note`` and verify it against the known ``verifiers``; raise unless a known key signed it.

    Lines are handled in order, as Go does: a known key's failing signature raises ``InvalidSignatureError``, a
    (name, key id) shared by two verifiers raises ``AmbiguousKeyError`` when a line uses it, unknown keys go to
    ``unverified`` (identical lines once), and ``verified`` lists each known key once.
    """
    known: dict[tuple[str, int], list[Verifier]] = {}
    for verifier in verifiers:
        known.setdefault((verifier.name, verifier.key_id), []).append(verifier)
    text, block = _split_note(note)
    message = text.encode("utf-8")
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for signature in _signature_lines(block):
        candidates = known.get((signature.name, signature.key_id))
        if candidates is None:
            if signature not in unverified:
                unverified.append(signature)
            continue
        if len(candidates) > 1:
            raise AmbiguousKeyError(signature.name, signature.key_id)
        if not candidates[0].verify(message, signature.data):
            raise InvalidSignatureError(signature.name, signature.key_id)
        if all((s.name, s.key_id) != (signature.name, signature.key_id) for s in verified):
            verified.append(signature)
    opened = OpenedNote(text=text, verified=verified, unverified=unverified)
    if not verified:
        raise UnverifiedNoteError(opened)
    return opened


def _note_text_bytes(text: str) -> bytes:
    """``text`` as UTF-8, after checking it can be a note's text: newline-terminated, no other control characters."""
    if not text.endswith("\n"):
        raise MalformedNoteError("note text must end with a newline")
    if _FORBIDDEN.search(text):
        raise MalformedNoteError("note text must be UTF-8 without control characters other than newline")
    return text.encode("utf-8")


def _new_signer(name: str, key_type: int, seed: bytes) -> AnySigner:
    if key_type not in _SIGNERS:
        raise KeyFormatError(f"unsupported key type 0x{key_type:02x}")
    if len(seed) != 32:
        raise KeyFormatError(f"an Ed25519 seed is 32 bytes, got {len(seed)}")
    return _SIGNERS[key_type](name, Ed25519PrivateKey.from_private_bytes(seed))


def _decode_key_text(name: str, hex_id: str, encoded: str) -> tuple[int, int, bytes]:
    """The (key id, key type, key material) of a key text's last three fields, checked for syntax only."""
    if not valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    if not _HEX_KEY_ID.fullmatch(hex_id):
        raise KeyFormatError(f"key id {hex_id!r} is not 8 lowercase hex digits")
    try:
        raw = decode_base64(encoded)
        return int(hex_id, 16), raw[0], raw[1:]
    except (ValueError, IndexError) as exc:
        raise KeyFormatError("key material is not canonical base64 of a type byte and a key") from exc


def _split_note(note: str | bytes) -> tuple[str, str]:
    """The note's text (final newline included) and its signature block (ending in a newline)."""
    try:
        note = note.decode("utf-8") if isinstance(note, bytes) else note
    except UnicodeDecodeError as exc:
        raise MalformedNoteError("note is not valid UTF-8") from exc
    if _FORBIDDEN.search(note):
        raise MalformedNoteError("note must be UTF-8 without control characters other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise MalformedNoteError("note has no signature lines or does not end with a newline")
    return text, block


def _signature_lines(block: str) -> Iterator[Signature]:
    """Parse the signature block line by line, lazily, so that callers verify in order as Go does."""
    for number, line in enumerate(block[:-1].split("\n"), start=1):
        if number > MAX_SIGNATURES:
            raise MalformedNoteError(f"note has more than {MAX_SIGNATURES} signatures")
        name, _, encoded = line.removeprefix(_SIGNATURE_PREFIX).partition(" ")
        try:
            raw = decode_base64(encoded)
        except ValueError:
            raw = b""  # reported below, with the other ways a line can be malformed
        # Go's rule: em dash, space, a valid key name, space, base64 of a key id and at least one signature byte.
        if not line.startswith(_SIGNATURE_PREFIX) or not valid_key_name(name) or len(raw) < 5:
            raise MalformedNoteError(f"signature line {number} is not '— <key name> base64(key id || signature)'")
        yield Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])
