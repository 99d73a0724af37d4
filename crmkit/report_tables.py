"""The tables and plots behind the report, each a small vectorised function over the frames.

Kept apart from `crmkit.report` so the report module only assembles and renders. Inputs follow the
schemas in docs/architecture.md (`leads`, `options`, `matches`).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

MODULES: tuple[str, ...] = ("Contacts", "Accounts")
_COLORS = {"Contacts": "#3b6fb6", "Accounts": "#e08a2c", "any": "#9db7dd", "first": "#3b6fb6"}


@dataclass
class Frames:
    """The frames a report or explorer reads, plus the snapshot's metadata."""

    leads: pd.DataFrame
    options: pd.DataFrame
    matches: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    contacts: pd.DataFrame | None = None
    accounts: pd.DataFrame | None = None


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
    return Frames(
        leads=get("leads"),
        options=get("options"),
        matches=get("matches"),
        meta=dict(meta),
        contacts=get("contacts"),
        accounts=get("accounts"),
    )


def _load_snapshot(path: Path) -> Any:
    if not path.exists():
        raise FileNotFoundError(f"snapshot directory {path} does not exist")
    snapshot = importlib.import_module("crmkit.snapshot")
    return snapshot.load_snapshot(path)


# --------------------------------------------------------------------------------------- tables


def headline(options: pd.DataFrame) -> dict[str, int]:
    """Counts of leads, leads matching anything, a Contact, an Account, and errors."""
    n_contacts = options["n_contacts"].fillna(0)
    n_accounts = options["n_accounts"].fillna(0)
    return {
        "leads": len(options),
        "matched": int(((n_contacts > 0) | (n_accounts > 0)).sum()),
        "contacts": int((n_contacts > 0).sum()),
        "accounts": int((n_accounts > 0).sum()),
        "errors": int((options["outcome"] == "error").fillna(False).sum()),
    }


_ROUTE_ORDER = {"unique": 0, "email": 1, "company": 1, "name": 2}


def _hits(matches: pd.DataFrame) -> pd.DataFrame:
    """Distinct (lead, module, field) with the field's rank, from explained and unexplained rows."""
    hits = matches[["lead_id", "module", "field", "field_rank", "route"]].dropna(subset=["field"])
    return hits.drop_duplicates(["lead_id", "module", "field"])


def field_order(hits: pd.DataFrame) -> pd.DataFrame:
    """(module, field) in Zoho's preference order: unique fields, then Email/Company, then name."""
    keys = hits.assign(
        _m=hits["module"].map({m: i for i, m in enumerate(MODULES)}).fillna(len(MODULES)),
        _r=hits["route"].map(_ROUTE_ORDER).fillna(1),
    )
    order = (
        keys.groupby(["module", "field"], observed=True)
        .agg(_m=("_m", "min"), _r=("_r", "min"), _k=("field_rank", "mean"))
        .reset_index()
        .sort_values(["_m", "_r", "_k", "field"], kind="stable")
    )
    return order[["module", "field"]].reset_index(drop=True)


def rates_by_field(options: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """Per (module, field): leads it matched at all (*any*), leads attributed to it (*first*)."""
    n = len(options)
    hits = _hits(matches)
    any_counts = hits.groupby(["module", "field"], observed=True).agg(
        any_leads=("lead_id", "nunique")
    )
    first = options.dropna(subset=["first_field"])
    first_counts = (
        first.groupby(["first_module", "first_field"], observed=True)
        .size()
        .rename("first_leads")
        .rename_axis(["module", "field"])
    )
    table = any_counts.join(first_counts, how="outer").reset_index()
    table["any_leads"] = table["any_leads"].fillna(0).astype("Int64")
    table["first_leads"] = table["first_leads"].fillna(0).astype("Int64")
    table["any_rate"] = (table["any_leads"] / n if n else table["any_leads"] * 0.0).astype(
        "Float64"
    )
    table["first_rate"] = (table["first_leads"] / n if n else table["first_leads"] * 0.0).astype(
        "Float64"
    )
    order = field_order(hits)
    known = order.merge(table, on=["module", "field"], how="inner")
    rest = table.merge(order, on=["module", "field"], how="left", indicator=True)
    rest = rest.loc[rest["_merge"] == "left_only"].drop(columns="_merge")
    table = pd.concat([known, rest], ignore_index=True)
    columns = ["module", "field", "any_leads", "any_rate", "first_leads", "first_rate"]
    return table[columns].reset_index(drop=True)


def rates_by_module(options: pd.DataFrame) -> pd.DataFrame:
    """Leads with at least one candidate in Contacts, in Accounts, in both, in either."""
    n = len(options)
    contacts = options["n_contacts"].fillna(0) > 0
    accounts = options["n_accounts"].fillna(0) > 0
    counts = {
        "Contacts": int(contacts.sum()),
        "Accounts": int(accounts.sum()),
        "Contacts and Accounts": int((contacts & accounts).sum()),
        "either": int((contacts | accounts).sum()),
    }
    table = pd.DataFrame({"module": list(counts), "leads": list(counts.values())})
    table["module"] = table["module"].astype("string")
    table["leads"] = table["leads"].astype("Int64")
    table["rate"] = (table["leads"] / n if n else table["leads"] * 0.0).astype("Float64")
    return table


def _created(leads: pd.DataFrame) -> pd.Series:
    if "Created_Time" not in leads.columns:
        return pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns, UTC]")
    created = leads["Created_Time"]
    if not isinstance(created.dtype, pd.DatetimeTZDtype):
        created = pd.to_datetime(created, utc=True)
    return created


def trend(leads: pd.DataFrame, options: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Leads created per month and the share that already existed (by Created_Time)."""
    created = _created(leads)
    month = created.dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period(freq).astype("string")
    by_id = pd.DataFrame({"lead_id": leads["id"].astype("string"), "period": month})
    matched = (options["n_contacts"].fillna(0) > 0) | (options["n_accounts"].fillna(0) > 0)
    joined = options[["lead_id"]].assign(matched=matched.astype("int64"))
    joined = joined.merge(by_id, on="lead_id", how="left").dropna(subset=["period"])
    table = (
        joined.groupby("period", observed=True)
        .agg(leads=("lead_id", "size"), matched=("matched", "sum"))
        .reset_index()
        .sort_values("period")
    )
    table["leads"] = table["leads"].astype("Int64")
    table["matched"] = table["matched"].astype("Int64")
    table["rate"] = (table["matched"] / table["leads"]).astype("Float64")
    return table.reset_index(drop=True)


def field_label(module: str, field_name: str) -> str:
    return f"{field_name} ({module})"


def overlaps(matches: pd.DataFrame) -> pd.DataFrame:
    """Square table: leads matched by both fields (diagonal: by that field at all)."""
    hits = _hits(matches)
    if hits.empty:
        return pd.DataFrame(dtype="Int64")
    order = field_order(hits)
    labels = [field_label(m, f) for m, f in zip(order["module"], order["field"], strict=True)]
    label = hits["field"].astype("string") + " (" + hits["module"].astype("string") + ")"
    indicator = pd.crosstab(hits["lead_id"], label).reindex(columns=labels, fill_value=0)
    matrix = indicator.clip(upper=1).astype("int64")
    product = matrix.T.dot(matrix)
    product.index.name = None
    product.columns.name = None
    return product.astype("Int64")


def top_accounts(matches: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Accounts that attract the most leads: as the matched Account, or as a matched Contact's."""
    via_account = matches.loc[
        (matches["module"] == "Accounts") & matches["record_id"].notna(),
        ["lead_id", "record_id", "record_name"],
    ].set_axis(["lead_id", "account_id", "account_name"], axis=1)
    via_contact = matches.loc[
        (matches["module"] == "Contacts") & matches["account_id"].notna(),
        ["lead_id", "account_id", "account_name"],
    ]
    rows = pd.concat(
        [via_account.assign(via="account"), via_contact.assign(via="contact")], ignore_index=True
    ).drop_duplicates(["lead_id", "account_id", "via"])
    columns = ["account_id", "account_name", "leads", "as_account", "via_contacts"]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    counts = pd.crosstab(rows["account_id"], rows["via"])
    table = (
        rows.groupby("account_id", observed=True)
        .agg(account_name=("account_name", "first"), leads=("lead_id", "nunique"))
        .join(counts)
        .reset_index()
    )
    table = table.rename(columns={"account": "as_account", "contact": "via_contacts"})
    for column in ("as_account", "via_contacts"):
        if column not in table.columns:
            table[column] = 0
    for column in ("leads", "as_account", "via_contacts"):
        table[column] = table[column].astype("Int64")
    table = table.sort_values(["leads", "account_name"], ascending=[False, True], kind="stable")
    return table[columns].head(top).reset_index(drop=True)


def source_label(options: pd.DataFrame) -> str:
    """Whose answer the frames hold: Zoho's (`api`) or crmkit's offline prediction."""
    if "source" not in options.columns or options.empty:
        return "api"
    values = sorted(options["source"].dropna().astype(str).unique())
    return ", ".join(values) or "api"


# ------------------------------------------------------------------------- near-duplicates


def near_duplicates_missed(
    frames: Frames, options: pd.DataFrame, near: pd.DataFrame | None
) -> tuple[pd.DataFrame | None, str]:
    """Near-duplicate candidates of leads Zoho found nothing for (they would become new records)."""
    if near is None:
        near = _compute_near_duplicates(frames)
        if near is None:
            return None, (
                "Near-duplicates need the Contacts and Accounts exports (crmkit predict) "
                "or a frame from crmkit.neardup; this snapshot has neither."
            )
    matched = (options["n_contacts"].fillna(0) > 0) | (options["n_accounts"].fillna(0) > 0)
    unmatched = set(options.loc[~matched, "lead_id"].astype(str))
    missed = near.loc[near["lead_id"].astype(str).isin(unmatched)]
    return missed.reset_index(drop=True), (
        f"{missed['lead_id'].nunique():,} leads Zoho matched to nothing look like existing "
        "records to crmkit: converting them as they are would create duplicates."
    )


def _compute_near_duplicates(frames: Frames) -> pd.DataFrame | None:
    if frames.contacts is None or frames.accounts is None:
        return None
    try:
        neardup = importlib.import_module("crmkit.neardup")
    except ModuleNotFoundError:
        return None
    result: pd.DataFrame = neardup.near_duplicates(frames.leads, frames.contacts, frames.accounts)
    return result


# ------------------------------------------------------------------------------ conversions


def conversion_history(journal: Any) -> tuple[pd.DataFrame | None, str]:
    """The journal's attempts as a frame, newest first; a note when there is nothing to show."""
    if journal is None:
        return None, "No conversions yet: nothing has been converted through crmkit's journal."
    if isinstance(journal, str | Path):
        conversion = importlib.import_module("crmkit.conversion")
        journal = conversion.Journal(journal)
    frame = journal if isinstance(journal, pd.DataFrame) else journal.to_frame()
    if frame.empty:
        return None, "No conversions yet: the journal is empty."
    return frame.reset_index(drop=True), f"{len(frame):,} conversion attempts in the journal."


# ------------------------------------------------------------------------------------ plots


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def plot_rates_by_field(table: pd.DataFrame, n_leads: int) -> Figure:
    """Horizontal bars: share of leads matched by each field, *any* behind *first*."""
    fig = _figure(7.5, 0.45 * max(len(table), 2) + 1.2)
    ax = fig.subplots()
    if table.empty:
        ax.text(0.5, 0.5, "No lead matched any field", ha="center", va="center")
        ax.set_axis_off()
        return fig
    labels = [field_label(m, f) for m, f in zip(table["module"], table["field"], strict=True)]
    y = np.arange(len(table))[::-1]
    ax.barh(y, table["any_rate"].to_numpy(dtype=float), color=_COLORS["any"], label="any")
    ax.barh(
        y,
        table["first_rate"].to_numpy(dtype=float),
        height=0.5,
        color=_COLORS["first"],
        label="first (adds up to the overall rate)",
    )
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_xlabel(f"share of {n_leads:,} leads")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_trend(table: pd.DataFrame) -> Figure:
    """Leads created per month (bars) and the share already existing (line)."""
    fig = _figure(7.5, 3.2)
    ax = fig.subplots()
    if table.empty:
        ax.text(0.5, 0.5, "No creation dates", ha="center", va="center")
        ax.set_axis_off()
        return fig
    x = np.arange(len(table))
    ax.bar(x, table["leads"].to_numpy(dtype=float), color="#d5dbe5", label="leads created")
    ax.set_ylabel("leads created")
    ax.set_xticks(x, list(table["period"].astype(str)), rotation=45, ha="right")
    ax2 = ax.twinx()
    ax2.plot(x, table["rate"].to_numpy(dtype=float), color=_COLORS["first"], marker="o")
    ax2.set_ylim(0, 1.05)
    ax2.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax2.set_ylabel("already existing")
    ax.spines[["top"]].set_visible(False)
    ax2.spines[["top"]].set_visible(False)
    return fig


def plot_overlaps(matrix: pd.DataFrame) -> Figure:
    """Heat map of leads matched by two fields at once."""
    size = max(len(matrix), 2)
    fig = _figure(1.1 * size + 2.5, 0.9 * size + 1.5)
    ax = fig.subplots()
    if matrix.empty:
        ax.text(0.5, 0.5, "No overlaps", ha="center", va="center")
        ax.set_axis_off()
        return fig
    values = matrix.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="Blues")
    ax.set_xticks(range(len(matrix)), list(matrix.columns), rotation=45, ha="right")
    ax.set_yticks(range(len(matrix)), list(matrix.index))
    top = values.max() if values.size else 0
    for (i, j), value in np.ndenumerate(values):
        ax.text(
            j,
            i,
            f"{int(value):,}",
            ha="center",
            va="center",
            color="white" if value > top / 2 else "black",
            fontsize=8,
        )
    fig.colorbar(image, ax=ax, label="leads")
    return fig


def plot_conversions(table: pd.DataFrame) -> Figure:
    """Conversion attempts by outcome."""
    fig = _figure(6, 2.8)
    ax = fig.subplots()
    column = next((c for c in ("outcome", "status", "state") if c in table.columns), None)
    if column is None:
        ax.text(0.5, 0.5, f"{len(table):,} attempts", ha="center", va="center")
        ax.set_axis_off()
        return fig
    counts = table[column].astype("string").fillna("unknown").value_counts()
    ax.barh(list(counts.index)[::-1], counts.to_numpy()[::-1], color=_COLORS["first"])
    ax.set_xlabel("leads")
    ax.spines[["top", "right"]].set_visible(False)
    return fig
