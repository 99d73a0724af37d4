"""Reading single plan cells: dates, amounts, tags and merge policies.

Why apart from `plan`: each is one small rule of what a cell may hold, shared by the plan reader,
validation and the builders; `plan` keeps the table (columns, CSV, builder) and calls these.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from crmkit.conversion.merge_policy import MergePolicy
from crmkit.frames.coercion import numbers_from_text

__all__ = ["TAG_MODULES", "amounts", "canonical_merge_policy", "parse_tags", "real_date_problem"]

TAG_MODULES = ("Contacts", "Accounts", "Deals")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def real_date_problem(text: str) -> str | None:
    """Why `text` is not a date Zoho takes (`YYYY-MM-DD`, a day the calendar has), or None."""
    if not _DATE.fullmatch(text):
        return f"{text!r} is not a date; write YYYY-MM-DD"
    try:
        date.fromisoformat(text)
    except ValueError:
        return f"{text!r} is not a day of the calendar (Zoho refuses it); write a real date"
    return None


def amounts(text: pd.Series, *, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """Amounts and, per cell, why it is refused: only finite numbers reach Zoho (JSON has no inf).

    In a `,` plan a `,` in an amount is refused (a thousands mark or a decimal mark?); a `;` plan
    is what Excel writes where `,` is the decimal mark, and is read so.
    """
    parsed, problem = numbers_from_text(text, decimal_comma=decimal_comma)
    if not decimal_comma:
        comma = text.str.contains(",", regex=False).fillna(False).astype(bool)
        problem = problem.mask(
            comma & problem.isna(), "'" + text + "' is not a number (write 1234.50, no ',')"
        )
    return parsed.astype("Float64").where(problem.isna()), problem


def parse_tags(text: str) -> dict[str, list[str]]:
    """`Contacts:a|b;Deals:c` -> `{"Contacts": ["a", "b"], "Deals": ["c"]}`."""
    out: dict[str, list[str]] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        module, sep, names = part.partition(":")
        module = module.strip()
        if not sep or module not in TAG_MODULES:
            raise ValueError(
                f"{part!r} must be Module:tag|tag with Module one of {list(TAG_MODULES)}"
            )
        tags = [t.strip() for t in names.split("|") if t.strip()]
        if not tags:
            raise ValueError(f"{part!r} names no tag")
        out.setdefault(module, []).extend(tags)
    return out


def canonical_merge_policy(text: str) -> str | None:
    """A `merge_policy` cell in canonical form (None when it leaves everything to Zoho).

    Raises `MergePolicyError` (a ValueError) naming the bad part: the plan reader adds the line.
    """
    return str(MergePolicy.parse(text)) or None
