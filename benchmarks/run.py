"""``make bench``: serve kechuang with gunicorn on SQLite and on PostgreSQL and load it from a second process.

For each database a fresh run of this script (``--db sqlite-inner`` / ``--db postgres-inner``, the
latter inside ``scripts/pg-throwaway``) migrates an empty database, writes 10,000 organisations,
collects static files, starts gunicorn as production would, and loads each target with the
generator in :mod:`benchmarks.load`. The outer run gathers the figures, prints them and writes them
into ``docs/benchmarks.md`` between its markers.

    .venv/bin/python benchmarks/run.py [--db all|sqlite|postgres] [--duration 10] [--connections 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package above is not importable yet
    sys.path.insert(0, str(ROOT))

from benchmarks import report, wrk  # noqa: E402
from benchmarks.load import LoadResult, percentile, run_load  # noqa: E402

__all__ = ["TARGETS", "LoadResult", "Target", "main", "percentile", "run_load"]

DOC = ROOT / "docs" / "benchmarks.md"
SETTINGS = "benchmarks.bench_settings"
HOST = "127.0.0.1"
HEADERS = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8", "User-Agent": "kechuang-bench"}


# Who asks. An anonymous visitor is answered from the page cache (core.pagecache); a signed-in
# browser (session and CSRF cookies) and a program with a personal access token bypass it, so their
# rows show what rendering costs.
ANONYMOUS, SESSION, TOKEN = "anonymous", "session", "token"
SIGNED_IN_MARK = b'data-testid="account-link"'  # base.html shows it to signed-in users only
JSON = "application/json"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    path: str
    checks: tuple[str, ...]  # "p95" and/or "throughput", PASS or FAIL, see report.verdicts
    accept: str = "text/html"
    visitor: str = ANONYMOUS
    cached: bool = False  # answered from the page cache: the X-Page-Cache header must say so
    info: tuple[str, ...] = ()  # the same checks, reported for information only


TARGETS: tuple[Target, ...] = (
    Target("bare", "Bare Django view", "/bench/bare", ()),
    Target("layout", "Empty page in the site layout", "/bench/layout", ()),
    Target("home", "Home page (anonymous, cached)", "/", ("throughput",), cached=True),
    Target(
        "orgs",
        "Organisation list, page 1 (anonymous, cached)",
        "/organizations/",
        ("p95", "throughput"),
        cached=True,
    ),
    Target(
        "orgs-deep",
        "Organisation list, page 250 (anonymous, cached)",
        "/organizations/?page=250",
        ("p95", "throughput"),
        cached=True,
    ),
    Target(
        "api-orgs",
        "API organisation list (anonymous, cached)",
        "/api/v1/organizations",
        ("p95", "throughput"),
        JSON,
        cached=True,
    ),
    Target("home-member", "Home page (signed in, rendered)", "/", (), visitor=SESSION, info=("p95", "throughput")),
    Target(
        "orgs-member",
        "Organisation list, page 1 (signed in, rendered)",
        "/organizations/",
        ("p95",),
        visitor=SESSION,
        info=("throughput",),
    ),
    Target(
        "orgs-deep-member",
        "Organisation list, page 250 (signed in, rendered)",
        "/organizations/?page=250",
        ("p95",),
        visitor=SESSION,
        info=("throughput",),
    ),
    Target(
        "api-orgs-token",
        "API organisation list (token, rendered)",
        "/api/v1/organizations",
        ("p95",),
        JSON,
        visitor=TOKEN,
        info=("throughput",),
    ),
)

DATABASES = {
    "sqlite": {"title": "SQLite", "var": "var/bench-sqlite"},
    "postgres": {"title": "PostgreSQL", "var": "var/bench-postgres"},
}


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- one database (inner run)


def _server_env(var_dir: str) -> dict[str, str]:
    """The environment gunicorn and the set-up share: production settings, no debug, a throwaway secret."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        KECHUANG_VAR_DIR=var_dir,
        KECHUANG_DEBUG="false",
        KECHUANG_SECRET_KEY=secrets.token_urlsafe(50),
        KECHUANG_ALLOWED_HOSTS=HOST,
        KECHUANG_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    return env


@dataclass(frozen=True)
class Probe:
    """One target fetched in-process through Django's test client, before any load."""

    queries: int | None = None
    view_ms: float | None = None  # median time of one request on its own: the service time
    failure: str = ""


def _setup_database(args: argparse.Namespace) -> str:
    """Migrate, seed and collect static files in this process; return the database's name and version."""
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.seed import seed

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    seed(organizations=args.organizations, experts=args.experts)
    say(f"seeded {args.organizations:,} organisations in {time.perf_counter() - started:.1f} s")
    call_command("collectstatic", verbosity=0, interactive=False)
    if connection.vendor != "postgresql":
        return f"SQLite {sqlite3.sqlite_version} (WAL)"
    with connection.cursor() as cursor:
        # Autovacuum would do this within a minute of a bulk load; do it now so the planner has
        # statistics and COUNT(*) can use the visibility map, as on a server in steady state.
        # SQLite gathers no statistics by itself, so it is measured without them (see the docs).
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def _credentials() -> dict[str, dict[str, str]]:
    """The headers each kind of visitor adds: nothing, a signed-in browser's cookies, a personal access token."""
    from django.test import Client

    from benchmarks.seed import seed_member
    from kechuang.accounts.services import create_access_token

    member = seed_member()
    browser = Client(HTTP_HOST=HOST)
    # Named, because the first backend in AUTHENTICATION_BACKENDS (rules') cannot load a user.
    browser.force_login(member, backend="kechuang.accounts.backends.UsernameOrEmailBackend")
    browser.get("/")  # the sign-out form sets the CSRF cookie, which a browser then sends with every request
    cookies = "; ".join(f"{morsel.key}={morsel.value}" for morsel in browser.cookies.values() if morsel.value)
    _, token = create_access_token(actor=member, name="benchmark")
    return {ANONYMOUS: {}, SESSION: {"Cookie": cookies}, TOKEN: {"Authorization": f"Bearer {token}"}}


def _headers(target: Target, credentials: dict[str, dict[str, str]]) -> dict[str, str]:
    return {**HEADERS, "Accept": target.accept, **credentials[target.visitor]}


def _mismatch(target: Target, body: bytes, page_cache: str | None) -> str:
    """Why a response is not what the target's label says it is (signed in or not, cached or not), or ``""``."""
    if target.accept == "text/html" and (SIGNED_IN_MARK in body) != (target.visitor == SESSION):
        return "not signed in: the page shows no account link" if target.visitor == SESSION else "signed in"
    if target.cached and page_cache not in ("hit", "miss"):
        return "not served through the page cache (no X-Page-Cache header)"
    if not target.cached and page_cache is not None:
        return f"served from the page cache (X-Page-Cache: {page_cache})"
    return ""


def _probe(target: Target, credentials: dict[str, dict[str, str]], repeat: int = 30) -> Probe:
    """Count the queries of one request and time ``repeat`` requests one after another."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # Headers given to the client override its own cookie jar: every request carries the same cookies.
    client = Client(HTTP_HOST=HOST, headers=_headers(target, credentials))
    try:
        client.get(target.path)  # the first request fills caches; count the second
        with CaptureQueriesContext(connection) as captured:
            response = client.get(target.path)
        # Read the count now: the next request clears the connection's query log.
        queries = len(captured.captured_queries)
        if response.status_code != 200:
            return Probe(failure=f"HTTP {response.status_code}")
        if mismatch := _mismatch(target, response.content, response.headers.get("X-Page-Cache")):
            return Probe(failure=mismatch)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(target.path)
            times.append((time.perf_counter() - started) * 1000)
    except Exception as error:  # report why a page fails instead of stopping the benchmark
        return Probe(failure=f"{type(error).__name__}: {error}"[:200])
    return Probe(queries=queries, view_ms=percentile(times, 50))


def _prepare(args: argparse.Namespace) -> tuple[str, dict[str, dict[str, str]], dict[str, Probe]]:
    import django

    django.setup()
    from django.db import connections

    database = _setup_database(args)
    credentials = _credentials()
    probes = {target.key: _probe(target, credentials) for target in TARGETS}
    connections.close_all()
    return database, credentials, probes


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, str | None]:
    """One request through http.client, independent of the load generators: status, body, X-Page-Cache."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {**HEADERS, "Accept": "text/html"})
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("X-Page-Cache")
    finally:
        connection.close()


def _start_gunicorn(args: argparse.Namespace, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start gunicorn with the command line ``kechuang serve`` uses, access log included, written to ``log``."""
    from kechuang.cli import gunicorn_argv

    port = _free_port()
    command = [*gunicorn_argv(host=HOST, port=port, workers=args.workers), "--worker-class", args.worker_class]
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            if _get(port, "/bench/bare")[0] == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")


def _generator(choice: str) -> tuple[str, Callable[..., LoadResult]]:
    if choice == "wrk" or (choice == "auto" and wrk.available()):
        return "wrk", wrk.run_wrk
    return "python", run_load


def _measure(
    args: argparse.Namespace, port: int, credentials: dict[str, dict[str, str]], probes: dict[str, Probe]
) -> list[dict[str, Any]]:
    """Load every target that answers 200, in ``args.rounds`` interleaved rounds; keep each target's best round.

    Other work on the machine can only slow a round down, so the fastest round is the one least
    disturbed; interleaving spreads a burst of such work over several targets' rounds, not one's.
    """
    _, generate = _generator(args.load)
    rows: list[dict[str, Any]] = []
    loadable: list[tuple[Target, dict[str, Any]]] = []
    for target in TARGETS:
        probe = probes[target.key]
        row: dict[str, Any] = {
            "key": target.key,
            "label": target.label,
            "path": target.path,
            "checks": list(target.checks),
            "info": list(target.info),
            "visitor": target.visitor,
            "queries": "–" if probe.queries is None else probe.queries,
            "view_ms": probe.view_ms,
        }
        rows.append(row)
        status, body, page_cache = _get(port, target.path, _headers(target, credentials))
        failure = probe.failure or (f"HTTP {status}" if status != 200 else _mismatch(target, body, page_cache))
        if failure:
            row["failure"] = failure
            say(f"{target.label}: skipped, {failure}")
            continue
        row["kib"] = len(body) / 1024
        loadable.append((target, row))
    results: dict[str, list[LoadResult]] = {target.key: [] for target, _ in loadable}
    for number in range(args.rounds):
        for target, _ in loadable:
            result = generate(
                HOST,
                port,
                target.path,
                connections=args.connections,
                duration=args.duration,
                # Workers stay warm between rounds; later rounds only refill the connections.
                warmup=args.warmup if number == 0 else min(args.warmup, 1.0),
                headers=_headers(target, credentials),
            )
            results[target.key].append(result)
            say(f"round {number + 1}, {target.label}: {result.requests_per_second:,.0f} req/s, p95 {result.p95_ms} ms")
    for target, row in loadable:
        rounds = results[target.key]
        best = max(rounds, key=lambda r: r.requests_per_second)
        row.update(
            rps=best.requests_per_second,
            rounds=[r.requests_per_second for r in rounds],
            errors=sum(r.errors for r in rounds),
            requests=best.ok,
            client_cpu_ms=best.client_cpu_ms,
            p50=best.p50_ms,
            p95=best.p95_ms,
            p99=best.p99_ms,
        )
        if not best.ok:
            row["rps"] = None
            row["failure"] = f"no response was 200 ({best.statuses})"
    return rows


def run_inner(args: argparse.Namespace) -> None:
    key = args.db.removesuffix("-inner")
    var_dir = os.environ.get("KECHUANG_VAR_DIR") or DATABASES[key]["var"]
    env = _server_env(var_dir)
    os.environ.update(env)
    database, credentials, probes = _prepare(args)
    log = Path(var_dir if Path(var_dir).is_absolute() else ROOT / var_dir) / "gunicorn.log"
    server, port = _start_gunicorn(args, env, log)
    say(f"{database}: gunicorn on {HOST}:{port}, {args.workers} {args.worker_class} workers")
    try:
        targets = _measure(args, port, credentials, probes)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    result = {
        "key": key,
        "title": DATABASES[key]["title"],
        "database": database,
        "organizations": args.organizations,
        "experts": args.experts,
        "workers": args.workers,
        "worker_class": args.worker_class,
        "connections": args.connections,
        "generator": _generator(args.load)[0],
        "warmup": args.warmup,
        "duration": args.duration,
        "rounds": args.rounds,
        "targets": targets,
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


# ---------------------------------------------------------------- all databases (outer run)


def _passthrough(args: argparse.Namespace) -> list[str]:
    return [
        "--duration",
        str(args.duration),
        "--rounds",
        str(args.rounds),
        "--warmup",
        str(args.warmup),
        "--connections",
        str(args.connections),
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--load",
        args.load,
        "--organizations",
        str(args.organizations),
        "--experts",
        str(args.experts),
    ]


def _run_database(key: str, args: argparse.Namespace) -> dict[str, Any]:
    var_dir = ROOT / DATABASES[key]["var"]
    shutil.rmtree(var_dir, ignore_errors=True)  # a fresh database and static root every time
    var_dir.mkdir(parents=True)
    out = var_dir / "result.json"
    inner = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--db",
        f"{key}-inner",
        "--out",
        str(out),
        *_passthrough(args),
    ]
    env = dict(os.environ, KECHUANG_VAR_DIR=str(var_dir))
    if key == "sqlite":
        env["KECHUANG_DATABASE_URL"] = ""
        command = inner
    else:
        command = [str(ROOT / "scripts" / "pg-throwaway"), *inner]
    say(f"{DATABASES[key]['title']}: starting")
    finished = subprocess.run(command, env=env, cwd=ROOT, check=False)
    if finished.returncode != 0 or not out.exists():
        raise RuntimeError(f"the {DATABASES[key]['title']} run failed with exit status {finished.returncode}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def run_outer(args: argparse.Namespace) -> int:
    host = report.machine(ROOT)  # before the runs, so the load average is the machine's, not ours
    keys = ["sqlite", "postgres"] if args.db == "all" else [args.db]
    runs, skipped = [], []
    for key in keys:
        try:
            runs.append(_run_database(key, args))
        except RuntimeError as error:
            say(str(error))
            skipped.append(f"{DATABASES[key]['title']}: {error}")
    block = report.render(host, runs, skipped)
    print(block)
    if args.write and runs:
        report.write_block(DOC, block)
        say(f"wrote {DOC.relative_to(ROOT)}")
    failed = [sentence for run in runs for ok, sentence in report.verdicts(run) if not ok]
    if args.strict and (failed or skipped):
        return 1
    return 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="all", choices=["all", "sqlite", "postgres", "sqlite-inner", "postgres-inner"])
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per round (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per target, the best is kept (default 3)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each target (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default sync, as in production)")
    parser.add_argument(
        "--load", default="auto", choices=["auto", "wrk", "python"], help="load generator (default: wrk if installed)"
    )
    parser.add_argument("--organizations", type=int, default=10_000, help="organisations to create (default 10,000)")
    parser.add_argument("--experts", type=int, default=50, help="expert profiles to create (default 50)")
    parser.add_argument("--no-write", dest="write", action="store_false", help=f"do not update {DOC.name}")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target misses")
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.db.endswith("-inner"):
        run_inner(args)
        return 0
    return run_outer(args)


if __name__ == "__main__":
    sys.exit(main())
