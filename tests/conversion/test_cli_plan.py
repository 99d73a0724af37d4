"""`crmkit fetch` -> `crmkit plan` -> `crmkit convert` end to end on an org with lead clusters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cluster_org import ALL, K1, K2, N1, N2, T1, T2, assert_no_batch_duplicates, cluster_org

from crmkit.cli import main
from crmkit.conversion import load_plan
from crmkit.sandbox import Sandbox


@pytest.fixture
def cluster_env(
    small_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Sandbox:
    sb = small_sandbox(**cluster_org())
    creds = sb.credentials
    monkeypatch.setenv("ZOHO_CLIENT_ID", creds.client_id)
    monkeypatch.setenv("ZOHO_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("ZOHO_REFRESH_TOKEN", creds.refresh_token)
    monkeypatch.setenv("ZOHO_TOKEN_URL", sb.token_url)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "absent.toml"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    for var in ("ZOHO_DC", "ZOHO_API_DOMAIN", "ZOHO_EDITION"):
        monkeypatch.delenv(var, raising=False)
    return sb


def test_fetch_plan_convert_creates_each_record_once(
    cluster_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap, plan = tmp_path / "snap", tmp_path / "plan.csv"
    assert main(["fetch", "--out", str(snap), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["plan", "--snapshot", str(snap), "--out", str(plan)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {plan}: {len(ALL)} leads planned, 0 skipped" in out
    assert "referencing another lead of the plan (lead:<id>): 6" in out
    assert "clusters (person): 4" in out and "clusters (company): 4" in out
    assert f"lead {N1} ~ lead {N2}" in out  # the name-only twins, for a person to check
    rows = load_plan(plan).set_index("lead_id")
    assert rows.loc[T2, "contact_id"] == f"lead:{T1}"
    assert rows.loc[K2, "account_id"] == f"lead:{K1}"

    journal = tmp_path / "j.sqlite"
    code = main(["convert", "--plan", str(plan), "--journal", str(journal), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"converted {len(ALL)} now" in out
    assert_no_batch_duplicates(cluster_env, ALL)


def test_plan_only_the_leads_of_a_file_and_user_errors(
    cluster_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap, plan = tmp_path / "snap", tmp_path / "plan.csv"
    assert main(["fetch", "--out", str(snap), "--quiet"]) == 0
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# twins\n{T1}\n\n{T2}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["plan", "--snapshot", str(snap), "--out", str(plan), "--leads", str(ids)]) == 0
    rows = load_plan(plan)
    assert sorted(rows["lead_id"]) == sorted([T1, T2])
    assert rows.set_index("lead_id").loc[T2, "contact_id"] == f"lead:{T1}"

    ids.write_text(f"{T1}\n4.87E+18\n", encoding="utf-8")
    assert main(["plan", "--snapshot", str(snap), "--out", str(plan), "--leads", str(ids)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"crmkit plan: {ids}: line 2, column 1: '4.87E+18' is not a lead id (digits only)"

    ids.write_text("123\n", encoding="utf-8")
    assert main(["plan", "--snapshot", str(snap), "--out", str(plan), "--leads", str(ids)]) == 2
    err = capsys.readouterr().err
    assert "lead 123 is not an open lead of snapshot" in err and len(err.splitlines()) == 1

    assert main(["plan", "--snapshot", str(tmp_path / "nope"), "--out", str(plan)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crmkit plan: ") and len(err.splitlines()) == 1
    assert "Traceback" not in err
