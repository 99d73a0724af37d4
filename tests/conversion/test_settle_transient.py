"""Nothing transient becomes permanent: re-check failures, restored journals, lost mass job ids.

Each test runs the real engine against a real sandbox; faults are the sandbox's own.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from conversion_support import FRESH_MANY, L_FRESH

from crmkit.api import CRMClient
from crmkit.conversion import Journal, execute, make_plan
from crmkit.conversion.org_binding import org_identity
from crmkit.conversion.plan import plan_hash, rows_of
from crmkit.conversion.settle import converted_ids
from crmkit.sandbox import Sandbox

OPTIONS_PATH = "/crm/v8/Leads/*/__conversion_options"


def row(lead: str) -> dict[str, Any]:
    return {"lead_id": lead, "contact_action": "create", "account_action": "create"}


def outcomes(report: Any) -> dict[str, str]:
    return dict(zip(report.results["lead_id"], report.results["outcome"], strict=True))


def test_a_5xx_during_the_recheck_leaves_the_lead_for_the_next_run(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """Before: the lead was `skipped` (options_error) and a rerun said "nothing to convert"."""
    plan = make_plan([row(L_FRESH), row(FRESH_MANY[0])])
    org_identity(client)
    org_sb.control.add_fault("500", f"/crm/v8/Leads/{L_FRESH}/__conversion_options", count=None)
    path = tmp_path / "j.sqlite"
    first = execute(client, plan, journal=path, progress=False, mode="single")
    assert outcomes(first) == {L_FRESH: "not_converted", FRESH_MANY[0]: "converted"}
    res = first.results.set_index("lead_id")
    assert res.loc[L_FRESH, "code"] == "RECHECK_UNAVAILABLE"
    assert "re-check could not read the lead" in str(res.loc[L_FRESH, "message"])
    assert not first.finished
    org_sb.control.clear_faults()
    again = execute(client, plan, journal=path, progress=False, mode="single")  # no retry_failed
    assert outcomes(again) == {L_FRESH: "converted", FRESH_MANY[0]: "converted"}
    assert again.converted_now == 1


def test_spent_credits_during_the_recheck_metadata_leave_every_lead_open(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    plan = make_plan([row(L_FRESH)])
    org_identity(client)
    org_sb.control.add_fault("500", "/crm/v8/settings/modules", count=None)
    path = tmp_path / "j.sqlite"
    first = execute(client, plan, journal=path, progress=False)
    assert outcomes(first) == {L_FRESH: "not_converted"}
    org_sb.control.clear_faults()
    assert outcomes(execute(client, plan, journal=path, progress=False)) == {L_FRESH: "converted"}


def test_a_restored_journal_settles_its_lost_conversions_by_read_back(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """The backup lost the last commits (the attempts at two leads): they are crmkit's own.

    Before: "skipped lead_converted", left out of the audit export, exit 1.
    """
    leads = FRESH_MANY[:4]
    plan = make_plan([row(x) for x in leads])
    path = tmp_path / "j.sqlite"
    first = execute(client, plan, journal=path, progress=False, mode="single")
    assert first.converted_now == 4
    lost = leads[2:]
    db = sqlite3.connect(path)
    with db:
        db.execute(
            "DELETE FROM snapshots WHERE attempt_id IN (SELECT attempt_id FROM attempts "
            "WHERE lead_id IN (?, ?))",
            lost,
        )
        db.execute("DELETE FROM attempts WHERE lead_id IN (?, ?)", lost)
        db.execute("UPDATE runs SET status = 'running', finished_at = NULL")
    db.close()
    calls = client.usage.calls.get("convert", 0)
    again = execute(client, plan, journal=path, progress=False, mode="single")
    assert again.run.resumed
    assert outcomes(again) == dict.fromkeys(leads, "converted")
    assert client.usage.calls.get("convert", 0) == calls  # nothing sent again
    res = again.results.set_index("lead_id")
    for lead in lost:
        assert res.loc[lead, "code"] == "SETTLED_BY_READ_BACK"
        assert "restored from a backup" in str(res.loc[lead, "message"])
        record = org_sb.control.record("Leads", lead)
        assert res.loc[lead, "contact_id"] == converted_ids(record)["Contacts"]
    with Journal(path) as jr:
        assert sorted(jr.created(again.run.run_id)["lead_id"]) == sorted(leads)


def test_a_lead_someone_else_converted_is_still_skipped(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """The settling above does not swallow real refusals: converted before the run began."""
    lead = FRESH_MANY[5]
    with client_for_other(org_sb) as other:
        other.convert_lead(lead, make_request())
    report = execute(client, make_plan([row(lead)]), journal=tmp_path / "j.sqlite", progress=False)
    assert outcomes(report) == {lead: "skipped"}


def client_for_other(sb: Sandbox) -> CRMClient:
    from conversion_support import client_for

    return client_for(sb)


def make_request() -> Any:
    from crmkit.conversion.plan import request_for

    return request_for(rows_of(make_plan([row(FRESH_MANY[5])]))[0])


def test_a_mass_job_whose_id_was_lost_is_waited_for_and_settled(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """A run sent a Mass Convert and died before journaling the job id; the job is slow.

    Before: the resumed run read the leads back unconverted, re-checked them while the job
    converted them, and recorded them `skipped` (lead_converted).
    """
    leads = FRESH_MANY[10:14]
    plan = make_plan([row(x) for x in leads])
    path = tmp_path / "j.sqlite"
    org_sb.control.configure(mass_convert_progress="time", mass_convert_step_ms=1500)
    with Journal(path) as jr:
        rows = rows_of(plan)
        run = jr.open_run(plan_hash(plan), rows, org=org_identity(client))
        from crmkit.api.models import MassConvertRequest

        owner = org_sb.control.record("Leads", leads[0])["Owner"]["id"]  # type: ignore[index]
        request = MassConvertRequest(ids=list(leads), assign_to=owner)  # as crmkit sends it
        jr.begin_many(run.run_id, leads, kind="mass", request=request.to_payload())
    client.mass_convert(request)  # the job exists; its id never reached the journal
    time.sleep(0.2)
    assert not any(org_sb.control.record("Leads", x)["Converted__s"] for x in leads)  # type: ignore[index]
    sent = client.usage.calls.get("mass_convert", 0)
    report = execute(client, plan, journal=path, progress=False, poll_interval=0.2, mass_timeout=30)
    assert report.run.resumed
    assert outcomes(report) == dict.fromkeys(leads, "converted")
    # Waited for the job instead of sending the leads again (a job of its own or Convert Lead).
    assert client.usage.calls.get("mass_convert", 0) == sent
    assert client.usage.calls.get("convert", 0) == 0
    with Journal(path) as jr:
        assert sorted(jr.created(run.run_id)["lead_id"]) == sorted(leads)
        assert (jr.attempts(run_id=run.run_id)["outcome"] != "skipped").all()
