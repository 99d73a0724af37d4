"""The independent labelled org (bench/independent_org.py), importable by this folder's tests."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from independent_org import build  # noqa: E402

__all__ = ["BENCH", "build"]
