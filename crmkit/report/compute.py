"""Compute the report: every groupby and every plot, once, into a plain `Report` dataclass.

The first of the report's three steps (`crmkit.report`): `compute_report` reads the frames and
calls the vectorised functions of `crmkit.report.tables`; nothing here formats a value for the page
(that is `structure`) or knows about HTML (that is `render`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from crmkit.clusters import among_open_leads
from crmkit.frames import FramesError
from crmkit.report import tables
from crmkit.report.answer_errors import error_counts
from crmkit.report.dropped import dropped_fields
from crmkit.report.formatters import num

__all__ = ["META_KEYS", "Headline", "Report", "compute_report"]

# Snapshot metadata shown in the report, with its label; anything else (tokens, secrets) is
# never copied in.
META_KEYS: dict[str, str] = {
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
    "converted": "Leads listed",
}


_NO_OPTIONS = pd.DataFrame({"outcome": pd.Series(dtype="string")})


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
    """Everything the report shows, computed; `crmkit.report.render_html` turns it into a page."""

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
    # Leads duplicating another open lead, by tier, kind and field (`crmkit.cluster_summary`).
    open_leads: pd.DataFrame | None = None
    # lead fields with values no conversion mapping carries (`crmkit.report.dropped`)
    dropped_fields: pd.DataFrame | None = None
    # leads answered with an error, per Zoho code with its meaning (`crmkit.report.answer_errors`)
    errors: pd.DataFrame = field(default_factory=lambda: error_counts(_NO_OPTIONS))

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
    try:
        open_leads, open_note = among_open_leads(leads, frames.config)
    except FramesError as exc:  # leads without usable ids: the rest of the report still stands
        open_leads, open_note = None, f"Duplicates among open leads not computed: {exc}."
    dropped, dropped_note = dropped_fields(frames)

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
            "open_leads": open_note,
            "dropped_fields": dropped_note,
        },
        shadow=shadow,
        agreement=agreement,
        open_leads=open_leads,
        dropped_fields=dropped,
        errors=error_counts(options),
    )


# The snapshot's `converted` setting (Zoho's `converted` listing parameter) in plain words.
LISTED: dict[str, str] = {
    "false": "open leads only (not yet converted)",
    "true": "converted leads only",
    "both": "open and converted leads",
}


def _safe_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    """Keep only the documented, harmless metadata keys, as text."""
    shown = {
        k: num(meta[k])
        if isinstance(meta[k], int) and not isinstance(meta[k], bool)
        else str(meta[k])
        for k in META_KEYS
        if k in meta and meta[k] is not None
    }
    if "converted" in shown:
        shown["converted"] = LISTED.get(shown["converted"].lower(), shown["converted"])
    return shown


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()
