"""Lead Conversion Options (zoho-api.md §4), one small org per rule, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import (
    PAT_EMAIL_CONTACT,
    PAT_LEAD,
    PAT_PHONE_CONTACT,
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

L1, L2 = "4876876000100000001", "4876876000100000002"
C1, C2, C3 = "4876876000200000001", "4876876000200000002", "4876876000200000003"
A1, A2 = "4876876000300000001", "4876876000300000002"

Start = Callable[..., Sandbox]


def opts(sb: Sandbox, lead_id: str) -> dict[str, Any]:
    r = Api(sb).options(lead_id)
    assert r.status_code == 200, r.text
    return dict(r.json()["__conversion_options"])


def fields(o: dict[str, Any], module: str) -> list[str]:
    return [x["field"]["api_name"] for x in o["preference_field_matched_value"][module] or []]


def ids(o: dict[str, Any], module: str) -> list[str]:
    return [r["id"] for r in o[module] or []]


def test_documented_example_reproduces_documented_answer(small_sandbox: Start) -> None:
    sb = small_sandbox(**zylker_org())
    o = opts(sb, PAT_LEAD)
    assert o["module_preference"] == {"api_name": "Contacts", "id": "4876876000000002179"}
    assert o["Contacts"] == [
        {
            "Full_Name": "Boyle",
            "Email": "pat.boyle@zylker.com",
            "Phone": None,
            "Data_Processing_Basis": None,
            "Locked__s": False,
            "Account_Name": None,
            "$editable": True,
            "id": PAT_EMAIL_CONTACT,
            "$approval_state": "approved",
        },
        {
            "Full_Name": "Pat Boyle",
            "Email": None,
            "Phone": "9844444444",
            "Data_Processing_Basis": None,
            "Locked__s": False,
            "Account_Name": {"name": "Zylker Biotech", "id": ZYLKER, "Locked__s": False},
            "$editable": True,
            "id": PAT_PHONE_CONTACT,
            "$approval_state": "approved",
        },
    ]
    (acc,) = o["Accounts"]
    assert acc["Account_Name"] == "Zylker Biotech" and acc["id"] == ZYLKER
    assert acc["Layout"]["name"] == "Standard" and acc["Phone"] is None
    assert acc["$editable"] is True and acc["Locked__s"] is False
    assert acc["Website"] is None and acc["Account_Type"] is None
    assert acc["Data_Processing_Basis"] is None
    assert o["Deals"] == []
    pf = o["preference_field_matched_value"]
    assert [(x["field"]["api_name"], x["matched_lead_value"]) for x in pf["Contacts"]] == [
        ("Phone", "9844444444"),
        ("Email", "pat.boyle@zylker.com"),
    ]
    # the account matched by name, and through its contact Pat Boyle by Phone (the article)
    assert [(x["field"]["api_name"], x["matched_lead_value"]) for x in pf["Accounts"]] == [
        ("Account_Name", "Zylker Biotech"),
        ("Phone", "9844444444"),
    ]
    assert pf["Deals"] is None
    assert all(x["field"]["id"].isdigit() for x in pf["Contacts"])
    assert o["modules_with_multiple_layouts"] == [
        {"api_name": "Accounts", "id": "4876876000000002177"}
    ]


def test_without_unique_fields_email_and_company(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "Ann", "Lee", Email="  ANN@Lee.test ", Company="acme corp ")],
            [contact(C1, "Someone", "Else", Email="ann@lee.test"), contact(C2, "Ann", "Lee")],
            [account(A1, "Acme Corp"), account(A2, "Acme Corporation")],
        )
    )
    o = opts(sb, L1)
    assert ids(o, "Contacts") == [C1]  # name rule not used: the list matched a contact
    assert fields(o, "Contacts") == ["Email"] and fields(o, "Accounts") == ["Account_Name"]
    assert ids(o, "Accounts") == [A1]
    # the loader trims cells (Zoho trims on save); case differences remain and still match
    assert (
        o["preference_field_matched_value"]["Contacts"][0]["matched_lead_value"] == "ANN@Lee.test"
    )
    assert o["modules_with_multiple_layouts"] == []


def test_name_fallback_only_when_list_matched_nothing(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [
                lead(L1, "Ann", "Lee", Email="ann@lee.test", Company="Acme"),
                lead(L2, "Bo", "Dunn", Email="bo@dunn.test"),
            ],
            [
                contact(C1, "ANN", "lee ", Email="other@lee.test"),
                contact(C2, "Bo", "Dunn"),
                contact(C3, "X", "Y", Email="bo@dunn.test"),
            ],
        )
    )
    o = opts(sb, L1)
    assert ids(o, "Contacts") == [C1] and fields(o, "Contacts") == ["Full_Name"]
    assert o["preference_field_matched_value"]["Contacts"][0]["matched_lead_value"] == "Ann Lee"
    assert o["Accounts"] is None and o["preference_field_matched_value"]["Accounts"] is None
    o2 = opts(sb, L2)
    assert ids(o2, "Contacts") == [C3] and fields(o2, "Contacts") == ["Email"]


def test_union_of_unique_fields_in_preference_order(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "Ann", "Lee", Email="ann@lee.test", Phone="555-0100", Mobile="555-0199")],
            [
                contact(C1, "A", "One", Mobile="555-0199"),
                contact(C2, "A", "Two", Phone="555-0100"),
                contact(C3, "A", "Three", Email="ann@lee.test"),
            ],
            unique_fields={
                "Contacts": [
                    {"api_name": "Mobile", "casesensitive": False},
                    {"api_name": "Phone", "casesensitive": False},
                ]
            },
        )
    )
    o = opts(sb, L1)
    assert fields(o, "Contacts") == ["Mobile", "Phone", "Email"]
    assert ids(o, "Contacts") == [C3, C2, C1]  # newest (highest id) first
    assert "Mobile" in o["Contacts"][0] and "Phone" in o["Contacts"][0]


def test_unique_field_case_flag(small_sandbox: Start) -> None:
    def org(cs: bool) -> dict[str, Any]:
        return org_of(
            [lead(L1, "A", "B", Ref__c="ab-12")],
            [contact(C1, "C", "D", Ref__c="AB-12")],
            unique_fields={"Contacts": [{"api_name": "Ref__c", "casesensitive": cs}]},
            convert_mapping={"Contacts": {"Ref__c": "Ref__c"}},  # custom fields map only if mapped
        )

    assert ids(opts(small_sandbox(**org(False)), L1), "Contacts") == [C1]
    assert Api(small_sandbox(**org(True))).options(L1).status_code == 204


def test_unique_field_compared_with_mapped_lead_field(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Lead_Ref__c="R-77", Title="R-77")],
            [contact(C1, "C", "D", Ext_Ref__c="R-77")],
            unique_fields={"Contacts": [{"api_name": "Ext_Ref__c", "casesensitive": False}]},
            convert_mapping={"Contacts": {"Lead_Ref__c": "Ext_Ref__c"}},
        )
    )
    o = opts(sb, L1)
    assert ids(o, "Contacts") == [C1] and fields(o, "Contacts") == ["Ext_Ref__c"]
    fmeta = Api(sb).get("settings/fields", module="Leads").json()["fields"]
    ref = next(f for f in fmeta if f["api_name"] == "Lead_Ref__c")
    assert ref["convert_mapping"] == {"Contacts": "Ext_Ref__c", "Accounts": None, "Deals": None}


def test_phones_compare_as_stored(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Phone="984-444-4444")],
            [contact(C1, "C", "D", Phone="9844444444")],
            unique_fields={"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
        )
    )
    assert Api(sb).options(L1).status_code == 204


def test_accounts_unique_fields_and_preference(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Phone="555-0100", Company="Other Name", Email="a@b.test")],
            [contact(C1, "C", "D", Email="a@b.test")],
            [account(A1, "Acme", Phone="555-0100"), account(A2, "Other Name")],
            unique_fields={"Accounts": [{"api_name": "Phone", "casesensitive": False}]},
        )
    )
    o = opts(sb, L1)
    assert fields(o, "Accounts") == ["Phone", "Account_Name"]
    assert ids(o, "Accounts") == [A2, A1]
    # Contacts has no unique field but Accounts has: Accounts come first
    assert o["module_preference"]["api_name"] == "Accounts"


def test_module_preference_accounts_when_no_contact(small_sandbox: Start) -> None:
    sb = small_sandbox(**org_of([lead(L1, "A", "B", Company="Acme")], [], [account(A1, "ACME")]))
    o = opts(sb, L1)
    assert o["module_preference"]["api_name"] == "Accounts" and o["Contacts"] is None


def test_accounts_removed_or_company_removed(small_sandbox: Start) -> None:
    data = (
        [lead(L1, "A", "B", Company="Acme", Email="a@b.test")],
        [contact(C1, "C", "D", Email="a@b.test")],
        [account(A1, "Acme")],
    )
    o = opts(small_sandbox(**org_of(*data, removed_modules=["Accounts"])), L1)
    assert o["Accounts"] is None and ids(o, "Contacts") == [C1]
    sb = small_sandbox(**org_of(*data, removed_fields={"Leads": ["Company"]}))
    o = opts(sb, L1)
    assert o["Accounts"] is None and ids(o, "Contacts") == [C1]
    names = [f["api_name"] for f in Api(sb).get("settings/fields", module="Leads").json()["fields"]]
    assert "Company" not in names


def test_204_cases(small_sandbox: Start) -> None:
    data = (
        [lead(L1, "A", "B", Email="a@b.test"), lead(L2, "Q", "R", Email="q@r.test")],
        [contact(C1, "C", "D", Email="a@b.test")],
    )
    sb = small_sandbox(**org_of(*data))
    api = Api(sb)
    assert api.options(L2).status_code == 204 and api.options(L2).content == b""
    sb.control.configure(removed_modules=["Contacts"])
    assert api.options(L1).status_code == 204  # conversion not allowed at all
    sb.control.configure(removed_modules=[], layouts={"Accounts": ["Standard", "Partner"]})
    r = api.options(L2)  # nothing matches but a module has several layouts
    assert r.status_code == 200
    o = r.json()["__conversion_options"]
    assert o["Contacts"] is None and o["Accounts"] is None
    assert [m["api_name"] for m in o["modules_with_multiple_layouts"]] == ["Accounts"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"Locked__s": True}, 400, "RECORD_LOCKED"),
        ({"$approval_state": "pending"}, 400, "NOT_APPROVED"),
        ({"Converted__s": True}, 400, "ID_ALREADY_CONVERTED"),
    ],
)
def test_lead_state_errors(
    small_sandbox: Start, change: dict[str, Any], status: int, code: str
) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Email="a@b.test", **change)],
            [contact(C1, "C", "D", Email="a@b.test")],
        )
    )
    r = Api(sb).options(L1)
    assert r.status_code == status and r.json()["code"] == code and r.json()["status"] == "error"


def test_bad_lead_id(small_sandbox: Start) -> None:
    sb = small_sandbox(**org_of([lead(L1, "A", "B")]))
    for bad in ("4876876000199999999", "abc"):
        r = Api(sb).options(bad)
        assert r.status_code == 400
        assert r.json() == {
            "code": "INVALID_DATA",
            "details": {"resource_path_index": 1},
            "message": "invalid data",
            "status": "error",
        }


def test_locked_and_unapproved_candidates_are_listed(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Email="a@b.test")],
            [
                contact(C1, "C", "D", Email="a@b.test", Locked__s=True),
                contact(C2, "E", "F", Email="a@b.test", **{"$approval_state": "pending"}),
            ],
        )
    )
    o = opts(sb, L1)
    by_id = {c["id"]: c for c in o["Contacts"]}
    assert by_id[C1]["Locked__s"] is True and by_id[C1]["$editable"] is False
    assert by_id[C2]["$approval_state"] == "pending"


def test_configured_unique_field_takes_effect_on_next_call(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of([lead(L1, "A", "B", Phone="555")], [contact(C1, "C", "D", Phone="555")])
    )
    api = Api(sb)
    assert api.options(L1).status_code == 204
    sb.control.configure(
        unique_fields={"Contacts": [{"api_name": "Phone", "casesensitive": False}]}
    )
    assert ids(opts(sb, L1), "Contacts") == [C1]


def test_contact_account_lookup_shown(small_sandbox: Start) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Email="a@b.test")],
            [contact(C1, "C", "D", Email="a@b.test", Account_Name=acc_ref(A1, "Acme"))],
            [account(A1, "Acme")],
        )
    )
    lookup = {"name": "Acme", "id": A1, "Locked__s": False}
    assert opts(sb, L1)["Contacts"][0]["Account_Name"] == lookup
    locked = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Email="a@b.test")],
            [contact(C1, "C", "D", Email="a@b.test", Account_Name=acc_ref(A1, "Acme"))],
            [account(A1, "Acme", Locked__s=True)],
        )
    )
    assert opts(locked, L1)["Contacts"][0]["Account_Name"] == {**lookup, "Locked__s": True}
