"""The conversion mapping (issue 12): standard map, per-layout custom mapping, merges — over HTTP.

What a conversion writes is read back from the records the sandbox answers; what the mapping is
comes from `settings/fields` and `settings/layouts` as Zoho's OpenAPI shapes them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import Api, acc_ref, account, contact, lead, org_of

from crmkit.sandbox import Sandbox
from crmkit.sandbox.loader import DataDirError, load_data_dir

Start = Callable[..., Sandbox]
L1, L2 = "4876876000100000001", "4876876000100000002"
C1, A1 = "4876876000200000001", "4876876000300000001"
DEAL = {
    "Deal_Name": "Pump order",
    "Closing_Date": "2026-06-30",
    "Stage": "Qualification",
    "Pipeline": "Standard (Standard)",
}
FULL_LEAD: dict[str, Any] = {
    "Email": "ann@lee.test",
    "Secondary_Email": "ann.lee@home.test",
    "Phone": "555-0100",
    "Mobile": "555-0199",
    "Fax": "555-0111",
    "Designation": "Buyer",
    "Lead_Source": "Trade Show",
    "Lead_Status": "Contacted",
    "Company": "Lee Pumps",
    "Industry": "Storage Equipment",
    "Annual_Revenue": "250000",
    "Website": "www.leepumps.test",
    "No_of_Employees": "40",
    "Street": "1 Main St",
    "City": "Springfield",
    "State": "IL",
    "Zip_Code": "62701",
    "Country": "US",
    "Region__c": "APAC",
}


def record(api: Api, module: str, rid: str) -> dict[str, Any]:
    r = api.get(f"{module}/{rid}")
    assert r.status_code == 200, r.text
    return dict(r.json()["data"][0])


def converted(api: Api, lead_id: str, **item: Any) -> dict[str, Any]:
    r = api.convert(lead_id, **item)
    assert r.status_code == 200, r.text
    return dict(r.json()["data"][0]["details"])


def test_standard_map_on_create_and_unmapped_fields_dropped(small_sandbox: Start) -> None:
    api = Api(small_sandbox(**org_of([lead(L1, "Ann", "Lee", **FULL_LEAD)])))
    d = converted(api, L1, Deals=DEAL)
    c = record(api, "Contacts", d["Contacts"]["id"])
    assert {k: c.get(k) for k in ("First_Name", "Last_Name", "Full_Name", "Title")} == {
        "First_Name": "Ann",
        "Last_Name": "Lee",
        "Full_Name": "Ann Lee",
        "Title": "Buyer",
    }
    for f in ("Email", "Secondary_Email", "Phone", "Mobile", "Fax", "Lead_Source"):
        assert c[f] == FULL_LEAD[f], f
    assert [c[f"Mailing_{p}"] for p in ("Street", "City", "State", "Zip", "Country")] == [
        "1 Main St",
        "Springfield",
        "IL",
        "62701",
        "US",
    ]
    a = record(api, "Accounts", d["Accounts"]["id"])
    assert a["Account_Name"] == "Lee Pumps" and a["Employees"] == 40  # typed as the field is
    assert a["Annual_Revenue"] == 250000.0
    for f in ("Industry", "Phone", "Fax", "Website"):
        assert a[f] == FULL_LEAD[f], f
    assert [a[f"Billing_{p}"] for p in ("Street", "City", "State", "Code", "Country")] == [
        "1 Main St",
        "Springfield",
        "IL",
        "62701",
        "US",
    ]
    deal = record(api, "Deals", d["Deals"]["id"])
    assert deal["Lead_Source"] == "Trade Show"
    # a custom field nobody mapped, and a lead-only field, go nowhere
    for rec in (c, a, deal):
        assert "Region__c" not in rec and "Lead_Status" not in rec


def _layout_org(**extra: Any) -> dict[str, Any]:
    return org_of(
        [
            lead(L1, "Ann", "Lee", Company="Lee Pumps", Region__c="APAC", Tier__c="Gold"),
            lead(
                L2,
                "Bo",
                "Ng",
                Company="Ng Tools",
                Region__c="EMEA",
                Tier__c="Silver",
                Layout="Partner",
            ),
        ],
        [contact(C1, "Cy", "Old", Region__c=None, Partner_Tier__c=None)],
        [account(A1, "Elsewhere", Partner_Level__c=None)],
        layouts={"Leads": ["Standard", "Partner"], "Accounts": ["Standard", "Partner"]},
        convert_mapping={"Contacts": {"Region__c": "Region__c"}},
        layout_convert_mapping={
            "Partner": {
                "Contacts": {"fields": {"Tier__c": "Partner_Tier__c"}},
                "Accounts": {"layout": "Partner", "fields": {"Tier__c": "Partner_Level__c"}},
            }
        },
        **extra,
    )


def test_custom_mapping_per_layout_on_create(small_sandbox: Start) -> None:
    api = Api(small_sandbox(**_layout_org()))
    std = converted(api, L1)
    partner = converted(api, L2)
    c_std = record(api, "Contacts", std["Contacts"]["id"])
    c_partner = record(api, "Contacts", partner["Contacts"]["id"])
    assert c_std["Region__c"] == "APAC" and c_std.get("Partner_Tier__c") is None
    assert c_partner["Region__c"] == "EMEA" and c_partner["Partner_Tier__c"] == "Silver"
    a_std = record(api, "Accounts", std["Accounts"]["id"])
    a_partner = record(api, "Accounts", partner["Accounts"]["id"])
    assert a_std["Layout"]["name"] == "Standard" and a_std.get("Partner_Level__c") is None
    assert a_partner["Layout"]["name"] == "Partner" and a_partner["Partner_Level__c"] == "Silver"


def test_mapping_is_exposed_in_layouts_and_fields(small_sandbox: Start) -> None:
    api = Api(small_sandbox(**_layout_org()))
    accounts = {
        x["name"]: x["id"] for x in api.get("settings/layouts", module="Accounts").json()["layouts"]
    }
    layouts = {x["name"]: x for x in api.get("settings/layouts", module="Leads").json()["layouts"]}
    partner = layouts["Partner"]["convert_mapping"]
    assert set(partner) == {"Contacts", "Accounts", "Deals", "Invoices", "SalesOrders"}
    assert partner["Invoices"] is None and partner["SalesOrders"] is None
    assert partner["Accounts"] == {"name": "Partner", "id": accounts["Partner"]}
    assert layouts["Standard"]["convert_mapping"]["Accounts"] == {
        "name": "Standard",
        "id": accounts["Standard"],
    }
    assert partner["Contacts"]["name"] == "Standard" and isinstance(partner["Contacts"]["id"], str)
    deal_fields = partner["Deals"]["fields"]
    assert [f["api_name"] for f in deal_fields] == [
        "Deal_Name",
        "Closing_Date",
        "Stage",
        "Pipeline",
    ]
    assert all(set(f) == {"api_name", "id", "field_label", "required"} for f in deal_fields)

    def section_mapping(layout: str, name: str) -> dict[str, Any]:
        fields = [f for s in layouts[layout]["sections"] for f in s["fields"]]
        return dict(next(f for f in fields if f["api_name"] == name)["convert_mapping"])

    assert section_mapping("Partner", "Tier__c") == {
        "Contacts": "Partner_Tier__c",
        "Accounts": "Partner_Level__c",
        "Deals": None,
    }
    assert section_mapping("Standard", "Tier__c") == {
        "Contacts": None,
        "Accounts": None,
        "Deals": None,
    }
    assert section_mapping("Standard", "Designation")["Contacts"] == "Title"
    # settings/fields: the default (first) Leads layout's mapping
    fields = {f["api_name"]: f for f in api.get("settings/fields", module="Leads").json()["fields"]}
    assert fields["Tier__c"]["convert_mapping"] == {
        "Contacts": None,
        "Accounts": None,
        "Deals": None,
    }
    assert fields["Region__c"]["convert_mapping"] == {
        "Contacts": "Region__c",
        "Accounts": None,
        "Deals": None,
    }
    assert fields["Company"]["convert_mapping"]["Accounts"] == "Account_Name"
    assert fields["Lead_Source"]["convert_mapping"] == {
        "Contacts": "Lead_Source",
        "Accounts": None,
        "Deals": "Lead_Source",
    }


def _merge_org(policy: str | None) -> dict[str, Any]:
    extra = {} if policy is None else {"merge_overwrites": policy}
    return org_of(
        [
            lead(
                L1,
                "Ann",
                "Lee",
                Email="ann@lee.test",
                Designation="Head of Buying",
                Mobile="555-0199",
                Company="Lee Pumps Inc",
                Industry="Storage Equipment",
                Region__c="APAC",
            )
        ],
        [
            contact(
                C1,
                "Ann",
                "Lee-Old",
                Email="ann@lee.test",
                Title="Buyer",
                Phone="555-0000",
                Account_Name=acc_ref(A1, "Lee Pumps"),
                Region__c="EMEA",
            )
        ],
        [account(A1, "Lee Pumps", Website="www.leepumps.test")],
        **extra,
    )


@pytest.mark.parametrize("policy", [None, "non_empty_lead_values"])
def test_merge_updates_with_non_empty_lead_values_by_default(
    small_sandbox: Start, policy: str | None
) -> None:
    api = Api(small_sandbox(**_merge_org(policy)))
    d = converted(api, L1, Contacts={"id": C1})
    assert d["Contacts"] == {"name": "Ann Lee-Old", "id": C1} and d["Accounts"]["id"] == A1
    c = record(api, "Contacts", C1)
    assert (c["Title"], c["Mobile"]) == ("Head of Buying", "555-0199")
    # the record's name stays: a merge updates who it is about, not who it is
    assert (c["Last_Name"], c["Full_Name"]) == ("Lee-Old", "Ann Lee-Old")
    assert c["Phone"] == "555-0000"  # the lead has no phone: nothing is blanked
    assert c["Region__c"] == "EMEA"  # unmapped custom field: not copied on merge either
    a = record(api, "Accounts", A1)
    assert a["Account_Name"] == "Lee Pumps"  # the name is `overwrite`'s business
    assert a["Industry"] == "Storage Equipment" and a["Website"] == "www.leepumps.test"


def test_merge_fills_only_empty_fields(small_sandbox: Start) -> None:
    api = Api(small_sandbox(**_merge_org("empty_fields_only")))
    converted(api, L1, Contacts={"id": C1})
    c = record(api, "Contacts", C1)
    assert (c["Title"], c["Mobile"]) == ("Buyer", "555-0199")
    assert record(api, "Accounts", A1)["Industry"] == "Storage Equipment"


def test_merge_copies_nothing(small_sandbox: Start) -> None:
    api = Api(small_sandbox(**_merge_org("none")))
    before = record(api, "Contacts", C1)
    converted(api, L1, Contacts={"id": C1})
    after = record(api, "Contacts", C1)
    assert {k: v for k, v in after.items() if k != "Modified_Time"} == {
        k: v for k, v in before.items() if k != "Modified_Time"
    }
    assert record(api, "Accounts", A1).get("Industry") is None


def test_merge_keeps_a_unique_value_another_record_holds(small_sandbox: Start) -> None:
    """Zoho's own example merges Pat Boyle into the contact found by Email although a second
    contact holds her Phone, a unique field: the merge succeeds and leaves that field alone."""
    from sandbox_helpers import PAT_EMAIL_CONTACT, PAT_LEAD, zylker_org

    api = Api(small_sandbox(**zylker_org()))
    d = converted(api, PAT_LEAD, Contacts={"id": PAT_EMAIL_CONTACT})
    c = record(api, "Contacts", PAT_EMAIL_CONTACT)
    assert d["Contacts"] == {"name": "Boyle", "id": PAT_EMAIL_CONTACT}  # as the article's Case II
    assert c.get("Phone") is None and c["Email"] == "pat.boyle@zylker.com"


def test_org_json_mapping_errors_name_file_line_and_fix(make_org: Callable[..., Path]) -> None:
    cases = [
        ({"layout_convert_mapping": {"Web": {}}}, "'Web' is not one of the Leads layouts"),
        (
            {"layout_convert_mapping": {"Standard": {"Accounts": {"layout": "Nope"}}}},
            "layout 'Nope' is not one of ['Standard']",
        ),
        (
            {
                "layout_convert_mapping": {
                    "Standard": {"Contacts": {"fields": {"Nope__c": "Title"}}}
                }
            },
            "Leads.Nope__c does not exist",
        ),
        (
            {"convert_mapping": {"Contacts": {"Email": "Nope__c"}}},
            "Contacts.Nope__c does not exist",
        ),
        ({"merge_overwrites": "always"}, "merge_overwrites must be one of non_empty_lead_values"),
    ]
    for settings, reason in cases:
        data = make_org(leads=[lead(L1, "A", "B")], org=settings)
        with pytest.raises(DataDirError) as err:
            load_data_dir(data)
        assert reason in str(err.value), str(err.value)
        assert err.value.file.endswith("org.json") and err.value.line >= 1


def test_configure_changes_the_merge_policy_and_refuses_a_bad_one(small_sandbox: Start) -> None:
    sb = small_sandbox(**_merge_org(None))
    with pytest.raises(Exception, match="merge_overwrites"):
        sb.control.configure(merge_overwrites="sometimes")
    sb.control.configure(merge_overwrites="empty_fields_only")
    assert sb.control.state()["org"]["merge_overwrites"] == "empty_fields_only"
    api = Api(sb)
    converted(api, L1, Contacts={"id": C1})
    assert record(api, "Contacts", C1)["Title"] == "Buyer"
