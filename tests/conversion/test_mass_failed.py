"""A Mass Convert job that ends FAILED: every lead settled by read-back, none converted twice.

The sandbox's `mass_convert_failed` fault makes the job convert half of its leads and fail; crmkit
must not trust the counts, read each lead back, keep the converted ones, and convert the rest by
Convert Lead — each lead's journal explaining what happened to it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conversion_support import client_for

from crmkit.conversion import Journal, execute, make_plan
from crmkit.sandbox import Sandbox

OWNER = {"id": "4876876000000225001", "full_name": "Ava Raman", "email": "ava@zylker.test"}
IDS = [f"48768760001000000{i:02d}" for i in range(6)]


def test_failed_job_leads_end_explained_and_converted_once(
    small_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    start = small_sandbox
    leads = [
        {"id": i, "Last_Name": f"L{n}", "Company": f"Co {n}", "Owner": {"id": OWNER["id"]}}
        for n, i in enumerate(IDS)
    ]
    sb = start(leads=leads, org={"users": [OWNER]})
    sb.control.configure(mass_convert_progress="poll")
    sb.control.add_fault("mass_convert_failed", "/crm/v8/Leads/actions/mass_convert", method="POST")
    plan = make_plan(
        [{"lead_id": i, "contact_action": "create", "account_action": "create"} for i in IDS]
    )
    with client_for(sb) as client:
        report = execute(
            client,
            plan,
            journal=tmp_path / "j.sqlite",
            mode="mass",
            progress=False,
            poll_interval=0.01,
        )
    res = report.results.set_index("lead_id")
    assert (res.loc[IDS, "outcome"] == "converted").all()
    with Journal(tmp_path / "j.sqlite") as jr:
        attempts = jr.attempts()
    mass = attempts[attempts["kind"] == "mass"].set_index("lead_id")
    assert set(mass.index) == set(IDS)
    settled = mass.loc[IDS, "outcome"].tolist()
    assert settled.count("converted") == 3 and settled.count("not_converted") == 3
    for lead_id in IDS:  # each mass attempt says the job FAILED and what the read-back found
        message = str(mass.loc[lead_id, "message"])
        assert "FAILED" in message and "reads back" in message
    singles = attempts[attempts["kind"] == "single"]
    assert sorted(singles["lead_id"]) == sorted(mass[mass["outcome"] == "not_converted"].index)
    assert (singles["outcome"] == "converted").all()
    # from the sandbox itself: one Contact per lead, each lead converted into its own
    state = sb.control.state()
    assert state["counts"]["Contacts"]["total"] == len(IDS)
    assert state["jobs"] and next(iter(state["jobs"].values()))["Status"] == "FAILED"
    contacts = {sb.control.record("Leads", i)["$converted_detail"]["Contacts"]["id"] for i in IDS}  # type: ignore[index]
    assert len(contacts) == len(IDS)
