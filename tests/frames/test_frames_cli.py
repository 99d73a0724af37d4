"""`crmkit fetch` and `crmkit rates` end to end against a small sandbox org."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from crmkit.cli import main
from crmkit.sandbox import Sandbox
from crmkit.snapshot import SnapshotError, load_snapshot, refresh_snapshot

OWNER = {"id": "4876876000000225001", "name": "Ava Raman"}
T0 = "2024-01-01T00:00:00+00:00"


def _lead(i: int, email: str, source: str) -> dict[str, object]:
    return {
        "id": f"90000000000000000{i}",
        "Last_Name": f"Lead{i}",
        "Email": email,
        "Company": f"Company {i}",
        "Lead_Source": source,
        "Owner": OWNER,
        "Created_Time": T0,
        "Modified_Time": T0,
    }


@pytest.fixture
def org_env(
    small_sandbox: Callable[..., Sandbox], use_sandbox_environ: Callable[[Sandbox], None]
) -> Sandbox:
    sb = small_sandbox(
        leads=[
            _lead(1, "c1@example.com", "Web"),
            _lead(2, "x2@example.com", "Web"),
            _lead(3, "c3@example.com", "Expo"),
            _lead(4, "x4@example.com", "Expo"),
        ],
        contacts=[
            {"id": "800000000000000001", "Last_Name": "C1", "Email": "c1@example.com"},
            {"id": "800000000000000003", "Last_Name": "C3", "Email": "C3@Example.com"},
        ],
    )
    use_sandbox_environ(sb)
    return sb


def test_fetch_then_rates(
    org_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "snap"
    assert main(["fetch", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "4 leads" in printed and "matched 2" in printed and "no_match 2" in printed
    assert "with 2 contacts and 0 accounts" in printed
    snap = load_snapshot(out)
    assert snap.meta.api_domain == org_env.url and snap.meta.credits_spent > 4
    assert main(["rates", str(out)]) == 0
    text = capsys.readouterr().out
    assert "2 already exist (50.0% of answered)" in text
    email_row = next(line for line in text.splitlines() if " Email " in line)
    assert email_row.split() == ["Contacts", "Email", "email", "2", "50.0%", "2", "50.0%"]
    assert main(["rates", str(out), "--by", "Lead_Source"]) == 0
    seg = capsys.readouterr().out
    assert any(line.split()[:3] == ["Expo", "Contacts", "Email"] for line in seg.splitlines())
    assert main(["fetch", "--out", str(out), "--refresh", "--quiet"]) == 0
    assert "re-fetched 0 lead(s)" in capsys.readouterr().out


def test_rates_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rates", str(tmp_path)]) == 2  # a user error: one line, exit 2 (cli.guard)
    err = capsys.readouterr().err
    assert "not a crmkit snapshot" in err and "crmkit fetch --out DIR" in err


def test_predicted_snapshot_is_not_refreshed(org_env: Sandbox, tmp_path: Path) -> None:
    from crmkit import connect
    from crmkit.snapshot import fetch_snapshot, save_snapshot

    with connect(progress=False) as client:
        snap = fetch_snapshot(client)
        predicted = replace(snap, meta=replace(snap.meta, source="predicted"))
        save_snapshot(predicted, tmp_path / "p")
        with pytest.raises(SnapshotError, match="predicted"):
            refresh_snapshot(client, tmp_path / "p")
