"""Six hand-built leads in the frames schemas (docs/architecture.md), with known answers.

L1 matches contact C1 by Phone (unique, rank 0) and Email, and account A1 by Account_Name (and
by Phone through C1, which belongs to A1);
L2 matches contact C2 (of A1) by Email; L3 matches account A2 by Account_Name; L4 nothing;
L5 is refused (NOT_APPROVED); L6 matches contact C3 (no account) by Full_Name.
"""

from __future__ import annotations

import pandas as pd


def _s(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="string")


def leads() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": _s(["L1", "L2", "L3", "L4", "L5", "L6"]),
            "First_Name": _s(["Pat", "Ann", "Bo", "Cy", "Di", "Ed"]),
            "Last_Name": _s(["Boyle", "Lee", "Ray", "Dunn", "Fox", "Gale"]),
            "Full_Name": _s(["Pat Boyle", "Ann Lee", "Bo Ray", "Cy Dunn", "Di Fox", "Ed Gale"]),
            "Email": _s(["pat@zylker.com", "ann@zylker.com", None, "cy@x.org", None, None]),
            "Phone": _s(["9844444444", None, None, None, None, None]),
            "Company": _s(["Zylker", "Zylker", "Acme", "Nimbus", "Orbit", None]),
            "Lead_Source": _s(["Web", "Web", "Trade Show", "Web", "Referral", "Trade Show"]),
            "Owner.id": _s(["U1", "U2", "U1", "U2", "U1", "U2"]),
            "Owner.name": _s(
                ["Ana Owner", "Ben Owner", "Ana Owner", "Ben Owner", "Ana Owner", "Ben Owner"]
            ),
            "Created_Time": pd.to_datetime(
                [
                    "2025-01-05",
                    "2025-01-20",
                    "2025-02-03",
                    "2025-02-14",
                    "2025-03-01",
                    "2025-03-09",
                ],
                utc=True,
            ).as_unit("ns"),
        }
    )


def options(source: str = "api") -> pd.DataFrame:
    na = None
    frame = pd.DataFrame(
        {
            "lead_id": _s(["L1", "L2", "L3", "L4", "L5", "L6"]),
            "outcome": _s(["matched", "matched", "matched", "no_match", "error", "matched"]),
            "error_code": _s([na, na, na, na, "NOT_APPROVED", na]),
            "n_contacts": pd.array([1, 1, 0, 0, na, 1], dtype="Int64"),
            "n_accounts": pd.array([1, 0, 1, 0, na, 0], dtype="Int64"),
            "module_preference": _s(["Contacts", "Contacts", "Accounts", na, na, "Contacts"]),
            "contact_fields": _s(["Phone;Email", "Email", na, na, na, "Full_Name"]),
            # A1 also by Phone: through its contact C1, as Zoho lists an account
            "account_fields": _s(["Account_Name;Phone", na, "Account_Name", na, na, na]),
            "first_field": _s(["Phone", "Email", "Account_Name", na, na, "Full_Name"]),
            "first_module": _s(["Contacts", "Contacts", "Accounts", na, na, "Contacts"]),
            "multiple_layouts": _s([na] * 6),
            "source": _s([source] * 6),
        }
    )
    return frame


def matches(source: str = "api") -> pd.DataFrame:
    rows = [
        # lead, module, record, field, rank, route, value, name, acc id, acc name
        ("L1", "Contacts", "C1", "Phone", 0, "unique", "9844444444", "Pat Boyle", "A1", "Zylker"),
        (
            "L1",
            "Contacts",
            "C1",
            "Email",
            1,
            "email",
            "pat@zylker.com",
            "Pat Boyle",
            "A1",
            "Zylker",
        ),
        ("L1", "Accounts", "A1", "Account_Name", 0, "company", "Zylker", "Zylker", None, None),
        ("L2", "Contacts", "C2", "Email", 0, "email", "ann@zylker.com", "Ann Lee", "A1", "Zylker"),
        ("L3", "Accounts", "A2", "Account_Name", 0, "company", "Acme", "Acme", None, None),
        ("L6", "Contacts", "C3", "Full_Name", 0, "name", "Ed Gale", "Ed Gale", None, None),
    ]
    cols = [
        "lead_id",
        "module",
        "record_id",
        "field",
        "field_rank",
        "route",
        "lead_value",
        "record_name",
        "account_id",
        "account_name",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    for c in cols:
        frame[c] = frame[c].astype("Int64" if c == "field_rank" else "string")
    frame["locked"] = pd.array([False] * len(rows), dtype="boolean")
    frame["editable"] = pd.array([True] * len(rows), dtype="boolean")
    frame["approval_state"] = pd.Series(["approved"] * len(rows), dtype="string")
    frame["explained"] = pd.array([True] * len(rows), dtype="boolean")
    frame["source"] = pd.Series([source] * len(rows), dtype="string")
    return frame


def near_duplicates() -> pd.DataFrame:
    """crmkit.neardup candidates: L4 (nothing from Zoho) looks like contact C9 by email;
    L2 like C2 by phone (Zoho offers C2 already); L3 like contact C8 by name (Zoho gave L3 an
    account only, so converting it would create a new Contact)."""
    return pd.DataFrame(
        {
            "lead_id": _s(["L4", "L2", "L3"]),
            "module": _s(["Contacts", "Contacts", "Contacts"]),
            "record_id": _s(["C9", "C2", "C8"]),
            "route": _s(["email", "phone", "name"]),
            "method": _s(["gmail", "e164", "nickname"]),
            "score": pd.array([0.97, 0.91, 0.88], dtype="Float64"),
            "lead_key": _s(["cy@x.org", "+19844444444", "ray|bo"]),
            "record_key": _s(["cy@x.org", "+19844444444", "ray|bo"]),
            "zoho_exact": pd.array([False, True, False], dtype="boolean"),
        }
    )


def frames() -> dict[str, pd.DataFrame]:
    return {"leads": leads(), "options": options(), "matches": matches()}
