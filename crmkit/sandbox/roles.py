"""Contact Roles: the org's list (org.json `contact_roles`), `GET /Contacts/roles`, a Deal's role.

A Deal made by a conversion links its Contact in a role (the Deal's `Contact_Role`, an id of this
list; zoho-api.md §5). Zoho keeps the role on the Deal–Contact relation — the Deal's Contact
Roles related list, entries `{"Contact_Role": {"name", "id"}, "id": <contact id>}` — not as a
Deal field, so the sandbox stores that relation on the Deal as `$contact_roles` (related lists
themselves are not emulated; the control surface's `record()` shows it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crmkit.sandbox.catalog import contact_role_id

# The roles every new Zoho org has, in Zoho's order.
STANDARD_ROLES = (
    "Purchasing",
    "Technical Buyer",
    "Economic Buyer",
    "Evaluator",
    "Executive Sponsor",
    "Influencer",
    "Decision Maker",
    "Developer/Evaluator",
    "Product Management",
    "Other",
)
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class ContactRole:
    id: str
    name: str
    sequence_number: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "sequence_number": self.sequence_number}


def parse_contact_roles(value: Any, fail: Callable[[str, str], Exception]) -> list[dict[str, Any]]:
    """org.json `contact_roles`: role names, or `{"name", "id"?}` objects; default Zoho's list."""
    if value is None:
        value = list(STANDARD_ROLES)
    if not isinstance(value, list) or not value:
        raise fail("contact_roles", "contact_roles must be a non-empty list of role names")
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for n, item in enumerate(value, start=1):
        entry = {"name": item} if isinstance(item, str) else item
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 50:
            raise fail("contact_roles", "contact_roles: each role needs a name of 1-50 characters")
        name = name.strip()
        if name.casefold() in names:
            raise fail("contact_roles", f"contact_roles: {name!r} is listed twice")
        names.add(name.casefold())
        rid = str(entry.get("id") or contact_role_id(n))
        if not (1 <= len(rid) <= 19 and set(rid) <= _DIGITS):
            raise fail("contact_roles", f"contact_roles: {name!r} needs an id of 1-19 digits")
        out.append({"id": rid, "name": name, "sequence_number": n})
    return out


def roles_answer(roles: tuple[ContactRole, ...]) -> dict[str, Any]:
    """`GET /crm/v8/Contacts/roles`."""
    return {"contact_roles": [r.to_json() for r in roles]}


def role_by_id(roles: tuple[ContactRole, ...], role_id: str) -> ContactRole | None:
    for r in roles:
        if r.id == role_id:
            return r
    return None


def role_relation(role: ContactRole, contact_id: str) -> dict[str, Any]:
    """One entry of a Deal's Contact Roles related list."""
    return {"Contact_Role": {"name": role.name, "id": role.id}, "id": contact_id}
