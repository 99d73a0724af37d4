"""`overwrite` as the Kaizen 137 article says, and locked Contacts/Accounts, over real HTTP.

The article: `overwrite: true` "overwrites the Contact's Account name with the Lead's company
name", `false` "leaves the existing Account name unchanged" — in neither case a new Account, nor
the Contact moved. "Associating Leads with locked Contacts or Accounts is not possible": a locked
Account refuses whether it is named in the body or reached through the merged Contact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import Api, acc_ref, account, contact, lead, org_of

from crmkit.sandbox import Sandbox
from crmkit.sandbox.catalog import STANDARD_PIPELINE

Start = Callable[..., Sandbox]
L1, L2, L3 = "4876876000100000001", "4876876000100000002", "4876876000100000003"
C1, C2 = "4876876000200000001", "4876876000200000002"
A1, A2 = "4876876000300000001", "4876876000300000002"
LOCKED = "You cannot perform this operation as the record is locked."


def _org(**org: Any) -> dict[str, Any]:
    return org_of(
        [
            lead(L1, "A", "B", Email="a@b.test", Company="New Co"),
            lead(L2, "A", "B", Email="a@b.test"),  # no Company
            lead(L3, "A", "B", Email="a@b.test", Company="old co"),  # the same name, other case
        ],
        [
            contact(C1, "C", "D", Email="a@b.test", Account_Name=acc_ref(A1, "Old Co")),
            contact(C2, "E", "F", Email="e@f.test", Account_Name=acc_ref(A1, "Old Co")),
        ],
        [account(A1, "Old Co"), account(A2, "Taken Co")],
        **org,
    )


def _details(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return dict(r.json()["data"][0]["details"])


def _accounts(sb: Sandbox) -> int:
    return int(sb.control.state()["counts"]["Accounts"]["total"])


@pytest.mark.parametrize("overwrite", [None, False])
def test_overwrite_false_leaves_the_account_name_unchanged(
    small_sandbox: Start, overwrite: bool | None
) -> None:
    sb = small_sandbox(**_org())
    before = _accounts(sb)
    item = {} if overwrite is None else {"overwrite": overwrite}
    d = _details(Api(sb).convert(L1, Contacts={"id": C1}, **item))
    assert d["Accounts"] == {"name": "Old Co", "id": A1}  # the lead joins the contact's account
    assert _accounts(sb) == before  # no new Account
    assert sb.control.record("Contacts", C1)["Account_Name"] == acc_ref(A1, "Old Co")  # type: ignore[index]
    assert sb.control.record("Accounts", A1)["Account_Name"] == "Old Co"  # type: ignore[index]


def test_overwrite_true_renames_the_contacts_account_to_the_company(small_sandbox: Start) -> None:
    sb = small_sandbox(**_org())
    before = _accounts(sb)
    deal = {
        "Deal_Name": "D",
        "Closing_Date": "2026-06-30",
        "Pipeline": STANDARD_PIPELINE,
        "Stage": "Qualification",
    }
    d = _details(Api(sb).convert(L1, Contacts={"id": C1}, overwrite=True, Deals=deal))
    assert d["Accounts"] == {"name": "New Co", "id": A1}  # same Account, the Lead's company name
    assert _accounts(sb) == before
    assert sb.control.record("Accounts", A1)["Account_Name"] == "New Co"  # type: ignore[index]
    # every lookup naming the account shows its new name; the contact was not moved
    for cid in (C1, C2):
        assert sb.control.record("Contacts", cid)["Account_Name"] == acc_ref(A1, "New Co")  # type: ignore[index]
    assert sb.control.record("Deals", d["Deals"]["id"])["Account_Name"] == acc_ref(A1, "New Co")  # type: ignore[index]


@pytest.mark.parametrize("lead_id", [L2, L3])
def test_overwrite_true_without_a_differing_company_changes_nothing(
    small_sandbox: Start, lead_id: str
) -> None:
    sb = small_sandbox(**_org())
    d = _details(Api(sb).convert(lead_id, Contacts={"id": C1}, overwrite=True))
    assert d["Accounts"] == {"name": "Old Co", "id": A1}
    assert sb.control.record("Accounts", A1)["Account_Name"] == "Old Co"  # type: ignore[index]


def test_overwrite_rename_repeating_a_unique_account_name_is_duplicate_data(
    small_sandbox: Start,
) -> None:
    sb = small_sandbox(
        **org_of(
            [lead(L1, "A", "B", Email="a@b.test", Company="Taken Co")],
            [contact(C1, "C", "D", Email="a@b.test", Account_Name=acc_ref(A1, "Old Co"))],
            [account(A1, "Old Co"), account(A2, "Taken Co")],
            unique_fields={"Accounts": [{"api_name": "Account_Name", "casesensitive": False}]},
        )
    )
    r = Api(sb).convert(L1, Contacts={"id": C1}, overwrite=True)
    assert r.status_code == 400, r.text
    (item,) = r.json()["data"]
    assert item["code"] == "DUPLICATE_DATA" and item["details"]["duplicate_record"]["id"] == A2
    assert sb.control.record("Accounts", A1)["Account_Name"] == "Old Co"  # type: ignore[index]
    assert sb.control.record("Leads", L1)["Converted__s"] is False  # type: ignore[index]


def _locked_error(r: Any) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    (item,) = r.json()["data"]
    assert item["code"] == "RECORD_LOCKED" and item["status"] == "error"
    assert item["message"] == LOCKED
    return dict(item["details"])


@pytest.mark.parametrize("overwrite", [False, True])
def test_locked_account_reached_through_the_merged_contact(
    small_sandbox: Start, overwrite: bool
) -> None:
    data = _org()
    data["accounts"][0]["Locked__s"] = True
    sb = small_sandbox(**data)
    r = Api(sb).convert(L1, Contacts={"id": C1}, overwrite=overwrite)
    assert _locked_error(r) == {"api_name": "Accounts", "id": A1, "json_path": "$.data[0].Contacts"}
    assert sb.control.record("Leads", L1)["Converted__s"] is False  # type: ignore[index]
    assert sb.control.record("Accounts", A1)["Account_Name"] == "Old Co"  # type: ignore[index]


def test_locked_account_named_with_its_contact(small_sandbox: Start) -> None:
    data = _org()
    data["accounts"][0]["Locked__s"] = True
    sb = small_sandbox(**data)
    r = Api(sb).convert(L3, Contacts={"id": C1}, Accounts={"id": A1})  # A1 is L3's candidate
    assert _locked_error(r) == {"api_name": "Accounts", "id": A1, "json_path": "$.data[0].Accounts"}


def test_locked_contact_and_locked_lead_use_zohos_wording(small_sandbox: Start) -> None:
    data = _org()
    data["contacts"][0]["Locked__s"] = True
    data["leads"][1]["Locked__s"] = True
    sb = small_sandbox(**data)
    api = Api(sb)
    det = _locked_error(api.convert(L1, Contacts={"id": C1}))
    assert det["api_name"] == "Contacts" and det["id"] == C1
    bare = api.convert(L2)
    assert bare.status_code == 400
    assert bare.json()["code"] == "RECORD_LOCKED" and bare.json()["message"] == LOCKED
