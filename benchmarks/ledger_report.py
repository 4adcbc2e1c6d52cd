"""The ledger benchmark's report: the machine, a table per database, pymerkle beside ours, PASS/FAIL per target.

Figures arrive as the plain dictionaries :mod:`benchmarks.ledger` writes, so this module needs
neither Django nor a database and renders the Markdown that goes between the ledger markers of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.load import percentile
from benchmarks.report import _cpu_model, _ram_gib

START_MARKER = "<!-- ledger-bench:start -->"
END_MARKER = "<!-- ledger-bench:end -->"

# The targets of docs/adr and the research notes (ledger.md, "What our ledger should do", items 7–8).
APPENDS_PER_S = 5_000
RECEIPT_P50_MS = 250.0
RECEIPT_P99_MS = 1_000.0
PROOFS_PER_S = 20_000
CHECKPOINTS_PER_S = 1.0
HELD_RATE = 0.95  # the producer must keep this share of the offered rate, or its latencies prove nothing


def _git(root: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError:
        return ""
    return out.stdout.strip()


def fsync_ms(directory: Path, count: int = 100) -> dict[str, float]:
    """p50 and p99 of writing 4 KiB and ``os.fsync`` in ``directory``: the least a durable commit waits here."""
    directory.mkdir(parents=True, exist_ok=True)
    times = []
    with tempfile.NamedTemporaryFile(dir=directory) as handle:
        for _ in range(count):
            started = time.perf_counter()
            handle.write(b"x" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
            times.append(1000 * (time.perf_counter() - started))
    return {"p50": percentile(times, 50), "p99": percentile(times, 99)}


def machine(root: Path) -> dict[str, Any]:
    """Hardware, versions and the commit the figures belong to (and whether the tree had local changes)."""
    ram = _ram_gib()
    return {
        "fsync": fsync_ms(root / "var"),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git(root, "rev-parse", "--short", "HEAD"),
        "dirty": bool(_git(root, "status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks"))
        or bool(_git(root, "ls-files", "--others", "--exclude-standard", "--", "src", "benchmarks")),
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "ram": f"{ram:.1f} GiB" if ram else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": version("django"),
        "sqlite": sqlite3.sqlite_version,
        "pymerkle": version("pymerkle"),
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _power(value: int) -> str:
    """10,000,000 → 10⁷; anything not a power of ten with its thousands separators."""
    text = str(value)
    if text.startswith("1") and set(text[1:]) == {"0"}:
        return "10" + "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(d)] for d in str(len(text) - 1))
    return _n(value)


def setup(latency: dict[str, Any]) -> str:
    """How a latency run was laid out, in a few words."""
    if latency["sequencer"] == "thread":
        return "one process: sequencer, producer and poller threads"
    return f"sequencer process, {latency['pollers']} poller processes"


def checks(run: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, "PASS" | "FAIL", sentence) for each target one database's run is held to, in table order."""
    lines: list[tuple[str, str, str]] = []

    def check(key: str, ok: bool, sentence: str) -> None:
        lines.append((key, "PASS" if ok else "FAIL", sentence))

    rate = run["appends"]["end_to_end_per_s"]
    ok = rate >= APPENDS_PER_S
    check("appends", ok, f"batched appends end to end: {_n(rate)}/s {'≥' if ok else '<'} {_n(APPENDS_PER_S)}/s")
    for latency in run["latency"]:
        where, label = latency["sequencer"], setup(latency)
        achieved = latency["achieved_per_s"]
        check(
            f"held {where}",
            achieved >= HELD_RATE * latency["rate"],
            f"steady load held ({label}): {_n(achieved)} of {_n(latency['rate'])} appends/s offered",
        )
        if latency["failures"]:
            check(f"failures {where}", False, f"latency run ({label}): " + "; ".join(latency["failures"]))
        if "receipt" in latency:
            p50, p99 = latency["receipt"]["p50"], latency["receipt"]["p99"]
            ok = p50 <= RECEIPT_P50_MS
            check(
                f"p50 {where}",
                ok,
                f"commit → receipt p50 ({label}): {p50:,.0f} ms {'≤' if ok else '>'} 250 ms",
            )
            ok = p99 <= RECEIPT_P99_MS
            check(f"p99 {where}", ok, f"commit → receipt p99 ({label}): {p99:,.0f} ms {'≤' if ok else '>'} 1 s")
        signed = latency["checkpoints_per_s"]
        check(
            f"signed {where}",
            signed >= CHECKPOINTS_PER_S,
            f"checkpoints signed under load ({label}): {signed:,.1f}/s (at least one a second)",
        )
    proofs = run["proofs"]
    warm = proofs["warm_per_s"]
    ok = warm >= PROOFS_PER_S
    check(
        "proofs",
        ok,
        f"inclusion proofs at {_power(proofs['size'])} leaves, warm cache: {_n(warm)}/s "
        f"{'≥' if ok else '<'} {_n(PROOFS_PER_S)}/s",
    )
    return lines


def findings(run: dict[str, Any]) -> list[tuple[str, str]]:
    """("PASS" | "FAIL", sentence) for each target of one database's run."""
    return [(status, sentence) for _key, status, sentence in checks(run)]


def _ms(summary: dict[str, float]) -> str:
    return f"{summary['p50']:,.1f} / {summary['p99']:,.1f} ms (max {summary['max']:,.0f})"


def _us(summary: dict[str, float]) -> str:
    return f"{summary['p50']:,.0f} / {summary['p99']:,.0f}"


def render_run(run: dict[str, Any]) -> str:
    appends, latencies, proofs, big = run["appends"], run["latency"], run["proofs"], run["big"]
    verdict = {key: status for key, status, _sentence in checks(run)}

    def mark(key: str) -> str:
        return f"**{verdict[key]}**" if key in verdict else "–"

    per_tx = _n(appends["per_transaction"])
    rows = [
        f"| `record()` one by one, {per_tx} per transaction ({_n(appends['single'])} entries) "
        f"| {_n(appends['single_per_s'])} entries/s | – | – |",
        f"| `record_many()`, {per_tx} per transaction ({_n(appends['records'])} entries) "
        f"| {_n(appends['record_per_s'])} entries/s | – | – |",
        f"| `integrate_pending(batch_size={appends['batch_size']})` of those entries "
        f"| {_n(appends['integrate_per_s'])} entries/s (slowest batch {appends['batch_ms']:,.0f} ms) | – | – |",
        f"| **batched appends, end to end** (record, then integrate) | **{_n(appends['end_to_end_per_s'])}/s** "
        f"| ≥ {_n(APPENDS_PER_S)}/s | {mark('appends')} |",
    ]
    for latency in latencies:
        key, where = latency["sequencer"], setup(latency)
        rows.append(
            f"| steady load, {where}: offered / committed ({latency['seconds']:g} s after {latency['warmup']:g} s "
            f"warm-up) | {_n(latency['rate'])} / {_n(latency['achieved_per_s'])} appends/s | ≥ {HELD_RATE:.0%} held "
            f"| {mark(f'held {key}')} |"
        )
        if "integrated" in latency:
            rows.append(
                f"| recorded → integrated (the rows' timestamps), {where}, p50 / p99 | {_ms(latency['integrated'])} "
                "| – | – |"
            )
        if "receipt" in latency:
            rows += [
                f"| commit → leaf visible, {where}, p50 / p99 ({_n(latency['measured'])} entries) "
                f"| {_ms(latency['seen'])} | – | – |",
                f"| **commit → receipt built**, {where}, p50 / p99 | **{_ms(latency['receipt'])}** "
                f"| ≤ 250 ms / ≤ 1 s | {mark(f'p50 {key}')} / "
                f"{mark(f'p99 {key}')} |",
            ]
        rows.append(
            f"| checkpoints signed, {where} | {latency['checkpoints_per_s']:,.1f}/s | ≥ 1/s | {mark(f'signed {key}')} |"
        )
    rows += [
        f"| **inclusion proofs at {_power(proofs['size'])} leaves, warm** (`selectors.inclusion_proof`) "
        f"| **{_n(proofs['warm_per_s'])}/s** (p50 / p99 {proofs['warm']['p50'] * 1000:,.0f} / "
        f"{proofs['warm']['p99'] * 1000:,.0f} µs) | ≥ {_n(PROOFS_PER_S)}/s | {mark('proofs')} |",
        f"| inclusion proofs at {_power(proofs['size'])} leaves, cold (tile cache emptied before each) "
        f"| {_n(proofs['cold_per_s'])}/s (p50 / p99 {proofs['cold']['p50'] * 1000:,.0f} / "
        f"{proofs['cold']['p99'] * 1000:,.0f} µs) | – | – |",
        f"| consistency proofs at {_power(proofs['size'])} leaves, warm | {_n(proofs['consistency_per_s'])}/s "
        "| – | – |",
    ]
    for name in ("inclusion", "consistency"):
        figures = big[name]
        rows.append(
            f"| {name} proof at {_power(big['size'])} leaves: cold / warm / steady p50 · p99 µs "
            f"| {_us(figures['cold'])} · {_us(figures['warm'])} · {_us(figures['steady'])} "
            f"({_n(figures['steady_per_s'])}/s steady) | – | – |"
        )
    grown = ", ".join(f"to {_power(g['size'])} in {g['seconds']:,.1f} s" for g in run["grow"])
    lines = [
        f"### {run['title']}",
        "",
        f"{run['database']}. Log grown with random leaf hashes (tiles only) {grown}; "
        f"{_n(run['grow'][-1]['tiles'])} tiles stored. Whole run {run.get('wall_seconds', 0):,.0f} s.",
        "",
        "| measure | figure | target | verdict |",
        "|---|---|---|---|",
        *rows,
        "",
    ]
    lines += [f"- **{status}** {sentence}" for status, sentence in findings(run)]
    return "\n".join(lines)


def render_comparison(comparison: dict[str, Any]) -> str:
    size, sqlite = comparison["size"], comparison["sqlite"]
    append, inclusion, consistency = comparison["append"], comparison["inclusion"], comparison["consistency"]
    return "\n".join(
        [
            f"### pymerkle beside ours, n = {_n(size)}",
            "",
            "Same entries (345 random bytes each), same tree (the roots are checked equal first); "
            f"{_n(comparison['proofs'])} random challenges per proof row, against the tree of size n.",
            "",
            "| operation | pymerkle `InmemoryTree` | ours, `MemoryTree` | ours, tiles in memory |",
            "|---|---:|---:|---:|",
            f"| append one entry (hash it, grow the tree) | {_n(append['pymerkle'])}/s | {_n(append['memory'])}/s "
            f"| {_n(append['tiles'])}/s ¹ |",
            f"| inclusion proof | {_n(inclusion['pymerkle'])}/s | {_n(inclusion['memory'])}/s "
            f"| {_n(inclusion['tiles'])}/s |",
            f"| consistency proof | {_n(consistency['pymerkle'])}/s | {_n(consistency['memory'])}/s "
            f"| {_n(consistency['tiles'])}/s |",
            "",
            "¹ `grow_tiles` over the leaf hashes in one call: the bulk path the sequencer takes (leaf hashing "
            "happens when an entry is recorded).",
            "",
            f"pymerkle `SqliteTree`, n = {_n(sqlite['size'])}: `append_entries` {_n(sqlite['append'])} entries/s, "
            f"`prove_inclusion` {_n(sqlite['inclusion'])}/s, `prove_consistency` {_n(sqlite['consistency'])}/s "
            f"({_n(sqlite['proofs'])} challenges each; same root as ours: {'yes' if sqlite['same_root'] else 'NO'}).",
        ]
    )


def render(
    host: dict[str, Any],
    runs: list[dict[str, Any]],
    comparison: dict[str, Any],
    skipped: list[str],
    *,
    sizes: dict[str, Any],
    quick: bool = False,
) -> str:
    """The Markdown block written between the ledger markers of ``docs/benchmarks.md``."""
    commit = f", commit `{host['commit']}`" if host.get("commit") else ""
    if host.get("dirty"):
        commit += " with uncommitted changes"
    parts = [
        f"Measured {host['date']}{commit}{' (quick run: small sizes)' if quick else ''}; "
        f"command `.venv/bin/python benchmarks/ledger.py{' --quick' if quick else ''}`.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['ram']} RAM; {host['os']}; Python {host['python']}, "
        f"Django {host['django']}, SQLite {host['sqlite']}, pymerkle {host['pymerkle']}"
        + "".join(f", {r['database']}" for r in runs if r["key"] == "postgres")
        + f". Load average before the run {host['load']} (1 / 5 / 15 min); writing 4 KiB and fsync-ing it takes "
        f"{host['fsync']['p50']:.2f} ms (p50), {host['fsync']['p99']:.2f} ms (p99) on this disk.",
        "",
        f"Sizes: {_n(sizes['records'])} entries recorded in bulk and {_n(sizes['single'])} one by one; "
        f"{_n(sizes['rate'])} appends/s for {sizes['seconds']:g} s; {_n(sizes['proofs'])} warm and "
        f"{_n(sizes['cold_proofs'])} cold proofs at {_power(sizes['proof_size'])} leaves; {_n(sizes['big_proofs'])} "
        f"warm and {_n(sizes['big_cold_proofs'])} cold of each kind at {_power(sizes['big_size'])}.",
        "",
    ]
    for run in runs:
        parts += [render_run(run), ""]
    parts += [render_comparison(comparison), ""]
    parts += [f"- **not run** {reason}" for reason in skipped]
    return "\n".join(parts).rstrip() + "\n"


def write_block(doc: Path, block: str) -> None:
    """Replace what stands between the ledger markers of ``doc`` with ``block`` (append the markers if missing)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    fenced = f"{START_MARKER}\n{block}{END_MARKER}"
    if START_MARKER in text and END_MARKER in text:
        head, rest = text.split(START_MARKER, 1)
        text = head + fenced + rest.split(END_MARKER, 1)[1]
    else:
        text = text.rstrip() + ("\n\n" if text else "") + fenced + "\n"
    doc.write_text(text, encoding="utf-8")
