"""`crmkit predict` writes a snapshot `load_snapshot` reads, and prints the API path's cost."""

from __future__ import annotations

import html
import json
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
    manifest = json.loads((bundled_path() / "manifest.json").read_text(encoding="utf-8"))
    n = manifest["sizes"]["Leads"] - manifest["lead_states"]["converted"]
    assert len(snap.options) == len(snap.leads) == n
    assert set(snap.options["source"]) == {"predicted"}
    out = capsys.readouterr().out
    calls = n + -(-n // 200)  # one per lead asked, one per page of 200 listed
    assert f"{calls:,} calls, {calls:,} credits" in out
    assert "prediction: 0 credits" in out
    # The org's records and configuration come along, so a report shows near-duplicates.
    assert snap.contacts is not None and len(snap.contacts) == snap.meta.n_contacts == 3000
    assert snap.accounts is not None and len(snap.accounts) == snap.meta.n_accounts == 1200
    config = snap.org_config
    assert config is not None and [u.api_name for u in config.unique("Contacts")] == ["Phone"]
    report = main(["report", "--snapshot", str(tmp_path / "s"), "--out", str(tmp_path / "r.html")])
    assert report == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="table-near-duplicates"' in page
    assert "holds crmkit's prediction, not Zoho's answer" in html.unescape(page)


def test_api_cost_at_the_ceiling() -> None:
    cost = api_cost(1_000_000, "enterprise", users=50, latency_s=0.5)
    assert cost.calls == 1_005_000 and cost.credits == 1_005_000
    assert cost.concurrency == 20
    assert cost.seconds == pytest.approx(1_005_000 * 0.5 / 20)
    assert cost.daily_credits == 100_000
    assert api_cost(10, "ultimate").daily_credits is None
    with pytest.raises(ValueError, match="unknown edition"):
        api_cost(1, "gold")
