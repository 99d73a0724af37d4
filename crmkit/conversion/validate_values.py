"""Each value of a plan row checked against what Zoho accepts, before any fact is needed.

Why apart from the rules in `validate`: these need no facts (no lead, no metadata), so they run
on every plan, offline and live alike, and they guard the request itself — an `inf` amount cannot
even be written as JSON, so a row holding one must never reach the sender. `load_plan` and
`make_plan` already refuse such values; this catches a plan frame edited after it was built.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from crmkit.conversion.plan import ID_COLUMNS, REFERENCE_COLUMNS, real_date_problem
from crmkit.conversion.references import is_reference

__all__ = ["VALUE_RULES", "check_values", "unsendable"]

VALUE_RULES: dict[str, str] = {
    "amount_invalid": "the Deal amount is not a finite number (Zoho takes no inf or nan)",
    "closing_date_invalid": "the closing date is not a day of the calendar (YYYY-MM-DD)",
    "id_invalid": "an id is not a Zoho id (ASCII digits only)",
}


def _is_zoho_id(text: str) -> bool:
    return 0 < len(text) <= 19 and text.isascii() and text.isdigit()


def check_values(row: Mapping[str, Any], add: Callable[[str, str, str], None]) -> None:
    """Report through `add(rule, column, reason)` every value of `row` Zoho would refuse."""
    amount = row.get("amount")
    if amount is not None:
        try:
            finite = math.isfinite(float(amount))
        except (TypeError, ValueError):
            finite = False
        if not finite:
            add("amount_invalid", "amount", f"amount {amount!r} is not a finite number")
    closing = row.get("closing_date")
    if closing is not None:
        problem = real_date_problem(str(closing))
        if problem is not None:
            add("closing_date_invalid", "closing_date", problem)
    for column in ID_COLUMNS:
        value = row.get(column)
        if column in REFERENCE_COLUMNS and is_reference(value):
            continue  # `lead:<id>`: the cross-row rules check it (cluster_rules)
        if value is not None and not _is_zoho_id(str(value)):
            add("id_invalid", column, f"{column} {str(value)!r} is not a Zoho id (digits only)")


def unsendable(payload: Mapping[str, Any]) -> str | None:
    """Why a request body cannot be sent as JSON (an inf or nan in it), or None.

    Checked before an attempt is journaled: a body the client cannot even encode would otherwise
    fail after the journal holds an open attempt, and every rerun would fail the same way.
    """
    try:
        json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return f"the request cannot be written as JSON ({exc}); correct the plan row"
    return None
