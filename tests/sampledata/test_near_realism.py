"""The sample's planted person near-duplicates are people someone could recognise as the contact.

A lead labelled the same person as a contact gives the contact's account as Company or none (never
an unrelated company), and an email that is blank or its own personal address, made from the name
it gives (never an address built from another person's name); a pair planted by the name alone is
always at the contact's account. Otherwise such a "positive" is indistinguishable from the planted
namesakes (a nickname and the surname at another company), a labelling error rather than a hard
case (docs/labelled-data.md).
"""

from __future__ import annotations

import pandas as pd
import pytest

from crmkit.sampledata import bundled_path


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    root = bundled_path()

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(root / f"{name}.csv", dtype=str, keep_default_na=False)

    truth = read("near_duplicates_truth")
    people = truth[(truth["module"] == "Contacts") & (truth["is_match"] == "true")]
    leads = read("Leads").set_index("id")
    contacts = read("Contacts").set_index("id")
    out = people.assign(
        first=leads.loc[people["lead_id"], "First_Name"].to_numpy(),
        last=leads.loc[people["lead_id"], "Last_Name"].to_numpy(),
        email=leads.loc[people["lead_id"], "Email"].to_numpy(),
        company=leads.loc[people["lead_id"], "Company"].to_numpy(),
        account=contacts.loc[people["record_id"], "Account_Name.name"].to_numpy(),
    )
    assert set(out["route"]) == {"phone", "email", "name"} and len(out) > 200
    return out


def test_a_person_positive_names_the_contacts_account_or_none(planted: pd.DataFrame) -> None:
    other = planted[(planted["company"] != "") & (planted["company"] != planted["account"])]
    assert other.empty, other.to_string()


def test_a_name_only_positive_is_at_the_contacts_account(planted: pd.DataFrame) -> None:
    name = planted[planted["route"] == "name"]
    assert (name["account"] != "").all()
    assert (name["company"] == name["account"]).all(), name.to_string()


def test_a_person_positive_gives_no_one_elses_address(planted: pd.DataFrame) -> None:
    # Email-route leads give the contact's address as a variant; the others give none or their own.
    rest = planted[(planted["route"] != "email") & (planted["email"] != "")]
    assert len(rest) > 50
    own = (rest["first"] + "_" + rest["last"]).where(rest["first"] != "", rest["last"]).str.lower()
    local = rest["email"].str.split("@").str[0]
    mismatched = rest[~pd.Series(map(str.startswith, local, own), index=rest.index)]
    assert mismatched.empty, mismatched.to_string()
