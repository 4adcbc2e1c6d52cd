"""A C2SP tlog-witness (https://c2sp.org/tlog-witness): cosigns checkpoints that extend what it saw before.

``Witness.add_checkpoint`` applies every rule of the spec's ``add-checkpoint`` call to a request body and
answers with a status, a content type and a body; ``make_server`` / ``serve`` put it behind the standard
library's HTTP server and ``run_witness`` is the ``kechuang ledger witness`` command. Pure Python, no Django:
a partner (a bank, a 碳核查机构) runs it with nothing of the platform but this package.

The witness remembers, per log origin, the size and root of the latest checkpoint it cosigned, in a JSON
file ``{origin: {"size": n, "root": base64}}``. Checking a request against that record and writing the new
record happen under one lock, and the record is on disk (temporary file, fsync, rename) before the
cosignature leaves: otherwise two racing requests could roll the witness back (the spec's own warning).
One process per state file; two processes sharing a file are not coordinated.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from kechuang.ledger.tlog.checkpoint import MAX_TREE_SIZE, CheckpointError, parse_checkpoint
from kechuang.ledger.tlog.merkle import EMPTY_ROOT, HASH_SIZE, ProofError, verify_consistency
from kechuang.ledger.tlog.note import (
    COSIGNATURE_V1,
    CosignatureSigner,
    NoteError,
    Verifier,
    decode_base64,
    generate_key,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
)

MAX_PROOF_LINES = 63  # "The client MUST NOT send more than 63 consistency proof lines."
MAX_BODY = 64 * 1024
SIZE_CONTENT_TYPE = "text/x.tlog.size"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
DEFAULT_STATE = "witness-state.json"

_OLD_LINE = re.compile(r"old (0|[1-9][0-9]*)")  # explicit ASCII digits: \d would take any Unicode digit
_CONTENT_LENGTH = re.compile(r"[0-9]+")
logger = logging.getLogger("kechuang.ledger.witness")


class MalformedRequestError(ValueError):
    """An add-checkpoint body that breaks the request syntax (answered 400)."""


class WitnessStateError(RuntimeError):
    """The state file cannot be read as a witness record; the witness refuses to start rather than forget."""


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request: old size, consistency proof and the signed checkpoint note."""

    old_size: int
    proof: list[bytes]
    checkpoint_note: str


@dataclass(frozen=True)
class WitnessResponse:
    status: int
    content_type: str
    body: bytes


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], checkpoint_note: str) -> bytes:
    """The request body: ``old <size>``, one base64 line per proof hash, a blank line, the checkpoint note."""
    if not 0 <= old_size <= MAX_TREE_SIZE:
        raise ValueError(f"old size {old_size} is outside 0..2^64-1")
    if len(proof) > MAX_PROOF_LINES:
        raise ValueError(f"a consistency proof has at most {MAX_PROOF_LINES} hashes, got {len(proof)}")
    lines = [f"old {old_size}\n", *(base64.b64encode(value).decode("ascii") + "\n" for value in proof), "\n"]
    return "".join(lines).encode("utf-8") + checkpoint_note.encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse a request body strictly; ``MalformedRequestError`` naming the first problem.

    The checkpoint note is returned as text, unchecked: its syntax and signatures are the witness's next steps.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequestError("the request is not UTF-8") from None
    first, newline, rest = text.partition("\n")
    match = _OLD_LINE.fullmatch(first)
    if not newline or match is None:
        raise MalformedRequestError("the request does not start with an 'old <size>' line")
    old_size = int(match[1])
    if old_size > MAX_TREE_SIZE:
        raise MalformedRequestError(f"old size {old_size} is outside 0..2^64-1")
    proof: list[bytes] = []
    while True:
        line, newline, rest = rest.partition("\n")
        if not newline:
            raise MalformedRequestError("the request has no blank line before its checkpoint")
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise MalformedRequestError(f"the request has more than {MAX_PROOF_LINES} consistency proof lines")
        try:
            value = decode_base64(line)
        except ValueError:
            raise MalformedRequestError(f"consistency proof line {len(proof) + 1} is not canonical base64") from None
        if len(value) != HASH_SIZE:
            raise MalformedRequestError(f"consistency proof line {len(proof) + 1} is not a {HASH_SIZE}-byte hash")
        proof.append(value)
    return AddCheckpoint(old_size=old_size, proof=proof, checkpoint_note=rest)


def _text(status: int, message: str) -> WitnessResponse:
    return WitnessResponse(status, TEXT_CONTENT_TYPE, (message + "\n").encode("utf-8"))


class Witness:
    """One witness key cosigning checkpoints of the logs it trusts; safe to call from many threads.

    ``logs`` maps each log origin to the verifiers of the keys trusted to sign its checkpoints.
    ``clock`` gives the POSIX time written into cosignatures.
    """

    def __init__(
        self,
        signer: CosignatureSigner,
        logs: Mapping[str, Sequence[Verifier]],
        state_path: Path,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signer = signer
        self.logs = {origin: list(verifiers) for origin, verifiers in logs.items()}
        self.state_path = Path(state_path)
        if not self.state_path.parent.is_dir():
            raise WitnessStateError(f"the directory of the witness state {self.state_path} does not exist")
        self.clock = clock
        self._lock = threading.Lock()
        self._state = self._load()

    @property
    def vkey(self) -> str:
        return self.signer.vkey

    def recorded(self, origin: str) -> tuple[int, bytes] | None:
        """The size and root of the latest checkpoint cosigned for ``origin``, or None before the first."""
        with self._lock:
            return self._state.get(origin)

    def add_checkpoint(self, body: bytes) -> WitnessResponse:  # noqa: PLR0911 - one answer per rule of the spec
        """Answer one add-checkpoint request; the checks run in this order, the first failing one answers.

        400 malformed request; 404 unknown origin; 403 no signature by a trusted key (a trusted key's bad
        signature also answers 403); 400 old size above the checkpoint's; 409 ``text/x.tlog.size`` when the old
        size is not the recorded one (0 before the first cosignature); 409 a second root for the recorded size;
        422 the consistency proof fails (from old size 0 it must be empty). 200 carries the cosignature line and
        is answered only once the new record is on disk; an ``OSError`` while writing it propagates and nothing
        is cosigned.
        """
        try:
            request = parse_add_checkpoint(body)
            text, _signatures = parse_note(request.checkpoint_note)
            checkpoint = parse_checkpoint(text)
        except (MalformedRequestError, NoteError, CheckpointError) as exc:
            return _text(400, f"malformed request: {exc}")
        verifiers = self.logs.get(checkpoint.origin)
        if verifiers is None:
            return _text(404, f"unknown log origin {checkpoint.origin}")
        try:
            open_note(request.checkpoint_note, verifiers)
        except NoteError as exc:
            return _text(403, f"no trusted log signature: {exc}")
        if request.old_size > checkpoint.size:
            return _text(400, f"old size {request.old_size} is larger than the checkpoint size {checkpoint.size}")
        with self._lock:
            # Never cosigned is the empty tree: size 0, and the one root a tree of size 0 has.
            size, root = self._state.get(checkpoint.origin, (0, EMPTY_ROOT))
            if request.old_size != size:
                return WitnessResponse(409, SIZE_CONTENT_TYPE, f"{size}\n".encode("ascii"))
            if checkpoint.size == size and checkpoint.root != root:
                return _text(409, f"a different root was already cosigned for size {size}")
            try:
                verify_consistency(size, checkpoint.size, root, checkpoint.root, request.proof, from_empty=True)
            except ProofError as exc:
                logger.warning(
                    "inconsistent checkpoint for %s (%d -> %d): %s", checkpoint.origin, size, checkpoint.size, exc
                )
                return _text(422, f"consistency proof does not verify: {exc}")
            if self._state.get(checkpoint.origin) != (checkpoint.size, checkpoint.root):
                state = {**self._state, checkpoint.origin: (checkpoint.size, checkpoint.root)}
                self._write(state)
                self._state = state
            # Signed under the lock, so its timestamp never predates a larger tree this witness has accepted.
            cosignature = self.signer.cosign(text, int(self.clock()))
        return WitnessResponse(200, TEXT_CONTENT_TYPE, cosignature.line().encode("utf-8"))

    def _load(self) -> dict[str, tuple[int, bytes]]:
        try:
            raw = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise WitnessStateError(f"cannot read the witness state {self.state_path}: {exc}") from exc
        if not isinstance(raw, dict):
            raise WitnessStateError(f"the witness state {self.state_path} is not a JSON object")
        state: dict[str, tuple[int, bytes]] = {}
        for origin, record in raw.items():
            try:
                size, root = record["size"], decode_base64(record["root"])
            except (TypeError, KeyError, ValueError) as exc:
                raise WitnessStateError(f"the witness state for {origin!r} is malformed") from exc
            if type(size) is not int or not 0 <= size <= MAX_TREE_SIZE or len(root) != HASH_SIZE:
                raise WitnessStateError(f"the witness state for {origin!r} is malformed")
            state[origin] = (size, root)
        return state

    def _write(self, state: Mapping[str, tuple[int, bytes]]) -> None:
        """Replace the state file atomically and durably: a crash leaves the old record or the new, never half."""
        document = {o: {"size": s, "root": base64.b64encode(r).decode("ascii")} for o, (s, r) in sorted(state.items())}
        directory = self.state_path.parent
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{self.state_path.name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.state_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        # The rename itself is only durable once the directory is flushed.
        directory_descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_descriptor)
        finally:
            os.close(directory_descriptor)


# ---------------------------------------------------------------- HTTP


def _normal_prefix(prefix: str) -> str:
    """``"/"``, ``""`` → ``""``; ``"w"``, ``"/w/"`` → ``"/w"``: what paths are built on."""
    stripped = prefix.strip("/")
    return f"/{stripped}" if stripped else ""


def make_server(witness: Witness, host: str, port: int, *, prefix: str = "/") -> ThreadingHTTPServer:
    """A bound, not yet serving, HTTP server: ``POST <prefix>/add-checkpoint`` and ``GET <prefix>`` (the vkey)."""
    base = _normal_prefix(prefix)
    submit_path = f"{base}/add-checkpoint"
    key_paths = {base or "/", f"{base}/"}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the spec asks witnesses to support
        timeout = 30  # a client that stops sending must not hold a thread forever
        server_version = "kechuang-witness"

        def _send(self, response: WitnessResponse, *, head_only: bool = False, allow: str | None = None) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            if allow is not None:
                self.send_header("Allow", allow)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if not head_only:
                self.wfile.write(response.body)

        def _route(self) -> str | None:
            path = urlsplit(self.path).path
            return "submit" if path == submit_path else "key" if path in key_paths else None

        def _refuse(self, *, head_only: bool = False) -> None:
            # A body we do not read would be taken for the next request on this connection.
            self.close_connection = True
            route = self._route()
            if route is None:
                self._send(_text(404, "not found"), head_only=head_only)
            else:
                self._send(_text(405, "method not allowed"), head_only=head_only, allow=_ALLOWED[route])

        def do_GET(self) -> None:
            self._get(head_only=False)

        def do_HEAD(self) -> None:
            self._get(head_only=True)

        def _get(self, *, head_only: bool) -> None:
            if self._route() != "key":
                self._refuse(head_only=head_only)
                return
            self._send(_text(200, witness.vkey), head_only=head_only)

        def do_POST(self) -> None:
            if self._route() != "submit":
                self._refuse()
                return
            length = _CONTENT_LENGTH.fullmatch(self.headers.get("Content-Length", ""))
            if length is None or self.headers.get("Transfer-Encoding"):
                self.close_connection = True
                self._send(_text(411, "a Content-Length is required"))
                return
            if len(length[0]) > 6 or int(length[0]) > MAX_BODY:
                self.close_connection = True
                self._send(_text(413, f"the request body is limited to {MAX_BODY} bytes"))
                return
            body = self.rfile.read(int(length[0]))
            try:
                response = witness.add_checkpoint(body)
            except Exception:
                logger.exception("add-checkpoint failed")
                response = _text(500, "internal error; nothing was cosigned")
            self._send(response)

        def do_PUT(self) -> None:
            self._refuse()

        def do_DELETE(self) -> None:
            self._refuse()

        def do_PATCH(self) -> None:
            self._refuse()

        def do_OPTIONS(self) -> None:
            self._refuse()

        def log_message(self, format: str, *args: object) -> None:
            logger.info("%s %s", self.address_string(), format % args)

    return ThreadingHTTPServer((host, port), Handler)


_ALLOWED = {"submit": "POST", "key": "GET, HEAD"}


def serve(witness: Witness, host: str, port: int, *, prefix: str = "/") -> None:
    """Serve the witness over HTTP until the process is interrupted."""
    with make_server(witness, host, port, prefix=prefix) as server:
        server.serve_forever()


# ---------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kechuang ledger witness",
        description="Run a tlog-witness that cosigns checkpoints of the logs it trusts (c2sp.org/tlog-witness).",
    )
    parser.add_argument("--key", required=True, type=Path, help="file holding the witness's private key")
    parser.add_argument("--keygen", metavar="NAME", help="write a new key named NAME to --key and print its vkey")
    parser.add_argument("--log", action="append", default=[], metavar="VKEY", help="a trusted log key (repeatable)")
    parser.add_argument("--state", type=Path, default=Path(DEFAULT_STATE), help="the witness's record of each log")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--prefix", default="/", help="URL prefix of the submission API (default /)")
    return parser


def _say(line: str, *, error: bool = False) -> None:
    stream = sys.stderr if error else sys.stdout
    stream.write(f"error: {line}\n" if error else f"{line}\n")
    stream.flush()


def _keygen(path: Path, name: str) -> int:
    try:
        skey, vkey = generate_key(name, COSIGNATURE_V1)
    except NoteError as exc:
        _say(str(exc), error=True)
        return 2
    try:
        # O_EXCL: a witness key is its identity; replacing one is never done by accident.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _say(f"{path} exists; refusing to replace a witness key", error=True)
        return 1
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(skey + "\n")
    _say(vkey)
    return 0


def run_witness(argv: list[str]) -> int:
    """``kechuang ledger witness``: ``--keygen NAME`` makes a key; otherwise serve until interrupted."""
    arguments = _parser().parse_args(argv)
    if arguments.keygen is not None:
        return _keygen(arguments.key, arguments.keygen)
    if not arguments.log:
        _say("give at least one trusted log key with --log", error=True)
        return 2
    try:
        signer = parse_skey(arguments.key.read_text(encoding="utf-8").strip())
        if not isinstance(signer, CosignatureSigner):
            raise NoteError(f"the key in {arguments.key} is not a cosignature (type 0x04) key")
        logs: dict[str, list[Verifier]] = {}
        for text in arguments.log:
            verifier = parse_vkey(text.strip())
            logs.setdefault(verifier.name, []).append(verifier)
        witness = Witness(signer, logs, arguments.state)
        server = make_server(witness, arguments.host, arguments.port, prefix=arguments.prefix)
    except (OSError, NoteError, WitnessStateError) as exc:
        _say(str(exc), error=True)
        return 2
    with server:
        # Printed once bound, so whoever started the witness can connect as soon as it reads this.
        address = f"http://{arguments.host}:{server.server_address[1]}{_normal_prefix(arguments.prefix)}/"
        _say(witness.vkey)
        _say(f"witnessing {', '.join(sorted(logs))} at {address}")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0
