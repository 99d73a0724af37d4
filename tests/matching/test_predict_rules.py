"""Offline prediction, rule by rule, on hand-built frames (expectations computed by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.frames import MATCHED_FIELDS_SCHEMA, MATCHES_SCHEMA, OPTIONS_SCHEMA
from crmkit.matching import PredictionError, match_fields, predict
from crmkit.orgconfig import OrgConfig, UniqueField


def frame(**cols: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})


PAT = frame(
    id=["1"],
    First_Name=["Pat"],
    Last_Name=["Boyle"],
    Company=["Zylker Biotech"],
    Phone=["9844444444"],
    Email=["pat.boyle@zylker.com"],
)
CONTACTS = frame(
    id=["c1", "c2"],
    First_Name=[None, "Pat"],
    Last_Name=["Boyle", "Boyle"],
    Email=["pat.boyle@zylker.com", None],
    Phone=[None, "9844444444"],
    **{"Account_Name.id": [None, "a1"], "Account_Name.name": [None, "Zylker Biotech"]},
)
ACCOUNTS = frame(id=["a1"], Account_Name=["Zylker Biotech"], Phone=[None])
PHONE_UNIQUE = OrgConfig(unique_fields={"Contacts": (UniqueField("Phone"),)})


def row(p: pd.DataFrame, lead: str) -> dict[str, object]:
    out = p[p["lead_id"] == lead]
    assert len(out) == 1
    return dict(out.iloc[0])


def test_zoho_documented_example() -> None:
    p = predict(PAT, CONTACTS, ACCOUNTS, PHONE_UNIQUE)
    o = row(p.options, "1")
    assert o["outcome"] == "matched"
    assert (o["n_contacts"], o["n_accounts"]) == (2, 1)
    assert o["module_preference"] == "Contacts"
    assert o["contact_fields"] == "Phone;Email"
    # Zylker Biotech by name, and by Phone through its contact Pat Boyle (Zoho's article)
    assert o["account_fields"] == "Account_Name;Phone"
    assert (o["first_field"], o["first_module"]) == ("Phone", "Contacts")
    m = p.matches.set_index(["module", "record_id"])
    assert m.loc[("Contacts", "c2"), "field"] == "Phone"
    assert m.loc[("Contacts", "c2"), "account_name"] == "Zylker Biotech"
    assert m.loc[("Contacts", "c1"), "field"] == "Email"
    assert m.loc[("Contacts", "c1"), "record_name"] == "Boyle"
    assert m.loc[("Accounts", "a1"), "route"] == "company"
    assert len(m) == 3  # the Phone through the contact is the contact's row, not a new one
    mf = p.matched_fields.sort_values(["module", "field_rank"])
    assert mf[["module", "field_rank", "field", "lead_value"]].values.tolist() == [
        ["Accounts", 0, "Account_Name", "Zylker Biotech"],
        ["Accounts", 1, "Phone", "9844444444"],
        ["Contacts", 0, "Phone", "9844444444"],
        ["Contacts", 1, "Email", "pat.boyle@zylker.com"],
    ]


def test_frames_have_the_architecture_schemas() -> None:
    p = predict(PAT, CONTACTS, ACCOUNTS, PHONE_UNIQUE)
    assert dict(p.options.dtypes.astype(str)) == OPTIONS_SCHEMA
    assert dict(p.matches.dtypes.astype(str)) == MATCHES_SCHEMA
    assert dict(p.matched_fields.dtypes.astype(str)) == MATCHED_FIELDS_SCHEMA
    assert set(p.options["source"]) == {"predicted"}
    assert set(p.matches["source"]) == {"predicted"}


def test_without_unique_field_phone_does_not_match() -> None:
    p = predict(PAT, CONTACTS, ACCOUNTS, OrgConfig())
    assert row(p.options, "1")["contact_fields"] == "Email"
    assert set(p.matches.loc[p.matches["module"] == "Contacts", "record_id"]) == {"c1"}
    # field_rank is the position among the fields that matched: Email alone is rank 0.
    assert p.matches.loc[p.matches["record_id"] == "c1", "field_rank"].tolist() == [0]


def test_unique_field_order_is_preference_order() -> None:
    leads = frame(id=["1"], Last_Name=["X"], Phone=["111"], Mobile=["222"], Email=[None])
    contacts = frame(
        id=["c1", "c2"], Last_Name=["A", "B"], Phone=["111", None], Mobile=[None, "222"]
    )
    for order, expected in (
        (("Phone", "Mobile"), "Phone;Mobile"),
        (("Mobile", "Phone"), "Mobile;Phone"),
    ):
        cfg = OrgConfig(unique_fields={"Contacts": tuple(UniqueField(f) for f in order)})
        p = predict(leads, contacts, frame(id=[]), cfg)
        assert row(p.options, "1")["contact_fields"] == expected
        assert row(p.options, "1")["first_field"] == order[0]


def test_case_flags_on_unique_fields() -> None:
    leads = frame(id=["1"], Last_Name=["X"], Code__c=["AbC"], Email=[None])
    contacts = frame(id=["c1"], Last_Name=["Y"], Code__c=[" abc "])
    mapped = {"Contacts": {"Code__c": "Code__c"}}  # custom fields map only where mapped
    insensitive = OrgConfig(
        unique_fields={"Contacts": (UniqueField("Code__c", False),)}, convert_mapping=mapped
    )
    sensitive = OrgConfig(
        unique_fields={"Contacts": (UniqueField("Code__c", True),)}, convert_mapping=mapped
    )
    assert row(predict(leads, contacts, frame(id=[]), insensitive).options, "1")["n_contacts"] == 1
    assert row(predict(leads, contacts, frame(id=[]), sensitive).options, "1")["n_contacts"] == 0
    exact = frame(id=["c1"], Last_Name=["Y"], Code__c=[" AbC"])
    assert row(predict(leads, exact, frame(id=[]), sensitive).options, "1")["n_contacts"] == 1


def test_email_and_company_ignore_case_and_surrounding_blanks() -> None:
    leads = frame(
        id=["1"], Last_Name=["X"], Email=["  Pat@Zylker.COM "], Company=["zylker BIOTECH"]
    )
    contacts = frame(id=["c1"], Last_Name=["Y"], Email=["pat@zylker.com"])
    accounts = frame(id=["a1"], Account_Name=[" Zylker Biotech"])
    p = predict(leads, contacts, accounts)
    assert (row(p.options, "1")["n_contacts"], row(p.options, "1")["n_accounts"]) == (1, 1)
    # Only case and blanks: suffixes or inner spacing are not Zoho matches.
    accounts2 = frame(id=["a1"], Account_Name=["Zylker Biotech Inc"])
    assert row(predict(leads, contacts, accounts2).options, "1")["n_accounts"] == 0


def test_name_fallback_only_when_the_contact_list_found_nothing() -> None:
    leads = frame(
        id=["1", "2"], First_Name=["Ann", "Ann"], Last_Name=["Lee", "Lee"], Email=["a@x.com", None]
    )
    contacts = frame(
        id=["c1", "c2"], First_Name=["ann", "Bo"], Last_Name=["LEE", "Z"], Email=[None, "a@x.com"]
    )
    p = predict(leads, contacts, frame(id=[]))
    # Lead 1 matched c2 by Email: no name fallback, so c1 is not offered.
    assert row(p.options, "1")["contact_fields"] == "Email"
    assert set(p.matches.loc[p.matches["lead_id"] == "1", "record_id"]) == {"c2"}
    # Lead 2 has no email: name fallback finds c1, reported as Full_Name with route name.
    o2 = row(p.options, "2")
    assert (o2["contact_fields"], o2["first_field"], o2["n_contacts"]) == (
        "Full_Name",
        "Full_Name",
        1,
    )
    m2 = p.matches[p.matches["lead_id"] == "2"]
    assert m2[["record_id", "route", "lead_value"]].values.tolist() == [["c1", "name", "Ann Lee"]]


def test_name_fallback_runs_even_when_an_account_matched() -> None:
    leads = frame(id=["1"], First_Name=["Ann"], Last_Name=["Lee"], Company=["Acme"])
    contacts = frame(id=["c1"], First_Name=["Ann"], Last_Name=["Lee"])
    accounts = frame(id=["a1"], Account_Name=["ACME"])
    o = row(predict(leads, contacts, accounts).options, "1")
    assert (o["contact_fields"], o["account_fields"], o["module_preference"]) == (
        "Full_Name",
        "Account_Name",
        "Contacts",
    )


def test_module_preference_accounts_when_no_contact_matched() -> None:
    leads = frame(id=["1"], Last_Name=["X"], Company=["Acme"], Phone=["5"])
    accounts = frame(id=["a1", "a2"], Account_Name=["Acme", "Other"], Phone=[None, "5"])
    cfg = OrgConfig(unique_fields={"Accounts": (UniqueField("Phone"),)})
    o = row(predict(leads, frame(id=[], Last_Name=[]), accounts, cfg).options, "1")
    assert o["module_preference"] == "Accounts"
    assert (o["account_fields"], o["first_field"], o["first_module"]) == (
        "Phone;Account_Name",
        "Phone",
        "Accounts",
    )
    assert o["n_accounts"] == 2


def test_removed_accounts_module_matches_contacts_only() -> None:
    cfg = OrgConfig(
        unique_fields=PHONE_UNIQUE.unique_fields, removed_modules=frozenset({"Accounts"})
    )
    o = row(predict(PAT, CONTACTS, ACCOUNTS, cfg).options, "1")
    assert (o["n_contacts"], o["n_accounts"]) == (2, 0)
    assert pd.isna(o["account_fields"])


def test_removed_company_field_means_no_account_matching() -> None:
    cfg = OrgConfig(
        unique_fields={"Accounts": (UniqueField("Phone"),)},
        removed_fields={"Leads": frozenset({"Company"})},
    )
    accounts = frame(id=["a1"], Account_Name=["Zylker Biotech"], Phone=["9844444444"])
    p = predict(PAT, CONTACTS, accounts, cfg)
    assert row(p.options, "1")["n_accounts"] == 0
    assert match_fields("Accounts", cfg) == []


def test_removed_contacts_module_answers_no_options() -> None:
    cfg = OrgConfig(removed_modules=frozenset({"Contacts"}), layouts={"Accounts": ("A", "B")})
    o = row(predict(PAT, CONTACTS, ACCOUNTS, cfg).options, "1")
    assert o["outcome"] == "no_match"
    assert (o["n_contacts"], o["n_accounts"]) == (0, 0)
    assert pd.isna(o["multiple_layouts"])
    assert len(predict(PAT, CONTACTS, ACCOUNTS, cfg).matches) == 0


def test_multiple_layouts_listed_even_without_match() -> None:
    cfg = OrgConfig(layouts={"Accounts": ("Standard", "Partner"), "Contacts": ("Standard",)})
    leads = frame(id=["9"], Last_Name=["Nobody"])
    o = row(predict(leads, CONTACTS, ACCOUNTS, cfg).options, "9")
    assert (o["outcome"], o["multiple_layouts"]) == ("no_match", "Accounts")
    # A 200 answer always names a preference: Accounts when no contact matched.
    assert o["module_preference"] == "Accounts"
    assert pd.isna(o["first_field"]) and pd.isna(o["first_module"])
    plain = row(predict(leads, CONTACTS, ACCOUNTS).options, "9")
    assert pd.isna(plain["module_preference"]) and pd.isna(plain["multiple_layouts"])


def test_locked_and_unapproved_leads_are_errors() -> None:
    leads = frame(
        id=["1", "2", "3"],
        Last_Name=["Boyle"] * 3,
        Email=["pat.boyle@zylker.com"] * 3,
        Locked__s=["true", "false", "true"],
        **{"$approval_state": ["approved", "pending", "pending"]},
    )
    p = predict(leads, CONTACTS, ACCOUNTS)
    assert p.options.set_index("lead_id")["error_code"].to_dict() == {
        "1": "RECORD_LOCKED",
        "2": "NOT_APPROVED",
        "3": "NOT_APPROVED",  # approval is checked before the lock
    }
    assert set(p.options["outcome"]) == {"error"}
    assert p.options["n_contacts"].isna().all()
    assert len(p.matches) == 0


def test_converted_leads_are_left_out_by_default() -> None:
    leads = frame(id=["1", "2"], Last_Name=["A", "B"], Converted__s=["true", "false"])
    assert predict(leads, CONTACTS, ACCOUNTS).options["lead_id"].tolist() == ["2"]
    both = predict(leads, CONTACTS, ACCOUNTS, include_converted=True)
    assert both.options["lead_id"].tolist() == ["1", "2"]
    assert both.options["error_code"].tolist()[0] == "ID_ALREADY_CONVERTED"


def test_removed_contacts_module_wins_over_lead_state() -> None:
    leads = frame(id=["1"], Last_Name=["A"], Locked__s=["true"])
    cfg = OrgConfig(removed_modules=frozenset({"Contacts"}))
    assert row(predict(leads, CONTACTS, ACCOUNTS, cfg).options, "1")["outcome"] == "no_match"


def test_accounts_first_when_only_accounts_have_unique_fields() -> None:
    leads = frame(id=["1"], Last_Name=["X"], Email=["a@b.c"], Company=["Acme"])
    contacts = frame(id=["c1"], Last_Name=["Y"], Email=["a@b.c"])
    accounts = frame(id=["a1"], Account_Name=["Acme"], Phone=["1"])
    only_accounts = OrgConfig(unique_fields={"Accounts": (UniqueField("Phone"),)})
    o = row(predict(leads, contacts, accounts, only_accounts).options, "1")
    # The account matched by Account_Name (not its unique field): Accounts still come first.
    assert (o["module_preference"], o["first_module"], o["first_field"]) == (
        "Accounts",
        "Accounts",
        "Account_Name",
    )
    both = OrgConfig(
        unique_fields={"Accounts": (UniqueField("Phone"),), "Contacts": (UniqueField("Phone"),)}
    )
    assert row(predict(leads, contacts, accounts, both).options, "1")["module_preference"] == (
        "Contacts"
    )
    # No account matched: Contacts, as always.
    none = row(predict(leads, contacts, frame(id=[]), only_accounts).options, "1")
    assert none["module_preference"] == "Contacts"


def test_removed_unique_field_is_not_matched() -> None:
    cfg = OrgConfig(
        unique_fields={"Contacts": (UniqueField("Phone"),)},
        removed_fields={"Contacts": frozenset({"Phone"})},
    )
    assert row(predict(PAT, CONTACTS, ACCOUNTS, cfg).options, "1")["contact_fields"] == "Email"


def test_empty_values_never_match() -> None:
    leads = frame(id=["1"], Last_Name=[" "], Email=[""], Company=["  "])
    contacts = frame(id=["c1"], Last_Name=[" "], Email=[""])
    accounts = frame(id=["a1"], Account_Name=["  "])
    assert row(predict(leads, contacts, accounts).options, "1")["outcome"] == "no_match"


def test_one_row_per_record_and_field() -> None:
    leads = frame(id=["1"], Last_Name=["X"], Phone=["5"], Email=["a@b.c"])
    contacts = frame(id=["c1"], Last_Name=["Y"], Phone=["5"], Email=["A@B.C"])
    p = predict(leads, contacts, frame(id=[]), PHONE_UNIQUE)
    assert p.matches[["record_id", "field", "field_rank"]].values.tolist() == [
        ["c1", "Phone", 0],
        ["c1", "Email", 1],
    ]
    assert row(p.options, "1")["n_contacts"] == 1


def test_designation_maps_to_title() -> None:
    leads = frame(id=["1"], Last_Name=["X"], Designation=["CTO-42"])
    contacts = frame(id=["c1"], Last_Name=["Y"], Title=["cto-42"])
    cfg = OrgConfig(unique_fields={"Contacts": (UniqueField("Title"),)})
    p = predict(leads, contacts, frame(id=[]), cfg)
    assert p.matched_fields[["field", "lead_value"]].values.tolist() == [["Title", "CTO-42"]]


def test_bad_input_names_the_frame() -> None:
    with pytest.raises(PredictionError, match="Contacts: duplicate id 'c1'"):
        predict(PAT, frame(id=["c1", "c1"], Last_Name=["a", "b"]), ACCOUNTS)
    with pytest.raises(PredictionError, match="Leads: no 'id' column"):
        predict(frame(Last_Name=["a"]), CONTACTS, ACCOUNTS)
