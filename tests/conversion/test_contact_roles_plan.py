"""A plan picks a Deal's Contact Role by name: validated against the org's roles, sent as the id.

Real sandbox over HTTP: the client reads `Contacts/roles`, validation names an unknown role, and
`execute` converts with the role's id (the sandbox refuses anything else).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conversion_support import client_for

from crmkit.conversion import blocked_leads, estimate, execute, make_plan, recheck
from crmkit.sandbox import Sandbox
from crmkit.sandbox.catalog import STANDARD_PIPELINE

OWNER = {"id": "4876876000000225001", "full_name": "Ava Raman", "email": "ava@zylker.test"}
L1, L2, L3 = "4876876000100000001", "4876876000100000002", "4876876000100000003"


def _row(lead: str, role: str) -> dict[str, Any]:
    return {
        "lead_id": lead,
        "contact_action": "create",
        "account_action": "create",
        "deal_name": "D",
        "closing_date": "2026-06-30",
        "pipeline": STANDARD_PIPELINE,
        "stage": "Qualification",
        "contact_role": role,
    }


def test_role_by_name(small_sandbox: Callable[..., Sandbox], tmp_path: Path) -> None:
    leads = [{"id": i, "Last_Name": f"L{i[-1]}", "Company": f"Co {i[-1]}"} for i in (L1, L2, L3)]
    sb = small_sandbox(leads=leads, org={"users": [OWNER]})
    with client_for(sb) as client:
        roles = {r["name"]: r["id"] for r in client.contact_roles()}
        assert "Decision Maker" in roles and "Technical Buyer" in roles
        plan = make_plan(
            [
                _row(L1, "decision maker"),  # names compare ignoring case
                _row(L2, roles["Technical Buyer"]),  # an id still works
                _row(L3, "Chief Yes-Sayer"),
            ]
        )
        problems = recheck(client, plan)
        assert blocked_leads(problems) == [L3]
        bad = problems[problems["lead_id"] == L3].iloc[0]
        assert (bad["rule"], bad["column"]) == ("contact_role_unknown", "contact_role")
        assert "Chief Yes-Sayer" in bad["reason"] and "Decision Maker" in bad["reason"]
        report = execute(client, plan, journal=tmp_path / "j.sqlite", mode="single", progress=False)
    res = report.results.set_index("lead_id")
    assert res.loc[L1, "outcome"] == "converted" and res.loc[L2, "outcome"] == "converted"
    assert res.loc[L3, "outcome"] != "converted"
    for lead, name in ((L1, "Decision Maker"), (L2, "Technical Buyer")):
        deal = sb.control.record("Deals", str(res.loc[lead, "deal_id"]))
        assert deal is not None
        assert deal["$contact_roles"][0]["Contact_Role"] == {"name": name, "id": roles[name]}
    assert estimate(plan).calls["metadata"] == 6  # modules, 3 x fields, users, Contact Roles
