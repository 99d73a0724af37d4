"""Conversion-options payloads -> options / matches / matched_fields, without HTTP."""

from __future__ import annotations

import pandas as pd
import pytest
from frames_payloads import PAT_BOYLE_LEAD, documented

from crmkit.api.errors import NotApprovedError, RecordLockedError
from crmkit.api.models import ConversionOptions
from crmkit.frames import (
    MATCHED_FIELDS_SCHEMA,
    MATCHES_SCHEMA,
    OPTIONS_SCHEMA,
    PayloadError,
    options_frames,
    route_of,
)

CONTACT_BOYLE = "4876876000007437017"
CONTACT_PAT = "4876876000007421001"
ACCOUNT_ZYLKER = "4876876000007421010"


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


def test_documented_answer_options_row() -> None:
    frames = options_frames({PAT_BOYLE_LEAD: documented()})
    row = frames.options.iloc[0]
    assert len(frames.options) == 1
    assert row["lead_id"] == PAT_BOYLE_LEAD
    assert row["outcome"] == "matched"
    assert pd.isna(row["error_code"])
    assert (row["n_contacts"], row["n_accounts"], row["n_deals"]) == (2, 1, 0)
    assert row["module_preference"] == "Contacts"
    assert row["contact_fields"] == "Phone;Email"
    assert row["account_fields"] == "Account_Name"
    assert (row["first_module"], row["first_field"]) == ("Contacts", "Phone")
    assert row["multiple_layouts"] == "Accounts"
    assert row["source"] == "api"


def test_documented_answer_each_hit_explained_by_the_right_record() -> None:
    """Phone is explained by Pat Boyle only, Email by contact "Boyle" only, Account by Zylker."""
    m = options_frames({PAT_BOYLE_LEAD: documented()}).matches
    got = m[["module", "record_id", "field", "field_rank", "route", "explained"]]
    expected = pd.DataFrame(
        {
            "module": ["Contacts", "Contacts", "Accounts"],
            "record_id": [CONTACT_PAT, CONTACT_BOYLE, ACCOUNT_ZYLKER],
            "field": ["Phone", "Email", "Account_Name"],
            "field_rank": [0, 1, 0],
            "route": ["unique", "email", "company"],
            "explained": [True, True, True],
        }
    ).astype({c: MATCHES_SCHEMA[c] for c in got.columns})
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)
    pat = m.iloc[0]
    assert pat["record_name"] == "Pat Boyle"
    assert (pat["account_id"], pat["account_name"]) == (ACCOUNT_ZYLKER, "Zylker Biotech")
    assert pat["lead_value"] == "9844444444"
    assert not pat["locked"] and pat["editable"] and pat["approval_state"] == "approved"
    boyle = m.iloc[1]
    assert boyle["record_name"] == "Boyle"
    assert pd.isna(boyle["account_id"]) and pd.isna(boyle["account_name"])
    assert boyle["lead_value"] == "pat.boyle@zylker.com"
    account = m.iloc[2]
    assert account["record_name"] == "Zylker Biotech"
    assert pd.isna(account["account_id"])  # account_* describe a contact's account


def test_documented_answer_matched_fields_as_sent() -> None:
    mf = options_frames({PAT_BOYLE_LEAD: documented()}).matched_fields
    assert mf[["module", "field_rank", "field", "lead_value"]].values.tolist() == [
        ["Contacts", 0, "Phone", "9844444444"],
        ["Contacts", 1, "Email", "pat.boyle@zylker.com"],
        ["Accounts", 0, "Account_Name", "Zylker Biotech"],
    ]
    assert (mf["lead_id"] == PAT_BOYLE_LEAD).all() and (mf["source"] == "api").all()


def test_schemas_and_dtypes() -> None:
    frames = options_frames({PAT_BOYLE_LEAD: documented(), "2": None})
    assert _dtypes(frames.options) == OPTIONS_SCHEMA
    assert _dtypes(frames.matches) == MATCHES_SCHEMA
    assert _dtypes(frames.matched_fields) == MATCHED_FIELDS_SCHEMA
    empty = options_frames({})
    assert _dtypes(empty.options) == OPTIONS_SCHEMA
    assert _dtypes(empty.matches) == MATCHES_SCHEMA
    assert _dtypes(empty.matched_fields) == MATCHED_FIELDS_SCHEMA
    assert len(empty.options) == len(empty.matches) == len(empty.matched_fields) == 0


def test_unexplained_hit_and_record_are_kept_not_dropped() -> None:
    payload = documented()
    payload["__conversion_options"]["Contacts"][0]["Email"] = None  # Boyle no longer explains Email
    m = options_frames({PAT_BOYLE_LEAD: payload}).matches
    hit = m[(m["field"] == "Email")]
    assert len(hit) == 1
    assert pd.isna(hit["record_id"].iloc[0]) and not hit["explained"].iloc[0]
    assert hit["lead_value"].iloc[0] == "pat.boyle@zylker.com" and hit["route"].iloc[0] == "email"
    orphan = m[m["record_id"] == CONTACT_BOYLE]
    assert len(orphan) == 1 and pd.isna(orphan["field"].iloc[0]) and not orphan["explained"].iloc[0]
    assert orphan["record_name"].iloc[0] == "Boyle" and pd.isna(orphan["route"].iloc[0])
    assert len(m) == 4  # Phone/Pat, Email/(none), Account/Zylker, (none)/Boyle


def test_comparison_is_trimmed_and_case_insensitive() -> None:
    payload = documented()
    hits = payload["__conversion_options"]["preference_field_matched_value"]
    hits["Contacts"][1]["matched_lead_value"] = "  PAT.Boyle@ZYLKER.com "
    hits["Accounts"][0]["matched_lead_value"] = "zylker biotech"
    m = options_frames({PAT_BOYLE_LEAD: payload}).matches
    assert m["explained"].all() and len(m) == 3
    assert m.loc[m["field"] == "Email", "lead_value"].iloc[0] == "  PAT.Boyle@ZYLKER.com "


def test_one_record_explained_by_two_fields_gives_two_rows() -> None:
    payload = documented()
    payload["__conversion_options"]["Contacts"][1]["Email"] = "Pat.Boyle@zylker.com"
    m = options_frames({PAT_BOYLE_LEAD: payload}).matches
    pat = m[m["record_id"] == CONTACT_PAT]
    assert pat["field"].tolist() == ["Phone", "Email"]
    email = m[m["field"] == "Email"]
    assert sorted(email["record_id"]) == sorted([CONTACT_BOYLE, CONTACT_PAT])


def test_name_fallback_route() -> None:
    payload = {
        "__conversion_options": {
            "module_preference": {"api_name": "Contacts", "id": "1"},
            "Contacts": [{"Full_Name": "Pat Boyle", "id": "11", "Account_Name": None}],
            "Accounts": None,
            "Deals": None,
            "preference_field_matched_value": {
                "Contacts": [
                    {
                        "field": {"api_name": "Full_Name", "id": "9"},
                        "matched_lead_value": "pat boyle",
                    }
                ]
            },
            "modules_with_multiple_layouts": None,
        }
    }
    f = options_frames({"7": payload})
    assert f.matches[["record_id", "field", "route", "explained"]].values.tolist() == [
        ["11", "Full_Name", "name", True]
    ]
    assert f.options["first_field"].iloc[0] == "Full_Name"
    assert pd.isna(f.matches["locked"].iloc[0])  # not sent -> NA, not False


def test_accounts_only_answer_attributes_first_to_accounts() -> None:
    payload = documented()
    body = payload["__conversion_options"]
    body["Contacts"] = []
    body["preference_field_matched_value"].pop("Contacts")
    body["module_preference"] = {"api_name": "Accounts", "id": "2"}
    row = options_frames({"1": payload}).options.iloc[0]
    assert (row["first_module"], row["first_field"]) == ("Accounts", "Account_Name")
    assert (row["n_contacts"], row["n_accounts"]) == (0, 1)
    assert pd.isna(row["contact_fields"])


def test_no_match_error_and_layout_only_answers() -> None:
    layouts_only = {
        "__conversion_options": {
            "module_preference": None,
            "Contacts": None,
            "Accounts": None,
            "Deals": None,
            "preference_field_matched_value": None,
            "modules_with_multiple_layouts": [{"api_name": "Accounts", "id": "3"}],
        }
    }
    locked = RecordLockedError("record locked", status=400, code="RECORD_LOCKED", lead_id="3")
    frames = options_frames(
        {
            "1": None,
            "2": layouts_only,
            "3": locked,
            "4": {
                "code": "INVALID_DATA",
                "details": {},
                "message": "invalid data",
                "status": "error",
            },
            "5": ConversionOptions.from_payload("5", None),
            "6": ConversionOptions.from_payload("6", documented()),
            "7": NotApprovedError("not approved", code="NOT_APPROVED"),
        }
    )
    o = frames.options.set_index("lead_id")
    assert o["outcome"].tolist() == [
        "no_match", "no_match", "error", "error", "no_match", "matched", "error",
    ]  # fmt: skip
    assert o.loc["2", "multiple_layouts"] == "Accounts" and o.loc["2", "n_contacts"] == 0
    assert o.loc["3", "error_code"] == "RECORD_LOCKED"
    assert o.loc["4", "error_code"] == "INVALID_DATA"
    assert o.loc["4", "error_message"] == "invalid data"
    assert o.loc["7", "error_code"] == "NOT_APPROVED"
    assert pd.isna(o.loc["3", "n_contacts"])  # unknown, not zero
    assert set(frames.matches["lead_id"]) == {"6"}


def test_predicted_source_label() -> None:
    f = options_frames({"1": documented()}, source="predicted")
    assert set(f.options["source"]) == set(f.matches["source"]) == {"predicted"}


def test_lead_order_is_kept() -> None:
    ids = ["30", "10", "20"]
    f = options_frames({i: documented() for i in ids})
    assert f.options["lead_id"].tolist() == ids
    assert f.matches["lead_id"].drop_duplicates().tolist() == ids


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda b: b.update(Contacts={"id": "1"}), "Contacts is not a list"),
        (lambda b: b["Contacts"][0].pop("id"), "has no id"),
        (
            lambda b: b["preference_field_matched_value"]["Contacts"][0].update(field={}),
            "names no field",
        ),
    ],
)
def test_malformed_payload_is_refused(edit: object, message: str) -> None:
    payload = documented()
    edit(payload["__conversion_options"])  # type: ignore[operator]
    with pytest.raises(PayloadError, match=message) as info:
        options_frames({"42": payload})
    assert "lead 42" in str(info.value)


def test_route_of() -> None:
    assert route_of("Contacts", "Email") == "email"
    assert route_of("Accounts", "Account_Name") == "company"
    assert route_of("Contacts", "Full_Name") == "name"
    assert route_of("Contacts", "Phone") == "unique"
    assert route_of("Accounts", "Phone") == "unique"


def test_article_shape_account_matched_through_its_contact() -> None:
    """The article's answer: Deals `[]`, new candidate keys, and Zylker Biotech listed under
    Account_Name and Phone — Phone through its contact Pat Boyle, the account has none."""
    payload = documented()
    body = payload["__conversion_options"]
    for c in body["Contacts"]:
        c["Data_Processing_Basis"] = None
    body["Contacts"][1]["Account_Name"]["Locked__s"] = False
    body["Accounts"][0].update(Website=None, Account_Type=None, Data_Processing_Basis=None)
    body["Deals"] = []
    phone = {"field": {"api_name": "Phone", "id": "4876876000000003301"}}
    body["preference_field_matched_value"]["Accounts"].append(
        {**phone, "matched_lead_value": "9844444444"}
    )
    body["preference_field_matched_value"]["Deals"] = None
    frames = options_frames({PAT_BOYLE_LEAD: payload})
    row = frames.options.iloc[0]
    assert row["account_fields"] == "Account_Name;Phone" and row["n_deals"] == 0
    m = frames.matches
    assert m["explained"].all()  # the account's Phone hit is its contact's match
    assert len(m) == 3 and (m["module"] == "Accounts").sum() == 1
    assert m.loc[m["module"] == "Accounts", "field"].tolist() == ["Account_Name"]
    mf = frames.matched_fields
    accounts = mf[mf["module"] == "Accounts"].sort_values("field_rank")
    assert accounts["field"].tolist() == ["Account_Name", "Phone"]
    # the same hit with no listed contact of that account to explain it stays an orphan
    body["Contacts"][1]["Account_Name"] = None
    orphan = options_frames({PAT_BOYLE_LEAD: payload}).matches
    lone = orphan[(orphan["module"] == "Accounts") & (orphan["field"] == "Phone")]
    assert len(lone) == 1 and not lone["explained"].iloc[0]
