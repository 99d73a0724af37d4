"""bench/neardup_bench.py end to end on a tiny independent org (crmkit and the rapidfuzz baseline;
Splink is an optional bench dependency and takes its own minutes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from labelled_org import BENCH


def test_the_bench_prints_a_table_row_per_matcher(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(BENCH.parent)}
    done = subprocess.run(
        [sys.executable, str(BENCH / "neardup_bench.py"), "--sizes", "400x800x250", "--source",
         "independent", "--matchers", "crmkit,rapidfuzz", "--work", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| 400 × 800 × 250")]
    assert [r.split(" | ")[1] for r in rows] == ["crmkit", "rapidfuzz"]
    for row in rows:
        cells = row.strip("| ").split(" | ")
        assert float(cells[2]) > 0 and float(cells[3].replace(",", "")) > 10  # seconds, MB
        precision, recall = (float(x) for x in cells[4].split(" / "))  # the "all" column
        assert 0 < precision <= 1 and 0 < recall <= 1
    assert "Load average at start" in done.stdout
    assert (tmp_path / "independent-400x800x250" / "near_duplicates_truth.csv").exists()
