"""Running one benchmark script once per database, each run in a child process of its own.

A benchmark that measures both databases calls itself with ``--db <key>-inner --out FILE``: on
SQLite with an empty ``KECHUANG_DATABASE_URL``, on PostgreSQL under ``scripts/pg-throwaway`` (a
throwaway cluster), each with its own ``KECHUANG_VAR_DIR``. The child writes its figures to FILE
as JSON; the parent reads them back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_child(script: str, key: str, var_dir: Path, *, title: str, extra: Sequence[str] = ()) -> dict[str, Any]:
    """Run ``script --db <key>-inner --out <var_dir>/result.json [extra]`` on database ``key``
    ("sqlite" or "postgres") and return the JSON it wrote, with ``wall_seconds`` added.

    Raises ``RuntimeError`` naming ``title`` when the child fails or writes nothing.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    out = var_dir / "result.json"
    out.unlink(missing_ok=True)
    inner = [sys.executable, str(Path(script).resolve()), "--db", f"{key}-inner", "--out", str(out), *extra]
    env = dict(os.environ, KECHUANG_VAR_DIR=str(var_dir))
    if key == "sqlite":
        env["KECHUANG_DATABASE_URL"] = ""
        command = inner
    else:
        command = [str(ROOT / "scripts" / "pg-throwaway"), *inner]
    print(f"[bench] {title}: starting", file=sys.stderr, flush=True)
    started = time.perf_counter()
    finished = subprocess.run(command, env=env, cwd=ROOT, check=False)
    if finished.returncode != 0 or not out.exists():
        raise RuntimeError(f"the {title} run failed with exit status {finished.returncode}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["wall_seconds"] = time.perf_counter() - started
    return result
