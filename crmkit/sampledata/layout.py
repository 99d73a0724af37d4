"""What the sample org holds: its fixed ids and sizes, each module's columns, the planted shares.

Plain data, so a reader can see the org's shape without reading how it is built.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ACCOUNT_COLUMNS",
    "BATCH_SEED_SALT",
    "BATCH_SHARE",
    "BATCH_VARIANTS",
    "BOYLE_CONTACT_ID",
    "COMPANY_SHARES",
    "COMPOUND_NAMES_ABOVE",
    "CONTACTS_PER_LEAD",
    "CONTACT_COLUMNS",
    "DEAL_COLUMNS",
    "DEFAULT_SEED",
    "DUP_TRUTH_COLUMNS",
    "ID_BASE",
    "LEAD_COLUMNS",
    "NEAR_COLUMNS",
    "NEAR_NAME_SALT",
    "NEGATIVES_SALT",
    "NEGATIVE_SHARES",
    "ORG_ID",
    "PARTNER_PIPELINE",
    "PAT_CONTACT_ID",
    "PAT_LEAD_ID",
    "PERSON_SHARES",
    "PIPELINES",
    "SECONDS_FROM",
    "SECONDS_TO",
    "SPECIAL_SHARES",
    "STANDARD_PIPELINE",
    "TRUTH_COLUMNS",
    "TZ_OFFSET",
    "VERIFY_MAX_LEADS",
    "ZYLKER_ACCOUNT_ID",
]

DEFAULT_SEED = 20260301
VERIFY_MAX_LEADS = 200_000
COMPOUND_NAMES_ABOVE = 20_000
ORG_ID = "90000004876876017001"  # a sandbox org id: 20 digits, never a Zoho org's
TZ_OFFSET = "+05:30"
SECONDS_FROM = int(np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64))
SECONDS_TO = int(np.datetime64("2026-02-28T00:00:00", "s").astype(np.int64))

# Zoho's documented example (zoho-api.md §4), with its ids.
PAT_LEAD_ID = "4876876000007445001"
BOYLE_CONTACT_ID = "4876876000007437017"
PAT_CONTACT_ID = "4876876000007421001"
ZYLKER_ACCOUNT_ID = "4876876000007421010"

ID_BASE = {
    "Leads": 4876876000100000000,
    "Contacts": 4876876000200000000,
    "Accounts": 4876876000300000000,
    "Deals": 4876876000400000000,
}

# Zoho's standard pipeline (its name and stage list in every new org), plus one of the org's own.
STANDARD_PIPELINE = "Standard (Standard)"
PARTNER_PIPELINE = "Partner Channel"
PIPELINES: dict[str, list[str]] = {
    STANDARD_PIPELINE: [
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Id. Decision Makers",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
        "Closed Lost",
        "Closed-Lost to Competition",
    ],
    PARTNER_PIPELINE: [
        "Registration",
        "Partner Qualified",
        "Joint Proposal",
        "Commit",
        "Closed Won",
        "Closed Lost",
    ],
}

LEAD_COLUMNS = [
    "id",
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Email",
    "Phone",
    "Mobile",
    "Company",
    "Designation",
    "Lead_Source",
    "Lead_Status",
    "Industry",
    "Region__c",
    "Owner.id",
    "Owner.name",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Locked__s",
    "$approval_state",
    "Converted__s",
]
CONTACT_COLUMNS = [
    "id",
    "First_Name",
    "Last_Name",
    "Full_Name",
    "Email",
    "Phone",
    "Mobile",
    "Title",
    "Lead_Source",
    "Account_Name.id",
    "Account_Name.name",
    "Owner.id",
    "Owner.name",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Locked__s",
    "$approval_state",
]
ACCOUNT_COLUMNS = [
    "id",
    "Account_Name",
    "Phone",
    "Website",
    "Industry",
    "Layout",
    "Owner.id",
    "Owner.name",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Locked__s",
    "$approval_state",
]
DEAL_COLUMNS = [
    "id",
    "Deal_Name",
    "Account_Name.id",
    "Account_Name.name",
    "Contact_Name.id",
    "Contact_Name.name",
    "Pipeline",
    "Stage",
    "Closing_Date",
    "Amount",
    "Lead_Source",
    "Owner.id",
    "Owner.name",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Locked__s",
    "$approval_state",
]
TRUTH_COLUMNS = ["lead_id", "module", "record_id", "field", "route"]
NEAR_COLUMNS = ["lead_id", "module", "record_id", "route", "variant", "is_match"]
DUP_TRUTH_COLUMNS = ["group_id", "kind", "tier", "lead_id", "field", "variant"]

# Share of leads planted per kind (person kinds are scaled down when contacts are scarce).
PERSON_SHARES: dict[str, float] = {
    "phone": 0.07,
    "email": 0.09,
    "phone_email": 0.03,
    "union": 0.01,
    "name": 0.04,
    "name_suppressed": 0.005,
    "role": 0.004,
    "nd_phone": 0.015,
    "nd_email": 0.015,
    "nd_name": 0.02,
}
CONTACTS_PER_LEAD = {"union": 2, "name_suppressed": 2, "role": 2}
COMPANY_SHARES: dict[str, float] = {
    "company": 0.10,
    "nd_company": 0.02,
    "nd_domain": 0.005,
    "neg_freemail": 0.005,
}
SPECIAL_SHARES: dict[str, float] = {"converted": 0.05, "locked": 0.01, "unapproved": 0.01}
# Hard negatives (``negatives``), planted on unplanted leads from their own generator's salt.
NEGATIVE_SHARES: dict[str, float] = {"namesake": 0.01, "lookalike": 0.005, "similar_local": 0.005}
NEGATIVES_SALT = 15
# Name-only near-duplicates (``near.plant_near_people``) draw from their own generator too.
NEAR_NAME_SALT = 16

# Open leads planted as duplicates of one another (``batch``), appended on top of ``leads``: their
# share of ``leads``, their own generator's salt, and each variant's weight among the groups.
BATCH_SHARE = 0.08
BATCH_SEED_SALT = 10
BATCH_VARIANTS: dict[str, float] = {
    "twin_email": 6,
    "twin_email_case": 5,
    "twin_phone": 5,
    "chain_email_phone": 2,
    "colleagues": 8,
    "name_only": 4,
    "near_phone_format": 3,
    "near_gmail": 3,
    "near_company_suffix": 3,
}
