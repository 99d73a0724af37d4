"""The tables and plots behind the report, each a small vectorised function over the frames.

Kept apart from `crmkit.report.compute` so that module only assembles the `Report` (the explorer
widget reads the same frames through `frames_of`). Inputs follow the schemas in
docs/architecture.md (`leads`, `options`, `matches`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from crmkit import agreement, analysis, matching, neardup
from crmkit.conversion.journal import Journal
from crmkit.neardup_summary import RANKING, near_duplicate_counts, rank_near_duplicates
from crmkit.orgconfig import OrgConfig
from crmkit.snapshot import load_snapshot
from crmkit.wording import plural

_BAR_COLOUR = "#4C72B0"


@dataclass
class Frames:
    """The frames a report or explorer reads, plus the snapshot's metadata.

    `contacts`, `accounts` and `config` (an `OrgConfig`) come from a snapshot that keeps them;
    `note` says why they are missing when it does not.
    """

    leads: pd.DataFrame
    options: pd.DataFrame
    matches: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    contacts: pd.DataFrame | None = None
    accounts: pd.DataFrame | None = None
    config: Any = None
    note: str | None = None

    @property
    def has_records(self) -> bool:
        return self.contacts is not None and self.accounts is not None


def frames_of(snapshot: Any) -> Frames:
    """Accept a snapshot directory, a snapshot object, a `Frames` or a mapping of frames."""
    if isinstance(snapshot, Frames):
        return snapshot
    if isinstance(snapshot, str | Path):
        snapshot = _load_snapshot(Path(snapshot))

    def get(name: str) -> Any:
        if isinstance(snapshot, Mapping):
            return snapshot.get(name)
        return getattr(snapshot, name, None)

    missing = [n for n in ("leads", "options", "matches") if get(n) is None]
    if missing:
        raise ValueError(
            f"a report needs the leads, options and matches frames; missing: {', '.join(missing)}"
        )
    meta = get("meta") or get("metadata") or {}
    if not isinstance(meta, Mapping):
        meta = {k: v for k, v in vars(meta).items() if not k.startswith("_")}
    config = get("org_config") or get("config")
    if isinstance(config, Mapping):
        config = OrgConfig.from_dict(config, source="org_config")
    contacts, accounts = get("contacts"), get("accounts")
    note = get("note")
    if note is None and (contacts is None or accounts is None):
        note = (
            "the snapshot holds no Contacts or Accounts (fetch it with `crmkit fetch`, or pass "
            "them as `contacts` and `accounts`)"
        )
    return Frames(
        leads=get("leads"),
        options=get("options"),
        matches=get("matches"),
        meta=dict(meta),
        contacts=contacts,
        accounts=accounts,
        config=config,
        note=note if isinstance(note, str) else None,
    )


def _load_snapshot(path: Path) -> Any:
    if not path.exists():
        raise FileNotFoundError(f"snapshot directory {path} does not exist")
    return load_snapshot(path)


# --------------------------------------------------------------------------------------- tables


def headline(options: pd.DataFrame) -> dict[str, int]:
    """Counts of leads, answered leads, leads matching anything, a Contact, an Account, errors."""
    figures = analysis.summary(options)
    return {
        "leads": int(figures["n_leads"]),
        "answered": int(figures["n_answered"]),
        "matched": int(figures["n_matched"]),
        "contacts": int(figures.get("n_contacts", 0)),
        "accounts": int(figures.get("n_accounts", 0)),
        "errors": int(figures["n_errors"]),
    }


def rates_by_field(options: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """`analysis.rate_table`: per module and field, *any* and *first* leads and rates."""
    table = analysis.rate_table(options, matches)
    columns = ["module", "field", "route", "leads_any", "rate_any", "leads_first", "rate_first"]
    return table[columns]


def rates_by_module(options: pd.DataFrame) -> pd.DataFrame:
    """`analysis.module_rates`: leads with a candidate per module, and in any module."""
    return analysis.module_rates(options)


def trend(leads: pd.DataFrame, options: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Leads per creation month (answered ones) and the share that already existed."""
    if "Created_Time" not in leads.columns:
        return pd.DataFrame(
            {
                "segment": pd.Series(dtype="string"),
                "n_leads": pd.Series(dtype="Int64"),
                "n_matched": pd.Series(dtype="Int64"),
                "rate": pd.Series(dtype="Float64"),
            }
        )
    table = analysis.segment_summary(leads, options, "Created_Time", freq=freq)
    return table.rename(columns={"segment": "month"}).sort_values("month").reset_index(drop=True)


def overlaps(matches: pd.DataFrame) -> pd.DataFrame:
    """`analysis.field_overlaps`: leads matched by both fields (diagonal: by that field at all)."""
    return analysis.field_overlaps(matches)


def top_accounts(matches: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """`analysis.top_accounts`: accounts attracting most leads, directly or via their contacts."""
    return analysis.top_accounts(matches, n=top)


def source_label(options: pd.DataFrame) -> str:
    """Whose answer the frames hold: Zoho's (`api`) or crmkit's offline prediction."""
    if "source" not in options.columns or options.empty:
        return "api"
    values = sorted(options["source"].dropna().astype(str).unique())
    return ", ".join(values) or "api"


# ------------------------------------------------------------------------- near-duplicates


_NEAR_LEAD_COLUMNS = ("Full_Name", "Company", "Email", "Phone")
_NEAR_COLUMNS = [
    "module",
    "record_id",
    "route",
    "method",
    "score",
    "routes",
    "found_by",
    "lead_key",
    "record_key",
]


def near_duplicates_missed(
    frames: Frames,
    options: pd.DataFrame,
    near: pd.DataFrame | None,
    top: int = 50,
    shadow: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame | None, str]:
    """The strongest near-duplicates Zoho's exact matching does not offer, and the count.

    `near` is `crmkit.neardup.near_duplicates(...)` output (candidate pairs; `zoho_exact` marks
    pairs Zoho offers already). The count and the order are `crmkit.neardup_summary`'s, the
    same the demo, the explorer and notebook 01 show. `options` and `shadow` are accepted for
    callers that pass them; the figure depends on the candidates alone.
    """
    del options, shadow
    if near is None:
        near = compute_near_duplicates(frames)
        if near is None:
            return None, _not_computed(frames.note)
    counts = near_duplicate_counts(near)
    pairs = rank_near_duplicates(near)
    columns = [c for c in _NEAR_LEAD_COLUMNS if c in frames.leads.columns]
    lead_info = frames.leads[["id", *columns]].astype({"id": "string"})
    lead_info = lead_info.rename(columns={"id": "lead_id"})
    table = pairs[["lead_id", *_NEAR_COLUMNS]].merge(lead_info, on="lead_id", how="left")
    table = table[["lead_id", *columns, *_NEAR_COLUMNS]].head(top).reset_index(drop=True)
    table = _with_record_names(table, frames)
    listed = (
        f" The report lists the {len(table)} strongest of {len(pairs):,} such pairs"
        if len(pairs) > top
        else f" The report lists {plural(len(pairs), 'such pair')}"
    )
    note = f"{counts.sentence()}.{listed}, {RANKING}."
    return table, note


def record_names(frames: Frames) -> pd.DataFrame:
    """`module, record_id, record_name` of the snapshot's Contacts (full name) and Accounts."""
    parts = []
    if frames.contacts is not None:
        parts.append(
            pd.DataFrame(
                {
                    "module": "Contacts",
                    "record_id": frames.contacts["id"].astype("string").to_numpy(),
                    "record_name": matching.full_name(frames.contacts).to_numpy(),
                }
            )
        )
    if frames.accounts is not None and "Account_Name" in frames.accounts.columns:
        parts.append(
            pd.DataFrame(
                {
                    "module": "Accounts",
                    "record_id": frames.accounts["id"].astype("string").to_numpy(),
                    "record_name": frames.accounts["Account_Name"].astype("string").to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {c: pd.Series(dtype="string") for c in ("module", "record_id", "record_name")}
        )
    return pd.concat(parts, ignore_index=True).astype("string")


def _with_record_names(table: pd.DataFrame, frames: Frames) -> pd.DataFrame:
    """Add `record_name` after `record_id` when the snapshot holds the records."""
    if frames.contacts is None and frames.accounts is None:
        return table
    named = table.astype({"module": "string", "record_id": "string"}).merge(
        record_names(frames), on=["module", "record_id"], how="left"
    )
    order = list(table.columns)
    order.insert(order.index("record_id") + 1, "record_name")
    return named[order]


def _not_computed(note: str | None) -> str:
    reason = note or "the snapshot holds no Contacts or Accounts"
    return f"Not computed: {reason}."


def shadow_view(options: pd.DataFrame, near: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    """`crmkit.neardup.shadow`: Zoho's answer beside crmkit's near-duplicates, per lead."""
    result: pd.DataFrame = neardup.shadow(options, near, leads)
    return result


def compute_near_duplicates(frames: Frames) -> pd.DataFrame | None:
    """Near-duplicates of the snapshot's leads among its Contacts and Accounts (None without)."""
    if frames.contacts is None or frames.accounts is None:
        return None
    result: pd.DataFrame = neardup.near_duplicates(
        frames.leads, frames.contacts, frames.accounts, exact=frames.matches
    )
    return result


# ------------------------------------------------------------------------ prediction agreement

KIND_LABELS: dict[str, str] = {
    "missing_lead": "no prediction for the lead",
    "extra_lead": "predicted, but not asked of Zoho",
    "outcome": "different outcome (matched, no match or error)",
    "module_preference": "different preferred module",
    "fields": "different matching fields",
    "missing_record": "a candidate Zoho offers that crmkit does not predict",
    "extra_record": "a candidate crmkit predicts that Zoho does not offer",
}


@dataclass
class Agreement:
    """How often crmkit's offline prediction gives Zoho's answer, and where it does not."""

    compared: int  # leads Zoho answered for (errors included)
    agreeing: int
    by_kind: pd.DataFrame  # kind, difference, leads
    differences: pd.DataFrame  # `crmkit.agreement.compare` rows, the first few leads

    @property
    def rate(self) -> float:
        return self.agreeing / self.compared if self.compared else 1.0


def prediction_agreement(frames: Frames, top: int = 20) -> tuple[Agreement | None, str]:
    """Predict the snapshot's leads offline (`crmkit.matching.predict` on its Contacts, Accounts
    and org configuration) and compare with Zoho's answer (`crmkit.compare`)."""
    if source_label(frames.options) != "api":
        return None, (
            "Not computed: this snapshot holds crmkit's prediction, not Zoho's answer, so there "
            "is nothing to compare it with."
        )
    if frames.contacts is None or frames.accounts is None:
        return None, _not_computed(frames.note)
    try:
        prediction = matching.predict(frames.leads, frames.contacts, frames.accounts, frames.config)
    except matching.PredictionError as exc:
        return None, f"Not computed: {exc}."
    diffs: pd.DataFrame = agreement.compare(frames, prediction)
    compared = int(frames.options["lead_id"].nunique())
    differing = int(diffs["lead_id"].nunique())
    counts = diffs.groupby("kind")["lead_id"].nunique()
    kinds = [k for k in KIND_LABELS if k in counts.index]
    by_kind = pd.DataFrame(
        {
            "kind": pd.array(kinds, dtype="string"),
            "difference": pd.array([KIND_LABELS[k] for k in kinds], dtype="string"),
            "leads": pd.array([int(counts[k]) for k in kinds], dtype="Int64"),
        }
    )
    first = diffs["lead_id"].drop_duplicates().head(top)
    result = Agreement(
        compared=compared,
        agreeing=compared - differing,
        by_kind=by_kind,
        differences=diffs[diffs["lead_id"].isin(first)].reset_index(drop=True),
    )
    config_note = "" if frames.config is not None else " (org configuration unknown: a plain org)"
    note = (
        f"crmkit's offline prediction gives Zoho's exact answer for {result.agreeing:,} of "
        f"{compared:,} leads ({result.rate:.1%}){config_note}"
        + (f"; {differing:,} leads differ." if differing else ".")
    )
    return result, note


# ------------------------------------------------------------------------------ conversions


@dataclass
class ConversionHistory:
    """The journal's runs (one row each) and every lead's latest attempt, newest first."""

    runs: pd.DataFrame | None
    attempts: pd.DataFrame | None
    note: str


_ATTEMPT_COLUMNS = [
    "lead_id",
    "run_id",
    "kind",
    "outcome",
    "code",
    "message",
    "contact_id",
    "account_id",
    "deal_id",
    "answered_at",
]


def conversion_history(journal: Any) -> ConversionHistory:
    """Read a conversion journal (a `crmkit.conversion.journal.Journal` or its path).

    A path that does not exist is not created: the section then says there are no conversions.
    Request and answer bodies are left out (they are redacted in the journal anyway).
    """
    if journal is None:
        return ConversionHistory(None, None, "No conversions yet: no conversion journal given.")
    if isinstance(journal, str | Path):
        path = Path(journal)
        if not path.exists():
            return ConversionHistory(None, None, f"No conversions yet: no journal at {path}.")
        opened = Journal(path)
        try:
            return conversion_history(opened)
        finally:
            opened.close()
    runs: pd.DataFrame = journal.runs()
    attempts: pd.DataFrame = journal.attempts()
    if runs.empty or attempts.empty:
        return ConversionHistory(None, None, "No conversions yet: the journal is empty.")
    latest = attempts.sort_values("attempt_id").drop_duplicates(["run_id", "lead_id"], keep="last")
    latest = latest.sort_values("attempt_id", ascending=False)[_ATTEMPT_COLUMNS]
    counts = latest["outcome"].value_counts()
    summary = ", ".join(f"{int(n):,} {outcome}" for outcome, n in counts.items())
    note = f"{len(runs):,} runs, {len(latest):,} leads attempted: {summary}."
    runs = runs.drop(columns=[c for c in ("plan_hash",) if c in runs.columns])
    return ConversionHistory(
        runs.sort_values("run_id", ascending=False).reset_index(drop=True),
        latest.reset_index(drop=True),
        note,
    )


# ------------------------------------------------------------------------------------ plots


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _placeholder(text: str) -> Figure:
    fig = _figure(6, 1.6)
    ax = fig.subplots()
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()
    return fig


def plot_rates_by_field(table: pd.DataFrame) -> Figure:
    """`analysis.plot_field_rates` (*first*: the bars add up to the overall rate)."""
    if table.empty:
        return _placeholder("No lead matched any field")
    return analysis.plot_field_rates(table, how="first")


def plot_trend(leads: pd.DataFrame, options: pd.DataFrame, matches: pd.DataFrame) -> Figure:
    """`analysis.plot_trend` over the creation month."""
    if "Created_Time" not in leads.columns or leads["Created_Time"].isna().all():
        return _placeholder("No creation dates")
    fig = analysis.plot_trend(
        leads, options, matches, title="Share of leads already existing, by month created"
    )
    for ax in fig.axes[:1]:
        thin_ticks(ax)
    return fig


def thin_ticks(ax: Any, most: int = 8) -> None:
    """Month labels level and at most `most` of them (every k-th, the last always kept), so they
    never collide at the report's width however many months there are."""
    ticks = list(ax.get_xticks())
    labels = [label.get_text() for label in ax.get_xticklabels()]
    step = -(-len(ticks) // most) if len(ticks) > most else 1
    keep = list(range(len(ticks) - 1, -1, -step))[::-1]
    ax.set_xticks([ticks[i] for i in keep], [labels[i] for i in keep], rotation=0, ha="center")
    ax.tick_params(axis="x", labelsize=9)


def plot_overlaps(matrix: pd.DataFrame) -> Figure:
    """`analysis.plot_overlaps`."""
    if matrix.empty:
        return _placeholder("No overlaps: no lead matched two fields")
    return analysis.plot_overlaps(matrix)


def plot_conversions(attempts: pd.DataFrame) -> Figure:
    """Leads by the outcome of their latest conversion attempt."""
    fig = _figure(6, 2.4)
    ax = fig.subplots()
    counts = attempts["outcome"].astype("string").fillna("unknown").value_counts()
    ax.barh(list(counts.index)[::-1], counts.to_numpy()[::-1], color=_BAR_COLOUR)
    ax.set_xlabel("leads (latest attempt per run)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig
