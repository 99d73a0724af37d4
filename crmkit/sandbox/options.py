"""The `__conversion_options` answer (zoho-api.md §4, conversion_option.json), as Zoho shapes it.

Matching (`matching.py`) decides which records are candidates and by which fields; this renders
them with the keys Zoho's article shows — a candidate's few fields, its unique fields, its GDPR
basis and state, a contact's account with that account's lock — and reports every field that
matched a listed record. An account is also matched through its contacts: the article's answer
lists Zylker Biotech under `Account_Name` (the lead's Company) *and* `Phone`, the unique field by
which its contact Pat Boyle matched, although the account itself has no phone.
"""

from __future__ import annotations

from typing import Any

from crmkit.sandbox.catalog import module_ref
from crmkit.sandbox.leads import check_lead_state, lead_for_action
from crmkit.sandbox.loader import Record
from crmkit.sandbox.matching import FieldHit, Matches, match_lead, module_preference
from crmkit.sandbox.org import Org
from crmkit.sandbox.store import Store

_CONTACT_KEYS = ("Full_Name", "Email", "Phone")
_ACCOUNT_KEYS = ("Layout", "Phone", "Account_Name", "Website", "Account_Type")
# Keys every candidate carries, whether or not the org has the field (Zoho answers null).
_ALWAYS = frozenset({"Locked__s", "Layout", "Data_Processing_Basis"})


def conversion_options(store: Store, org: Org, lead_id: str) -> dict[str, Any] | None:
    """The `__conversion_options` answer, or None for 204."""
    lead = lead_for_action(store, lead_id)
    if org.removed("Contacts"):
        return None
    check_lead_state(lead)
    m = match_lead(store, org, lead)
    layouts = org.modules_with_layout_choice()
    if not m.contacts and not m.accounts and not layouts:
        return None
    contacts = store.get_many("Contacts", m.contact_ids)
    accounts = store.get_many("Accounts", m.account_ids)
    account_hits = m.accounts + _through_contacts(org, m, contacts)
    return {
        "__conversion_options": {
            "module_preference": module_ref(module_preference(org, m)),
            "Contacts": [_candidate(store, org, "Contacts", r) for r in contacts] or None,
            "Accounts": [_candidate(store, org, "Accounts", r) for r in accounts] or None,
            # Zoho's matching rules name no deal; the OpenAPI types the key as an array
            "Deals": [],
            "preference_field_matched_value": {
                "Contacts": _matched_values(org, "Contacts", m.contacts),
                "Accounts": _matched_values(org, "Accounts", account_hits),
                "Deals": None,
            },
            "modules_with_multiple_layouts": [module_ref(x) for x in layouts],
        }
    }


def _through_contacts(org: Org, m: Matches, contacts: list[Record]) -> list[FieldHit]:
    """Fields by which a listed account matched through its listed contacts.

    Each contact hit whose contacts include one linked to a listed account, naming a field the
    Accounts module has too and not already in the account's own list, in Contacts' order.
    """
    listed = set(m.account_ids)
    account_of: dict[str, str] = {
        c["id"]: c["Account_Name"]["id"] for c in contacts if c.get("Account_Name")
    }
    own = {h.field for h in m.accounts}
    out: list[FieldHit] = []
    for h in m.contacts:
        if h.field in own or not org.has_field("Accounts", h.field):
            continue
        via = sorted({account_of[i] for i in h.ids if i in account_of} & listed, key=int)
        if via:
            out.append(FieldHit(h.field, h.lead_value, via[::-1], "contact"))
            own.add(h.field)
    return out


def _candidate(store: Store, org: Org, module: str, rec: Record) -> dict[str, Any]:
    """A candidate as the options answer lists it: a few fields, the unique ones, its state."""
    extra = [u.api_name for u in org.unique_fields(module)]
    if module == "Contacts":
        keys = [*_CONTACT_KEYS, *extra, "Data_Processing_Basis", "Locked__s", "Account_Name"]
    else:
        keys = [*_ACCOUNT_KEYS, *extra, "Data_Processing_Basis"]
    out: dict[str, Any] = {}
    for k in dict.fromkeys(keys):
        if k in _ALWAYS or org.has_field(module, k):
            v = rec.get(k)
            if isinstance(v, dict):
                v = {"name": v.get("name"), "id": v["id"]}
            out[k] = v if k != "Locked__s" else bool(v)
    account = out.get("Account_Name") if module == "Contacts" else None
    if isinstance(account, dict):  # the lookup tells whether the contact's account is locked
        linked = store.get("Accounts", account["id"]) or {}
        account["Locked__s"] = bool(linked.get("Locked__s"))
    locked = bool(rec.get("Locked__s"))
    out["$editable"] = not locked
    out["id"] = rec["id"]
    out["$approval_state"] = rec.get("$approval_state", "approved")
    if module == "Accounts":
        out["Locked__s"] = locked
    return out


def _matched_values(org: Org, module: str, hits: list[FieldHit]) -> list[dict[str, Any]] | None:
    found = [
        {"field": org.field_ref(module, h.field), "matched_lead_value": h.lead_value} for h in hits
    ]
    return found or None
