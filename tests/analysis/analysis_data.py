"""Build conversion-options payloads from compact per-lead descriptions (analysis tests, bench)."""

from __future__ import annotations

from typing import Any


def payload(
    contacts: list[tuple[str, list[str]]] | None = None,
    accounts: list[tuple[str, list[str]]] | None = None,
    *,
    account_of: dict[str, tuple[str, str]] | None = None,
    preference: str | None = None,
) -> dict[str, Any] | None:
    """`contacts`/`accounts`: [(record_id, [fields it matched by])]; None when nothing matched.

    Every hit value is `v-<field>`, and each record carries that value for the fields it matched.
    """
    contacts = contacts or []
    accounts = accounts or []
    if not contacts and not accounts:
        return None
    account_of = account_of or {}

    def records(items: list[tuple[str, list[str]]], module: str) -> list[dict[str, Any]]:
        out = []
        for rid, fields in items:
            rec: dict[str, Any] = {"id": rid, "Locked__s": False, "$editable": True}
            rec["Full_Name" if module == "Contacts" else "Account_Name"] = f"name-{rid}"
            for f in fields:
                rec[f] = f"v-{f}"
            if module == "Contacts" and rid in account_of:
                aid, aname = account_of[rid]
                rec["Account_Name"] = {"id": aid, "name": aname}
            out.append(rec)
        return out

    def hits(items: list[tuple[str, list[str]]], order: list[str]) -> list[dict[str, Any]]:
        used = {f for _, fields in items for f in fields}
        return [
            {"field": {"api_name": f, "id": "0"}, "matched_lead_value": f"v-{f}"}
            for f in order
            if f in used
        ]

    contact_order = ["Phone", "Mobile", "Email", "Full_Name"]
    account_order = ["Website", "Account_Name"]
    pref = preference or ("Contacts" if contacts else "Accounts")
    return {
        "__conversion_options": {
            "module_preference": {"api_name": pref, "id": "1"},
            "Contacts": records(contacts, "Contacts"),
            "Accounts": records(accounts, "Accounts"),
            "Deals": None,
            "preference_field_matched_value": {
                "Contacts": hits(contacts, contact_order),
                "Accounts": hits(accounts, account_order),
            },
            "modules_with_multiple_layouts": None,
        }
    }
