"""The benchmark stays importable and its arithmetic stays right. No timings are asserted here."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from benchmarks import report, run


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 100 … 1, unsorted on purpose
    assert [run.percentile(values, q) for q in (1, 50, 95, 99, 100)] == [1.0, 50.0, 95.0, 99.0, 100.0]
    assert run.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert run.percentile([7.0], 95) == 7.0


def test_percentile_refuses_nothing_and_nonsense() -> None:
    with pytest.raises(ValueError, match="no values"):
        run.percentile([], 95)
    with pytest.raises(ValueError, match="percentile"):
        run.percentile([1.0], 0)


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/ok" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # quiet: no access log in test output
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_load_generator_counts_answers_and_errors(server: ThreadingHTTPServer) -> None:
    port = server.server_address[1]
    good = run.run_load("127.0.0.1", port, "/ok", connections=2, duration=0.3, warmup=0.05)
    bad = run.run_load("127.0.0.1", port, "/missing", connections=1, duration=0.2, warmup=0.0)
    assert (good.errors, good.ok > 0, set(good.statuses), good.p95_ms is not None) == (0, True, {200}, True)
    assert (bad.ok, bad.errors > 0, set(bad.statuses), bad.p95_ms) == (0, True, {404}, None)


def test_report_checks_the_targets() -> None:
    targets = [
        {"key": "bare", "label": "Bare", "path": "/bare", "checks": [], "rps": 1000.0, "errors": 0},
        {
            "key": "orgs",
            "label": "Orgs",
            "path": "/o",
            "checks": ["p95", "throughput"],
            "rps": 500.0,
            "p95": 20.0,
            "errors": 0,
        },
        {"key": "home", "label": "Home", "path": "/", "checks": ["throughput"], "rps": 300.0, "errors": 0},
    ]
    assert [ok for ok, _ in report.verdicts({"targets": targets})] == [True, True, False]
