"""Contact Roles over real HTTP: the list, org.json's `contact_roles`, a Deal's `Contact_Role`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import USERS, Api, lead

from crmkit.sandbox import Sandbox
from crmkit.sandbox.catalog import STANDARD_PIPELINE
from crmkit.sandbox.loader import DataDirError

Start = Callable[..., Sandbox]
L1 = "4876876000100000001"
ZOHO_ROLES = [
    "Purchasing",
    "Technical Buyer",
    "Economic Buyer",
    "Evaluator",
    "Executive Sponsor",
    "Influencer",
    "Decision Maker",
    "Developer/Evaluator",
    "Product Management",
    "Other",
]


def _deal(role: Any) -> dict[str, Any]:
    return {
        "Deal_Name": "D",
        "Closing_Date": "2026-06-30",
        "Pipeline": STANDARD_PIPELINE,
        "Stage": "Qualification",
        "Contact_Role": role,
    }


def _roles(api: Api) -> list[dict[str, Any]]:
    r = api.get("Contacts/roles")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"contact_roles"}
    return list(r.json()["contact_roles"])


def test_default_roles_are_zohos(small_sandbox: Start) -> None:
    sb = small_sandbox(leads=[lead(L1, "A", "B")], org={"users": USERS})
    roles = _roles(Api(sb))
    assert [r["name"] for r in roles] == ZOHO_ROLES
    assert [r["sequence_number"] for r in roles] == list(range(1, len(ZOHO_ROLES) + 1))
    assert all(set(r) == {"id", "name", "sequence_number"} for r in roles)
    assert all(r["id"].isdigit() and len(r["id"]) == 19 for r in roles)
    assert len({r["id"] for r in roles}) == len(roles)


def test_org_json_defines_the_roles(small_sandbox: Start) -> None:
    sb = small_sandbox(
        leads=[lead(L1, "A", "B")],
        org={"users": USERS, "contact_roles": ["Champion", {"name": "Buyer", "id": "77"}]},
    )
    roles = _roles(Api(sb))
    assert [(r["name"], r["sequence_number"]) for r in roles] == [("Champion", 1), ("Buyer", 2)]
    assert roles[1]["id"] == "77"


def test_org_json_bad_roles_name_the_key(make_org: Callable[..., Any]) -> None:
    path = make_org(leads=[lead(L1, "A", "B")], org={"users": USERS, "contact_roles": [""]})
    with pytest.raises(DataDirError, match="contact_roles"):
        Sandbox(path).start()


def test_deal_contact_role_is_validated_and_kept_on_the_relation(small_sandbox: Start) -> None:
    sb = small_sandbox(leads=[lead(L1, "A", "B", Company="Co")], org={"users": USERS})
    api = Api(sb)
    roles = {r["name"]: r["id"] for r in _roles(api)}
    for bad in ("1234567", "x", {"id": "999"}):
        r = api.convert(L1, Deals=_deal(bad))
        assert r.status_code == 400, r.text
        (item,) = r.json()["data"]
        assert item["code"] == "INVALID_DATA"
        assert item["details"] == {
            "api_name": "Contact_Role",
            "json_path": "$.data[0].Deals.Contact_Role",
        }
    r = api.convert(L1, Deals=_deal(roles["Decision Maker"]))
    assert r.status_code == 200, r.text
    details = r.json()["data"][0]["details"]
    deal = sb.control.record("Deals", details["Deals"]["id"])
    assert deal is not None and "Contact_Role" not in deal and "$contact_role" not in deal
    assert deal["$contact_roles"] == [
        {
            "Contact_Role": {"name": "Decision Maker", "id": roles["Decision Maker"]},
            "id": details["Contacts"]["id"],
        }
    ]
    shown = api.get(f"Deals/{deal['id']}").json()["data"][0]
    assert not any(k.startswith("$contact") for k in shown)  # not a field of the Deal record
