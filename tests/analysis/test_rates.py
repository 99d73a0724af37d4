"""Duplicate rates, segments, overlaps and top accounts on small hand-checked data."""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_data import payload

from crmkit.analysis import (
    UNATTRIBUTED,
    field_overlaps,
    module_rates,
    rate_table,
    segment_rates,
    segment_summary,
    summary,
    top_accounts,
)
from crmkit.api.errors import RecordLockedError
from crmkit.frames import OptionsFrames, options_frames


@pytest.fixture
def frames() -> OptionsFrames:
    acme = ("900", "Acme")
    return options_frames(
        {
            # Phone and Email on two contacts, plus the account by name
            "1": payload(
                [("c1", ["Phone"]), ("c2", ["Email"])],
                [("a1", ["Account_Name"])],
                account_of={"c1": acme},
            ),
            "2": payload([("c3", ["Email"])], account_of={"c3": acme}),  # Email only
            "3": payload(accounts=[("900", ["Account_Name"])]),  # account only
            "4": None,  # 204
            "5": RecordLockedError("locked", code="RECORD_LOCKED"),
            "6": payload([("c4", ["Full_Name"])]),  # name fallback
        }
    )


@pytest.fixture
def leads() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["1", "2", "3", "4", "5", "6"],
            "Lead_Source": ["Web", "Web", "Expo", None, "Web", "Expo"],
            "Created_Time": pd.to_datetime(
                [
                    "2024-01-03T10:00Z",
                    "2024-01-20T10:00Z",
                    "2024-02-01T00:30+01:00",  # 31 January in UTC
                    "2024-02-10T10:00Z",
                    "2024-02-11T10:00Z",
                    "2024-03-01T10:00Z",
                ],
                utc=True,
            ),
        }
    ).astype({"id": "string", "Lead_Source": "string"})


def test_summary_excludes_errors_from_the_denominator(frames: OptionsFrames) -> None:
    s = summary(frames.options)
    assert (s["n_leads"], s["n_answered"], s["n_errors"], s["n_matched"]) == (6, 5, 1, 4)
    assert s["rate"] == pytest.approx(4 / 5)
    assert s["n_contacts"] == 3 and s["rate_accounts"] == pytest.approx(2 / 5)


def test_module_rates(frames: OptionsFrames) -> None:
    m = module_rates(frames.options).set_index("module")
    assert m["leads"].to_dict() == {"Contacts": 3, "Accounts": 2, "Deals": 0, "any": 4}
    assert m.loc["any", "rate"] == pytest.approx(0.8)


def test_rate_table_any_and_first(frames: OptionsFrames) -> None:
    t = rate_table(frames.options, frames.matches).set_index(["module", "field"])
    assert t["leads_any"].to_dict() == {
        ("Contacts", "Email"): 2,
        ("Contacts", "Phone"): 1,
        ("Contacts", "Full_Name"): 1,
        ("Accounts", "Account_Name"): 2,
    }
    assert t["leads_first"].to_dict() == {
        ("Contacts", "Email"): 1,
        ("Contacts", "Phone"): 1,
        ("Contacts", "Full_Name"): 1,
        ("Accounts", "Account_Name"): 1,
    }
    assert t.loc[("Contacts", "Email"), "rate_any"] == pytest.approx(2 / 5)
    assert t.loc[("Contacts", "Full_Name"), "route"] == "name"
    assert t["rate_first"].sum() == pytest.approx(summary(frames.options)["rate"])


def test_rate_table_by_route(frames: OptionsFrames) -> None:
    t = rate_table(frames.options, frames.matches, level="route").set_index(["module", "field"])
    assert t["leads_any"].to_dict() == {
        ("Contacts", "email"): 2,
        ("Contacts", "unique"): 1,
        ("Contacts", "name"): 1,
        ("Accounts", "company"): 2,
    }
    assert int(t["leads_first"].sum()) == 4


def test_segments_by_column_and_month(frames: OptionsFrames, leads: pd.DataFrame) -> None:
    seg = segment_summary(leads, frames.options, "Lead_Source").set_index("segment")
    assert seg["n_leads"].to_dict() == {"(none)": 1, "Expo": 2, "Web": 2}
    assert seg["n_matched"].to_dict() == {"(none)": 0, "Expo": 2, "Web": 2}
    t = segment_rates(leads, frames.options, frames.matches, "Lead_Source")
    web = t[t["segment"] == "Web"].set_index(["module", "field"])
    assert web["leads_any"].to_dict() == {
        ("Contacts", "Email"): 2,
        ("Contacts", "Phone"): 1,
        ("Accounts", "Account_Name"): 1,
    }
    assert web["rate_any"].loc[("Contacts", "Email")] == pytest.approx(1.0)
    sums = t.groupby("segment")["leads_first"].sum()
    assert sums.to_dict() == {"Expo": 2, "Web": 2}
    months = segment_summary(leads, frames.options, "Created_Time", freq="M").set_index("segment")
    assert months["n_leads"].to_dict() == {"2024-01": 3, "2024-02": 1, "2024-03": 1}
    assert months["n_matched"].to_dict() == {"2024-01": 3, "2024-02": 0, "2024-03": 1}
    weeks = segment_rates(leads, frames.options, frames.matches, "Created_Time", freq="W")
    assert set(weeks["segment"]) == {
        "2024-01-01/2024-01-07",
        "2024-01-15/2024-01-21",
        "2024-01-29/2024-02-04",
        "2024-02-26/2024-03-03",
    }
    with pytest.raises(ValueError, match="freq"):
        segment_rates(leads, frames.options, frames.matches, "Created_Time")
    with pytest.raises(KeyError, match=r"Owner\.name"):
        segment_rates(leads, frames.options, frames.matches, "Owner.name")


def test_segment_by_series(frames: OptionsFrames, leads: pd.DataFrame) -> None:
    by = (leads["Lead_Source"] == "Web").map({True: "web", False: "other"}).rename("is_web")
    seg = segment_summary(leads, frames.options, by).set_index("segment")
    assert seg["n_leads"].to_dict() == {"(none)": 1, "other": 2, "web": 2}


def test_field_overlaps(frames: OptionsFrames) -> None:
    o = field_overlaps(frames.matches)
    assert o.loc["Contacts.Email", "Contacts.Phone"] == 1
    assert o.loc["Contacts.Email", "Accounts.Account_Name"] == 1
    assert o.loc["Contacts.Email", "Contacts.Email"] == 2
    assert (o.to_numpy() == o.to_numpy().T).all()
    c = field_overlaps(frames.matches, module="Contacts", normalize=True)
    assert list(c.index) == ["Email", "Full_Name", "Phone"]
    assert c.loc["Phone", "Email"] == pytest.approx(1.0)
    assert c.loc["Email", "Phone"] == pytest.approx(0.5)


def test_top_accounts(frames: OptionsFrames) -> None:
    top = top_accounts(frames.matches)
    acme = top.iloc[0]
    # the Account record's own name wins over the name on a contact's lookup
    assert (acme["account_id"], acme["account_name"]) == ("900", "v-Account_Name")
    # lead 1 via contact c1, lead 2 via contact c3, lead 3 via the account itself
    assert (acme["leads"], acme["via_contacts"], acme["via_accounts"]) == (3, 2, 1)
    assert top["account_id"].tolist() == ["900", "a1"]


def test_matched_lead_without_fields_is_unattributed() -> None:
    body = payload([("c1", ["Email"])])
    assert body is not None
    body["__conversion_options"]["preference_field_matched_value"] = None
    f = options_frames({"1": body, "2": None})
    t = rate_table(f.options, f.matches)
    assert t[["module", "field", "leads_first", "leads_any"]].values.tolist() == [
        ["Contacts", UNATTRIBUTED, 1, 1]
    ]
    assert t["rate_first"].sum() == pytest.approx(summary(f.options)["rate"]) == 0.5


def test_empty_frames() -> None:
    f = options_frames({})
    assert rate_table(f.options, f.matches).empty
    assert summary(f.options)["n_leads"] == 0
    assert field_overlaps(f.matches).empty
    assert top_accounts(f.matches).empty
