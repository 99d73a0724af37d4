"""Zoho's documented conversion-options answer (zoho-api.md §4), as Python data."""

from __future__ import annotations

import copy
from typing import Any

PAT_BOYLE_LEAD = "4876876000007500001"

DOCUMENTED: dict[str, Any] = {
    "__conversion_options": {
        "module_preference": {"api_name": "Contacts", "id": "4876876000000002179"},
        "Contacts": [
            {
                "Full_Name": "Boyle",
                "Email": "pat.boyle@zylker.com",
                "Phone": None,
                "Locked__s": False,
                "Account_Name": None,
                "$editable": True,
                "id": "4876876000007437017",
                "$approval_state": "approved",
            },
            {
                "Full_Name": "Pat Boyle",
                "Email": None,
                "Phone": "9844444444",
                "Locked__s": False,
                "Account_Name": {"name": "Zylker Biotech", "id": "4876876000007421010"},
                "$editable": True,
                "id": "4876876000007421001",
                "$approval_state": "approved",
            },
        ],
        "Accounts": [
            {
                "Layout": {"name": "Standard", "id": "4876876000000091055"},
                "Phone": None,
                "Account_Name": "Zylker Biotech",
                "$editable": True,
                "id": "4876876000007421010",
                "$approval_state": "approved",
                "Locked__s": False,
            }
        ],
        "Deals": None,
        "preference_field_matched_value": {
            "Contacts": [
                {
                    "field": {"api_name": "Phone", "id": "4876876000000002573"},
                    "matched_lead_value": "9844444444",
                },
                {
                    "field": {"api_name": "Email", "id": "4876876000000002571"},
                    "matched_lead_value": "pat.boyle@zylker.com",
                },
            ],
            "Accounts": [
                {
                    "field": {"api_name": "Account_Name", "id": "4876876000000002591"},
                    "matched_lead_value": "Zylker Biotech",
                }
            ],
        },
        "modules_with_multiple_layouts": [{"api_name": "Accounts", "id": "4876876000000002177"}],
    }
}


def documented() -> dict[str, Any]:
    """A fresh deep copy, so a test may edit it."""
    return copy.deepcopy(DOCUMENTED)
