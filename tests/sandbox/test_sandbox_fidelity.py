"""Key names, types and envelopes the sandbox must share with Zoho (zoho-api.md, zoho-oas/).

Each test pins a detail a Zoho client reads: the listing `info` block, field metadata keys, the
message of request-level INVALID_DATA bodies, ids as JSON numbers, bodies without Content-Type.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sandbox_helpers import (
    PAT_LEAD,
    PAT_PHONE_CONTACT,
    REP,
    ZYLKER,
    Api,
    lead,
    zylker_org,
)

from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
OTHER_LEAD = "4876876000007445002"


def _sb(small_sandbox: Start) -> Sandbox:
    org = zylker_org()
    org["leads"].append(lead(OTHER_LEAD, "Ann", "Lee", Email="ann@lee.test"))
    return small_sandbox(**org)


def test_listing_info_carries_every_documented_key(small_sandbox: Start) -> None:
    api = Api(_sb(small_sandbox))
    info = api.get("Leads", fields="Last_Name", per_page=1).json()["info"]
    assert set(info) == {
        "call",
        "per_page",
        "count",
        "page",
        "more_records",
        "next_page_token",
        "previous_page_token",
        "page_token_expiry",
        "sort_by",
        "sort_order",
        "email",
    }
    assert info["call"] is False and info["email"] is False
    assert info["per_page"] == 1 and info["count"] == 1 and info["page"] == 1
    assert info["more_records"] is True and isinstance(info["next_page_token"], str)
    assert isinstance(info["page_token_expiry"], str) and info["previous_page_token"] is None
    assert (info["sort_by"], info["sort_order"]) == ("id", "desc")


def test_field_metadata_keys_and_types(small_sandbox: Start) -> None:
    api = Api(_sb(small_sandbox))
    for module in ("Leads", "Contacts", "Accounts", "Deals"):
        fields = api.get("settings/fields", module=module).json()["fields"]
        for f in fields:
            assert isinstance(f["api_name"], str) and isinstance(f["id"], str), f
            assert f["id"].isdigit() and isinstance(f["field_label"], str), f
            assert isinstance(f["data_type"], str) and type(f["length"]) is int, f
            assert type(f["system_mandatory"]) is bool and type(f["read_only"]) is bool, f
            assert isinstance(f["unique"], dict), f
            # Zoho sends pick_list_values on every field, empty unless it is a picklist
            values = f["pick_list_values"]
            assert isinstance(values, list), f
            assert bool(values) == (f["data_type"] == "picklist"), f
            for i, v in enumerate(values, 1):
                assert v["actual_value"] == v["display_value"] and v["id"].isdigit()
                assert v["sequence_number"] == i and v["type"] == "used"
            if module == "Leads":
                assert set(f["convert_mapping"]) == {"Contacts", "Accounts", "Deals"}
            else:
                assert "convert_mapping" not in f


def test_bad_lead_id_bodies_say_invalid_data(small_sandbox: Start) -> None:
    api = Api(_sb(small_sandbox))
    expected = {
        "code": "INVALID_DATA",
        "details": {"resource_path_index": 1},
        "message": "invalid data",
        "status": "error",
    }
    for r in (
        api.options("4876876000199999999"),
        api.convert("4876876000199999999"),
        api.convert("not-an-id"),
    ):
        assert r.status_code == 400 and r.json() == expected


def test_convert_body_with_two_items_is_a_bare_invalid_data(small_sandbox: Start) -> None:
    api = Api(_sb(small_sandbox))
    r = api.post(f"Leads/{PAT_LEAD}/actions/convert", {"data": [{}, {}]})
    assert r.status_code == 400
    assert r.json() == {
        "code": "INVALID_DATA",
        "details": {"api_name": "data", "json_path": "$.data"},
        "message": "invalid data",
        "status": "error",
    }


def test_numeric_ids_without_content_type_come_back_as_strings(small_sandbox: Start) -> None:
    sb = _sb(small_sandbox)
    api = Api(sb)
    body = {"data": [{"Contacts": {"id": int(PAT_PHONE_CONTACT)}, "assign_to": {"id": 1}}]}
    raw = json.dumps(body).encode()
    r = api.http.post(f"/crm/v8/Leads/{PAT_LEAD}/actions/convert", content=raw, headers=api.auth)
    assert r.status_code == 400 and r.json()["data"][0]["details"]["api_name"] == "assign_to"
    body["data"][0]["assign_to"] = {"id": int(REP["id"])}
    r = api.http.post(
        f"/crm/v8/Leads/{PAT_LEAD}/actions/convert",
        content=json.dumps(body).encode(),
        headers={**api.auth, "Content-Type": "text/plain"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["details"] == {
        "Contacts": {"name": "Pat Boyle", "id": PAT_PHONE_CONTACT},
        "Deals": None,
        "Accounts": {"name": "Zylker Biotech", "id": ZYLKER},
    }
    r = api.http.post(
        "/crm/v8/Leads/actions/mass_convert",
        content=json.dumps({"ids": [int(OTHER_LEAD)], "assign_to": {"id": int(REP["id"])}}),
        headers=api.auth,
    )
    assert r.status_code == 200 and isinstance(r.json()["details"]["job_id"], str)
    lead_back = api.get(f"Leads/{PAT_LEAD}", converted="both").json()["data"][0]
    detail = lead_back["$converted_detail"]
    assert detail["Contacts"]["id"] == PAT_PHONE_CONTACT and lead_back["Owner"]["id"].isdigit()


def test_empty_answers_are_204_with_no_body(small_sandbox: Start) -> None:
    api = Api(_sb(small_sandbox))
    for r in (
        api.get("Leads", fields="Last_Name", converted="true"),
        api.get("Contacts/4876876000199999999"),
        api.get("Contacts/search", email="nobody@nowhere.test"),
    ):
        assert r.status_code == 204 and r.content == b""
        assert "content-type" not in r.headers
