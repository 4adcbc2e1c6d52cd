"""Where the shared transparency-log test vectors live (outside the repository, never copied in)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("KECHUANG_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data")
)
TLOG_DATA = SHARED_DATA / "tlog"


def tlog_data() -> Path:
    """The ``tlog`` vector directory, or skip the calling test with a message saying what is missing."""
    if not TLOG_DATA.is_dir():
        pytest.skip(f"transparency-log vectors not found at {TLOG_DATA} (set KECHUANG_SHARED_DATA to ../shared/data)")
    return TLOG_DATA
