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

# Snapshot metadata shown in the report; anything else (tokens, secrets) is never copied in.
_META_KEYS: tuple[str, ...] = (
    "org",
    "org_id",
    "org_name",
    "api_domain",
    "fetched_at",
    "refreshed_at",
    "source",
    "credits_spent",
    "n_leads",
    "converted",
)


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
    Contacts and Accounts exports, it is computed with `crmkit.neardup`.
    """
    frames = tables.frames_of(snapshot)
    leads, options, matches = frames.leads, frames.options, frames.matches
    headline = Headline(**tables.headline(options))
    rates_by_field = tables.rates_by_field(options, matches)
    rates_by_module = tables.rates_by_module(options)
    trend = tables.trend(leads, options)
    overlaps = tables.overlaps(matches)
    top_accounts = tables.top_accounts(matches, top=top)
    neardup, neardup_note = tables.near_duplicates_missed(frames, options, near_duplicates)
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
        notes={"near_duplicates": neardup_note, "conversions": history.note},
    )


def _safe_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    """Keep only the documented, harmless metadata keys, as text."""
    return {k: str(meta[k]) for k in _META_KEYS if k in meta and meta[k] is not None}


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


def _table(frame: pd.DataFrame | None, percent: tuple[str, ...] = ()) -> dict[str, Any]:
    """A frame as header + rows of display strings (jinja escapes them)."""
    if frame is None:
        return {"columns": [], "rows": []}
    columns = [str(c) for c in frame.columns]
    rows = [
        [_pct(v) if c in percent else _cell(v) for c, v in zip(columns, row, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    ]
    return {"columns": columns, "rows": rows}


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
        images=images,
        rates_by_field=_table(report.rates_by_field, percent=("rate_any", "rate_first")),
        rates_by_module=_table(report.rates_by_module, percent=("rate",)),
        trend=_table(report.trend, percent=("rate",)),
        overlaps=_table(overlaps),
        top_accounts=_table(report.top_accounts),
        near_duplicates=_table(report.near_duplicates, percent=()),
        conversions=_table(report.conversions),
        conversion_attempts=_table(report.conversion_attempts),
    )


def write_report(report: Report, path: str | Path) -> Path:
    """Render `report` and write it to `path` (parents created); returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report), encoding="utf-8")
    return target
