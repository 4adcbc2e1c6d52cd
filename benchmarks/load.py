"""A closed-loop HTTP load generator in pure Python: N connections, each sending its next request when the last returns.

It needs nothing beyond the standard library, so ``make bench`` runs on any machine; when ``wrk``
is installed :mod:`benchmarks.wrk` is used instead, because a generator in C takes far less of the
CPU it shares with the server. To stay cheap this one speaks just enough HTTP/1.1: each request
asks for ``Connection: close`` (gunicorn's sync workers close every connection anyway) and the
response is read to the end of the stream. Every latency of the measured window is kept and
reported as nearest-rank percentiles.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q ≤ 100): the smallest value with q% of values at or below it."""
    if not values:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {q}")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True)
class LoadResult:
    """What one target returned during the measured window; latencies in milliseconds, of 200 responses only."""

    generator: str
    path: str
    connections: int
    duration: float
    ok: int
    errors: int
    statuses: dict[int, int]
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    client_cpu_ms: float  # CPU the generator spent per request, which a shared machine takes from the server

    @property
    def requests_per_second(self) -> float:
        return self.ok / self.duration


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    sent: int = 0


@dataclass(frozen=True)
class _Plan:
    address: tuple[str, int]
    request: bytes
    measure_from: float  # perf_counter() at the end of the warm-up
    until: float


def _request_bytes(host: str, port: int, path: str, headers: Mapping[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() not in {"host", "connection"}]
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _exchange(plan: _Plan) -> int:
    """Send one request on a new connection and read the whole response; its status, or 0 if it failed."""
    try:
        with socket.create_connection(plan.address, timeout=30) as connection:
            connection.sendall(plan.request)
            head = b""
            while b"\r\n" not in head and (data := connection.recv(65536)):
                head += data
            while connection.recv(65536):
                pass
    except OSError:
        return 0
    parts = head.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return 0
    return int(parts[1])


def _connection_loop(plan: _Plan, tally: _Tally) -> None:
    """Send requests back to back until ``plan.until``; keep those sent and answered inside the measured window."""
    while (sent := time.perf_counter()) < plan.until:
        status = _exchange(plan)
        answered = time.perf_counter()
        tally.sent += 1
        if sent < plan.measure_from or answered > plan.until:
            continue
        tally.statuses[status] += 1
        if status == 200:
            tally.latencies.append(answered - sent)


def run_load(
    host: str,
    port: int,
    path: str,
    *,
    connections: int = 8,
    duration: float = 10.0,
    warmup: float = 2.0,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """Load ``path`` from ``connections`` threads for ``warmup`` + ``duration`` seconds; measure the last ``duration``.

    Every response other than 200, and every failed connection (status 0), counts as an error.
    """
    cpu_before = time.process_time()
    start = time.perf_counter()
    plan = _Plan(
        (host, port), _request_bytes(host, port, path, headers or {}), start + warmup, start + warmup + duration
    )
    tallies = [_Tally() for _ in range(connections)]
    threads = [
        threading.Thread(target=_connection_loop, args=(plan, tally), name=f"load-{index}", daemon=True)
        for index, tally in enumerate(tallies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_before
    latencies = [latency * 1000 for tally in tallies for latency in tally.latencies]
    statuses: Counter[int] = Counter()
    for tally in tallies:
        statuses.update(tally.statuses)
    sent = sum(tally.sent for tally in tallies)
    return LoadResult(
        generator="python",
        path=path,
        connections=connections,
        duration=duration,
        ok=len(latencies),
        errors=sum(n for status, n in statuses.items() if status != 200),
        statuses=dict(statuses),
        p50_ms=percentile(latencies, 50) if latencies else None,
        p95_ms=percentile(latencies, 95) if latencies else None,
        p99_ms=percentile(latencies, 99) if latencies else None,
        client_cpu_ms=cpu / sent * 1000 if sent else 0.0,
    )
