"""`crmkit fetch --via bulk` end to end over real HTTP: the same frames as the API path, the same
rates on the sample org, verification by sampling, incremental refresh, and the command's errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import crmkit
from crmkit.agreement import compare
from crmkit.analysis import module_rates, rate_table, summary
from crmkit.api.models import ConvertRequest
from crmkit.bulkfetch import fetch_snapshot_bulk, refresh_snapshot_bulk
from crmkit.cli import main
from crmkit.cli.fetch import format_rates
from crmkit.sampledata import bundled_path
from crmkit.sandbox import Sandbox
from crmkit.snapshot import fetch_snapshot, load_snapshot, save_snapshot
from crmkit.widgets.explorer_model import ExplorerModel

Start = Callable[..., Sandbox]
ADMIN = {"id": "4876876000000225001", "name": "Ava Raman"}
REP = {"id": "4876876000000225018", "name": "Ben Okafor"}
USERS = [
    {"id": ADMIN["id"], "full_name": ADMIN["name"], "email": "ava@zylker.test", "role": "CEO"},
    {"id": REP["id"], "full_name": REP["name"], "email": "ben@zylker.test", "role": "Rep"},
]
ACME = {"id": "4876876000007421010", "name": "Acme Labs"}
# What the prediction states of each lead (Zoho's error message text aside; source differs).
OPTION_COLS = [
    "lead_id",
    "outcome",
    "error_code",
    "n_contacts",
    "n_accounts",
    "module_preference",
    "contact_fields",
    "account_fields",
    "first_field",
    "first_module",
    "multiple_layouts",
]


def same_options(api: pd.DataFrame, predicted: pd.DataFrame) -> None:
    a = api[OPTION_COLS].sort_values("lead_id").reset_index(drop=True)
    p = predicted[OPTION_COLS].sort_values("lead_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, p)


def rich_org() -> dict[str, Any]:
    """Every value format: datetimes with offsets, booleans, lookups (some empty), tags, integers,
    currency, text with commas, quotes and line breaks, a custom field, unapproved and locked."""
    leads = []
    for i in range(1, 13):
        leads.append(
            {
                "id": f"48768760000083000{i:02d}",
                "First_Name": f"Fn{i}",
                "Last_Name": f"Ln{i}",
                "Email": f"person{i % 5}@acme.test",
                "Phone": f"+1 555 01{i:02d}",
                "Company": "Acme Labs" if i % 3 == 0 else f"Other {i}",
                "Owner": ADMIN if i % 2 else REP,
                "Created_Time": "2024-03-05T10:00:00+05:30",
                "Modified_Time": f"2024-03-{i:02d}T23:30:00-04:00",
                "No_of_Employees": str(10 * i),
                "Annual_Revenue": f"{i}250.75" if i % 2 else "3000000",
                "Description": 'says "hi",\nthen leaves' if i == 4 else None,
                "Tag": ["VIP", "Expo 2024"] if i % 4 == 0 else [],
                "Region__c": "EMEA" if i % 2 else "APAC",
                "Locked__s": i == 7,
                "$approval_state": "pending" if i == 9 else "approved",
                "Converted__s": i == 11,
            }
        )
    contacts = [
        {
            "id": f"48768760000084000{i:02d}",
            "First_Name": f"Cn{i}",
            "Last_Name": f"Cl{i}",
            "Email": f"PERSON{i}@acme.test",
            "Phone": f"+1 555 02{i:02d}",
            "Owner": REP if i % 2 else ADMIN,
            **({"Account_Name": ACME} if i % 2 else {}),  # half the contacts have no account
            "Locked__s": i == 3,
            "Modified_Time": "2024-02-01T08:00:00+00:00",
        }
        for i in range(1, 5)
    ]
    accounts = [
        {
            "id": ACME["id"],
            "Account_Name": ACME["name"],
            "Website": "www.acme.test",
            "Owner": ADMIN,
            "Modified_Time": "2024-01-01T00:00:00+00:00",
        }
    ]
    org = {
        "users": USERS,
        "unique_fields": {"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
    }
    return {"leads": leads, "contacts": contacts, "accounts": accounts, "org": org}


def same_frame(api: pd.DataFrame | None, bulk: pd.DataFrame | None) -> None:
    """Identical values and dtypes, row order (API: id descending; Bulk Read: id order) and
    column order (the API's records' key order) aside."""
    assert api is not None and bulk is not None
    assert sorted(api.columns) == sorted(bulk.columns)
    cols = sorted(api.columns)
    a = api[cols].sort_values("id").reset_index(drop=True)
    b = bulk[cols].sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@pytest.fixture
def rich(small_sandbox: Start) -> Sandbox:
    return small_sandbox(**rich_org())


def test_bulk_frames_equal_the_api_frames_value_for_value(rich: Sandbox, tmp_path: Path) -> None:
    with crmkit.connect(sandbox=rich, progress=False) as client:
        api = fetch_snapshot(client)
        bulk, verification = fetch_snapshot_bulk(client, workdir=tmp_path / "work")
    assert verification is None
    same_frame(api.leads, bulk.leads)
    same_frame(api.contacts, bulk.contacts)
    same_frame(api.accounts, bulk.accounts)
    leads = bulk.leads.set_index("id")
    assert str(leads["Modified_Time"].dtype) == "datetime64[ns, UTC]"
    assert leads.loc["4876876000008300001", "Modified_Time"] == pd.Timestamp("2024-03-02T03:30Z")
    assert leads.loc["4876876000008300004", "Tag"] == "VIP;Expo 2024"
    assert leads.loc["4876876000008300004", "Description"] == 'says "hi",\nthen leaves'
    assert leads.loc["4876876000008300001", "Annual_Revenue"] == 1250.75
    assert str(leads["No_of_Employees"].dtype) == "Int64"
    assert leads.loc["4876876000008300002", "Owner.email"] == "ben@zylker.test"
    assert bool(leads.loc["4876876000008300007", "Locked__s"]) is True
    assert "4876876000008300011" not in leads.index  # converted: not in a default listing
    contacts = bulk.contacts
    assert contacts is not None
    assert contacts["Account_Name.name"].isna().sum() == 2
    # and the prediction on these frames is what Zoho answers, lead by lead
    same_options(api.options, bulk.options)
    assert compare(api, bulk).empty
    assert set(bulk.options["source"]) == {"predicted"}


def _sample_counts() -> dict[str, int]:
    """Open leads, those Zoho refuses to answer for, and the matched ones, from the files."""
    data = bundled_path()
    leads = pd.read_csv(data / "Leads.csv", dtype=str, keep_default_na=False)
    open_ = leads[leads["Converted__s"] != "true"]
    refused = (open_["Locked__s"] == "true") | (open_["$approval_state"] != "approved")
    truth = pd.read_csv(data / "ground_truth.csv", dtype=str)
    return {
        "open": len(open_),
        "refused": int(refused.sum()),
        "matched": truth["lead_id"].nunique(),
    }


@pytest.mark.slow
def test_fetch_via_bulk_verify_50_agrees_and_rates_equal_the_api_snapshot(
    clean_sandbox: Sandbox,
    use_sandbox_environ: Callable[[Sandbox], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_sandbox_environ(clean_sandbox)
    bulk_dir, api_dir = tmp_path / "bulk", tmp_path / "api"
    assert (
        main(["fetch", "--via", "bulk", "--verify", "50", "--out", str(bulk_dir), "--quiet"]) == 0
    )
    printed = capsys.readouterr().out
    counts = _sample_counts()
    api_calls = (  # 8 metadata calls, the listings at 200 a page, one options call per lead
        8 + sum(-(-n // 200) for n in (counts["open"], 3000, 1200)) + counts["open"]
    )
    assert f"--via api : {api_calls:,} calls, {api_calls:,} credits" in printed  # both paths
    assert "--via bulk:" in printed and "<- this run" in printed.splitlines()[2]
    assert "50/50 agree (100.0%" in printed
    meta = json.loads((bulk_dir / "snapshot.json").read_text())
    verification = meta["extra"]["verification"]
    assert (verification["n"], verification["agree"], verification["disagreeing"]) == (50, 50, [])
    assert set(verification["strata"]) == {"matched", "no_match", "error"}
    assert meta["source"] == "predicted" and meta["extra"]["via"] == "bulk"
    assert meta["credits"]["leads"] < 60 and meta["credits"]["options"] == 50
    assert not (bulk_dir / ".bulk").exists()
    assert main(["fetch", "--out", str(api_dir), "--quiet"]) == 0
    bulk, api = load_snapshot(bulk_dir), load_snapshot(api_dir)
    pd.testing.assert_series_equal(summary(bulk.options), summary(api.options))
    pd.testing.assert_frame_equal(module_rates(bulk.options), module_rates(api.options))
    for level in ("field", "route"):
        pd.testing.assert_frame_equal(
            rate_table(bulk.options, bulk.matches, level=level),  # type: ignore[arg-type]
            rate_table(api.options, api.matches, level=level),  # type: ignore[arg-type]
        )
    strip = slice(1, None)  # the first line names the snapshot (source, fetched at)
    assert format_rates(bulk_dir).splitlines()[strip] == format_rates(api_dir).splitlines()[strip]
    by_owner = format_rates(bulk_dir, by="Owner.name").splitlines()[strip]
    assert by_owner == format_rates(api_dir, by="Owner.name").splitlines()[strip]
    # the report and the explorer read it as they read any snapshot
    assert main(["report", "--snapshot", str(bulk_dir), "--out", str(tmp_path / "r.html")]) == 0
    answered = counts["open"] - counts["refused"]  # locked or unapproved leads answer an error
    summary_text = ExplorerModel.from_snapshot(bulk_dir).summary()
    assert f"{counts['matched']:,} of {answered:,}" in summary_text


def test_refresh_exports_what_changed_and_predicts_again(rich: Sandbox, tmp_path: Path) -> None:
    snap_dir = tmp_path / "snap"
    with crmkit.connect(sandbox=rich, progress=False) as client:
        snap, _ = fetch_snapshot_bulk(client, workdir=tmp_path / "work")
        save_snapshot(snap, snap_dir)
        # a lead converted since: it leaves the listing, and its new Contact is matched by others
        client.convert_lead("4876876000008300001", ConvertRequest())
        before = client.usage.credits.get("bulk_create", 0)
        refreshed, report = refresh_snapshot_bulk(
            client, snap_dir, workdir=tmp_path / "work", verify=5, seed=2
        )
        assert client.usage.credits["bulk_create"] - before == 3 * 50
        api = fetch_snapshot(client)
    assert (report.leads, report.removed) == (1, 1)
    assert report.contacts == 1 and report.accounts == 1  # the conversion's new records
    assert "4876876000008300001" not in set(refreshed.leads["id"])
    same_frame(api.leads, refreshed.leads)
    same_frame(api.contacts, refreshed.contacts)
    same_options(api.options, refreshed.options)
    assert compare(api, refreshed).empty
    assert report.verification is not None and report.verification.agree == 5
    last = refreshed.meta.refreshes[-1]
    assert (last["via"], last["leads"], last["removed"]) == ("bulk", 1, 1)


def test_command_errors_are_one_line_exit_2(
    rich: Sandbox,
    use_sandbox_environ: Callable[[Sandbox], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_sandbox_environ(rich)
    out = tmp_path / "snap"
    cases = [
        (["--verify", "5"], "--verify checks a prediction"),
        (["--via", "bulk", "--verify", "-1"], "--verify -1"),
        (["--via", "bulk", "--refresh"], "holds no snapshot"),
    ]
    for extra, words in cases:
        assert main(["fetch", "--out", str(out), "--quiet", *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert words in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert main(["fetch", "--out", str(out), "--quiet"]) == 0  # an API snapshot
    capsys.readouterr()
    assert main(["fetch", "--via", "bulk", "--refresh", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "made by --via api, not --via bulk" in err and len(err.splitlines()) == 1


def test_a_failed_fetch_keeps_its_jobs_and_the_rerun_resumes_them(
    rich: Sandbox,
    use_sandbox_environ: Callable[[Sandbox], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_sandbox_environ(rich)
    out = tmp_path / "snap"
    rich.control.add_fault("500", "/crm/bulk/v8/read/*/result", count=None)
    assert main(["fetch", "--via", "bulk", "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert "could not be downloaded" in err and "run again to resume" in err
    assert len(err.splitlines()) == 1
    kept = list((out / ".bulk").glob("Leads-*.json"))
    assert len(kept) == 1
    job_id = json.loads(kept[0].read_text())["pages"][0]["job_id"]
    rich.control.clear_faults()
    assert main(["fetch", "--via", "bulk", "--out", str(out), "--quiet"]) == 0
    jobs = rich.control.state()["bulk_jobs"]
    assert sum(j["module"] == "Leads" for j in jobs.values()) == 1  # the rerun reused it
    assert job_id in jobs and not (out / ".bulk").exists()
