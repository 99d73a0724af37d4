"""A small hand-built org for the conversion console tests, and a client on a sandbox serving it.

Each lead stands for one situation the console must show; ids are 19-digit strings like Zoho's.
Imported by the console tests of this folder (pytest puts the folder on sys.path).
"""

from __future__ import annotations

from typing import Any

from crmkit import connect
from crmkit.api import CRMClient
from crmkit.api.limits import RetryPolicy
from crmkit.sandbox import Sandbox

USER = "1000000000000000901"
USER_2 = "1000000000000000902"  # active: the records may be assigned to them
USER_OFF = "1000000000000000903"  # inactive: never offered as an owner
A_ACME = "2000000000000000001"
A_INITECH = "2000000000000000003"
C_PAT = "3000000000000000001"  # Email pat@acme.com, Account Acme
C_LOCKED = "3000000000000000002"  # Email locked@x.com, locked
C_TWO_A = "3000000000000000005"  # Email two@x.com, Account Initech
C_TWO_B = "3000000000000000006"  # Email two@x.com, no Account

L_PAT = "4000000000000000001"  # matches Contact Pat (Email) and Account Acme (Company)
L_FRESH = "4000000000000000002"  # no match, Company Newco
L_INITECH = "4000000000000000003"  # matches Account Initech only
L_AMBIGUOUS = "4000000000000000004"  # two Contacts by Email
L_TO_LOCKED = "4000000000000000005"  # matches only a locked Contact
L_NO_COMPANY = "4000000000000000006"  # no match, no Company
L_PENDING = "4000000000000000007"  # awaiting approval: Zoho refuses its options
L_FRESH_2 = "4000000000000000008"  # no match, Company Otherco
LEADS = [L_PAT, L_FRESH, L_INITECH, L_AMBIGUOUS, L_TO_LOCKED, L_NO_COMPANY, L_PENDING, L_FRESH_2]

PIPELINES = {
    "Standard": ["Qualification", "Proposal", "Closed Won"],
    "Partner": ["Registration", "Commit", "Closed Won"],
}


def _lead(n: str, first: str, last: str, **fields: Any) -> dict[str, Any]:
    return {"id": n, "First_Name": first, "Last_Name": last, "Owner": {"id": USER}, **fields}


def org_records() -> dict[str, Any]:
    """The org as `make_org` keyword arguments."""
    return {
        "accounts": [
            {"id": A_ACME, "Account_Name": "Acme Corp"},
            {"id": A_INITECH, "Account_Name": "Initech"},
        ],
        "contacts": [
            {
                "id": C_PAT,
                "First_Name": "Pat",
                "Last_Name": "Boyle",
                "Email": "pat@acme.com",
                "Account_Name": {"id": A_ACME, "name": "Acme Corp"},
            },
            {"id": C_LOCKED, "Last_Name": "Locked", "Email": "locked@x.com", "Locked__s": True},
            {
                "id": C_TWO_A,
                "Last_Name": "TwoA",
                "Email": "two@x.com",
                "Account_Name": {"id": A_INITECH, "name": "Initech"},
            },
            {"id": C_TWO_B, "Last_Name": "TwoB", "Email": "two@x.com"},
        ],
        "leads": [
            _lead(L_PAT, "Pat", "Boyle", Company="Acme Corp", Email="pat@acme.com", Tag="vip"),
            _lead(L_FRESH, "Fay", "Fresh", Company="Newco", Email="fay@newco.com", Tag="hot;expo"),
            _lead(L_INITECH, "Ian", "Ini", Company="Initech", Email="ian@initech.com"),
            _lead(L_AMBIGUOUS, "Tom", "Two", Company="Twoco", Email="two@x.com"),
            _lead(L_TO_LOCKED, "Lou", "Lock", Company="Lockco", Email="locked@x.com"),
            _lead(L_NO_COMPANY, "Nia", "Nocomp", Email="nia@x.com"),
            _lead(L_PENDING, "Pam", "Pending", Company="Pendco", **{"$approval_state": "pending"}),
            _lead(L_FRESH_2, "Otto", "Other", Company="Otherco", Email="otto@otherco.com"),
        ],
        "org": {
            "users": [
                {"id": USER, "full_name": "Ava Active", "email": "ava@x.com", "status": "active"},
                {"id": USER_2, "full_name": "Bea Busy", "email": "bea@x.com", "status": "active"},
                {
                    "id": USER_OFF,
                    "full_name": "Ivo Inactive",
                    "email": "ivo@x.com",
                    "status": "inactive",
                },
            ],
            "pipelines": PIPELINES,
            "edition": "enterprise",
        },
    }


def client_for(sb: Sandbox) -> CRMClient:
    """A real client talking HTTP to the sandbox (short retry waits, no token cache)."""
    retry = RetryPolicy(base_delay=0.01, max_delay=0.2, max_attempts=8)
    return connect(sandbox=sb, progress=False, retry=retry)


def converted(sb: Sandbox, lead_id: str) -> bool:
    """Whether the sandbox's own record of the lead says it is converted."""
    rec = sb.control.record("Leads", lead_id)
    assert rec is not None, lead_id
    return str(rec.get("Converted__s")).lower() == "true"
