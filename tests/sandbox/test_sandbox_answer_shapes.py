"""Answer shapes as Zoho gives them (issue 12): ids, candidates, matched values, wordings.

Over real HTTP on small orgs; each test pins what a Zoho client (crmkit's frames among them) reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox_helpers import USERS, Api, zylker_org

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


# Messages Zoho's documentation quotes, per code (zoho-api.md §1/§5/§6 and the `message` enums of
# zoho-oas: record.json, convert_lead.json, mass_convert.json). RECORD_LOCKED and NOT_APPROVED
# are pinned with the lock rules (tests of the locks).
QUOTED = {
    "INVALID_DATA": "invalid data",
    "ID_ALREADY_CONVERTED": "id already converted",
    "MANDATORY_NOT_FOUND": "required field not found",
    "MAPPING_MISMATCH": "Pipeline doesn`t contain the Stage",
    "DUPLICATE_DATA": "duplicate data",
    "NO_PERMISSION": "permission denied",
    "INVALID_URL_PATTERN": "Please check if the URL trying to access is a correct one",
    "INVALID_MODULE": "The module name given seems to be invalid",
    "REQUIRED_PARAM_MISSING": "One of the expected parameter is missing",
    "INVALID_QUERY": "invalid query formed",
    "INTERNAL_ERROR": "Internal server error occurred.",
    "INVALID_REQUEST_METHOD": "The http request method type is not a valid one",
    "AUTHENTICATION_FAILURE": "Authentication failed",
    "INVALID_TOKEN": "invalid oauth token",
    "SUCCESS": "The record has been converted successfully",
    "SCHEDULED": "Mass Convert scheduled successfully",
}
LIMIT_MESSAGES = {"Max field limit exceeded", "Record count exceeded"}  # record.json's


def _code_and_message(r: Any) -> tuple[str, str]:
    body = r.json()
    inner = body["data"][0] if "data" in body else body
    return str(inner["code"]), str(inner["message"])


def test_error_messages_use_zohos_quoted_wording(small_sandbox: Start) -> None:
    from sandbox_helpers import PAT_LEAD, PAT_PHONE_CONTACT

    sb = small_sandbox(**zylker_org())
    api = Api(sb)
    deal = {"Deal_Name": "D", "Closing_Date": "2026-06-30", "Pipeline": "Standard (Standard)"}
    many = ",".join(["Email"] * 51)
    answers = [
        api.options("4876876000199999999"),
        api.convert(PAT_LEAD, Deals=deal),  # no Stage
        api.convert(PAT_LEAD, Deals={**deal, "Stage": "Nope"}),
        api.convert(PAT_LEAD),  # a new contact would repeat the unique Phone
        api.get("Nope/x/y/z"),
        api.get("Widgets", fields="Email"),
        api.get("Leads"),
        api.get("Leads/search", criteria="(Email:bogus:x)"),
        api.http.delete("/crm/v8/Leads", headers=api.auth),
        api.http.get("/crm/v8/Leads", params={"fields": "Email"}),
        api.http.get(
            "/crm/v8/Leads",
            params={"fields": "Email"},
            headers={"Authorization": "Zoho-oauthtoken x"},
        ),
        api.post(
            "Leads/actions/mass_convert", {"ids": [PAT_LEAD], "assign_to": {"id": USERS[0]["id"]}}
        ),
        api.convert(PAT_LEAD, Contacts={"id": PAT_PHONE_CONTACT}),
        api.options(PAT_LEAD),  # converted now
    ]
    seen = {}
    for r in answers:
        code, message = _code_and_message(r)
        seen[code] = message
    for code, message in seen.items():
        assert message == QUOTED[code], (code, message)
    assert set(seen) == set(QUOTED) - {"INTERNAL_ERROR", "NO_PERMISSION"}
    for r in (
        api.get("Leads", fields=many),
        api.post("Leads/actions/mass_convert", {"ids": ["1"] * 51}),
    ):
        code, message = _code_and_message(r)
        assert code == "LIMIT_EXCEEDED" and message in LIMIT_MESSAGES, (code, message)
    sb.control.add_fault("500", "/crm/v8/org")
    assert _code_and_message(api.get("org")) == ("INTERNAL_ERROR", QUOTED["INTERNAL_ERROR"])
    sb.control.reset()  # the lead is open again
    sb.control.configure(removed_modules=["Contacts"])
    r = api.convert(PAT_LEAD)
    assert r.status_code == 403 and _code_and_message(r) == ("NO_PERMISSION", "permission denied")
