"""Journals bound to their org: a plan rehearsed on one sandbox converts every lead on another.

Two real sandboxes serve the same records under different org ids (org.json `org.id`); the CLI
runs with the default journal resolution (per-user data dir under tmp_path), as a user would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conversion_support import FRESH_MANY, L_FRESH, client_for, org_records

from crmkit.cli import main
from crmkit.conversion import Journal, execute, make_plan, save_plan
from crmkit.conversion.journal_path import journals_dir, org_journal_path
from crmkit.conversion.settle import converted_ids
from crmkit.sandbox import DataDirError, Sandbox, load_data_dir

ORG_A = "90000000000000000101"
ORG_B = "90000000000000000202"
LEADS = [L_FRESH, *FRESH_MANY[:3]]


def _org_dir(make_org: Callable[..., Path], org_id: str | None, name: str) -> Path:
    records = org_records()
    settings: dict[str, Any] = dict(records.pop("org"))
    if org_id is not None:
        settings["org"] = {"id": org_id, "company_name": f"Org {name}"}
    return make_org(**records, org=settings, name=name)


def _point_cli_at(sb: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    creds = sb.credentials
    monkeypatch.setenv("ZOHO_CLIENT_ID", creds.client_id)
    monkeypatch.setenv("ZOHO_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("ZOHO_REFRESH_TOKEN", creds.refresh_token)
    monkeypatch.setenv("ZOHO_TOKEN_URL", sb.token_url)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "absent.toml"))
    # Each sandbox gets its own token cache; the journal dir (XDG_DATA_HOME) is shared.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache-{sb.url.rsplit(':', 1)[1]}"))


@pytest.fixture
def user_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    data = tmp_path / "xdg_data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg_config"))
    monkeypatch.delenv("CRMKIT_JOURNAL", raising=False)
    for var in ("ZOHO_DC", "ZOHO_API_DOMAIN", "ZOHO_EDITION"):
        monkeypatch.delenv(var, raising=False)
    return data


@pytest.fixture
def two_orgs(
    make_org: Callable[..., Path], small_sandbox: Callable[..., Sandbox]
) -> tuple[Sandbox, Sandbox]:
    return (
        small_sandbox(_org_dir(make_org, ORG_A, "a")),
        small_sandbox(_org_dir(make_org, ORG_B, "b")),
    )


def _plan(tmp_path: Path) -> Path:
    rows = [{"lead_id": i, "contact_action": "create", "account_action": "create"} for i in LEADS]
    return save_plan(make_plan(rows), tmp_path / "plan.csv")


def _converted(sb: Sandbox) -> list[bool]:
    return [bool(sb.control.record("Leads", i)["Converted__s"]) for i in LEADS]  # type: ignore[index]


@pytest.mark.parametrize("shared_journal", [False, True], ids=["per-org-default", "CRMKIT_JOURNAL"])
def test_a_plan_rehearsed_on_one_org_converts_every_lead_on_another(
    two_orgs: tuple[Sandbox, Sandbox],
    user_dirs: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    shared_journal: bool,
) -> None:
    """Before: the second run resumed the rehearsal's run ("nothing to convert … converted")."""
    rehearsal, real = two_orgs
    if shared_journal:  # one file for both: the org columns alone keep the runs apart
        monkeypatch.setenv("CRMKIT_JOURNAL", str(tmp_path / "shared.sqlite"))
    plan = _plan(tmp_path)

    _point_cli_at(rehearsal, monkeypatch, tmp_path)
    assert main(["convert", "--plan", str(plan), "--quiet", "--mode", "single"]) == 0
    assert _converted(rehearsal) == [True] * len(LEADS)
    assert f"org: Org a ({ORG_A})" in capsys.readouterr().out

    _point_cli_at(real, monkeypatch, tmp_path)
    assert main(["convert", "--plan", str(plan), "--quiet", "--mode", "single"]) == 0
    out = capsys.readouterr().out
    assert "nothing to convert" not in out
    assert f"converted {len(LEADS)} now" in out
    assert _converted(real) == [True] * len(LEADS)
    if not shared_journal:
        assert org_journal_path(ORG_A).is_file() and org_journal_path(ORG_B).is_file()
        assert org_journal_path(ORG_A).parent == journals_dir()
        assert str(user_dirs) in str(journals_dir())

    assert main(["history"]) == 0
    history = capsys.readouterr().out
    assert f"Org a ({ORG_A})" in history and f"Org b ({ORG_B})" in history

    # The audit export of the second org's run names that org and that org's records.
    journal = tmp_path / "shared.sqlite" if shared_journal else org_journal_path(ORG_B)
    with Journal(journal) as jr:
        runs = jr.runs()
        run_b = int(runs.loc[runs["org_id"] == ORG_B, "run_id"].iloc[0])
    export = tmp_path / "created.csv"
    args = ["history", "--run", str(run_b), "--export", str(export)]
    assert main([*args, "--journal", str(journal)]) == 0
    created = pd.read_csv(export, dtype=str)
    assert sorted(created["lead_id"]) == sorted(LEADS)
    assert set(created["org_id"]) == {ORG_B} and set(created["org_name"]) == {"Org b"}
    assert set(created["api_domain"]) == {real.url}
    real_contacts = {converted_ids(real.control.record("Leads", i))["Contacts"] for i in LEADS}
    assert set(created["contact_id"]) == real_contacts


def test_history_with_several_org_journals_asks_which_for_one_run(
    two_orgs: tuple[Sandbox, Sandbox],
    user_dirs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = make_plan([{"lead_id": L_FRESH, "contact_action": "create", "account_action": "create"}])
    for sb in two_orgs:
        with client_for(sb) as client:
            assert execute(client, plan, progress=False).converted_now == 1
    assert main(["history", "--run", "1"]) == 2
    assert "--org ID" in capsys.readouterr().err
    assert main(["history", "--org", ORG_B, "--run", "1"]) == 0
    assert f"in Org b ({ORG_B})" in capsys.readouterr().out


_OLD_SCHEMA = """
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, plan_hash TEXT NOT NULL, plan_name TEXT,
    target TEXT, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
    n_leads INTEGER NOT NULL, summary TEXT);
CREATE TABLE plan_rows (run_id INTEGER NOT NULL, lead_id TEXT NOT NULL, position INTEGER NOT NULL,
    row_json TEXT NOT NULL, PRIMARY KEY (run_id, lead_id));
CREATE TABLE attempts (attempt_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,
    lead_id TEXT NOT NULL, kind TEXT NOT NULL, job_id TEXT, request_json TEXT,
    state TEXT NOT NULL, outcome TEXT NOT NULL, contact_id TEXT, account_id TEXT, deal_id TEXT,
    code TEXT, message TEXT, answer_json TEXT, sent_at TEXT NOT NULL, answered_at TEXT);
CREATE TABLE snapshots (snapshot_id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL,
    phase TEXT NOT NULL, module TEXT NOT NULL, record_id TEXT NOT NULL, record_json TEXT,
    taken_at TEXT NOT NULL);
"""


def _old_journal(path: Path, plan: pd.DataFrame) -> None:
    """A journal written before runs knew their org: the plan's run converted every lead."""
    from crmkit.conversion.plan import plan_hash

    db = sqlite3.connect(path)
    db.executescript(_OLD_SCHEMA)
    db.execute(
        "INSERT INTO runs VALUES (1, ?, 'plan.csv', 'embedded sandbox', '2026-01-01T00:00:00', "
        "'2026-01-01T00:01:00', 'done', ?, 'x')",
        (plan_hash(plan), len(plan)),
    )
    for n, lead in enumerate(plan["lead_id"]):
        db.execute("INSERT INTO plan_rows VALUES (1, ?, ?, '{}')", (lead, n))
        db.execute(
            "INSERT INTO attempts (run_id, lead_id, kind, state, outcome, contact_id, sent_at, "
            "answered_at) VALUES (1, ?, 'single', 'answered', 'converted', '1', 't', 't')",
            (lead,),
        )
    db.commit()
    db.close()


def test_an_old_journal_opens_and_its_runs_are_never_resumed_in_an_org_unclaimed(
    org_sb: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    plan = make_plan(
        [{"lead_id": i, "contact_action": "create", "account_action": "create"} for i in LEADS[:2]]
    )
    path = tmp_path / "old.sqlite"
    _old_journal(path, plan)
    with Journal(path) as jr:  # migrated in place
        runs = jr.runs()
        assert runs["org_id"].isna().all() and jr.run(1).org_label == "org unknown"
    with client_for(org_sb) as client:
        report = execute(client, plan, journal=path, progress=False, mode="single")
    assert not report.run.resumed and report.converted_now == 2
    assert any("recorded without their org" in r.getMessage() for r in caplog.records)
    with Journal(path) as jr:
        assert jr.run(1).org_id is None  # the old run stays "org unknown"
        assert jr.run(report.run.run_id).org_id == report.run.org_id


def test_claiming_an_old_journal_resumes_its_run_in_this_org(
    org_sb: Sandbox, tmp_path: Path
) -> None:
    plan = make_plan(
        [{"lead_id": i, "contact_action": "create", "account_action": "create"} for i in LEADS[:2]]
    )
    path = tmp_path / "old.sqlite"
    _old_journal(path, plan)
    with client_for(org_sb) as client:
        report = execute(client, plan, journal=path, progress=False, claim_legacy_runs=True)
    assert report.run.resumed and report.run.run_id == 1 and report.converted_now == 0
    assert "nothing to convert" in report.message
    assert report.run.org_id is not None


# ------------------------------------------------------------------ the sandbox's org id
def test_the_sandbox_org_id_comes_from_org_json_or_is_stable_per_directory(
    make_org: Callable[..., Path], small_sandbox: Callable[..., Sandbox]
) -> None:
    named = _org_dir(make_org, ORG_A, "named")
    bare = _org_dir(make_org, None, "bare")
    other = _org_dir(make_org, None, "other")
    sb = small_sandbox(named)
    with client_for(sb) as client:
        org = client.org()
    assert (org["id"], org["company_name"]) == (ORG_A, "Org named")
    first = load_data_dir(bare).org["org"]["id"]
    assert first == load_data_dir(bare).org["org"]["id"]  # stable for one directory
    assert first != load_data_dir(other).org["org"]["id"]
    assert first.isdigit() and len(first) > 19  # longer than any Zoho id (64-bit: 19 digits)
    with client_for(small_sandbox(bare)) as client:
        assert client.org()["id"] == first


@pytest.mark.parametrize("bad", ["4876876000000017001", "12ab", "1"])
def test_an_org_json_id_that_could_be_zoho_s_is_refused(
    make_org: Callable[..., Path], bad: str
) -> None:
    path = _org_dir(make_org, bad, "bad")
    with pytest.raises(DataDirError, match="20-32 digits"):
        load_data_dir(path)
