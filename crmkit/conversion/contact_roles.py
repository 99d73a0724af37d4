"""A plan's `contact_role`: a Contact Role picked by NAME, sent to Zoho as the role's id.

Why names: people review plans, and "Decision Maker" says what "4876876000000006871" does not.
Zoho's Convert Lead takes the id (`Deals.Contact_Role`) and refuses one the org does not have
(INVALID_DATA), so the names are checked against the org's Contact Roles (`GET Contacts/roles`)
before anything is sent, and replaced by their ids in the rows that go out. A plan may still
name a role by its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from crmkit.conversion.facts import role_map, text

__all__ = ["check_contact_role", "plan_has_roles", "resolve_roles", "role_id", "role_map"]


def role_id(roles: Mapping[str, str], value: str) -> str | None:
    """The id a plan's `contact_role` stands for: a role id as is, a name ignoring case."""
    if value in roles.values():
        return value
    folded = value.casefold()
    for name, rid in roles.items():
        if name.casefold() == folded:
            return rid
    return None


def plan_has_roles(rows: Iterable[Mapping[str, Any]]) -> bool:
    """Whether any row names a Contact Role (so the org's roles must be read)."""
    return any(text(r.get("contact_role")) is not None for r in rows)


def check_contact_role(row: Mapping[str, Any], roles: Mapping[str, str] | None, add: Any) -> None:
    """`contact_role` must be a role of the org (by name or id); unknown roles are INVALID_DATA."""
    value = text(row.get("contact_role"))
    if value is None or roles is None or role_id(roles, value) is not None:
        return
    names = list(roles)
    add(
        "contact_role_unknown",
        "contact_role",
        f"contact role {value!r} is not a Contact Role of the org (Zoho answers INVALID_DATA); "
        f"roles: {names}",
    )


def resolve_roles(
    rows: Sequence[Mapping[str, Any]], roles: Mapping[str, str]
) -> list[Mapping[str, Any]]:
    """The rows with each `contact_role` name replaced by the role's id (unknown ones kept)."""
    out: list[Mapping[str, Any]] = []
    for row in rows:
        value = text(row.get("contact_role"))
        rid = None if value is None else role_id(roles, value)
        out.append(row if rid is None else {**row, "contact_role": rid})
    return out
