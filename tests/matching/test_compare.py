"""compare(): every kind of difference is listed, with the lead and both sides' values."""

from __future__ import annotations

import pandas as pd

from crmkit.agreement import compare, summary
from crmkit.matching import Prediction, predict
from crmkit.orgconfig import OrgConfig, UniqueField


def frame(**cols: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in cols.items()})


LEADS = frame(
    id=["1", "2", "3"],
    Last_Name=["A", "B", "C"],
    Email=["a@x.com", "b@x.com", None],
    Phone=["5", None, None],
    Company=["Acme", None, "Acme"],
)
CONTACTS = frame(
    id=["c1", "c2"], Last_Name=["Y", "Z"], Email=["a@x.com", "b@x.com"], Phone=["5", None]
)
ACCOUNTS = frame(id=["a1"], Account_Name=["acme"])


def test_identical_frames_have_no_difference() -> None:
    p = predict(LEADS, CONTACTS, ACCOUNTS)
    assert compare(p, p).empty


def test_each_difference_is_named() -> None:
    truth = predict(
        LEADS, CONTACTS, ACCOUNTS, OrgConfig(unique_fields={"Contacts": (UniqueField("Phone"),)})
    )
    plain = predict(LEADS, CONTACTS, ACCOUNTS)
    d = compare(truth, plain)
    # Lead 1: truth matched c1 by Phone and Email; the plain org by Email only.
    assert d[["lead_id", "kind", "module", "api", "predicted"]].values.tolist() == [
        ["1", "fields", "Contacts", "Phone;Email", "Email"],
    ]


def test_missing_records_leads_and_outcomes() -> None:
    p = predict(LEADS, CONTACTS, ACCOUNTS)
    fewer_contacts = predict(LEADS, CONTACTS.iloc[:1], ACCOUNTS)
    d = compare(p, fewer_contacts)
    assert set(map(tuple, d[["lead_id", "kind"]].values.tolist())) == {
        ("2", "outcome"),
        ("2", "module_preference"),
        ("2", "fields"),
        ("2", "missing_record"),
    }
    assert d.loc[d["kind"] == "missing_record", "record_id"].tolist() == ["c2"]
    reverse = compare(fewer_contacts, p)
    assert reverse.loc[reverse["kind"] == "extra_record", "record_id"].tolist() == ["c2"]
    only_two = Prediction(
        p.options[p.options["lead_id"] != "3"],
        p.matches[p.matches["lead_id"] != "3"],
        p.matched_fields,
    )
    d2 = compare(p, only_two)
    assert d2[["lead_id", "kind"]].values.tolist() == [["3", "missing_lead"]]
    assert compare(only_two, p).empty
    assert compare(only_two, p, all_leads=True)[["lead_id", "kind"]].values.tolist() == [
        ["3", "extra_lead"]
    ]
    assert summary(d).to_dict() == {
        "fields": 1,
        "missing_record": 1,
        "module_preference": 1,
        "outcome": 1,
    }
