"""Load a target with ``wrk`` when it is installed: the same closed loop as :mod:`benchmarks.load`, in C.

On a small machine the load generator shares the CPU with the server; wrk costs a few
microseconds per request where the Python generator costs a tenth of a millisecond, so the
server keeps more of the machine and the bare view's figure is not held down by the client.
A Lua ``done`` hook prints wrk's own percentiles (wrk's ``--latency`` table has no p95).
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from benchmarks.load import LoadResult

MARK = "KECHUANG-BENCH"
REPORT_SCRIPT = f"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("{MARK} %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.3f %.3f %.3f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _wrk(url: str, *, connections: int, seconds: int, headers: Mapping[str, str], script: Path) -> list[float]:
    threads = max(1, min(connections, os.cpu_count() or 1))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    finished = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    line = next((ln for ln in finished.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {finished.stdout[-500:]} {finished.stderr[-500:]}")
    return [float(part) for part in line.split()[1:]]


def run_wrk(
    host: str,
    port: int,
    path: str,
    *,
    connections: int = 8,
    duration: float = 10.0,
    warmup: float = 2.0,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """Warm up for ``warmup`` seconds, then measure ``duration`` seconds (wrk counts whole seconds)."""
    url = f"http://{host}:{port}{path}"
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "report.lua"
        script.write_text(REPORT_SCRIPT)
        if warmup > 0:
            _wrk(url, connections=connections, seconds=math.ceil(warmup), headers=headers or {}, script=script)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        requests, micros, connect, read, write, status, timeout, p50, p95, p99 = _wrk(
            url, connections=connections, seconds=max(1, round(duration)), headers=headers or {}, script=script
        )
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    failed = int(connect + read + write + timeout)
    errors = int(status) + failed
    ok = int(requests - status)
    return LoadResult(
        generator="wrk",
        path=path,
        connections=connections,
        duration=micros / 1e6,
        ok=ok,
        errors=errors,
        statuses={0: failed} if failed else {},
        p50_ms=p50 / 1000 if ok else None,
        p95_ms=p95 / 1000 if ok else None,
        p99_ms=p99 / 1000 if ok else None,
        client_cpu_ms=cpu / requests * 1000 if requests else 0.0,
    )
