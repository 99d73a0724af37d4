"""`crmkit predict` writes a snapshot `load_snapshot` reads, and prints the API path's cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmkit.cli import main
from crmkit.matching import api_cost
from crmkit.sampledata import bundled_path
from crmkit.snapshot import load_snapshot


def test_predict_writes_a_snapshot_at_zero_credits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["predict", "--data", str(bundled_path()), "--out", str(tmp_path / "s")]) == 0
    snap = load_snapshot(tmp_path / "s")
    assert snap.meta.credits_spent == 0 and snap.meta.source == "predicted"
    assert len(snap.options) == len(snap.leads) == 4750
    assert set(snap.options["source"]) == {"predicted"}
    out = capsys.readouterr().out
    assert "4,774 calls, 4,774 credits" in out
    assert "prediction: 0 credits" in out


def test_api_cost_at_the_ceiling() -> None:
    cost = api_cost(1_000_000, "enterprise", users=50, latency_s=0.5)
    assert cost.calls == 1_005_000 and cost.credits == 1_005_000
    assert cost.concurrency == 20
    assert cost.seconds == pytest.approx(1_005_000 * 0.5 / 20)
    assert cost.daily_credits == 100_000
    assert api_cost(10, "ultimate").daily_credits is None
    with pytest.raises(ValueError, match="unknown edition"):
        api_cost(1, "gold")
