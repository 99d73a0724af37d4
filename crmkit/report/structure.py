"""Structure the report for the page: each table as headings and rows of display strings.

The second of the report's three steps (`crmkit.report`), as ydata-profiling builds a renderable
structure between describing and rendering: it decides what the page shows and how each value
reads (column labels, percentages, the near-duplicate columns, plots as data URIs), so the
template only lays it out.
"""

from __future__ import annotations

import base64
from typing import Any

import pandas as pd

from crmkit.report.answer_errors import error_breakdown
from crmkit.report.compute import META_KEYS, Report
from crmkit.report.formatters import cell, is_number, missing, num, pct

__all__ = ["LABELS", "page"]

# Readable column headings (the frames keep their names; only the page shows these).
LABELS: dict[str, str] = {
    "leads_any": "leads (any)",
    "rate_any": "rate (any)",
    "leads_first": "leads (first)",
    "rate_first": "rate (first)",
    "n_leads": "leads",
    "n_matched": "already existing",
    "account_id": "account id",
    "account_name": "account",
    "via_accounts": "via the account",
    "via_contacts": "via its contacts",
    "lead_id": "lead id",
    "record_id": "record id",
    "run_id": "run",
    "contact_id": "contact id",
    "deal_id": "deal id",
    "answered_at": "answered at",
    "leads_with_value": "leads with a value",
    "share": "share of leads",
}


def _table(
    frame: pd.DataFrame | None, percent: tuple[str, ...] = (), fixed: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A frame as headings, right-alignment flags and rows of display strings (jinja escapes).

    `percent` columns show as percentages, `fixed` ones with two decimals (scores)."""
    if frame is None:
        return {"columns": [], "numeric": [], "rows": []}
    columns = [str(c) for c in frame.columns]
    numeric = [is_number(frame.iloc[:, i]) for i in range(len(columns))]

    def show(column: str, value: object) -> str:
        if column in percent:
            return pct(value)
        if column in fixed and not missing(value):
            return f"{float(value):.2f}"  # type: ignore[arg-type]
        return cell(value)

    rows = [
        [show(c, v) for c, v in zip(columns, row, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    ]
    return {"columns": [LABELS.get(c, c) for c in columns], "numeric": numeric, "rows": rows}


def _near_display(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """The near-duplicate table as the page shows it: who, which existing record, and why."""
    if table is None:
        return None

    def text(column: str) -> pd.Series:
        if column in table.columns:
            return table[column].astype("string").fillna("")
        return pd.Series("", index=table.index, dtype="string")

    record = text("record_name").where(text("record_name") != "", text("record_id"))
    company = text("Company")
    lead = text("Full_Name") + (", " + company).where(company != "", "")
    lead_key, record_key = text("lead_key"), text("record_key")
    return pd.DataFrame(
        {
            "lead id": text("lead_id"),
            "lead": lead.str.strip(", "),
            "existing record": text("module").str.removesuffix("s") + ": " + record,
            "found by": text("route") + ", " + text("method").str.replace("_", " "),
            "matched on (normalised)": lead_key.where(
                lead_key == record_key, lead_key + " ≈ " + record_key
            ),
            "score": table["score"].astype("Float64") if "score" in table.columns else pd.NA,
            "routes": table["routes"].astype("Int64") if "routes" in table.columns else pd.NA,
        }
    )


def page(report: Report) -> dict[str, Any]:
    """What the template reads: the report, its tables as display rows, its plots as data URIs."""
    images = {
        name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        for name, png in report.figures.items()
    }
    overlaps = report.overlaps.rename_axis("field").reset_index()
    return dict(
        report=report,
        h=report.headline,
        pct=pct,
        num=num,
        meta_labels=META_KEYS,
        images=images,
        rates_by_field=_table(report.rates_by_field, percent=("rate_any", "rate_first")),
        rates_by_module=_table(report.rates_by_module, percent=("rate",)),
        trend=_table(report.trend, percent=("rate",)),
        overlaps=_table(overlaps),
        top_accounts=_table(report.top_accounts),
        near_duplicates=_table(_near_display(report.near_duplicates), fixed=("score",)),
        agreement_kinds=_table(report.agreement.by_kind if report.agreement else None),
        agreement_diffs=_table(report.agreement.differences if report.agreement else None),
        open_leads=_table(report.open_leads, percent=("share",)),
        conversions=_table(report.conversions),
        conversion_attempts=_table(report.conversion_attempts),
        dropped_fields=_table(report.dropped_fields, percent=("share",)),
        errors=_table(report.errors),
        error_breakdown=error_breakdown(report.errors),
    )
