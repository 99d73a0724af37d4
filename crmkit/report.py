"""The data-quality report: compute a `Report` from a snapshot, then render it as one HTML file.

Computing and rendering are apart (as in ydata-profiling): `compute_report` does every groupby and
draws every plot once, into a plain dataclass of tables and PNG bytes; `render_html` only formats.
The HTML is self-contained (inline CSS, plots as base64 PNG) so it can be mailed or attached as is.
"""

from __future__ import annotations

import base64
import io
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crmkit import report_tables as tables

__all__ = ["Headline", "Report", "compute_report", "render_html", "write_report"]

# Snapshot metadata shown in the report, with its label; anything else (tokens, secrets) is
# never copied in.
_META_KEYS: dict[str, str] = {
    "org": "Org",
    "org_name": "Org",
    "org_id": "Org id",
    "api_domain": "API domain",
    "fetched_at": "Fetched at",
    "refreshed_at": "Refreshed at",
    "source": "Answers from",
    "credits_spent": "API credits spent",
    "n_leads": "Leads",
    "n_contacts": "Contacts",
    "n_accounts": "Accounts",
    "converted": "Converted leads listed",
}
# Readable column headings (the frames keep their names; only the page shows these).
_LABELS: dict[str, str] = {
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
}


@dataclass(frozen=True)
class Headline:
    """The figures a reader wants first: how many leads already exist, and where."""

    leads: int
    answered: int
    matched: int
    contacts: int
    accounts: int
    errors: int

    @property
    def rate(self) -> float:
        """Share of answered leads that already exist as a Contact or an Account."""
        return self.matched / self.answered if self.answered else 0.0

    @property
    def contact_rate(self) -> float:
        return self.contacts / self.answered if self.answered else 0.0

    @property
    def account_rate(self) -> float:
        return self.accounts / self.answered if self.answered else 0.0


@dataclass
class Report:
    """Everything the report shows, computed; `render_html` turns it into a page."""

    title: str
    generated_at: datetime
    meta: dict[str, str]
    source: str
    headline: Headline
    rates_by_field: pd.DataFrame
    rates_by_module: pd.DataFrame
    trend: pd.DataFrame
    overlaps: pd.DataFrame
    top_accounts: pd.DataFrame
    near_duplicates: pd.DataFrame | None
    conversions: pd.DataFrame | None  # the journal's runs
    conversion_attempts: pd.DataFrame | None  # each lead's latest attempt per run
    figures: dict[str, bytes] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # Zoho's answer beside crmkit's near-duplicates, one row per lead (`crmkit.neardup.shadow`).
    shadow: pd.DataFrame | None = None
    # crmkit's offline prediction compared with Zoho's answer (`crmkit.compare`).
    agreement: tables.Agreement | None = None

    @property
    def top_fields(self) -> list[str]:
        """Matching fields by share of leads (*first* attribution), largest first."""
        ranked = self.rates_by_field.sort_values("leads_first", ascending=False, kind="stable")
        ranked = ranked.loc[ranked["leads_first"] > 0]
        return [f"{f} ({m})" for m, f in zip(ranked["module"], ranked["field"], strict=True)]


def compute_report(
    snapshot: Any,
    journal: Any = None,
    *,
    near_duplicates: pd.DataFrame | None = None,
    title: str = "Leads that already exist in Zoho CRM",
    top: int = 10,
) -> Report:
    """Compute the report from a snapshot (a directory, a snapshot object or a mapping of frames).

    `snapshot` needs `leads`, `options` and `matches` frames (schemas in docs/architecture.md)
    and may carry `meta`/`metadata`. `journal` is a conversion journal (a
    `crmkit.conversion.journal.Journal` or its path); without it the conversion section says
    there are no conversions yet.
    `near_duplicates` is crmkit's near-duplicate frame; when omitted and the snapshot holds the
    Contacts and Accounts (a snapshot fetched by this crmkit does), it is computed with
    `crmkit.neardup`, and crmkit's offline prediction is compared with Zoho's answer.
    """
    frames = tables.frames_of(snapshot)
    leads, options, matches = frames.leads, frames.options, frames.matches
    headline = Headline(**tables.headline(options))
    rates_by_field = tables.rates_by_field(options, matches)
    rates_by_module = tables.rates_by_module(options)
    trend = tables.trend(leads, options)
    overlaps = tables.overlaps(matches)
    top_accounts = tables.top_accounts(matches, top=top)
    near = (
        near_duplicates if near_duplicates is not None else tables.compute_near_duplicates(frames)
    )
    shadow = tables.shadow_view(options, near, leads) if near is not None else None
    neardup, neardup_note = tables.near_duplicates_missed(frames, options, near, shadow=shadow)
    agreement, agreement_note = tables.prediction_agreement(frames)
    history = tables.conversion_history(journal)

    figures = {
        "rates_by_field": _png(tables.plot_rates_by_field(rates_by_field)),
        "trend": _png(tables.plot_trend(leads, options, matches)),
        "overlaps": _png(tables.plot_overlaps(overlaps)),
    }
    if history.attempts is not None:
        figures["conversions"] = _png(tables.plot_conversions(history.attempts))
    return Report(
        title=title,
        generated_at=datetime.now(UTC),
        meta=_safe_meta(frames.meta),
        source=tables.source_label(options),
        headline=headline,
        rates_by_field=rates_by_field,
        rates_by_module=rates_by_module,
        trend=trend,
        overlaps=overlaps,
        top_accounts=top_accounts,
        near_duplicates=neardup,
        conversions=history.runs,
        conversion_attempts=history.attempts,
        figures=figures,
        notes={
            "near_duplicates": neardup_note,
            "agreement": agreement_note,
            "conversions": history.note,
        },
        shadow=shadow,
        agreement=agreement,
    )


def _safe_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    """Keep only the documented, harmless metadata keys, as text."""
    return {
        k: _num(meta[k])
        if isinstance(meta[k], int) and not isinstance(meta[k], bool)
        else str(meta[k])
        for k in _META_KEYS
        if k in meta and meta[k] is not None
    }


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


# --------------------------------------------------------------------------------------- render


def _missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def _pct(value: object) -> str:
    """0.123 -> '12.3%'; blank when missing."""
    return "" if _missing(value) else f"{float(value):.1%}"  # type: ignore[arg-type]


def _num(value: object) -> str:
    """Thousands separators for counts, two decimals for other floats; blank when missing."""
    if _missing(value):
        return ""
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return str(value)


def _cell(value: object) -> str:
    if _missing(value):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return _num(value)
    return str(value)


def _is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _table(
    frame: pd.DataFrame | None, percent: tuple[str, ...] = (), fixed: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A frame as headings, right-alignment flags and rows of display strings (jinja escapes).

    `percent` columns show as percentages, `fixed` ones with two decimals (scores)."""
    if frame is None:
        return {"columns": [], "numeric": [], "rows": []}
    columns = [str(c) for c in frame.columns]
    numeric = [_is_number(frame.iloc[:, i]) for i in range(len(columns))]

    def show(column: str, value: object) -> str:
        if column in percent:
            return _pct(value)
        if column in fixed and not _missing(value):
            return f"{float(value):.2f}"  # type: ignore[arg-type]
        return _cell(value)

    rows = [
        [show(c, v) for c, v in zip(columns, row, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    ]
    return {"columns": [_LABELS.get(c, c) for c in columns], "numeric": numeric, "rows": rows}


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
        }
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("crmkit", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (no external resources)."""
    images = {
        name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        for name, png in report.figures.items()
    }
    overlaps = report.overlaps.rename_axis("field").reset_index()
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        h=report.headline,
        pct=_pct,
        num=_num,
        meta_labels=_META_KEYS,
        images=images,
        rates_by_field=_table(report.rates_by_field, percent=("rate_any", "rate_first")),
        rates_by_module=_table(report.rates_by_module, percent=("rate",)),
        trend=_table(report.trend, percent=("rate",)),
        overlaps=_table(overlaps),
        top_accounts=_table(report.top_accounts),
        near_duplicates=_table(_near_display(report.near_duplicates), fixed=("score",)),
        agreement_kinds=_table(report.agreement.by_kind if report.agreement else None),
        agreement_diffs=_table(report.agreement.differences if report.agreement else None),
        conversions=_table(report.conversions),
        conversion_attempts=_table(report.conversion_attempts),
    )


def write_report(report: Report, path: str | Path) -> Path:
    """Render `report` and write it to `path` (parents created); returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report), encoding="utf-8")
    return target
