"""The ``kechuang`` console command: parsing, the gunicorn command line, the pass-throughs, and a real demo run."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from kechuang.accounts.models import AccessToken, Organization, User
from kechuang.cli import (
    build_parser,
    default_workers,
    demo_banner,
    display_width,
    format_table,
    gunicorn_argv,
    main,
    worker_argv,
)
from tests.factories.accounts import UserFactory

EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - only parsed and printed, never bound
COMMANDS = [
    "demo",
    "serve",
    "worker",
    "seed-demo",
    "accounts",
    "ledger",
    "search",
    "notifications",
    "review",
    "openapi",
    "manage",
]


def test_help_lists_every_command_with_a_line_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    listing = capsys.readouterr().out.split("positional arguments:")[1].split("options:")[0]
    names = re.findall(r"^    (\S+)", listing, flags=re.MULTILINE)
    assert names == COMMANDS
    helped = re.findall(r"^    (\S+)\s*\n?\s+\S", listing, flags=re.MULTILINE)
    assert helped == COMMANDS


def test_no_command_prints_the_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: kechuang" in capsys.readouterr().out


def test_accounts_help_lists_its_actions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["accounts", "--help"])
    out = capsys.readouterr().out
    assert ("token" in out, "make-operator" in out) == (True, True)


def test_arguments_are_parsed_with_defaults_and_checked() -> None:
    parser = build_parser()
    serve = parser.parse_args(["serve"])
    assert (serve.host, serve.port, serve.workers) == ("127.0.0.1", 8000, None)
    demo = parser.parse_args(["demo", "--port", "9001", "--host", EVERY_INTERFACE])
    assert (demo.host, demo.port) == (EVERY_INTERFACE, 9001)
    token = parser.parse_args(["accounts", "token", "alice", "--name", "ci"])
    assert (token.accounts_command, token.username, token.name) == ("token", "alice", "ci")
    assert parser.parse_args(["accounts", "token", "alice"]).name == "command line"
    for bad in (["serve", "--port", "70000"], ["serve", "--workers", "0"], ["accounts"], ["nonsense"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)


def test_serve_runs_gunicorn_on_the_wsgi_application() -> None:
    assert gunicorn_argv(host=EVERY_INTERFACE, port=9000, workers=3) == [
        sys.executable, "-m", "gunicorn", "kechuang.wsgi:application",
        "--bind", "0.0.0.0:9000", "--workers", "3",
        "--access-logfile", "-", "--error-logfile", "-", "--no-control-socket",
    ]  # fmt: skip
    assert gunicorn_argv(host="::1", port=8000, workers=1)[5] == "[::1]:8000"
    assert gunicorn_argv()[5:8] == ["127.0.0.1:8000", "--workers", str(default_workers())]
    assert worker_argv() == [sys.executable, "-m", "kechuang.cli", "worker"]


def test_default_workers_are_two_per_core_plus_one_at_most_eight() -> None:
    assert [default_workers(n) for n in (1, 2, 3, 4, 16)] == [3, 5, 7, 8, 8]


def test_tables_line_up_chinese_text() -> None:
    assert (display_width("中文"), display_width("ab")) == (4, 2)
    assert format_table([["a", "x"], ["中文", "y"]]) == "  a     x\n  中文  y"


def test_worker_passes_its_options_to_db_worker(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["worker", "--help"])
    out = capsys.readouterr().out
    assert (stopped.value.code, "usage: kechuang worker" in out, "--batch" in out) == (0, True, True)


def test_manage_passes_through_to_django(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manage", "check"]) == 0
    assert "System check identified no issues" in capsys.readouterr().out


def test_openapi_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert ("/api/v1/me" in schema["paths"], schema["info"]["title"]) == (True, "kechuang API")


@pytest.mark.django_db
def test_accounts_commands_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    UserFactory(username="alice")
    assert main(["accounts", "token", "alice", "--name", "ci"]) == 0
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("kc_")
    assert list(AccessToken.objects.values_list("name", flat=True)) == ["ci"]
    assert main(["accounts", "make-operator", "alice"]) == 0
    assert User.objects.get(username="alice").has_perm("accounts.view_audit")
    with translation.override("en"):
        assert main(["accounts", "token", "nobody"]) == 1
    assert capsys.readouterr().err == "kechuang: error: There is no user called nobody.\n"


@pytest.mark.django_db
def test_seed_demo_migrates_then_seeds_and_can_run_again(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed-demo"]) == 0
    count = Organization.objects.count()
    assert main(["seed-demo"]) == 0
    assert (count >= 26, Organization.objects.count()) == (True, count)
    assert "No migrations to apply" in capsys.readouterr().out


def test_the_banner_shows_the_url_and_every_login_with_its_password() -> None:
    with translation.override("en"):
        banner = demo_banner(host=EVERY_INTERFACE, port=8123)
    assert "http://127.0.0.1:8123/" in banner
    rows = [line.split() for line in banner.splitlines() if line.startswith("  ")]
    assert [row[:2] for row in rows[1:]] == [
        [name, "kechuang-demo"]
        for name in ("operator", "enterprise", "tto", "tto.head", "researcher", "reviewer", "facility", "investor")
    ]


def test_the_banner_says_where_the_demo_writes_its_emails(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = "/srv/demo/mail"
    with translation.override("en"):
        banner = demo_banner(host=EVERY_INTERFACE, port=8123)
    assert "E-mails (password resets, notifications) are written to /srv/demo/mail." in banner


# ---------------------------------------------------------------- a real `kechuang demo`


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def run_demo_until_serving(var_dir: Path, port: int) -> tuple[subprocess.Popen[str], queue.Queue[str], list[str]]:
    env = {**os.environ, "KECHUANG_VAR_DIR": str(var_dir), "KECHUANG_DATABASE_URL": "", "PYTHONUNBUFFERED": "1"}
    env.pop("KECHUANG_DEMO_PASSWORD", None)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", "kechuang.cli", "demo", "--port", str(port), "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or []], daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 180
    while not any(line.lstrip().startswith("investor") for line in seen):
        assert (time.monotonic() < deadline, process.poll()) == (True, None), "".join(seen)
        try:
            seen.append(lines.get(timeout=1))
        except queue.Empty:
            continue
    return process, lines, seen


def stop_demo(process: subprocess.Popen[str], signum: int) -> int:
    children = children_of(process.pid)
    assert len(children) == 2  # the task worker and the gunicorn master
    process.send_signal(signum)
    try:
        status = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []
    return status


def test_demo_seeds_serves_and_stops_its_children_on_ctrl_c_and_sigterm(tmp_path: Path) -> None:
    port = free_port()
    for signum in (signal.SIGINT, signal.SIGTERM):
        process, _lines, seen = run_demo_until_serving(tmp_path / "var", port)
        try:
            assert any(f"http://127.0.0.1:{port}/" in line for line in seen)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/organizations", timeout=10) as response:
                assert (response.status, json.load(response)["count"] >= 25) == (200, True)
        finally:
            status = stop_demo(process, signum)
        assert status == 0


def test_demo_refuses_a_port_in_use_before_doing_anything(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--port", str(port)]) == 1
    error = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is already in use" in error


@pytest.mark.django_db
def test_search_reindex_rebuilds_the_index(
    capsys: pytest.CaptureFixture[str], settings: object, tmp_path: object
) -> None:
    from kechuang.search.selectors import close_indexes

    close_indexes()
    settings.SEARCH_INDEX_DIR = tmp_path
    try:
        assert main(["search", "reindex", "organization"]) == 0
    finally:
        close_indexes()
    assert capsys.readouterr().out.startswith("indexed 0 organization in ")
