"""Mass Convert (zoho-api.md §6): scheduling, job status progression, counts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sandbox_helpers import USERS, Api, contact, lead

from crmkit.sandbox import Sandbox
from crmkit.sandbox.catalog import STANDARD_PIPELINE  # the default org's pipeline

Start = Callable[..., Sandbox]
IDS = [str(4876876000100000000 + i) for i in range(6)]
JOB_IDS = [i for n, i in enumerate(IDS) if n != 2]  # the already converted lead refuses a request
ASSIGN = {"id": USERS[0]["id"]}  # mandatory for Mass Convert
DEAL = {
    "Deal_Name": "Bulk",
    "Closing_Date": "2026-06-30",
    "Stage": "Qualification",
    "Pipeline": STANDARD_PIPELINE,
}


def _sb(small_sandbox: Start) -> Sandbox:
    leads = [
        lead(i, "F", f"L{n}", Email=f"l{n}@x.test", Company=f"Co {n}", Tag=["Hot"])
        for n, i in enumerate(IDS)
    ]
    leads[1]["Locked__s"] = True
    leads[2]["Converted__s"] = True
    leads[3]["Phone"] = "555-0100"  # duplicate of a contact's unique Phone
    return small_sandbox(
        leads=leads,
        contacts=[contact("4876876000200000001", "X", "Y", Phone="555-0100")],
        org={
            "users": USERS,
            "unique_fields": {"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
        },
    )


def status(api: Api, job_id: str) -> dict[str, Any]:
    r = api.get("Leads/actions/mass_convert", job_id=job_id)
    assert r.status_code == 200, r.text
    (row,) = r.json()["data"]
    return dict(row)


def test_job_goes_scheduled_in_progress_completed(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    sb.control.configure(mass_convert_progress="poll")
    api = Api(sb)
    r = api.post(
        "Leads/actions/mass_convert",
        {
            "ids": [int(JOB_IDS[0]), *JOB_IDS[1:]],
            "Deals": DEAL,
            "assign_to": ASSIGN,
            "carry_over_tags": [{"api_name": "Contacts", "id": "4876876000000002179"}],
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "SCHEDULED" and body["status"] == "success"
    assert body["message"] == "Mass Convert scheduled successfully"
    job = body["details"]["job_id"]
    assert isinstance(job, str)
    s1, s2, s3 = status(api, job), status(api, job), status(api, job)
    assert s1 == {
        "Status": "SCHEDULED",
        "Total_Count": 5,
        "Converted_Count": 0,
        "Not_Converted_Count": 5,
        "Failed_Count": 0,
    }
    assert s2["Status"] == "IN PROGRESS" and s2["Not_Converted_Count"] == 2
    # leads 1 (locked) and 3 (duplicate Phone) fail
    assert s3 == {
        "Status": "COMPLETED",
        "Total_Count": 5,
        "Converted_Count": 3,
        "Not_Converted_Count": 0,
        "Failed_Count": 2,
    }
    assert status(api, job) == s3
    converted = sb.control.record("Leads", IDS[0])
    assert converted is not None and converted["Converted__s"] is True
    contact_id = converted["$converted_detail"]["Contacts"]["id"]
    c = api.get(f"Contacts/{contact_id}").json()["data"][0]
    assert [t["name"] for t in c["Tag"]] == ["Hot"]
    assert converted["$converted_detail"]["Deals"]["name"] == "Bulk"
    assert sb.control.record("Leads", IDS[3])["Converted__s"] is False  # type: ignore[index]


def test_job_runs_on_its_own_in_time_mode(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    sb.control.configure(mass_convert_step_ms=20)
    api = Api(sb)
    r = api.post("Leads/actions/mass_convert", {"ids": JOB_IDS, "assign_to": ASSIGN})
    job = r.json()["details"]["job_id"]
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        s = status(api, job)
        seen.append(s["Status"])
        if s["Status"] == "COMPLETED":
            break
        time.sleep(0.01)
    assert seen[-1] == "COMPLETED"
    order = ["SCHEDULED", "IN PROGRESS", "COMPLETED"]
    assert [order.index(x) for x in seen] == sorted(order.index(x) for x in seen)
    assert s["Converted_Count"] == 3 and s["Failed_Count"] == 2


def test_mass_convert_errors(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    api = Api(sb)
    r = api.post(
        "Leads/actions/mass_convert",
        {"ids": [str(i) for i in range(4876876000100000000, 4876876000100000051)]},
    )
    assert r.status_code == 400 and r.json()["code"] == "LIMIT_EXCEEDED"
    r = api.post("Leads/actions/mass_convert", {})
    assert r.status_code == 400 and r.json()["code"] == "MANDATORY_NOT_FOUND"
    r = api.post("Leads/actions/mass_convert", {"ids": ["x1"]})
    assert r.status_code == 400 and r.json()["details"]["json_path"] == "$.ids[0]"
    r = api.post(
        "Leads/actions/mass_convert",
        {"ids": JOB_IDS, "Deals": {"Deal_Name": "x"}, "assign_to": ASSIGN},
    )
    assert r.status_code == 400 and r.json()["code"] == "MANDATORY_NOT_FOUND"
    assert r.json()["details"]["json_path"] == "$.Deals.Closing_Date"
    r = api.post("Leads/actions/mass_convert", {"ids": JOB_IDS, "assign_to": {"id": "1"}})
    assert r.status_code == 400 and r.json()["details"]["api_name"] == "assign_to"
    r = api.get("Leads/actions/mass_convert", job_id="123")
    assert r.status_code == 400 and r.json()["code"] == "INVALID_DATA"
    r = api.get("Leads/actions/mass_convert")
    assert r.status_code == 400 and r.json()["code"] == "REQUIRED_PARAM_MISSING"
