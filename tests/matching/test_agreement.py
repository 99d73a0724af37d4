"""The prediction equals the sandbox's answers (real HTTP), lead by lead, on every test org."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from matching_orgs import both, write_org

from crmkit.agreement import compare
from crmkit.matching import Prediction
from crmkit.sampledata import bundled_path

OPTION_COLS = [
    "lead_id",
    "outcome",
    "error_code",
    "n_contacts",
    "n_accounts",
    "module_preference",
    "contact_fields",
    "account_fields",
    "first_field",
    "first_module",
    "multiple_layouts",
]
MATCH_COLS = [
    "lead_id",
    "module",
    "record_id",
    "field",
    "field_rank",
    "route",
    "lead_value",
    "record_name",
    "account_id",
    "account_name",
    "locked",
    "approval_state",
]


def assert_agree(data: Path) -> Prediction:
    api, pred = both(data)
    diff = compare(api, pred)
    assert diff.empty, diff.to_string()
    a = api.options[OPTION_COLS].sort_values("lead_id").reset_index(drop=True)
    p = pred.options[OPTION_COLS].sort_values("lead_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, p)
    key = ["lead_id", "module", "record_id", "field"]
    am = api.matches[MATCH_COLS].sort_values(key).reset_index(drop=True)
    pm = pred.matches[MATCH_COLS].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(am, pm)
    return pred


def lead(i: int, **kw: str) -> dict[str, str]:
    return {"id": f"10{i:05d}", "Last_Name": kw.pop("Last_Name", f"Lead{i}"), **kw}


def contact(i: int, **kw: str) -> dict[str, str]:
    return {"id": f"20{i:05d}", "Last_Name": kw.pop("Last_Name", f"Contact{i}"), **kw}


def account(i: int, name: str, **kw: str) -> dict[str, str]:
    return {"id": f"30{i:05d}", "Account_Name": name, **kw}


def org(**kw: Any) -> dict[str, Any]:
    return {"unique_fields": {}, **kw}


@pytest.mark.slow
def test_sample_data_agrees_lead_by_lead() -> None:
    pred = assert_agree(bundled_path())
    assert set(pred.matches["route"]) == {"unique", "email", "company", "name"}
    assert (pred.options["outcome"] == "error").sum() == 100


def test_unique_field_order(tmp_path: Path) -> None:
    leads = [
        lead(1, Phone="111", Mobile="222", Email="x@a.com"),
        lead(2, Mobile="222"),
        lead(3, Phone="111", Email="X@A.COM"),
    ]
    contacts = [
        contact(1, Phone="111"),
        contact(2, Mobile="222"),
        contact(3, Email="x@a.com"),
    ]
    for i, order in enumerate((["Mobile", "Phone"], ["Phone", "Mobile"])):
        uniques = [{"api_name": f, "casesensitive": False} for f in order]
        data = write_org(
            tmp_path / str(i), leads, contacts, org=org(unique_fields={"Contacts": uniques})
        )
        pred = assert_agree(data)
        fields = pred.options.set_index("lead_id")["contact_fields"]
        assert fields["1000001"] == ";".join([*order, "Email"])


def test_case_flags(tmp_path: Path) -> None:
    leads = [
        lead(1, Code__c="AbC", Website="WWW.ACME.COM", Company="Other"),
        lead(2, Code__c="abc", Website="www.acme.com", Company="Other"),
    ]
    contacts = [contact(1, Code__c="abc")]
    accounts = [account(1, "Acme", Website="www.acme.com")]
    cfg = org(
        unique_fields={
            "Contacts": [{"api_name": "Code__c", "casesensitive": True}],
            "Accounts": [{"api_name": "Website", "casesensitive": "false"}],
        },
        convert_mapping={"Contacts": {"Code__c": "Code__c"}},  # custom fields map if mapped
    )
    pred = assert_agree(write_org(tmp_path, leads, contacts, accounts, org=cfg))
    n = pred.options.set_index("lead_id")[["n_contacts", "n_accounts"]]
    assert n.loc["1000001"].tolist() == [0, 1]
    assert n.loc["1000002"].tolist() == [1, 1]


def test_name_fallback(tmp_path: Path) -> None:
    leads = [
        lead(1, First_Name="Ann", Last_Name="Lee"),
        lead(2, First_Name="Ann", Last_Name="Lee", Email="ann@x.com"),
        lead(3, First_Name="ann", Last_Name="LEE", Company="Acme"),
    ]
    contacts = [
        contact(1, First_Name="Ann", Last_Name="Lee"),
        contact(2, First_Name="Bo", Last_Name="Ng", Email="ann@x.com"),
    ]
    pred = assert_agree(write_org(tmp_path, leads, contacts, [account(1, "ACME")], org=org()))
    fields = pred.options.set_index("lead_id")["contact_fields"]
    assert fields.tolist() == ["Full_Name", "Email", "Full_Name"]


def test_removed_accounts_module(tmp_path: Path) -> None:
    leads = [lead(1, Company="Acme", Email="a@acme.com"), lead(2, Company="Acme")]
    cfg = org(removed_modules=["Accounts"], layouts={"Accounts": ["Standard", "Partner"]})
    data = write_org(tmp_path, leads, [contact(1, Email="a@acme.com")], [account(1, "Acme")], cfg)
    pred = assert_agree(data)
    assert pred.options["n_accounts"].tolist() == [0, 0]
    assert pred.options["outcome"].tolist() == ["matched", "no_match"]


def test_removed_company_field(tmp_path: Path) -> None:
    leads = [lead(1, Phone="555", Email="a@acme.com")]
    cfg = org(
        removed_fields={"Leads": ["Company"]},
        unique_fields={"Accounts": [{"api_name": "Phone", "casesensitive": False}]},
    )
    accounts = [account(1, "Acme", Phone="555")]
    pred = assert_agree(write_org(tmp_path, leads, [contact(1, Email="a@acme.com")], accounts, cfg))
    assert pred.options["n_accounts"].tolist() == [0]


def test_removed_contacts_module(tmp_path: Path) -> None:
    leads = [lead(1, Company="Acme"), lead(2, Company="Acme", Locked__s="true")]
    cfg = org(removed_modules=["Contacts"])
    pred = assert_agree(write_org(tmp_path, leads, [], [account(1, "Acme")], cfg))
    assert set(pred.options["outcome"]) == {"no_match"}


def test_accounts_first_when_only_accounts_have_unique_fields(tmp_path: Path) -> None:
    leads = [
        lead(1, Company="Acme", Email="a@acme.com"),
        lead(2, Email="a@acme.com"),
        lead(3, Phone="555", Email="a@acme.com"),
    ]
    cfg = org(unique_fields={"Accounts": [{"api_name": "Phone", "casesensitive": False}]})
    accounts = [account(1, "Acme"), account(2, "Beta", Phone="555")]
    pred = assert_agree(write_org(tmp_path, leads, [contact(1, Email="a@acme.com")], accounts, cfg))
    assert pred.options["module_preference"].tolist() == ["Accounts", "Contacts", "Accounts"]


def test_lead_states_and_layouts(tmp_path: Path) -> None:
    leads = [
        lead(1, Email="a@acme.com", Locked__s="true"),
        lead(2, Email="a@acme.com", **{"$approval_state": "pending"}),
        lead(3, Email="a@acme.com", Locked__s="true", **{"$approval_state": "rejected"}),
        lead(4, Email="nobody@acme.com"),
        lead(5, Email="a@acme.com", Converted__s="true"),
        lead(6, Email=" A@Acme.com "),
    ]
    cfg = org(layouts={"Accounts": ["Standard", "Partner"]})
    pred = assert_agree(write_org(tmp_path, leads, [contact(1, Email="a@acme.com")], [], cfg))
    assert pred.options["outcome"].tolist() == ["error", "error", "error", "no_match", "matched"]
