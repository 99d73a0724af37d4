"""Answer shapes as Zoho gives them (issue 12): ids, candidates, matched values, wordings.

Over real HTTP on small orgs; each test pins what a Zoho client (crmkit's frames among them) reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox_helpers import Api, zylker_org

from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
ZOHO_ID = re.compile(r"^4876876000\d{9}$")  # the org prefix, a run of zeros, a sequence


def _ids_of(api: Api) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for module in ("Leads", "Contacts", "Accounts", "Deals"):
        fields = api.get("settings/fields", module=module).json()["fields"]
        out[f"fields:{module}"] = {f["api_name"]: f["id"] for f in fields}
        out[f"picks:{module}"] = {
            (f["api_name"], v["actual_value"]): v["id"]
            for f in fields
            for v in f["pick_list_values"]
        }
        layouts = api.get("settings/layouts", module=module).json()["layouts"]
        out[f"layouts:{module}"] = {x["name"]: x["id"] for x in layouts}
    users = api.get("users", type="AllUsers").json()["users"]
    out["roles"] = {u["role"]["name"]: u["role"]["id"] for u in users}
    out["profiles"] = {u["profile"]["name"]: u["profile"]["id"] for u in users}
    return out


def test_metadata_ids_are_zoho_shaped_unique_and_stable(small_sandbox: Start) -> None:
    org = zylker_org(layouts={"Accounts": ["Standard", "Partner"], "Leads": ["Standard", "Web"]})
    org["leads"][0]["Region__c"] = "APAC"
    org["contacts"][0]["Tier__c"] = "Gold"
    sb = small_sandbox(**org)
    first = _ids_of(Api(sb))
    every = [i for group in first.values() for i in group.values()]
    assert every and all(ZOHO_ID.match(i) for i in every), [
        i for i in every if not ZOHO_ID.match(i)
    ]
    assert len(set(every)) == len(every)  # no id names two things
    assert "Region__c" in first["fields:Leads"] and "Tier__c" in first["fields:Contacts"]
    assert set(first["layouts:Accounts"]) == {"Standard", "Partner"}
    # the same ids on the next call, and from a fresh sandbox on the same data directory
    assert _ids_of(Api(sb)) == first
    again = small_sandbox(sb.data)
    assert _ids_of(Api(again)) == first


def test_answers_name_fields_and_layouts_by_their_metadata_ids(small_sandbox: Start) -> None:
    sb = small_sandbox(**zylker_org())
    api = Api(sb)
    ids = _ids_of(api)
    o = api.options("4876876000007445001").json()["__conversion_options"]
    for module in ("Contacts", "Accounts"):
        for entry in o["preference_field_matched_value"][module]:
            assert entry["field"]["id"] == ids[f"fields:{module}"][entry["field"]["api_name"]]
    account = o["Accounts"][0]
    assert account["Layout"]["id"] == ids["layouts:Accounts"][account["Layout"]["name"]]
    leads_layout = api.get("settings/layouts", module="Leads").json()["layouts"][0]
    mapping = leads_layout["convert_mapping"]
    assert mapping["Accounts"]["id"] == ids["layouts:Accounts"]["Standard"]
    for f in mapping["Deals"]["fields"]:
        assert f["id"] == ids["fields:Deals"][f["api_name"]]
