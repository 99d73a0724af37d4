"""`crmkit convert` and `crmkit history` end to end against a sandbox (environment config)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conversion_support import A_ACME, C_PAT, L_FRESH, L_LOCKED, L_PAT

from crmkit.cli import main
from crmkit.conversion import make_plan, save_plan
from crmkit.sandbox import Sandbox


@pytest.fixture
def env(org_sb: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sandbox:
    creds = org_sb.credentials
    monkeypatch.setenv("ZOHO_CLIENT_ID", creds.client_id)
    monkeypatch.setenv("ZOHO_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("ZOHO_REFRESH_TOKEN", creds.refresh_token)
    monkeypatch.setenv("ZOHO_TOKEN_URL", org_sb.token_url)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "absent.toml"))
    # The CLI caches its access token and keeps its journal in the per-user dirs: keep them here.
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    for var in ("ZOHO_DC", "ZOHO_API_DOMAIN", "ZOHO_EDITION"):
        monkeypatch.delenv(var, raising=False)
    return org_sb


def test_dry_run_then_convert_then_history(
    env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = save_plan(
        make_plan(
            [
                {"lead_id": L_FRESH, "contact_action": "create", "account_action": "create"},
                {
                    "lead_id": L_PAT,
                    "contact_action": "merge",
                    "contact_id": C_PAT,
                    "account_action": "merge",
                    "account_id": A_ACME,
                },
                {"lead_id": L_LOCKED, "contact_action": "create", "account_action": "create"},
            ]
        ),
        tmp_path / "plan.csv",
    )
    journal = tmp_path / "j.sqlite"
    assert main(["convert", "--plan", str(plan), "--dry-run", "--quiet"]) == 2
    out = capsys.readouterr().out
    assert "estimate: 3 leads" in out and "lead_locked" in out
    assert f"plan {plan}: 3 leads, against the sandbox at {env.url} (org " in out
    assert "2 leads would be sent, 1 refused; nothing was converted" in out
    # validation names the plan line a spreadsheet shows: L_LOCKED is the third row, line 4
    assert f"lead {L_LOCKED} (line 4, " in out
    assert not env.control.record("Leads", L_FRESH)["Converted__s"]  # type: ignore[index]

    code = main(
        [
            "convert",
            "--plan",
            str(plan),
            "--journal",
            str(journal),
            "--quiet",
            "--results",
            str(tmp_path / "res.csv"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1  # one lead skipped
    assert "run 1: converted 2 now" in out
    res = pd.read_csv(tmp_path / "res.csv", dtype="string")
    assert res.set_index("lead_id").loc[L_PAT, "contact_id"] == C_PAT

    assert main(["convert", "--plan", str(plan), "--journal", str(journal), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "nothing to convert: every lead is settled in the journal" in out
    assert "estimate:" not in out  # nothing will be sent, so nothing is estimated

    assert main(["history", "--journal", str(journal)]) == 0
    out = capsys.readouterr().out
    assert "plan.csv" in out and "done" in out
    assert main(["history", "--journal", str(journal), "--run", "1"]) == 0
    assert L_LOCKED in capsys.readouterr().out
    export = tmp_path / "created.csv"
    assert main(["history", "--journal", str(journal), "--run", "1", "--export", str(export)]) == 0
    created = pd.read_csv(export, dtype="string")
    assert sorted(created["lead_id"]) == sorted([L_FRESH, L_PAT])


def test_bad_plan_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("lead_id,contact_action,account_action\n1,explode,create\n")
    assert main(["convert", "--plan", str(path)]) == 2
    assert "plan.csv: line 2, column 'contact_action'" in capsys.readouterr().err


def test_history_without_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--journal", str(tmp_path / "none.sqlite")]) == 0
    assert "no conversions yet" in capsys.readouterr().out
