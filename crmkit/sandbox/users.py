"""The org's users: from org.json's `users`, else made up from the owners the CSVs name.

Apart from the loader so each file keeps one job; the loader turns a `fail(token, reason)` into a
`DataDirError` naming org.json's line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

_ID_RE = re.compile(r"^[0-9]{1,19}$")
Rows = list[tuple[int, list[str]]]

DEFAULT_USER = {
    "id": "4876876000000225013",
    "full_name": "Sandbox Admin",
    "email": "admin@sandbox.crmkit.local",
    "role": "CEO",
    "status": "active",
}


def parse_users(raw: dict[str, Any], fail: Callable[[str, str], Exception]) -> list[dict[str, str]]:
    """org.json's `users`: ids of 1-19 digits, each once, a name; email and status defaulted."""
    items = raw.get("users", [])
    if not isinstance(items, list):
        raise fail("users", "users must be a list of {id, full_name, email}")
    users: list[dict[str, str]] = []
    seen: set[str] = set()
    for u in items:
        if not isinstance(u, dict):
            raise fail("users", "each user must be an object")
        uid = str(u.get("id", ""))
        if not _ID_RE.match(uid):
            raise fail(uid or "users", f"user id {uid!r} must be 1-19 digits")
        if uid in seen:
            raise fail(uid, f"duplicate user id {uid}")
        seen.add(uid)
        name = u.get("full_name") or u.get("name")
        if not isinstance(name, str) or not name:
            raise fail(uid, f"user {uid} needs a full_name")
        email = u.get("email") or f"user{uid[-4:]}@sandbox.crmkit.local"
        status = u.get("status", "active")
        if status not in ("active", "inactive"):
            raise fail(uid, f"user {uid}: status must be active or inactive")
        users.append(
            {
                "id": uid,
                "full_name": name,
                "email": str(email),
                "role": str(u.get("role", "Manager")),
                "status": status,
            }
        )
    return users


def from_owners(tables: Iterable[tuple[list[str], Rows]]) -> list[dict[str, str]] | None:
    """One user per distinct `Owner.id` of the CSVs (header, rows), named by `Owner.name`."""
    found: dict[str, str] = {}
    for header, rows in tables:
        if "Owner.id" not in header:
            continue
        i = header.index("Owner.id")
        j = header.index("Owner.name") if "Owner.name" in header else None
        for _line, row in rows:
            if i < len(row) and _ID_RE.match(row[i].strip()):
                name = row[j].strip() if j is not None and j < len(row) else ""
                found.setdefault(row[i].strip(), name or f"User {row[i].strip()[-4:]}")
    if not found:
        return None
    return [
        {
            "id": uid,
            "full_name": name,
            "email": re.sub(r"[^a-z0-9.]+", ".", name.lower()).strip(".") + "@sandbox.crmkit.local",
            "role": "Manager",
            "status": "active",
        }
        for uid, name in sorted(found.items())
    ]
