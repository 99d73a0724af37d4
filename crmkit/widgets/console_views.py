"""What the console's tables and status lines say, as pure functions of the model's state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from crmkit.widgets.console_candidates import Candidate, text

__all__ = ["TABLE_COLUMNS", "refused_reason", "results_table", "says", "statuses", "table"]

TABLE_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "name",
    "company",
    "email",
    "zoho_says",
    "candidates",
    "result",
)


def refused_reason(c: Candidate) -> str | None:
    """Why Zoho refuses a merge into this candidate (locked, not approved), or None."""
    if c.locked:
        return f"{c.module[:-1]} {c.name} is locked: Zoho refuses a merge into a locked record"
    state = (c.approval_state or "approved").lower()
    if state != "approved":
        return (
            f"{c.module[:-1]} {c.name} is not approved ($approval_state={c.approval_state}): "
            "Zoho refuses a merge into it"
        )
    return None


def says(opt: Mapping[str, Any]) -> str:
    """What Zoho's options say about a lead, in a few words (empty when not asked yet)."""
    if not opt:
        return ""
    outcome = opt.get("outcome")
    if outcome == "error":
        return f"error {opt.get('error_code')}"
    if outcome != "matched":
        return "no match"
    parts = []
    for col, noun in (("n_contacts", "Contact"), ("n_accounts", "Account")):
        n = opt.get(col)
        if n is not None and n is not pd.NA and int(n) > 0:
            parts.append(f"{int(n)} {noun}{'s' if int(n) > 1 else ''}")
    return "matches " + ", ".join(parts) if parts else "matched"


def table(
    ids: Sequence[str],
    leads: Mapping[str, Mapping[str, Any]],
    zoho_says: Mapping[str, str],
    candidates: Mapping[str, Sequence[Candidate]],
    result: Mapping[str, str],
) -> pd.DataFrame:
    """The leads table: one row per lead id, TABLE_COLUMNS, all text."""
    rows = [
        {
            "lead_id": i,
            "name": text(leads[i].get("Full_Name")) or "",
            "company": text(leads[i].get("Company")) or "",
            "email": text(leads[i].get("Email")) or "",
            "zoho_says": zoho_says.get(i, ""),
            "candidates": "; ".join(
                f"{c.module[:-1]} {c.name}" + (f" ({', '.join(c.fields)})" if c.fields else "")
                for c in candidates.get(i, [])
            ),
            "result": result.get(i, ""),
        }
        for i in ids
    ]
    return pd.DataFrame.from_records(rows, columns=list(TABLE_COLUMNS)).astype("string")


def statuses(selected: Sequence[str], messages: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """One line per selected lead: `ready`, `ready (N warnings)` or `refused: <first error>`."""
    out: dict[str, str] = {}
    for lead_id in selected:
        msgs = list(messages.get(lead_id, []))
        errors = [m.removeprefix("error: ") for m in msgs if m.startswith("error")]
        if errors:
            out[lead_id] = "refused: " + errors[0]
        elif msgs:
            out[lead_id] = f"ready ({len(msgs)} warning{'s' if len(msgs) > 1 else ''})"
        else:
            out[lead_id] = "ready"
    return out


def results_table(results: pd.DataFrame, leads: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """A run's results with each lead's name (RESULTS_SCHEMA plus `name`)."""
    names = pd.Series({i: text(r.get("Full_Name")) or "" for i, r in leads.items()}, dtype="string")
    out = results.copy()
    out.insert(1, "name", out["lead_id"].map(names).astype("string"))
    return out
