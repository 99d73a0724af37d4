"""Convert Lead (zoho-api.md §5) over real HTTP: every rule, each error body."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import (
    PAT_EMAIL_CONTACT,
    PAT_LEAD,
    PAT_PHONE_CONTACT,
    REP,
    REP_OWNER,
    USERS,
    ZYLKER,
    Api,
    acc_ref,
    account,
    contact,
    lead,
    org_of,
    zylker_org,
)

from crmkit.sandbox import Sandbox
from crmkit.sandbox.catalog import STANDARD_PIPELINE  # the default org's pipeline

Start = Callable[..., Sandbox]
L1, L2 = "4876876000100000001", "4876876000100000002"
C1, C2 = "4876876000200000001", "4876876000200000002"
A1, A2 = "4876876000300000001", "4876876000300000002"
DEAL = {
    "Deal_Name": "Zylker Deal",
    "Closing_Date": "2026-06-30",
    "Stage": "Qualification",
    "Pipeline": STANDARD_PIPELINE,
    "Amount": 1200,
}


def success(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    (item,) = r.json()["data"]
    assert item["code"] == "SUCCESS" and item["status"] == "success"
    assert item["message"] == "The record has been converted successfully"
    return dict(item["details"])


def record_error(r: Any, code: str) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    (item,) = r.json()["data"]
    assert item["code"] == code and item["status"] == "error"
    return dict(item["details"])


@pytest.fixture
def plain(small_sandbox: Start) -> Sandbox:
    return small_sandbox(
        **org_of(
            [
                lead(
                    L1,
                    "Ann",
                    "Lee",
                    Email="ann@lee.test",
                    Company="Lee Ltd",
                    Phone="555-0100",
                    Designation="CTO",
                    Tag=["VIP", "Webinar"],
                ),
                lead(L2, "Bo", "Dunn", Email="bo@dunn.test"),
            ],
        )
    )


def test_default_creates_contact_and_account_and_hides_lead(plain: Sandbox) -> None:
    api = Api(plain)
    d = success(api.convert(L1))
    assert d["Deals"] is None
    assert d["Contacts"]["name"] == "Ann Lee" and d["Accounts"]["name"] == "Lee Ltd"
    c = api.get(f"Contacts/{d['Contacts']['id']}").json()["data"][0]
    assert c["Email"] == "ann@lee.test" and c["Title"] == "CTO" and c["Phone"] == "555-0100"
    assert c["Account_Name"] == {"id": d["Accounts"]["id"], "name": "Lee Ltd"}
    assert c["Owner"]["id"] == USERS[0]["id"]
    a = api.get(f"Accounts/{d['Accounts']['id']}").json()["data"][0]
    assert a["Phone"] == "555-0100"
    listed = [x["id"] for x in api.get("Leads", fields="Email").json()["data"]]
    assert listed == [L2]
    lead_rec = plain.control.record("Leads", L1)
    assert lead_rec is not None and lead_rec["Converted__s"] is True
    assert lead_rec["Converted_Date_Time"]
    assert lead_rec["$converted_detail"]["Contacts"]["id"] == d["Contacts"]["id"]
    again = api.convert(L1)
    assert again.status_code == 400
    assert again.json() == {
        "code": "ID_ALREADY_CONVERTED",
        "details": {"resource_path_index": 1},
        "message": "id already converted",
        "status": "error",
    }


def test_no_company_no_account_and_empty_body(plain: Sandbox) -> None:
    api = Api(plain)
    r = api.http.post(f"/crm/v8/Leads/{L2}/actions/convert", headers=api.auth)  # no body at all
    d = success(r)
    assert d["Accounts"] is None and d["Contacts"]["name"] == "Bo Dunn"


def test_body_without_content_type_and_numeric_ids(small_sandbox: Start) -> None:
    sb = small_sandbox(**zylker_org())
    api = Api(sb)
    body = json.dumps(
        {"data": [{"Contacts": {"id": int(PAT_PHONE_CONTACT)}, "Accounts": {"id": int(ZYLKER)}}]}
    )
    r = api.http.post(
        f"/crm/v8/Leads/{int(PAT_LEAD)}/actions/convert",
        content=body.encode(),
        headers={**api.auth, "Content-Type": ""},
    )
    d = success(r)
    assert d["Contacts"] == {"name": "Pat Boyle", "id": PAT_PHONE_CONTACT}
    assert d["Accounts"] == {"name": "Zylker Biotech", "id": ZYLKER}


def test_contact_with_account_brings_the_lead_into_it(small_sandbox: Start) -> None:
    sb = small_sandbox(**zylker_org())
    d = success(Api(sb).convert(PAT_LEAD, Contacts={"id": PAT_PHONE_CONTACT}))
    assert d["Accounts"] == {"name": "Zylker Biotech", "id": ZYLKER}
    assert sb.control.state()["counts"]["Contacts"]["total"] == 2  # merged, none created


def test_contact_and_account_must_agree(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Email="a@b.test", Company="Acme")],
            [contact(C1, "C", "D", Email="a@b.test", Account_Name=acc_ref(A2, "Other"))],
            [account(A1, "Acme"), account(A2, "Other")],
        )
    )
    r = Api(sb).convert(L1, Contacts={"id": C1}, Accounts={"id": A1})
    assert record_error(r, "INVALID_DATA") == {
        "api_name": "Accounts",
        "json_path": "$.data[0].Accounts",
    }
    assert r.json()["data"][0]["message"] == "invalid data"
    assert sb.control.record("Leads", L1)["Converted__s"] is False  # type: ignore[index]


def test_merge_target_must_be_among_options(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Email="a@b.test", Company="Acme")],
            [contact(C1, "C", "D", Email="x@y.test")],
            [account(A1, "Other")],
        )
    )
    api = Api(sb)
    assert (
        record_error(api.convert(L1, Contacts={"id": C1}), "INVALID_DATA")["api_name"] == "Contacts"
    )
    assert (
        record_error(api.convert(L1, Accounts={"id": A1}), "INVALID_DATA")["api_name"] == "Accounts"
    )
    assert (
        record_error(api.convert(L1, Contacts={"id": "abc"}), "INVALID_DATA")["api_name"]
        == "Contacts"
    )


def test_deal_rules(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of([lead(L1, "A", "B", Email="a@b.test", Company="Acme", Lead_Source="Trade Show")])
    )
    api = Api(sb)
    for missing in ("Deal_Name", "Closing_Date", "Stage", "Pipeline"):
        deal = {k: v for k, v in DEAL.items() if k != missing}
        det = record_error(api.convert(L1, Deals=deal), "MANDATORY_NOT_FOUND")
        assert det == {"api_name": missing, "json_path": f"$.data[0].Deals.{missing}"}
    r = api.convert(L1, Deals={**DEAL, "Stage": "Nope"})
    assert r.json()["data"][0] == {
        "code": "MAPPING_MISMATCH",
        "details": {
            "mapped_field": "Pipeline",
            "api_name": "Stage",
            "json_path": "$.data[0].Deals.Stage",
        },
        "message": "Pipeline doesn`t contain the Stage",
        "status": "error",
    }
    assert (
        record_error(api.convert(L1, Deals={**DEAL, "Pipeline": "Nope"}), "INVALID_DATA")[
            "api_name"
        ]
        == "Pipeline"
    )
    assert (
        record_error(api.convert(L1, Deals={**DEAL, "Closing_Date": "30/06/2026"}), "INVALID_DATA")[
            "api_name"
        ]
        == "Closing_Date"
    )
    d = success(api.convert(L1, Deals=DEAL))
    assert d["Deals"]["name"] == "Zylker Deal"
    deal = api.get(f"Deals/{d['Deals']['id']}").json()["data"][0]
    assert deal["Stage"] == "Qualification" and deal["Amount"] == 1200
    assert deal["Lead_Source"] == "Trade Show"
    assert deal["Account_Name"]["id"] == d["Accounts"]["id"]
    assert deal["Contact_Name"]["id"] == d["Contacts"]["id"]


def test_org_pipelines(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of([lead(L1, "A", "B")], pipelines={"Partner": ["Registration", "Won"]})
    )
    api = Api(sb)
    deal = {**DEAL, "Pipeline": "Partner", "Stage": "Qualification"}
    assert record_error(api.convert(L1, Deals=deal), "MAPPING_MISMATCH")["api_name"] == "Stage"
    success(api.convert(L1, Deals={**deal, "Stage": "Registration"}))


def test_tags_and_attachments(plain: Sandbox) -> None:
    api = Api(plain)
    r = api.convert(L1, carry_over_tags={"Contacts": ["Nope"]})
    assert record_error(r, "INVALID_DATA")["api_name"] == "carry_over_tags"
    r = api.convert(L1, move_attachments_to={"api_name": "Deals"})
    assert record_error(r, "INVALID_DATA")["api_name"] == "move_attachments_to"
    d = success(
        api.convert(
            L1,
            Deals=DEAL,
            move_attachments_to={"api_name": "Deals"},
            carry_over_tags={"Contacts": ["VIP"], "Deals": ["VIP", "Webinar"]},
        )
    )
    c = api.get(f"Contacts/{d['Contacts']['id']}").json()["data"][0]
    assert [t["name"] for t in c["Tag"]] == ["VIP"]
    deal = api.get(f"Deals/{d['Deals']['id']}").json()["data"][0]
    assert sorted(t["name"] for t in deal["Tag"]) == ["VIP", "Webinar"]
    acc = api.get(f"Accounts/{d['Accounts']['id']}").json()["data"][0]
    assert acc["Tag"] == []
    detail = plain.control.record("Leads", L1)["$converted_detail"]  # type: ignore[index]
    assert detail["move_attachments_to"] == {"api_name": "Deals", "id": d["Deals"]["id"]}


def test_assign_to_owns_new_records(plain: Sandbox) -> None:
    api = Api(plain)
    assert (
        record_error(api.convert(L1, assign_to={"id": "4876876000000999999"}), "INVALID_DATA")[
            "api_name"
        ]
        == "assign_to"
    )
    d = success(api.convert(L1, assign_to={"id": REP["id"]}, Deals=DEAL))
    for module in ("Contacts", "Accounts", "Deals"):
        rec = api.get(f"{module}/{d[module]['id']}").json()["data"][0]
        assert {"id": rec["Owner"]["id"], "name": rec["Owner"]["name"]} == REP_OWNER


def test_notifications_recorded_in_outbox(plain: Sandbox) -> None:
    api = Api(plain)
    success(api.convert(L2))
    assert plain.control.outbox() == []
    d = success(
        api.convert(
            L1, notify_lead_owner=True, notify_new_entity_owner=True, assign_to={"id": REP["id"]}
        )
    )
    box = plain.control.outbox()
    assert [(m["kind"], m["to"]) for m in box] == [
        ("notify_lead_owner", USERS[0]["email"]),
        ("notify_new_entity_owner", REP["email"]),
    ]
    assert box[1]["records"]["Contacts"] == d["Contacts"] and box[0]["lead_id"] == L1


@pytest.mark.parametrize(
    ("change", "code"),
    [({"Locked__s": True}, "RECORD_LOCKED"), ({"$approval_state": "pending"}, "NOT_APPROVED")],
)
def test_lead_state_errors_are_bare(
    small_sandbox: Start, change: dict[str, Any], code: str
) -> None:
    sb = small_sandbox(**org_of([lead(L1, "A", "B", **change)]))
    r = Api(sb).convert(L1)
    assert r.status_code == 400 and r.json()["code"] == code and "data" not in r.json()


def test_locked_or_unapproved_target(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Email="a@b.test", Company="Acme")],
            [
                contact(C1, "C", "D", Email="a@b.test", Locked__s=True),
                contact(C2, "E", "F", Email="a@b.test", **{"$approval_state": "pending"}),
            ],
            [account(A1, "Acme", Locked__s=True)],
        )
    )
    api = Api(sb)
    assert (
        record_error(api.convert(L1, Contacts={"id": C1}), "RECORD_LOCKED")["api_name"]
        == "Contacts"
    )
    assert (
        record_error(api.convert(L1, Contacts={"id": C2}), "NOT_APPROVED")["api_name"] == "Contacts"
    )
    assert (
        record_error(api.convert(L1, Accounts={"id": A1}), "RECORD_LOCKED")["api_name"]
        == "Accounts"
    )


def test_duplicate_data_carries_existing_record(small_sandbox: Start) -> None:
    sb = small_sandbox(**zylker_org())
    sb_contacts = sb.control.state()["counts"]["Contacts"]["total"]
    r = Api(sb).convert(PAT_LEAD)
    det = record_error(r, "DUPLICATE_DATA")
    assert det == {
        "api_name": "Phone",
        "json_path": "$.data[0]",
        "duplicate_record": {
            "module": {"api_name": "Contacts", "id": "4876876000000002179"},
            "id": PAT_PHONE_CONTACT,
            "Owner": {"name": USERS[0]["full_name"], "id": USERS[0]["id"]},
        },
    }
    assert sb.control.state()["counts"]["Contacts"]["total"] == sb_contacts
    assert sb.control.record("Leads", PAT_LEAD)["Converted__s"] is False  # type: ignore[index]
    success(Api(sb).convert(PAT_LEAD, Contacts={"id": PAT_EMAIL_CONTACT}))


def test_contacts_module_removed_refuses(small_sandbox: Start) -> None:
    sb = small_sandbox(**org_of([lead(L1, "A", "B")], removed_modules=["Contacts"]))
    r = Api(sb).convert(L1)
    assert r.status_code == 403 and r.json()["code"] == "NO_PERMISSION"


def test_accounts_module_removed(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Company="Acme")],
            [],
            [account(A1, "Acme")],
            removed_modules=["Accounts"],
        )
    )
    api = Api(sb)
    assert (
        record_error(api.convert(L1, Accounts={"id": A1}), "INVALID_DATA")["api_name"] == "Accounts"
    )
    assert success(api.convert(L1))["Accounts"] is None


def test_bad_bodies(plain: Sandbox) -> None:
    api = Api(plain)
    r = api.http.post(f"/crm/v8/Leads/{L1}/actions/convert", content=b"{nope", headers=api.auth)
    assert r.status_code == 400 and r.json()["code"] == "INVALID_DATA"
    r = api.post(f"Leads/{L1}/actions/convert", {"data": [{}, {}]})
    assert r.status_code == 400 and r.json()["code"] == "INVALID_DATA"
    r = api.convert(L1, overwrite="yes")
    assert record_error(r, "INVALID_DATA")["expected_data_type"] == "boolean"
    r = api.convert(L1, Unknown_Key=1)
    assert record_error(r, "INVALID_DATA")["api_name"] == "Unknown_Key"
    r = api.convert("4876876000199999999")
    assert r.status_code == 400 and r.json()["details"] == {"resource_path_index": 1}


def test_new_records_are_seen_by_later_calls(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [
                lead(L1, "Ann", "Lee", Email="ann@lee.test", Company="Lee Ltd"),
                lead(L2, "Ann", "Lee", Email="ANN@lee.test", Company="lee ltd"),
            ]
        )
    )
    api = Api(sb)
    assert api.options(L2).status_code == 204
    d = success(api.convert(L1))
    o = api.options(L2).json()["__conversion_options"]
    assert [c["id"] for c in o["Contacts"]] == [d["Contacts"]["id"]]
    assert [a["id"] for a in o["Accounts"]] == [d["Accounts"]["id"]]
    found = api.get("Contacts/search", email="ann@lee.test").json()["data"]
    assert [c["id"] for c in found] == [d["Contacts"]["id"]]


def test_convert_costs_five_credits(plain: Sandbox) -> None:
    api = Api(plain)
    before = plain.control.state()["limits"]["credits_used"]
    success(api.convert(L2))
    assert plain.control.state()["limits"]["credits_used"] - before == 5
