"""A small org for merge-policy and field-diff tests: one lead per merge situation.

The Contact and Account hold curated values the lead disagrees with, fields the record has empty
and the lead fills, and fields only the record holds; `org_json` gives Contacts a `Lead_Source`
picklist lacking a value Leads allow (the picklists of Leads and Contacts differ).
"""

from __future__ import annotations

from typing import Any

U = "1000000000000000901"
A_ACME = "2000000000000000001"
A_SOLO = "2000000000000000002"
C_PAT = "3000000000000000001"
L_PAT = "4000000000000000001"  # merges into Contact Pat (and her Account Acme)
L_SOLO = "4000000000000000002"  # merges into Account Solo only; a new Contact
L_NEW = "4000000000000000003"  # creates everything
L_MATE = "4000000000000000004"  # merges into what lead L_NEW's conversion gives

CONTACT_LEAD_SOURCES = ["Advertisement", "Cold Call", "Partner"]  # no "Trade Show"


def records() -> dict[str, Any]:
    owner = {"id": U}
    leads = [
        {
            "id": L_PAT,
            "First_Name": "Patricia",
            "Last_Name": "Boyle",
            "Email": "pat@acme.com",
            "Phone": "555-0199",
            "Designation": "CTO",
            "Lead_Source": "Trade Show",
            "Company": "Acme Corp",
            "Website": "acme.example",
            "Annual_Revenue": 7000,
            "Owner": owner,
        },
        {
            "id": L_SOLO,
            "Last_Name": "Solo",
            "Email": "han@solo.example",
            "Phone": "555-0300",
            "Company": "Solo Inc",
            "Industry": "Retail",
            "Owner": owner,
        },
        {"id": L_NEW, "Last_Name": "Newman", "Company": "Newco", "Owner": owner},
        {"id": L_MATE, "Last_Name": "Mate", "Company": "Newco", "Owner": owner},
    ]
    contacts = [
        {
            "id": C_PAT,
            "First_Name": "Pat",
            "Last_Name": "Boyle",
            "Email": "pat@acme.com",
            "Phone": "555-0100",
            "Mobile": "555-7777",
            "Lead_Source": "Partner",
            "Account_Name": {"id": A_ACME, "name": "Acme Corp"},
            "Owner": owner,
        }
    ]
    accounts = [
        {
            "id": A_ACME,
            "Account_Name": "Acme Corp",
            "Phone": "555-0000",
            "Annual_Revenue": 5000,
            "Owner": owner,
        },
        {
            "id": A_SOLO,
            "Account_Name": "Solo Inc",
            "Website": "solo.example",
            "Owner": owner,
        },
    ]
    org = {
        "users": [{"id": U, "full_name": "Ava Active", "email": "ava@x.com", "status": "active"}],
        "picklists": {"Contacts": {"Lead_Source": CONTACT_LEAD_SOURCES}},
    }
    return {"leads": leads, "contacts": contacts, "accounts": accounts, "org": org}
