"""Zoho's documented conversion-options example, verbatim (zoho-api.md §4), with its ids.

Lead Pat Boyle matches contact Pat Boyle by Phone, contact Boyle by Email and account Zylker
Biotech by Company, so tests can hold the sandbox's answer to the one Zoho documents.
"""

from __future__ import annotations

from crmkit.sampledata.draft import OrgDraft
from crmkit.sampledata.layout import (
    BOYLE_CONTACT_ID,
    PAT_CONTACT_ID,
    PAT_LEAD_ID,
    TZ_OFFSET,
    ZYLKER_ACCOUNT_ID,
)

__all__ = ["add_pat_boyle"]


def add_pat_boyle(draft: OrgDraft) -> None:
    """Zoho's documented conversion-options example, verbatim (zoho-api.md §4)."""
    u = draft.users[0]
    t0, t1 = "2026-01-12T10:15:00" + TZ_OFFSET, "2026-01-12T10:15:00" + TZ_OFFSET
    common = {
        "Owner.id": u["id"],
        "Owner.name": u["full_name"],
        "Created_Time": t0,
        "Modified_Time": t1,
        "Tag": "",
        "Locked__s": "false",
        "$approval_state": "approved",
    }
    draft.extra_accounts = [
        {
            **common,
            "id": ZYLKER_ACCOUNT_ID,
            "Account_Name": "Zylker Biotech",
            "Phone": "",
            "Website": "www.zylker.com",
            "Industry": "Healthcare",
            "Layout": "Standard",
        }
    ]
    draft.extra_contacts = [
        {
            **common,
            "id": BOYLE_CONTACT_ID,
            "First_Name": "",
            "Last_Name": "Boyle",
            "Full_Name": "Boyle",
            "Email": "pat.boyle@zylker.com",
            "Phone": "",
            "Mobile": "",
            "Title": "",
            "Lead_Source": "Trade Show",
            "Account_Name.id": "",
            "Account_Name.name": "",
        },
        {
            **common,
            "id": PAT_CONTACT_ID,
            "First_Name": "Pat",
            "Last_Name": "Boyle",
            "Full_Name": "Pat Boyle",
            "Email": "",
            "Phone": "9844444444",
            "Mobile": "",
            "Title": "Lab Director",
            "Lead_Source": "Cold Call",
            "Account_Name.id": ZYLKER_ACCOUNT_ID,
            "Account_Name.name": "Zylker Biotech",
        },
    ]
    draft.extra_leads = [
        {
            **common,
            "id": PAT_LEAD_ID,
            "First_Name": "Pat",
            "Last_Name": "Boyle",
            "Full_Name": "Pat Boyle",
            "Email": "pat.boyle@zylker.com",
            "Phone": "9844444444",
            "Mobile": "",
            "Company": "Zylker Biotech",
            "Designation": "Lab Director",
            "Lead_Source": "Trade Show",
            "Lead_Status": "Contacted",
            "Industry": "Healthcare",
            "Region__c": "APAC",
            "Converted__s": "false",
        },
    ]
    draft.add_truth(PAT_LEAD_ID, "Contacts", PAT_CONTACT_ID, "Phone", "unique")
    draft.add_truth(PAT_LEAD_ID, "Contacts", BOYLE_CONTACT_ID, "Email", "email")
    draft.add_truth(PAT_LEAD_ID, "Accounts", ZYLKER_ACCOUNT_ID, "Account_Name", "company")
