"""The tlog-witness: every add-checkpoint rule, its HTTP server, and the log collecting cosignatures from it."""

from __future__ import annotations

import base64
import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kechuang.ledger import selectors, services
from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Checkpoint as CheckpointRow
from kechuang.ledger.models import Cosignature, Entry
from kechuang.ledger.services.witnesses import collect_cosignatures, cosign_after_batch
from kechuang.ledger.tlog.checkpoint import Checkpoint
from kechuang.ledger.tlog.merkle import EMPTY_ROOT, MemoryTree, consistency_proof
from kechuang.ledger.tlog.note import (
    COSIGNATURE_V1,
    CosignatureSigner,
    Ed25519Signer,
    cosignature_timestamp,
    generate_key,
    open_note,
    parse_skey,
    parse_vkey,
    sign_note,
)
from kechuang.ledger.tlog.proof import verify_receipt
from kechuang.ledger.tlog.witness import (
    SIZE_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    AddCheckpoint,
    MalformedRequestError,
    Witness,
    WitnessResponse,
    WitnessStateError,
    format_add_checkpoint,
    make_server,
    parse_add_checkpoint,
    run_witness,
)

ORIGIN = "example.com/log"
WITNESS_NAME = "witness.example/w1"
NOW = 1_700_000_000


def log_key(name: str) -> Ed25519Signer:
    signer = parse_skey(generate_key(name)[0])
    assert isinstance(signer, Ed25519Signer)
    return signer


def witness_key(name: str) -> CosignatureSigner:
    signer = parse_skey(generate_key(name, COSIGNATURE_V1)[0])
    assert isinstance(signer, CosignatureSigner)
    return signer


LOG_SIGNER = log_key(ORIGIN)
WITNESS_SIGNER = witness_key(WITNESS_NAME)
WITNESS_VERIFIER = parse_vkey(WITNESS_SIGNER.vkey)


@dataclass
class Log:
    """A log in memory: a tree, its key, and the add-checkpoint requests a log would send."""

    signer: Ed25519Signer = LOG_SIGNER
    tree: MemoryTree = field(default_factory=MemoryTree)

    def grow(self, size: int) -> None:
        while self.tree.size < size:
            self.tree.append(b"entry %d" % self.tree.size)

    def body(self, size: int) -> str:
        self.grow(size)
        return Checkpoint(origin=self.signer.name, size=size, root=self.tree.root(size)).body()

    def note(self, size: int) -> str:
        self.grow(size)
        return sign_note(self.body(size), self.signer)

    def proof(self, old: int, new: int) -> list[bytes]:
        self.grow(new)
        return [] if old in (0, new) else consistency_proof(self.tree, old, new)

    def request(self, old: int, new: int) -> bytes:
        note = self.note(new)
        return format_add_checkpoint(old, self.proof(old, new), note)


def new_witness(path: Path) -> Witness:
    return Witness(WITNESS_SIGNER, {ORIGIN: [parse_vkey(LOG_SIGNER.vkey)]}, path, clock=lambda: NOW)


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return new_witness(tmp_path / "state.json")


def assert_cosigned(response: WitnessResponse, log: Log, size: int) -> None:
    """A 200 whose body is exactly one valid cosignature of the checkpoint of ``size``, made at ``NOW``."""
    assert (response.status, response.content_type) == (200, TEXT_CONTENT_TYPE)
    opened = open_note(log.note(size) + response.body.decode(), [WITNESS_VERIFIER])
    assert [s.name for s in opened.verified] == [WITNESS_NAME]
    assert cosignature_timestamp(opened.verified[0].data) == NOW
    assert response.body.decode() == opened.verified[0].line()


# ---------------------------------------------------------------- request format


def test_request_format_round_trips() -> None:
    log = Log()
    note = log.note(5)
    proof = log.proof(3, 5)
    body = format_add_checkpoint(3, proof, note)
    expected = "old 3\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + note
    assert body == expected.encode()
    assert parse_add_checkpoint(body) == AddCheckpoint(old_size=3, proof=proof, checkpoint_note=note)
    assert parse_add_checkpoint(format_add_checkpoint(0, [], note)) == AddCheckpoint(0, [], note)


def test_63_proof_lines_parse_and_64_do_not() -> None:
    hashes = [bytes([n]) * 32 for n in range(64)]
    assert (
        parse_add_checkpoint(b"old 1\n" + b"".join(base64.b64encode(h) + b"\n" for h in hashes[:63]) + b"\nx").proof
        == hashes[:63]
    )
    with pytest.raises(MalformedRequestError, match="more than 63"):
        parse_add_checkpoint(b"old 1\n" + b"".join(base64.b64encode(h) + b"\n" for h in hashes) + b"\nx")
    with pytest.raises(ValueError, match="at most 63"):
        format_add_checkpoint(1, hashes, "x\n")


HASH_LINE = base64.b64encode(bytes(32))


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"old 3",  # no newline
        b"old 03\n\n",  # leading zero
        b"old -1\n\n",
        b"old +3\n\n",
        b"old 3 \n\n",
        b"old \xd9\xa3\n\n",  # an Arabic-Indic digit
        b"new 3\n\n",
        b"old 18446744073709551616\n\n",  # 2^64
        b"old 3\r\n\n",
        b"old 3\n" + HASH_LINE,  # no blank line
        b"old 3\n" + HASH_LINE[:-1] + b"\n\n",  # not base64
        b"old 3\n" + base64.b64encode(bytes(31)) + b"\n\n",  # not a hash
        b"old 3\n" + HASH_LINE + b" \n\n",
        b"old 3\n\xff\n\n",  # not UTF-8
    ],
)
def test_malformed_requests_answer_400(witness: Witness, head: bytes) -> None:
    note = Log().note(5).encode()
    with pytest.raises(MalformedRequestError):
        parse_add_checkpoint(head + note)
    response = witness.add_checkpoint(head + note)
    assert (response.status, response.content_type) == (400, TEXT_CONTENT_TYPE)
    assert witness.recorded(ORIGIN) is None


@pytest.mark.parametrize(
    "note",
    [
        "",
        "example.com/log\n5\n",  # no signatures
        "example.com/log\nfive\nAAAA\n\n— example.com/log AAAAAAAA\n",  # a checkpoint body that is not one
    ],
)
def test_a_malformed_checkpoint_answers_400(witness: Witness, note: str) -> None:
    assert witness.add_checkpoint(b"old 0\n\n" + note.encode()).status == 400


# ---------------------------------------------------------------- the rules


def test_the_first_checkpoint_is_cosigned_from_old_size_zero(witness: Witness, tmp_path: Path) -> None:
    log = Log()
    response = witness.add_checkpoint(log.request(0, 5))
    assert_cosigned(response, log, 5)
    assert witness.recorded(ORIGIN) == (5, log.tree.root(5))
    state = json.loads((tmp_path / "state.json").read_text())
    assert state == {ORIGIN: {"size": 5, "root": base64.b64encode(log.tree.root(5)).decode()}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]  # no temporary file left behind


def test_a_chain_of_checkpoints_is_cosigned(witness: Witness) -> None:
    log = Log()
    for old, new in [(0, 1), (1, 2), (2, 8), (8, 13), (13, 13), (13, 300)]:
        assert_cosigned(witness.add_checkpoint(log.request(old, new)), log, new)
    assert witness.recorded(ORIGIN) == (300, log.tree.root(300))


def test_the_empty_tree_is_cosigned_and_can_be_extended(witness: Witness) -> None:
    log = Log()
    assert_cosigned(witness.add_checkpoint(log.request(0, 0)), log, 0)
    assert witness.recorded(ORIGIN) == (0, EMPTY_ROOT)
    assert_cosigned(witness.add_checkpoint(log.request(0, 4)), log, 4)


def test_old_size_zero_needs_an_empty_proof(witness: Witness) -> None:
    log = Log()
    note = log.note(5)
    assert witness.add_checkpoint(format_add_checkpoint(0, [log.tree.root(1)], note)).status == 422
    assert witness.recorded(ORIGIN) is None


def test_an_unknown_origin_answers_404(witness: Witness) -> None:
    other = Log(signer=log_key("other.example/log"))
    response = witness.add_checkpoint(other.request(0, 3))
    assert (response.status, response.content_type) == (404, TEXT_CONTENT_TYPE)


def test_a_checkpoint_without_a_trusted_signature_answers_403(witness: Witness) -> None:
    impostor = log_key(ORIGIN)  # same name, another key: an unknown key, ignored
    log = Log()
    assert witness.add_checkpoint(format_add_checkpoint(0, [], sign_note(log.body(0), impostor))).status == 403
    assert witness.recorded(ORIGIN) is None


def test_a_bad_signature_by_the_trusted_key_answers_403(witness: Witness) -> None:
    log = Log()
    note = log.note(3)
    text, _, line = note.rpartition("\n\n")
    forged = log.body(4) + "\n" + line  # the log's signature line moved onto another checkpoint
    assert witness.add_checkpoint(format_add_checkpoint(0, [], forged)).status == 403
    assert text + "\n" == log.body(3)


def test_unknown_signatures_are_ignored(witness: Witness) -> None:
    log = Log()
    stranger = log_key("stranger.example/key")
    note = sign_note(log.body(0), stranger, LOG_SIGNER)
    assert witness.add_checkpoint(format_add_checkpoint(0, [], note)).status == 200


def test_an_old_size_above_the_checkpoint_answers_400(witness: Witness) -> None:
    log = Log()
    assert witness.add_checkpoint(format_add_checkpoint(6, [], log.note(5))).status == 400


def test_an_old_size_that_is_not_the_recorded_one_answers_409_with_the_size(witness: Witness) -> None:
    log = Log()
    assert witness.add_checkpoint(log.request(3, 8)) == WitnessResponse(409, SIZE_CONTENT_TYPE, b"0\n")
    assert witness.add_checkpoint(log.request(0, 5)).status == 200
    for old in (0, 3, 6):
        assert witness.add_checkpoint(log.request(old, 8)) == WitnessResponse(409, SIZE_CONTENT_TYPE, b"5\n")
    assert witness.recorded(ORIGIN) == (5, log.tree.root(5))


def test_a_second_root_for_the_recorded_size_answers_409(witness: Witness) -> None:
    log, fork = Log(), Log()
    assert witness.add_checkpoint(log.request(0, 5)).status == 200
    fork.tree.append(b"something else")
    fork.grow(5)
    response = witness.add_checkpoint(format_add_checkpoint(5, [], fork.note(5)))
    assert (response.status, response.content_type) == (409, TEXT_CONTENT_TYPE)
    assert witness.recorded(ORIGIN) == (5, log.tree.root(5))


def test_a_fork_of_the_empty_tree_answers_409(witness: Witness) -> None:
    note = sign_note(Checkpoint(origin=ORIGIN, size=0, root=bytes(32)).body(), LOG_SIGNER)
    assert witness.add_checkpoint(format_add_checkpoint(0, [], note)).status == 409


def test_the_same_checkpoint_again_is_cosigned_and_changes_nothing(witness: Witness) -> None:
    log = Log()
    assert witness.add_checkpoint(log.request(0, 5)).status == 200
    assert_cosigned(witness.add_checkpoint(log.request(5, 5)), log, 5)
    assert witness.add_checkpoint(format_add_checkpoint(5, [bytes(32)], log.note(5))).status == 422
    assert witness.recorded(ORIGIN) == (5, log.tree.root(5))


def test_a_bad_consistency_proof_answers_422(witness: Witness) -> None:
    log, fork = Log(), Log()
    assert witness.add_checkpoint(log.request(0, 5)).status == 200
    proof = log.proof(5, 9)
    log.grow(9)
    for bad in (proof[:-1], [*proof, bytes(32)], [bytes(32), *proof[1:]], []):
        assert witness.add_checkpoint(format_add_checkpoint(5, bad, log.note(9))).status == 422
    # A fork from size 3 on: its proof is internally valid, but not from the root the witness recorded.
    for number in range(3):
        fork.tree.append(b"entry %d" % number)
    fork.tree.append(b"forked")
    fork.grow(9)
    assert witness.add_checkpoint(format_add_checkpoint(5, fork.proof(5, 9), fork.note(9))).status == 422
    assert witness.recorded(ORIGIN) == (5, log.tree.root(5))
    assert witness.add_checkpoint(format_add_checkpoint(5, proof, log.note(9))).status == 200


def test_several_log_keys_and_logs(tmp_path: Path) -> None:
    second_key, other = log_key(ORIGIN), log_key("other.example/log")
    logs = {ORIGIN: [parse_vkey(LOG_SIGNER.vkey), parse_vkey(second_key.vkey)], other.name: [parse_vkey(other.vkey)]}
    witness = Witness(WITNESS_SIGNER, logs, tmp_path / "state.json", clock=lambda: NOW)
    ours, renewed, theirs = Log(), Log(signer=second_key), Log(signer=other)
    assert witness.add_checkpoint(renewed.request(0, 2)).status == 200
    assert witness.add_checkpoint(theirs.request(0, 7)).status == 200
    assert witness.add_checkpoint(ours.request(2, 4)).status == 200
    assert witness.recorded(ORIGIN) == (4, ours.tree.root(4))
    assert witness.recorded(other.name) == (7, theirs.tree.root(7))


# ---------------------------------------------------------------- state


def test_state_survives_a_new_witness_on_the_same_file(tmp_path: Path) -> None:
    log = Log()
    assert new_witness(tmp_path / "state.json").add_checkpoint(log.request(0, 6)).status == 200
    again = new_witness(tmp_path / "state.json")
    assert again.recorded(ORIGIN) == (6, log.tree.root(6))
    assert again.add_checkpoint(log.request(0, 9)) == WitnessResponse(409, SIZE_CONTENT_TYPE, b"6\n")
    assert again.add_checkpoint(log.request(6, 9)).status == 200


@pytest.mark.parametrize(
    "content",
    [
        "",
        "[]",
        "{",
        '{"example.com/log": {"size": 1}}',
        '{"example.com/log": {"size": -1, "root": "' + "A" * 43 + '="}}',
        '{"example.com/log": {"size": 1, "root": "AAAA"}}',
        '{"example.com/log": {"size": true, "root": "' + "A" * 43 + '="}}',
    ],
)
def test_an_unreadable_state_file_stops_the_witness(tmp_path: Path, content: str) -> None:
    (tmp_path / "state.json").write_text(content)
    with pytest.raises(WitnessStateError):
        new_witness(tmp_path / "state.json")


def test_nothing_is_cosigned_unless_the_state_is_written(tmp_path: Path) -> None:
    directory = tmp_path / "gone"
    directory.mkdir()
    witness = new_witness(directory / "state.json")
    directory.rmdir()
    log = Log()
    with pytest.raises(FileNotFoundError):
        witness.add_checkpoint(log.request(0, 5))
    assert witness.recorded(ORIGIN) is None
    directory.mkdir()
    assert witness.add_checkpoint(log.request(0, 5)).status == 200


def test_racing_requests_from_one_old_size_cosign_exactly_one(witness: Witness) -> None:
    log = Log()
    assert witness.add_checkpoint(log.request(0, 5)).status == 200
    for round_number in range(20):
        old = witness.recorded(ORIGIN)
        assert old is not None
        sizes = (old[0] + 3, old[0] + 7)
        bodies = [log.request(old[0], size) for size in sizes]
        barrier = threading.Barrier(2)
        results: dict[int, WitnessResponse] = {}

        def post(
            size: int, body: bytes, barrier: threading.Barrier = barrier, results: dict[int, WitnessResponse] = results
        ) -> None:
            barrier.wait()
            results[size] = witness.add_checkpoint(body)

        threads = [threading.Thread(target=post, args=pair) for pair in zip(sizes, bodies, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        (winner,) = [size for size, response in results.items() if response.status == 200]
        (loser,) = [size for size in sizes if size != winner]
        assert results[loser] == WitnessResponse(409, SIZE_CONTENT_TYPE, b"%d\n" % winner), round_number
        assert witness.recorded(ORIGIN) == (winner, log.tree.root(winner))


# ---------------------------------------------------------------- HTTP


@pytest.fixture
def served(witness: Witness) -> Iterator[tuple[Witness, str, int]]:
    """The witness behind its HTTP server on a free port, under the prefix /w."""
    with run_server(witness, prefix="/w") as port:
        yield witness, "127.0.0.1", port


class run_server:  # noqa: N801 - used as a context manager, like a function
    def __init__(self, witness: Witness, prefix: str = "/") -> None:
        self.server = make_server(witness, "127.0.0.1", 0, prefix=prefix)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> int:
        self.thread.start()
        return int(self.server.server_address[1])

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def request(
    port: int, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, str, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read(), dict(response.getheaders())
    finally:
        connection.close()


def test_http_add_checkpoint(served: tuple[Witness, str, int]) -> None:
    witness, _host, port = served
    log = Log()
    status, content_type, body, _headers = request(port, "POST", "/w/add-checkpoint", log.request(0, 5))
    assert_cosigned(WitnessResponse(status, content_type, body), log, 5)
    assert request(port, "POST", "/w/add-checkpoint", log.request(0, 9))[:3] == (409, SIZE_CONTENT_TYPE, b"5\n")
    assert request(port, "POST", "/w/add-checkpoint", format_add_checkpoint(5, [bytes(32)], log.note(9)))[0] == 422
    assert request(port, "POST", "/w/add-checkpoint", b"nonsense")[:2] == (400, TEXT_CONTENT_TYPE)
    assert witness.recorded(ORIGIN) == (5, log.tree.root(5))


def test_http_keep_alive_serves_several_requests_on_one_connection(served: tuple[Witness, str, int]) -> None:
    _witness, _host, port = served
    log = Log()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        statuses = []
        for old, new in [(0, 2), (2, 3), (3, 3)]:
            connection.request("POST", "/w/add-checkpoint", body=log.request(old, new))
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        first_socket = connection.sock
        connection.request("GET", "/w")
        assert connection.getresponse().read() == (WITNESS_SIGNER.vkey + "\n").encode()
        assert connection.sock is first_socket
    finally:
        connection.close()
    assert statuses == [200, 200, 200]


def test_http_routes_methods_and_limits(served: tuple[Witness, str, int]) -> None:
    witness, _host, port = served
    vkey = (witness.vkey + "\n").encode()
    assert request(port, "GET", "/w")[:3] == (200, TEXT_CONTENT_TYPE, vkey)
    assert request(port, "GET", "/w/")[:3] == (200, TEXT_CONTENT_TYPE, vkey)
    assert request(port, "HEAD", "/w")[:3] == (200, TEXT_CONTENT_TYPE, b"")
    status, _type, _body, headers = request(port, "GET", "/w/add-checkpoint")
    assert (status, headers["Allow"]) == (405, "POST")
    status, _type, _body, headers = request(port, "PUT", "/w/add-checkpoint", b"x")
    assert (status, headers["Allow"]) == (405, "POST")
    status, _type, _body, headers = request(port, "POST", "/w", b"x")
    assert (status, headers["Allow"]) == (405, "GET, HEAD")
    assert request(port, "DELETE", "/w")[0] == 405
    assert request(port, "POST", "/add-checkpoint", b"x")[0] == 404
    assert request(port, "GET", "/")[0] == 404
    assert request(port, "POST", "/w/add-checkpoint", b"x" * (64 * 1024 + 1))[0] == 413
    assert request(port, "POST", "/w/add-checkpoint?x=1", b"old 0\n\n")[0] == 400  # the query is ignored


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"Transfer-Encoding: chunked\r\n", b"411"),
        (b"Content-Length: \xb2\r\n", b"411"),  # a superscript two, which str.isdigit() accepts
        (b"Content-Length: -1\r\n", b"411"),
        (b"Content-Length: " + b"9" * 5000 + b"\r\n", b"413"),
    ],
)
def test_http_a_request_without_a_usable_content_length(
    served: tuple[Witness, str, int], headers: bytes, status: bytes
) -> None:
    _witness, _host, port = served
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"POST /w/add-checkpoint HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n0\r\n\r\n")
        with raw.makefile("rb") as answer:
            assert answer.readline().split(b" ")[:2] == [b"HTTP/1.1", status]


def test_http_root_prefix(witness: Witness) -> None:
    with run_server(witness) as port:
        assert request(port, "GET", "/")[:3] == (200, TEXT_CONTENT_TYPE, (witness.vkey + "\n").encode())
        assert request(port, "POST", "/add-checkpoint", Log().request(0, 1))[0] == 200


# ---------------------------------------------------------------- command line


def test_keygen_writes_a_cosignature_key_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "witness.key"
    assert run_witness(["--key", str(key), "--keygen", WITNESS_NAME]) == 0
    vkey = capsys.readouterr().out.strip()
    signer = parse_skey(key.read_text().strip())
    assert isinstance(signer, CosignatureSigner)
    assert (signer.vkey, key.stat().st_mode & 0o777) == (vkey, 0o600)
    assert run_witness(["--key", str(key), "--keygen", WITNESS_NAME]) == 1
    assert parse_skey(key.read_text().strip()).vkey == vkey
    assert run_witness(["--key", str(tmp_path / "other.key"), "--keygen", "bad+name"]) == 2


def test_the_command_refuses_a_wrong_setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_key = tmp_path / "log.key"
    log_key.write_text(LOG_SIGNER.skey + "\n")
    assert run_witness(["--key", str(log_key), "--log", LOG_SIGNER.vkey]) == 2  # not a cosignature key
    assert run_witness(["--key", str(tmp_path / "missing.key"), "--log", LOG_SIGNER.vkey]) == 2
    assert run_witness(["--key", str(log_key)]) == 2  # no log
    assert capsys.readouterr().err.count("error: ") == 3


def test_the_command_serves_until_interrupted(tmp_path: Path) -> None:
    key, state, log = tmp_path / "witness.key", tmp_path / "state.json", Log()
    key.write_text(WITNESS_SIGNER.skey + "\n")
    script = "import sys; from kechuang.ledger.tlog.witness import run_witness; sys.exit(run_witness(sys.argv[1:]))"
    arguments = ["--key", str(key), "--log", LOG_SIGNER.vkey, "--state", str(state), "--port", "0", "--prefix", "w"]
    command = [sys.executable, "-c", script, *arguments]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:  # noqa: S603 - our own interpreter
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == WITNESS_SIGNER.vkey + "\n"
            address = process.stdout.readline().split(" at ")[1].strip()
            assert address.startswith("http://127.0.0.1:")
            assert address.endswith("/w/")
            port = int(address.removeprefix("http://127.0.0.1:").split("/")[0])
            assert request(port, "POST", "/w/add-checkpoint", log.request(0, 3))[0] == 200
        finally:
            process.send_signal(signal.SIGINT)
            returncode = process.wait(timeout=10)
    assert returncode == 0
    assert new_witness(state).recorded(ORIGIN) == (3, log.tree.root(3))


# ---------------------------------------------------------------- the log side (Django)


class RecordingWitness(Witness):
    """A real witness that also keeps the parsed requests it received, to check what the log sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests: list[AddCheckpoint] = []

    def add_checkpoint(self, body: bytes) -> WitnessResponse:
        self.requests.append(parse_add_checkpoint(body))
        return super().add_checkpoint(body)


def _record(number: int) -> Entry:
    return services.record(kind="evidence", payload={"title": f"doc {number}", "sha256": f"{number:064x}"}, actor=None)


@pytest.fixture
def log_witness(tmp_path: Path) -> RecordingWitness:
    log_vkey = log_signer().vkey
    return RecordingWitness(WITNESS_SIGNER, {parse_vkey(log_vkey).name: [parse_vkey(log_vkey)]}, tmp_path / "w.json")


@pytest.mark.django_db
def test_the_log_collects_cosignatures_and_receipts_carry_them(settings: Any, log_witness: RecordingWitness) -> None:
    with run_server(log_witness, prefix="/witness/") as port:
        settings.LEDGER_WITNESSES = [f"http://127.0.0.1:{port}/witness/|{WITNESS_SIGNER.vkey}"]
        entries = [_record(number) for number in range(3)]
        first = services.integrate_pending().checkpoint
        assert first is not None
        (row,) = collect_cosignatures(first)
        assert (row.checkpoint_id, row.witness, row.timestamp) == (first.pk, WITNESS_NAME, row.timestamp)
        assert collect_cosignatures(first) == [row]  # already cosigned: nothing is asked again
        entries += [_record(number) for number in range(3, 8)]
        second = services.integrate_pending().checkpoint
        assert second is not None
        assert [r.checkpoint_id for r in collect_cosignatures(second)] == [second.pk]
    sent = [(r.old_size, len(r.proof), r.checkpoint_note) for r in log_witness.requests]
    assert sent == [(0, 0, first.note), (3, len(selectors.consistency_proof(3, 8)), second.note)]
    assert len(selectors.consistency_proof(3, 8)) > 0
    assert log_witness.recorded(first.note.split("\n")[0]) == (8, bytes(second.root))
    log = parse_vkey(log_signer().vkey)
    for entry in entries:
        receipt = selectors.receipt_text(Entry.objects.select_related("leaf").get(pk=entry.pk))
        check = verify_receipt(receipt, log, witnesses=[WITNESS_VERIFIER], min_witnesses=1)
        assert (check.checkpoint.size, check.witnesses) == (8, [WITNESS_NAME])


@pytest.mark.django_db
def test_the_log_retries_once_from_the_size_the_witness_reports(settings: Any, log_witness: RecordingWitness) -> None:
    with run_server(log_witness) as port:
        settings.LEDGER_WITNESSES = [f"http://127.0.0.1:{port}|{WITNESS_SIGNER.vkey}"]
        _record(1)
        first = services.integrate_pending().checkpoint
        assert first is not None
        # A monitor hands our first checkpoint to the witness itself: we hold no cosignature row for it.
        assert log_witness.add_checkpoint(format_add_checkpoint(0, [], first.note)).status == 200
        _record(2)
        batch = services.integrate_pending()
        cosign_after_batch(batch)
    assert [(r.old_size, len(r.proof)) for r in log_witness.requests] == [(0, 0), (0, 0), (1, 1)]
    assert list(Cosignature.objects.values_list("checkpoint__size", "witness")) == [(2, WITNESS_NAME)]


class GarbageHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"hello\n" if self.path.startswith("/hello") else b"\xff\xfe"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.django_db
def test_failing_witnesses_are_skipped(settings: Any, tmp_path: Path, log_witness: RecordingWitness) -> None:
    garbage = ThreadingHTTPServer(("127.0.0.1", 0), GarbageHandler)
    thread = threading.Thread(target=garbage.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        down = probe.getsockname()[1]
    stranger, impostor = witness_key("stranger.example/w"), witness_key(WITNESS_NAME)
    impostor_witness = Witness(impostor, log_witness.logs, tmp_path / "impostor.json")
    try:
        with run_server(log_witness) as good, run_server(impostor_witness) as wrong_key:
            settings.LEDGER_WITNESSES = [
                f"http://127.0.0.1:{garbage.server_address[1]}/hello|{stranger.vkey}",
                f"http://127.0.0.1:{garbage.server_address[1]}/binary|{stranger.vkey}",
                f"http://127.0.0.1:{down}|{stranger.vkey}",
                f"http://127.0.0.1:{wrong_key}|{WITNESS_SIGNER.vkey}",  # answers with another key under our name
                f"http://127.0.0.1:{good}|{LOG_SIGNER.vkey}",  # not a cosignature key
                "no separator",
                f"ftp://127.0.0.1:{good}|{WITNESS_SIGNER.vkey}",
                f"http://127.0.0.1:{good}|{WITNESS_SIGNER.vkey}",
            ]
            _record(1)
            batch = services.integrate_pending()
            assert batch.checkpoint is not None
            rows = collect_cosignatures(batch.checkpoint)
            cosign_after_batch(services.integrate_pending())  # nothing new: no checkpoint, nothing asked
    finally:
        garbage.shutdown()
        garbage.server_close()
        thread.join()
    assert [(r.checkpoint_id, r.witness) for r in rows] == [(batch.checkpoint.pk, WITNESS_NAME)]
    opened = open_note(selectors.checkpoint_text(CheckpointRow.objects.get(pk=batch.checkpoint.pk)), [WITNESS_VERIFIER])
    assert [s.name for s in opened.verified] == [WITNESS_NAME]
    assert len(log_witness.requests) == 1
