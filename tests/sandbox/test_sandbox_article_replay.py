"""The Kaizen 137 article's Case I and Case II bodies, sent verbatim, answer the article's shapes.

The org holds the article's records (lead Pat Boyle of Zylker Biotech, Phone 9844444444 unique in
Contacts; Contact "Boyle" matched by Email, Contact "Pat Boyle" by Phone in Account Zylker
Biotech) and nothing else: no pipelines in org.json, so the Deal's
`"Pipeline": "Standard (Standard)"`, `"Stage": "Negotiation/Review"` must be the default org's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox_helpers import (
    PAT_EMAIL_CONTACT,
    PAT_LEAD,
    PAT_PHONE_CONTACT,
    USERS,
    ZYLKER,
    Api,
    zylker_org,
)

from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
ID = re.compile(r"^[0-9]{19}$")
ZOHO_STAGES = [
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
    "Closed-Lost to Competition",
]
ARTICLE_DEAL = {
    "Deal_Name": "Zylker Deal",
    "Closing_Date": "2024-12-31",
    "Stage": "Negotiation/Review",
    "Amount": 100000,
    "Pipeline": "Standard (Standard)",
}
# Case I: convert Pat Boyle into the existing Contact and its Account, with a Deal
CASE_I = {
    "data": [
        {
            "overwrite": True,
            "notify_lead_owner": True,
            "notify_new_entity_owner": True,
            "Contacts": {"id": PAT_PHONE_CONTACT},
            "Accounts": {"id": ZYLKER},
            "assign_to": {"id": USERS[0]["id"]},
            "Deals": ARTICLE_DEAL,
        }
    ]
}
# Case II: the Contact matched by Email ("Boyle", no Account): the lead's Company becomes one
CASE_II = {
    "data": [
        {
            "overwrite": False,
            "notify_lead_owner": False,
            "notify_new_entity_owner": False,
            "Contacts": {"id": PAT_EMAIL_CONTACT},
            "Deals": ARTICLE_DEAL,
        }
    ]
}


def _with_ids(answer: dict[str, Any], *modules: str) -> dict[str, Any]:
    """The answer with the ids made by the conversion checked as Zoho ids and blanked."""
    details = answer["data"][0]["details"]
    for module in modules:
        assert ID.match(details[module]["id"]), details
        details[module]["id"] = "<new>"
    return answer


def test_default_org_has_zohos_standard_pipeline(small_sandbox: Start) -> None:
    sb = small_sandbox(**zylker_org())
    fields = Api(sb).get("settings/fields", module="Deals").json()["fields"]
    by_name = {f["api_name"]: f for f in fields}
    pipelines = [v["actual_value"] for v in by_name["Pipeline"]["pick_list_values"]]
    assert pipelines == ["Standard (Standard)"]
    assert [v["actual_value"] for v in by_name["Stage"]["pick_list_values"]] == ZOHO_STAGES


def test_case_i_answers_the_articles_sample(small_sandbox: Start) -> None:
    sb = small_sandbox(**zylker_org())
    r = Api(sb).post(f"Leads/{PAT_LEAD}/actions/convert", CASE_I)
    assert r.status_code == 200, r.text
    assert _with_ids(r.json(), "Deals") == {
        "data": [
            {
                "code": "SUCCESS",
                "details": {
                    "Contacts": {"name": "Pat Boyle", "id": PAT_PHONE_CONTACT},
                    "Deals": {"name": "Zylker Deal", "id": "<new>"},
                    "Accounts": {"name": "Zylker Biotech", "id": ZYLKER},
                },
                "message": "The record has been converted successfully",
                "status": "success",
            }
        ]
    }
    # overwrite true with equal names: the Account keeps its name; the lead is converted
    assert sb.control.record("Accounts", ZYLKER)["Account_Name"] == "Zylker Biotech"  # type: ignore[index]
    assert sb.control.record("Leads", PAT_LEAD)["Converted__s"] is True  # type: ignore[index]


def test_case_ii_answers_the_articles_sample(small_sandbox: Start) -> None:
    sb = small_sandbox(**zylker_org())
    r = Api(sb).post(f"Leads/{PAT_LEAD}/actions/convert", CASE_II)
    assert r.status_code == 200, r.text
    assert _with_ids(r.json(), "Deals", "Accounts") == {
        "data": [
            {
                "code": "SUCCESS",
                "details": {
                    "Contacts": {"name": "Boyle", "id": PAT_EMAIL_CONTACT},
                    "Deals": {"name": "Zylker Deal", "id": "<new>"},
                    "Accounts": {"name": "Zylker Biotech", "id": "<new>"},
                },
                "message": "The record has been converted successfully",
                "status": "success",
            }
        ]
    }
