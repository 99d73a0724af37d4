"""The merge policy control's text and each selected lead's field diffs, for the console.

Why in the console: Zoho's Convert dialog shows nothing of what a merge does to the existing
record's fields; `crmkit.conversion.field_diffs` predicts it (existing value, the lead's, and
what the record holds after Zoho's mapping and the merge policy). The console shows a compact
table per selected lead that merges, the cells that change highlighted.
"""

from __future__ import annotations

import html
from dataclasses import fields

import pandas as pd

from crmkit.conversion import ExecutionReport, MergePolicy, MergePolicyError

__all__ = ["DIFF_COLUMNS", "NOT_APPLIED", "diff_html", "merge_policy_text", "policies_applied"]

NOT_APPLIED = (
    "this crmkit's conversion engine does not apply merge policies yet (no merge step after the "
    "convert): Zoho's merge would decide every field, not the diff's 'after'; clear the merge "
    "policy to convert"
)


def policies_applied() -> bool:
    """Whether the conversion engine applies a plan's `merge_policy` after the convert (its
    report then counts the merge updates); the console refuses a policy it would not apply."""
    return "merge_updates" in {f.name for f in fields(ExecutionReport)}


DIFF_COLUMNS = ("module", "field", "existing", "lead", "after", "source")
_CHANGED = "background:#fff3c4;font-weight:600"


def merge_policy_text(text: str | None) -> str | None:
    """The canonical policy text (None: Zoho's mapping decides); MergePolicyError says why not."""
    canonical = str(MergePolicy.parse(text or None))
    return canonical or None


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value))


def diff_html(diffs: pd.DataFrame, *, limit: int = 20) -> str:
    """A compact table of one lead's diffs: changed cells (after != existing) highlighted."""
    if diffs.empty:
        return ""
    changed = [str(a) != str(e) for a, e in zip(diffs["after"], diffs["existing"], strict=True)]
    rows = []
    order = sorted(range(len(diffs)), key=lambda i: not changed[i])  # changes first
    for i in order[:limit]:
        rec = diffs.iloc[i]
        style = f' style="{_CHANGED}"' if changed[i] else ""
        cells = "".join(
            f"<td{style if c == 'after' else ''}>{_cell(rec[c])}</td>" for c in DIFF_COLUMNS
        )
        rows.append(f"<tr>{cells}</tr>")
    n = sum(changed)
    more = f"<div>… and {len(diffs) - limit} more fields</div>" if len(diffs) > limit else ""
    head = "".join(f"<th>{c}</th>" for c in DIFF_COLUMNS)
    return (
        f'<div class="crmkit-diffs"><div>What the merge does to the existing records: '
        f"{n} of {len(diffs)} field{'s' if len(diffs) != 1 else ''} change</div>"
        f'<table class="crmkit-diff"><tr>{head}</tr>{"".join(rows)}</table>{more}</div>'
    )


def policy_error(text: str | None) -> str | None:
    """Why the text is no merge policy, or None."""
    try:
        merge_policy_text(text)
    except MergePolicyError as exc:
        return str(exc)
    return None
