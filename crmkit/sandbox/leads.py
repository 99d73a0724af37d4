"""The lead a conversion call names, and whether Zoho lets it be converted at all.

Shared by the options call and the convert calls, which check a lead the same way and in the same
order: the id in the URL first, then converted, approval and lock (zoho-api.md §4).
"""

from __future__ import annotations

from crmkit.sandbox.bodies import norm_id
from crmkit.sandbox.exceptions import IdAlreadyConverted, InvalidData, NotApproved, RecordLocked
from crmkit.sandbox.loader import Record
from crmkit.sandbox.store import Store


def lead_for_action(store: Store, lead_id: str) -> Record:
    """The lead a URL names, or the bare error Zoho answers for it."""
    lid = norm_id(lead_id)
    lead = store.get("Leads", lid) if lid else None
    if lead is None:
        raise InvalidData({"resource_path_index": 1})
    return lead


def check_lead_state(lead: Record) -> None:
    """Converted, then unapproved, then locked: the first that applies is the answer."""
    if lead.get("Converted__s"):
        raise IdAlreadyConverted({"resource_path_index": 1})
    if lead.get("$approval_state", "approved") != "approved":
        raise NotApproved({"id": lead["id"]})
    if lead.get("Locked__s"):
        raise RecordLocked({"id": lead["id"]})


def check_mass_convert_leads(store: Store, ids: list[str]) -> None:
    """Every id of a mass convert must be an unconverted lead: Zoho refuses the whole request
    (INVALID_DATA naming the id), so no job is scheduled for a bad list."""
    for i, lead_id in enumerate(ids):
        lead = store.get("Leads", lead_id)
        if lead is None or lead.get("Converted__s"):
            raise InvalidData({"api_name": "ids", "json_path": f"$.ids[{i}]", "id": lead_id})
