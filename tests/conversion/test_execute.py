"""Execution against a real sandbox: every Zoho conversion error, lost answers, resume, mass."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conversion_support import (
    A_ACME,
    A_INITECH,
    C_LOCKED,
    C_PAT,
    C_PENDING,
    FRESH_MANY,
    L_CONVERTED,
    L_FRESH,
    L_INITECH,
    L_LOCKED,
    L_PAT,
    L_PENDING,
    L_PHONE_DUP,
    L_TO_LOCKED_CONTACT,
    L_TO_PENDING_CONTACT,
    client_for,
)

from crmkit.api import AuthError, CRMClient
from crmkit.conversion import (
    RESULTS_SCHEMA,
    Journal,
    JournalBusyError,
    execute,
    make_plan,
    plan_hash,
    request_for,
)
from crmkit.conversion.org_binding import org_identity
from crmkit.sandbox import Sandbox

DEAL = {"deal_name": "D", "closing_date": "2026-01-31", "pipeline": "Standard", "stage": "Proposal"}
CONVERT_PATH = "/crm/v8/Leads/*/actions/convert"


def row(lead: str, contact: str = "create", account: str = "create", **kw: Any) -> dict[str, Any]:
    return {"lead_id": lead, "contact_action": contact, "account_action": account, **kw}


def converted(sb: Sandbox, lead: str) -> bool:
    rec = sb.control.record("Leads", lead)
    assert rec is not None
    return bool(rec.get("Converted__s"))


def count(sb: Sandbox, module: str) -> int:
    return int(sb.control.state()["counts"][module]["total"])


def outcome(report: Any, lead: str) -> dict[str, Any]:
    res = report.results
    return dict(res.loc[res["lead_id"] == lead].iloc[0])


@pytest.mark.parametrize(
    ("plan_row", "code"),
    [
        (row(L_CONVERTED), "ID_ALREADY_CONVERTED"),
        (row(L_LOCKED), "RECORD_LOCKED"),
        (row(L_PENDING), "NOT_APPROVED"),
        (row(L_TO_LOCKED_CONTACT, "merge", "none", contact_id=C_LOCKED), "RECORD_LOCKED"),
        (row(L_TO_PENDING_CONTACT, "merge", "create", contact_id=C_PENDING), "NOT_APPROVED"),
        (row(L_FRESH, "merge", "merge", contact_id=C_PAT, account_id=A_ACME), "INVALID_DATA"),
        (row(L_INITECH, "create", "merge", account_id=A_ACME), "INVALID_DATA"),
        (row(L_PHONE_DUP), "DUPLICATE_DATA"),
        (
            row(L_FRESH, deal_name="D", closing_date="2026-01-31", stage="Proposal"),
            "MANDATORY_NOT_FOUND",
        ),  # no Pipeline: only the live re-check knows pipelines are on
        (row(L_FRESH, **{**DEAL, "stage": "Commit"}), "MAPPING_MISMATCH"),
        (row(L_FRESH, assign_to="1000000000000000999"), "INVALID_DATA"),
        (row(L_FRESH, carry_over_tags="Contacts:Nope"), "INVALID_DATA"),
    ],
)
def test_each_zoho_conversion_error_is_a_failed_result(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path, plan_row: dict[str, Any], code: str
) -> None:
    """With the re-check off, the request reaches Zoho and its refusal is recorded per lead."""
    was_converted = converted(org_sb, plan_row["lead_id"])
    contacts = count(org_sb, "Contacts")
    report = execute(
        client,
        make_plan([plan_row]),
        journal=tmp_path / "j.sqlite",
        recheck=False,
        mode="single",
        progress=False,
    )
    res = outcome(report, plan_row["lead_id"])
    assert (res["outcome"], res["code"]) == ("failed", code)
    assert res["message"]
    assert converted(org_sb, plan_row["lead_id"]) == was_converted  # nothing changed
    assert count(org_sb, "Contacts") == contacts
    with Journal(tmp_path / "j.sqlite") as jr:
        att = jr.attempts(run_id=report.run.run_id)
        assert att["outcome"].tolist() == ["failed"]
        assert json.loads(att["answer_json"].iloc[0])["code"] == code
        assert (
            json.loads(att["request_json"].iloc[0])
            == request_for(make_plan([plan_row]).iloc[0].to_dict()).to_payload()
        )


def test_contacts_module_removed_refuses_conversion(
    small_sandbox: Any, org_dir: Path, tmp_path: Path
) -> None:
    org = json.loads((org_dir / "org.json").read_text())
    org["removed_modules"] = ["Contacts"]
    (org_dir / "org.json").write_text(json.dumps(org))
    sb = small_sandbox(org_dir)
    with client_for(sb) as client:
        report = execute(
            client,
            make_plan([row(L_FRESH)]),
            journal=tmp_path / "j.sqlite",
            recheck=False,
            progress=False,
        )
        res = outcome(report, L_FRESH)
        assert (res["outcome"], res["code"]) == ("failed", "NO_PERMISSION")
        checked = execute(
            client, make_plan([row(L_INITECH)]), journal=tmp_path / "j.sqlite", progress=False
        )
        res = outcome(checked, L_INITECH)
        assert (res["outcome"], res["code"]) == ("skipped", "contacts_removed")


def test_recheck_skips_refused_rows_and_converts_the_rest(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    plan = make_plan(
        [row(L_LOCKED), row(L_PAT, "merge", "merge", contact_id=C_PAT, account_id=A_ACME)]
    )
    report = execute(client, plan, journal=tmp_path / "j.sqlite", progress=False)
    assert outcome(report, L_LOCKED)["outcome"] == "skipped"
    assert outcome(report, L_LOCKED)["code"] == "lead_locked"
    pat = outcome(report, L_PAT)
    assert (pat["outcome"], pat["contact_id"], pat["account_id"]) == ("converted", C_PAT, A_ACME)
    assert not converted(org_sb, L_LOCKED) and converted(org_sb, L_PAT)
    assert dict(report.results.dtypes.astype(str)) == RESULTS_SCHEMA


def test_answer_dropped_after_the_change_is_settled_by_reading_back(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    org_sb.control.add_fault("drop_after", CONVERT_PATH, method="POST", count=1)
    contacts = count(org_sb, "Contacts")
    report = execute(
        client, make_plan([row(L_FRESH)]), journal=tmp_path / "j.sqlite", progress=False
    )
    res = outcome(report, L_FRESH)
    assert (res["outcome"], res["code"], res["attempts"]) == (
        "converted",
        "SETTLED_BY_READ_BACK",
        1,
    )
    with Journal(tmp_path / "j.sqlite") as jr:  # sent once, never again
        assert jr.attempts(run_id=report.run.run_id)["kind"].tolist() == ["single"]
    assert count(org_sb, "Contacts") == contacts + 1
    lead = org_sb.control.record("Leads", L_FRESH)
    assert lead is not None
    assert res["contact_id"] == lead["$converted_detail"]["Contacts"]["id"]


@pytest.mark.parametrize("fault", ["500", "drop_before"])
def test_a_request_that_did_not_take_effect_is_tried_again_after_reading_back(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path, fault: str
) -> None:
    org_sb.control.add_fault(fault, CONVERT_PATH, method="POST", count=1)
    report = execute(
        client, make_plan([row(L_FRESH)]), journal=tmp_path / "j.sqlite", progress=False
    )
    res = outcome(report, L_FRESH)
    assert (res["outcome"], res["attempts"]) == ("converted", 2)
    with Journal(tmp_path / "j.sqlite") as jr:
        att = jr.attempts(run_id=report.run.run_id)
    assert att["outcome"].tolist() == ["not_converted", "converted"]
    assert att["state"].tolist() == ["settled", "answered"]


def test_429s_are_absorbed(org_sb: Sandbox, client: CRMClient, tmp_path: Path) -> None:
    org_sb.control.add_fault("429", CONVERT_PATH, method="POST", count=3)
    report = execute(
        client, make_plan([row(L_FRESH)]), journal=tmp_path / "j.sqlite", progress=False
    )
    assert outcome(report, L_FRESH)["outcome"] == "converted"


def test_resume_settles_an_attempt_left_open_by_a_dead_process(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """The process journaled the attempt, sent it, and died before the answer was recorded."""
    plan = make_plan(
        [row(L_FRESH), row(L_INITECH, "create", "merge", account_id="2000000000000000003")]
    )
    path = tmp_path / "j.sqlite"
    with Journal(path) as jr:
        rows = [dict(r) for r in plan.to_dict("records")]
        run = jr.open_run(plan_hash(plan), rows, org=org_identity(client))
        req = request_for(rows[0])
        jr.begin(run.run_id, L_FRESH, kind="single", request=req.to_payload())
    client.convert_lead(L_FRESH, req)  # it did go out
    before = client.usage.calls.get("convert", 0)
    report = execute(client, plan, journal=path, progress=False)
    assert report.run.resumed and report.run.run_id == run.run_id
    assert outcome(report, L_FRESH)["code"] == "SETTLED_BY_READ_BACK"
    assert outcome(report, L_FRESH)["outcome"] == "converted"
    assert outcome(report, L_INITECH)["outcome"] == "converted"
    assert client.usage.calls["convert"] - before == 1  # only the second lead was sent


def test_rerun_of_a_finished_plan_converts_nothing_and_says_so(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    plan = make_plan(
        [row(L_FRESH), row(L_PAT, "merge", "merge", contact_id=C_PAT, account_id=A_ACME)]
    )
    first = execute(client, plan, journal=tmp_path / "j.sqlite", progress=False)
    assert first.converted_now == 2
    calls = dict(client.usage.calls)
    again = execute(client, plan, journal=tmp_path / "j.sqlite", progress=False)
    assert again.converted_now == 0
    assert "nothing to convert" in again.message
    assert client.usage.calls == calls  # not one call
    assert again.results["outcome"].tolist() == ["converted", "converted"]
    # the same leads in another plan are not sent again either
    other = execute(
        client,
        make_plan([row(L_FRESH, notify_lead_owner=True)]),
        journal=tmp_path / "j.sqlite",
        progress=False,
    )
    assert outcome(other, L_FRESH)["code"] == "CONVERTED_BY_CRMKIT"
    assert client.usage.calls.get("convert") == calls.get("convert")


def test_mass_convert_for_create_new_rows_sharing_options(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    rows = [row(lead, **DEAL) for lead in FRESH_MANY] + [row(L_PHONE_DUP, **DEAL)]
    report = execute(
        client,
        make_plan(rows),
        journal=tmp_path / "j.sqlite",
        recheck=False,
        progress=False,
        poll_interval=0.05,
    )
    res = report.results.set_index("lead_id")
    assert (res.loc[FRESH_MANY, "outcome"] == "converted").all()
    assert (res.loc[FRESH_MANY, "via"] == "mass").all()
    assert res.loc[FRESH_MANY, "deal_id"].notna().all()
    # the job failed the duplicate; Convert Lead then said why
    assert (res.loc[L_PHONE_DUP, "outcome"], res.loc[L_PHONE_DUP, "code"]) == (
        "failed",
        "DUPLICATE_DATA",
    )
    assert client.usage.calls["mass_convert"] == 2  # 61 leads: jobs of 50 and 11
    assert client.usage.calls["convert"] == 1
    for lead in FRESH_MANY:
        rec = org_sb.control.record("Leads", lead)
        assert rec is not None and rec["Converted__s"]
        assert rec["$converted_detail"]["Contacts"]["id"] == res.loc[lead, "contact_id"]


def test_journal_keeps_before_and_after_copies_and_no_secret(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    plan = make_plan([row(L_PAT, "merge", "merge", contact_id=C_PAT, account_id=A_ACME, **DEAL)])
    report = execute(client, plan, journal=tmp_path / "j.sqlite", progress=False)
    with Journal(tmp_path / "j.sqlite") as jr:
        snaps = jr.snapshots(run_id=report.run.run_id)
        created = jr.created(report.run.run_id)
    kinds = set(zip(snaps["phase"], snaps["module"], strict=True))
    assert kinds == {
        ("before", "Leads"),
        ("before", "Contacts"),
        ("after", "Leads"),
        ("after", "Contacts"),
        ("after", "Accounts"),
        ("after", "Deals"),
    }
    before_lead = json.loads(
        snaps[(snaps["phase"] == "before") & (snaps["module"] == "Leads")]["record_json"].iloc[0]
    )
    after_lead = json.loads(
        snaps[(snaps["phase"] == "after") & (snaps["module"] == "Leads")]["record_json"].iloc[0]
    )
    assert before_lead["Converted__s"] is False and after_lead["Converted__s"] is True
    assert created["contact_created"].tolist() == [False]
    assert created["deal_id"].notna().all()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("j.sqlite*"))
    for secret in (org_sb.credentials.client_secret, org_sb.credentials.refresh_token):
        assert secret.encode() not in raw
    assert b"Zoho-oauthtoken" not in raw


def test_spent_credits_stop_each_lead_at_once_and_a_rerun_finishes(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    leads = FRESH_MANY[:3]
    plan = make_plan([row(lead) for lead in leads])
    org_identity(client)  # crmkit's reads of the org are done: what follows is the conversion
    org_sb.control.configure(credits_per_day=1)
    options = {"journal": tmp_path / "j.sqlite", "progress": False, "mode": "single"}
    spent = execute(client, plan, recheck=False, snapshots=False, **options)
    assert spent.results["outcome"].tolist() == ["not_converted"] * 3
    assert set(spent.results["code"]) == {"TOO_MANY_REQUESTS"}
    with Journal(tmp_path / "j.sqlite") as jr:
        assert len(jr.attempts()) == 3  # one try per lead: no futile retries
    assert not any(org_sb.control.record("Leads", lead)["Converted__s"] for lead in leads)  # type: ignore[index]
    org_sb.control.configure(credits_per_day=100_000)
    again = execute(client, plan, recheck=False, snapshots=False, **options)
    assert again.converted_now == 3


def test_one_conversion_at_a_time_per_journal(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    path = tmp_path / "j.sqlite"
    plan = make_plan([row(L_FRESH)])
    with Journal(path) as other:
        with other.exclusive(), pytest.raises(JournalBusyError, match=rf"process {os.getpid()}"):
            execute(client, plan, journal=path, progress=False)
        assert other.attempts().empty  # refused before anything was journaled or sent
    assert outcome(execute(client, plan, journal=path, progress=False), L_FRESH)["outcome"] == (
        "converted"
    )


def test_refused_credentials_leave_the_lead_for_a_rerun(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    path = tmp_path / "j.sqlite"
    plan = make_plan([row(L_FRESH)])
    # The run binds its org first (GET /org): refused credentials stop it before anything is
    # journaled or sent, naming the refusal.
    bad = client_for(org_sb, refresh_token="revoked-refresh-token", edition="enterprise")
    with bad, pytest.raises(AuthError, match="refused"):
        execute(bad, plan, journal=path, recheck=False, snapshots=False, progress=False)
    assert not path.exists()
    again = execute(client, plan, journal=path, progress=False)
    assert outcome(again, L_FRESH)["outcome"] == "converted"


def test_an_account_other_than_planned_is_said_in_the_result(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """Re-check off: the Contact brings its own Account (Acme), not the plan's Initech."""
    plan = make_plan([row(L_PAT, "merge", "merge", contact_id=C_PAT, account_id=A_INITECH)])
    report = execute(client, plan, journal=tmp_path / "j.sqlite", recheck=False, progress=False)
    result = outcome(report, L_PAT)
    assert (result["outcome"], result["account_id"]) == ("converted", A_ACME)
    assert f"joined Account {A_ACME}, not the planned {A_INITECH}" in result["message"]
