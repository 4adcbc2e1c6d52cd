"""What the ledger benchmark records, and how it sums up a list of timings."""

from __future__ import annotations

import random
from typing import Any

from benchmarks.load import percentile


def evidence(number: int, rng: random.Random) -> dict[str, Any]:
    """An evidence record like ``notarise`` writes: a title, two digests, the organisation (a 345-byte entry)."""
    return {
        "title": f"检测报告 Test report {number:08d}",
        "sha256": rng.randbytes(32).hex(),
        "sm3": rng.randbytes(32).hex(),
        "organization": {"name": "测试机构00001", "uscc": "91110000MA01ABCD2X"},
    }


def summary(values: list[float]) -> dict[str, float]:
    """p50, p99 (nearest rank), max and mean of ``values``, in their unit."""
    return {
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": max(values),
        "mean": sum(values) / len(values),
    }
