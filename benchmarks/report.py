"""The benchmark's report: the machine it ran on, a table per database, the verdict on each target.

Figures arrive as plain dictionaries (the JSON each database's run writes), so this module needs
neither Django nor a server and renders the same Markdown that goes into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

START_MARKER = "<!-- bench:start -->"
END_MARKER = "<!-- bench:end -->"

# The acceptance targets: organisation lists answer within 50 ms at the 95th percentile, and every
# page keeps at least 40% of the throughput of a bare Django view served the same way. Both are
# checked on the anonymous rows; the signed-in rows are held to the 50 ms and shown against the 40%.
P95_LIMIT_MS = 50.0
THROUGHPUT_FLOOR = 0.40
GENERATORS = {"wrk": "wrk", "python": "the Python load generator (`benchmarks/load.py`)"}


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else platform.machine()


def _ram_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    found = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 / 1024 if found else None


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
    except OSError:
        return ""
    return out.stdout.strip()


def machine(root: Path) -> dict[str, Any]:
    """What the figures depend on besides the code: hardware and versions."""
    ram = _ram_gib()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(root),
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "ram": f"{ram:.1f} GiB" if ram else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": version("django"),
        "gunicorn": version("gunicorn"),
        "sqlite": sqlite3.sqlite_version,
        # Other work on the machine takes CPU from the server; a busy machine gives low figures.
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def findings(run: dict[str, Any]) -> list[tuple[str, str]]:
    """("PASS" | "FAIL" | "info", sentence) for each check of each target of one database's run, in table order.

    A target's ``checks`` are the acceptance targets and pass or fail; its ``info`` are the same
    measures reported beside them (the signed-in rows, which the page cache does not serve).
    """
    targets = run["targets"]
    bare = next((t for t in targets if t["key"] == "bare"), None)
    bare_rps = bare["rps"] if bare and bare.get("rps") else None
    lines: list[tuple[str, str]] = []
    for target in targets:
        checks, info = target["checks"], target.get("info", [])
        if not checks and not info:
            continue
        failing = "FAIL" if checks else "info"
        label = f"{target['label']} (`{target['path']}`)"
        if target.get("rps") is None:
            lines.append((failing, f"{label}: not measured, {target.get('failure') or 'it did not answer 200'}"))
            continue
        if target["errors"]:
            lines.append((failing, f"{label}: {target['errors']} responses other than 200"))
        for measure in ("p95", "throughput"):
            if measure not in checks and measure not in info:
                continue
            if measure == "p95":
                ok = target["p95"] <= P95_LIMIT_MS
                sentence = f"{label}: p95 {target['p95']:.1f} ms {'≤' if ok else '>'} {P95_LIMIT_MS:.0f} ms"
            elif bare_rps:
                ratio = target["rps"] / bare_rps
                ok = ratio >= THROUGHPUT_FLOOR
                sentence = (
                    f"{label}: {ratio:.0%} of the bare view's throughput {'≥' if ok else '<'} {THROUGHPUT_FLOOR:.0%}"
                )
            else:
                continue
            lines.append(("info" if measure not in checks else "PASS" if ok else "FAIL", sentence))
    return lines


def verdicts(run: dict[str, Any]) -> list[tuple[bool, str]]:
    """(passed, sentence) for each acceptance check of one database's run; the ``info`` lines are left out."""
    return [(status == "PASS", sentence) for status, sentence in findings(run) if status != "info"]


def _row(target: dict[str, Any], bare_rps: float | None) -> str:
    view = f"{target['view_ms']:.2f}" if target.get("view_ms") is not None else "–"
    if target.get("rps") is None:
        return (
            f"| {target['label']} | `{target['path']}` | – | – | – | – | – | – | {target.get('queries', '–')} "
            f"| {view} | {target.get('failure') or 'not measured'} | |"
        )
    ratio = f"{target['rps'] / bare_rps:.0%}" if bare_rps else "–"
    return (
        f"| {target['label']} | `{target['path']}` | {target['rps']:,.0f} | {target['p50']:.1f} | {target['p95']:.1f} "
        f"| {target['p99']:.1f} | {target['errors']} | {target['kib']:.1f} | {target['queries']} | {view} | {ratio} "
        f"| {' · '.join(f'{r:,.0f}' for r in target.get('rounds', []))} |"
    )


def render_run(run: dict[str, Any]) -> str:
    targets = run["targets"]
    bare = next((t for t in targets if t["key"] == "bare"), None)
    bare_rps = bare["rps"] if bare and bare.get("rps") else None
    lines = [
        f"### {run['title']}",
        "",
        f"{run['database']}; {run['organizations']:,} active organisations, {run['experts']} expert profiles; "
        f"gunicorn, {run['workers']} {run['worker_class']} workers; {run['connections']} concurrent connections "
        f"from {GENERATORS.get(run.get('generator', ''), 'the load generator')}, "
        f"{run['warmup']:g} s warm-up, the best of {run.get('rounds', 1)} rounds of {run['duration']:g} s per target "
        "(req/s of every round in the last column).",
        "",
        "| target | path | req/s | p50 ms | p95 ms | p99 ms | errors | KiB | queries | alone ms | req/s vs bare "
        "| rounds |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *(_row(t, bare_rps) for t in targets),
        "",
    ]
    for status, sentence in findings(run):
        lines.append(f"- *info* {sentence}" if status == "info" else f"- **{status}** {sentence}")
    if bare and bare.get("client_cpu_ms"):
        lines += ["", f"The load generator spent {bare['client_cpu_ms']:.3f} ms of CPU per request of the bare view."]
    return "\n".join(lines)


def render(host: dict[str, Any], runs: list[dict[str, Any]], skipped: list[str]) -> str:
    """The Markdown block written between the markers of ``docs/benchmarks.md``."""
    commit = f", commit `{host['commit']}`" if host.get("commit") else ""
    parts = [
        f"Measured {host['date']}{commit}.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['ram']} RAM; {host['os']}; Python {host['python']}, "
        f"Django {host['django']}, gunicorn {host['gunicorn']}, SQLite {host['sqlite']}"
        + "".join(f", {r['database']}" for r in runs if r["key"] == "postgres")
        + f". Server and load generator share the machine; load average before the run {host['load']}"
        " (1 / 5 / 15 min).",
        "",
    ]
    for run in runs:
        parts += [render_run(run), ""]
    parts += [f"- **not run** {reason}" for reason in skipped]
    return "\n".join(parts).rstrip() + "\n"


def write_block(doc: Path, block: str) -> None:
    """Replace what stands between the markers of ``doc`` with ``block`` (append the markers if missing)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    fenced = f"{START_MARKER}\n{block}{END_MARKER}"
    if START_MARKER in text and END_MARKER in text:
        head, rest = text.split(START_MARKER, 1)
        tail = rest.split(END_MARKER, 1)[1]
        text = head + fenced + tail
    else:
        text = text.rstrip() + ("\n\n" if text else "") + fenced + "\n"
    doc.write_text(text, encoding="utf-8")
