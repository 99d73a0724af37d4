"""Mass Convert validated up front as Zoho does, every documented key honoured, FAILED jobs.

Zoho refuses the whole request (no job) for an unknown or already converted lead id, naming it;
`assign_to` is mandatory (v7 docs); `related_modules`, `carry_over_tags` and `Deals` are honoured,
`portal_user_type` refused (the org has no client portal); the `mass_convert_failed` fault makes
a job convert half of its leads and end FAILED.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import USERS, Api, lead

from crmkit.sandbox import Sandbox
from crmkit.sandbox.catalog import STANDARD_PIPELINE

Start = Callable[..., Sandbox]
IDS = [str(4876876000100000000 + i) for i in range(4)]
CONVERTED = "4876876000100000009"
ASSIGN = {"id": USERS[1]["id"]}
PATH = "Leads/actions/mass_convert"
DEAL = {
    "Deal_Name": "Bulk",
    "Closing_Date": "2026-06-30",
    "Stage": "Qualification",
    "Pipeline": STANDARD_PIPELINE,
}


@pytest.fixture
def sb(small_sandbox: Start) -> Sandbox:
    leads = [
        lead(i, "F", f"L{n}", Email=f"l{n}@x.test", Company=f"Co {n}", Tag=["Hot"])
        for n, i in enumerate(IDS)
    ]
    leads.append(lead(CONVERTED, "F", "Done", Converted__s=True))
    box = small_sandbox(leads=leads, org={"users": USERS})
    box.control.configure(mass_convert_progress="poll")
    return box


def _error(r: Any) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    body = r.json()
    assert "data" not in body and body["status"] == "error"  # bare: the request is refused
    return dict(body)


def _no_job(sb: Sandbox) -> None:
    assert sb.control.state()["jobs"] == {}
    assert all(not sb.control.record("Leads", i)["Converted__s"] for i in IDS)  # type: ignore[index]


@pytest.mark.parametrize("bad", ["4876876000100000077", CONVERTED])
def test_unknown_or_converted_ids_refuse_the_request(sb: Sandbox, bad: str) -> None:
    body = _error(Api(sb).post(PATH, {"ids": [IDS[0], bad], "assign_to": ASSIGN}))
    assert body["code"] == "INVALID_DATA"
    assert body["details"] == {"api_name": "ids", "json_path": "$.ids[1]", "id": bad}
    _no_job(sb)


def test_assign_to_is_mandatory(sb: Sandbox) -> None:
    body = _error(Api(sb).post(PATH, {"ids": IDS}))
    assert body["code"] == "MANDATORY_NOT_FOUND"
    assert body["details"] == {"api_name": "assign_to", "json_path": "$.assign_to"}
    _no_job(sb)


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"portal_user_type": {"id": "1", "api_name": "Contacts"}}, "$.portal_user_type"),
        ({"apply_assignment_threshold": "yes"}, "$.apply_assignment_threshold"),
        ({"related_modules": [{"api_name": "Products"}]}, "$.related_modules[0]"),
        ({"carry_over_tags": [{"api_name": "Deals"}]}, "$.carry_over_tags[0]"),  # no Deals
    ],
)
def test_refused_keys(sb: Sandbox, extra: dict[str, Any], path: str) -> None:
    body = _error(Api(sb).post(PATH, {"ids": IDS, "assign_to": ASSIGN, **extra}))
    assert body["code"] == "INVALID_DATA" and body["details"]["json_path"] == path
    _no_job(sb)


def test_every_documented_key_is_honoured(sb: Sandbox) -> None:
    api = Api(sb)
    body = {
        "ids": IDS[:2],
        "Deals": DEAL,
        "assign_to": ASSIGN,
        "carry_over_tags": [{"api_name": "Deals", "id": "4876876000000002181"}],
        "move_attachments_to": {"api_name": "Deals"},
        "related_modules": [{"api_name": "Tasks", "id": "4876876000000002193"}],
        "apply_assignment_threshold": False,
    }
    r = api.post(PATH, body)
    assert r.status_code == 200, r.text
    job = r.json()["details"]["job_id"]
    for _ in range(3):
        last = api.get(PATH, job_id=job).json()["data"][0]
    assert last["Status"] == "COMPLETED" and last["Converted_Count"] == 2
    rec = sb.control.record("Leads", IDS[0])
    assert rec is not None
    detail = rec["$converted_detail"]
    deal = sb.control.record("Deals", detail["Deals"]["id"])
    assert deal is not None and deal["Deal_Name"] == "Bulk" and deal["Owner"]["id"] == ASSIGN["id"]
    assert [t["name"] for t in deal["Tag"]] == ["Hot"]
    contact = sb.control.record("Contacts", detail["Contacts"]["id"])
    assert contact is not None and contact["Owner"]["id"] == ASSIGN["id"]
    assert contact["Tag"] == []  # tags went to Deals only
    assert detail["move_attachments_to"] == {"api_name": "Deals", "id": deal["id"]}
    assert detail["related_modules"] == [
        {"api_name": "Tasks", "moved_to": {"api_name": "Contacts", "id": contact["id"]}}
    ]


@pytest.mark.parametrize("progress", ["poll", "time"])
def test_fault_makes_the_job_end_failed(sb: Sandbox, progress: str) -> None:
    sb.control.configure(mass_convert_progress=progress, mass_convert_step_ms=20)
    sb.control.add_fault("mass_convert_failed", "/crm/v8/Leads/actions/mass_convert", method="POST")
    api = Api(sb)
    r = api.post(PATH, {"ids": IDS, "assign_to": ASSIGN})
    assert r.status_code == 200 and r.json()["code"] == "SCHEDULED"
    job = r.json()["details"]["job_id"]
    seen: list[str] = []
    for _ in range(500):
        last = api.get(PATH, job_id=job).json()["data"][0]
        seen.append(last["Status"])
        if last["Status"] in ("COMPLETED", "FAILED"):
            break
        sb.control.state()  # a moment for the time-mode task
    assert last == {
        "Status": "FAILED",
        "Total_Count": 4,
        "Converted_Count": 2,
        "Not_Converted_Count": 2,
        "Failed_Count": 0,
    }
    done = [bool(sb.control.record("Leads", i)["Converted__s"]) for i in IDS]  # type: ignore[index]
    assert done == [True, True, False, False]
    # the fault fired once: the next job completes
    r2 = api.post(PATH, {"ids": IDS[2:], "assign_to": ASSIGN})
    job2 = r2.json()["details"]["job_id"]
    for _ in range(500):
        after = api.get(PATH, job_id=job2).json()["data"][0]
        if after["Status"] in ("COMPLETED", "FAILED"):
            break
    assert after["Status"] == "COMPLETED" and after["Converted_Count"] == 2
