"""Plan rows that point at another lead of the same plan: `contact_id` / `account_id` = `lead:<id>`.

Why references: Zoho's Lead Conversion Options compare a lead with existing records only, so two
open leads of one person (or one company) converted together each create their own record. A
reference says "merge into the Contact / Account *that lead's* conversion gives": the referenced
lead (the anchor) converts first, its resulting ids are read from the journal, and only then is
the dependant sent, with the reference replaced by the real id.

This module is pure: parsing references, ordering rows into waves (anchors before dependants),
finding cycles, and substituting the anchor's ids into a dependant's row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "REF_COLUMNS",
    "REF_PREFIX",
    "cycles",
    "is_reference",
    "referenced",
    "resolve",
    "waves",
]

REF_PREFIX = "lead:"
REF_COLUMNS = ("contact_id", "account_id")
_REF = re.compile(r"^lead:([0-9]{1,19})$")
# The module whose id each reference column names, as the journal records a conversion's ids.
_MODULE = {"contact_id": "Contacts", "account_id": "Accounts"}


def is_reference(value: object) -> bool:
    """Whether a cell holds `lead:<digits>`."""
    return isinstance(value, str) and _REF.match(value.strip()) is not None


def _target(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    found = _REF.match(value.strip())
    return found.group(1) if found else None


def referenced(row: Mapping[str, Any]) -> dict[str, str]:
    """The row's references: column -> referenced lead id (only the columns its actions use).

    A `contact_id` counts when the Contact is merged, an `account_id` when the Account is merged
    (the columns `request_for` reads).
    """
    out: dict[str, str] = {}
    if row.get("contact_action") == "merge":
        lead = _target(row.get("contact_id"))
        if lead is not None:
            out["contact_id"] = lead
    if row.get("account_action") == "merge":
        lead = _target(row.get("account_id"))
        if lead is not None:
            out["account_id"] = lead
    return out


def _deps(rows: Sequence[Mapping[str, Any]]) -> dict[str, set[str]]:
    return {str(r["lead_id"]): set(referenced(r).values()) for r in rows}


def cycles(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Leads on a reference cycle -> the cycle (lead ids, in reference order).

    References to leads outside `rows` are not followed (another rule reports them).
    """
    deps = _deps(rows)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    found: dict[str, list[str]] = {}
    for start in deps:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, list[str]]] = [(start, sorted(deps[start]))]
        state[start] = 1
        path.append(start)
        while stack:
            node, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            nxt = todo.pop()
            if nxt not in deps:
                continue
            if state.get(nxt) == 1:
                ring = path[path.index(nxt) :]
                for lead in ring:
                    found.setdefault(lead, ring)
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(deps[nxt])))
    return found


def waves(rows: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """The rows in dependency order: wave 0 references no lead, wave k only leads of earlier waves.

    Rows on a cycle, or depending on one, are left out (validation refuses them); a reference to
    a lead outside `rows` counts as satisfied (the anchor was settled before, or is refused by
    validation).
    """
    deps = _deps(rows)
    level: dict[str, int] = {}
    pending = dict(deps)
    while pending:
        placed = {
            lead: 1 + max((level[d] for d in ds if d in deps), default=-1)
            for lead, ds in pending.items()
            if all(d in level or d not in deps for d in ds)
        }
        if not placed:
            break  # what is left is on or behind a cycle
        level.update(placed)
        for lead in placed:
            del pending[lead]
    out: list[list[Mapping[str, Any]]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for row in rows:
        lead = str(row["lead_id"])
        if lead in level:
            out[level[lead]].append(row)
    return out


def resolve(
    row: Mapping[str, Any], converted: Mapping[str, Mapping[str, str | None]]
) -> dict[str, Any]:
    """The row with each `lead:<id>` replaced by the id that lead's conversion gave.

    `converted`: anchor lead id -> {"Contacts": id, "Accounts": id} from the journal. A reference
    to a lead missing there, or whose conversion gave no such record, raises KeyError naming it.
    """
    out = dict(row)
    for column, lead in referenced(row).items():
        ids = converted.get(lead)
        if ids is None:
            raise KeyError(f"lead {lead} is not converted")
        value = ids.get(_MODULE[column])
        if value is None:
            raise KeyError(f"lead {lead}'s conversion gave no {_MODULE[column][:-1]}")
        out[column] = str(value)
    return out
