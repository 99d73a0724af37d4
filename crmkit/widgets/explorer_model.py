"""The duplicate explorer's state and logic, without widgets (so it is tested as plain Python).

The explorer shows, for the leads passing the filters, the share matched by each matching field
(one bar per module x field), and the leads behind one selected bar. Three sources can be shown:
Zoho's answer (`api`), crmkit's offline prediction (`predicted`) and crmkit's near-duplicates
(`near`, where a bar is a route: phone, email, company, name; only pairs Zoho does not offer).
*any* counts a lead under every field that matched it; *first* only under the first one in Zoho's
preference order (for near-duplicates: the best-scoring route), so the *first* bars add up to the
overall rate.
"""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crmkit.frames import write_csv
from crmkit.neardup_summary import near_duplicate_counts
from crmkit.orgconfig import OrgConfig
from crmkit.report import tables as report_tables
from crmkit.widgets.open_leads_model import OpenLeadClusters
from crmkit.wording import plural

__all__ = ["ATTRIBUTIONS", "DEFAULT_EXPORT", "MODULES", "SOURCES", "ExplorerModel", "Filters"]

# Where "Export CSV" writes unless told otherwise: `exports/` under the current directory (the
# notebook's folder in Jupyter), which the repository's .gitignore keeps out of version control.
DEFAULT_EXPORT = Path("exports") / "duplicates.csv"

SOURCES: dict[str, str] = {
    "api": "Zoho's answer",
    "predicted": "crmkit's prediction",
    "near": "near-duplicates (crmkit)",
}
ATTRIBUTIONS: tuple[str, ...] = ("any", "first")
MODULES: tuple[str, ...] = ("any", "Contacts", "Accounts")

# Lead columns shown in the table and the CSV, when the leads frame has them.
LEAD_COLUMNS: tuple[str, ...] = (
    "id",
    "Full_Name",
    "First_Name",
    "Last_Name",
    "Company",
    "Email",
    "Phone",
    "Lead_Source",
    "Owner.name",
    "Created_Time",
)
_HIT_COLUMNS = [
    "lead_id",
    "module",
    "field",
    "route",
    "rank",
    "record_id",
    "record_name",
    "lead_value",
]


_MODULE_ORDER = {"Contacts": 0, "Accounts": 1, "Deals": 2}
_ROUTE_ORDER = {"unique": 0, "email": 1, "company": 1, "name": 2}


def _created(leads: pd.DataFrame) -> pd.Series:
    """Created_Time as UTC datetimes (all missing when the leads frame lacks it)."""
    if "Created_Time" not in leads.columns:
        return pd.Series(pd.NaT, index=leads.index, dtype="datetime64[ns, UTC]")
    return pd.to_datetime(leads["Created_Time"], utc=True)


def _field_order(hits: pd.DataFrame) -> pd.DataFrame:
    """(module, field) in Zoho's preference order: unique fields, then Email/Company, then name."""
    keys = hits.assign(
        _m=hits["module"].map(_MODULE_ORDER).fillna(len(_MODULE_ORDER)),
        _r=hits["route"].map(_ROUTE_ORDER).fillna(1),
    )
    order = (
        keys.groupby(["module", "field"], observed=True)
        .agg(_m=("_m", "min"), _r=("_r", "min"), _k=("rank", "mean"))
        .reset_index()
        .sort_values(["_m", "_r", "_k", "field"], kind="stable")
    )
    return order[["module", "field"]].reset_index(drop=True)


@dataclass(frozen=True)
class Filters:
    """What the analyst narrowed the leads to. `None` means no restriction."""

    lead_source: str | None = None
    owner: str | None = None
    created_from: date | None = None
    created_to: date | None = None  # inclusive
    module: str = "any"
    attribution: str = "any"
    source: str = "api"

    def __post_init__(self) -> None:
        if self.module not in MODULES:
            raise ValueError(f"module must be one of {', '.join(MODULES)}, not {self.module!r}")
        if self.attribution not in ATTRIBUTIONS:
            raise ValueError(f"attribution must be 'any' or 'first', not {self.attribution!r}")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {self.source!r}")
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise ValueError(
                f"created_from {self.created_from} is after created_to {self.created_to}"
            )


def _hits_from_matches(options: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """One row per lead x module x field (the record kept is the first that field matched)."""
    hits = matches.dropna(subset=["field"]).rename(columns={"field_rank": "rank"})
    hits = hits[_HIT_COLUMNS].drop_duplicates(["lead_id", "module", "field"])
    first = options.dropna(subset=["first_field"])[["lead_id", "first_module", "first_field"]]
    first = first.rename(columns={"first_module": "module", "first_field": "field"})
    return hits.merge(first.assign(is_first=True), on=["lead_id", "module", "field"], how="left")


def _hits_from_near(near: pd.DataFrame) -> pd.DataFrame:
    """Near-duplicate pairs as hits: the route is the bar; the best score per lead is *first*.

    Pairs Zoho offers already (`zoho_exact`) are left out: they are in Zoho's answer.
    """
    frame = near.copy()
    if "zoho_exact" in frame.columns:
        exact = frame["zoho_exact"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        frame = frame.loc[~exact]
    frame["field"] = frame["route"].astype("string")
    score = frame["score"].astype("Float64") if "score" in frame.columns else pd.NA
    frame["rank"] = (-pd.Series(score, index=frame.index)).astype("Float64")
    for column in ("record_id", "record_name", "lead_value"):
        if column not in frame.columns:
            alt = {"lead_value": "lead_key"}.get(column)
            frame[column] = frame[alt] if alt in frame.columns else pd.NA
    frame = frame.sort_values(["lead_id", "rank"], kind="stable")
    hits = frame[_HIT_COLUMNS].drop_duplicates(["lead_id", "module", "field"])
    best = hits.drop_duplicates("lead_id")[["lead_id", "module", "field"]]
    return hits.merge(best.assign(is_first=True), on=["lead_id", "module", "field"], how="left")


def _predict(frames: report_tables.Frames) -> tuple[pd.DataFrame, pd.DataFrame]:
    """crmkit's prediction of the snapshot's leads from its Contacts, Accounts and settings."""
    from crmkit.matching import predict

    assert frames.contacts is not None and frames.accounts is not None
    prediction = predict(frames.leads, frames.contacts, frames.accounts, frames.config)
    return prediction.options, prediction.matches


class ExplorerModel:
    """Filters, rates by field, the selected bar and its leads, CSV export."""

    def __init__(
        self,
        leads: pd.DataFrame,
        *,
        api: tuple[pd.DataFrame, pd.DataFrame] | None = None,
        predicted: tuple[pd.DataFrame, pd.DataFrame] | None = None,
        near_duplicates: pd.DataFrame | None = None,
        config: OrgConfig | None = None,
    ) -> None:
        """`api` and `predicted` are (options, matches) frames; `near_duplicates` a pairs frame;
        `config` the org's matching configuration, for the duplicates among open leads."""
        self.leads = leads.assign(id=leads["id"].astype("string"))
        self.config = config
        self._open_leads: OpenLeadClusters | None = None
        self.created = _created(self.leads)
        self._hits: dict[str, pd.DataFrame] = {}
        # Rates are shares of the leads a source answered for (as in crmkit.analysis): a lead
        # whose conversion options failed is neither a match nor a non-match.
        self._answered: dict[str, pd.Series] = {}
        for name, pair in (("api", api), ("predicted", predicted)):
            if pair is not None:
                options, matches = pair
                self._hits[name] = _hits_from_matches(options, matches)
                answered = options["outcome"].isin(["matched", "no_match"]).to_numpy(dtype=bool)
                self._answered[name] = options.loc[answered, "lead_id"].astype("string")
        self._near = near_duplicates
        if near_duplicates is not None:
            self._hits["near"] = _hits_from_near(near_duplicates)
            self._answered["near"] = self.leads["id"]
        if not self._hits:
            raise ValueError("the explorer needs at least one source: api, predicted or near")
        self.filters = Filters(source=next(iter(self._hits)))
        self.selected: str | None = None

    @classmethod
    def from_snapshot(
        cls,
        snapshot: Any,
        *,
        predicted: Any = None,
        near_duplicates: pd.DataFrame | None = None,
        derive: bool = True,
    ) -> ExplorerModel:
        """From a snapshot (directory, object or mapping); `predicted` is anything carrying
        `options` and `matches` (a `crmkit.matching.Prediction`, a predicted snapshot).

        With `derive` (the default), a snapshot that keeps the org's Contacts and Accounts
        supplies what is not given: crmkit's prediction (`crmkit.matching.predict` with the
        snapshot's org configuration) and the near-duplicates (`crmkit.neardup`)."""
        frames = report_tables.frames_of(snapshot)
        source = report_tables.source_label(frames.options)
        pair = (frames.options, frames.matches)
        other = None
        if predicted is not None:
            if isinstance(predicted, str | Path):
                predicted = report_tables.frames_of(predicted)
            other = (predicted.options, predicted.matches)
        if derive and frames.has_records:
            if other is None and source != "predicted":
                other = _predict(frames)
            if near_duplicates is None:
                near_duplicates = report_tables.compute_near_duplicates(frames)
        config = frames.config if isinstance(frames.config, OrgConfig) else None
        if source == "predicted":
            return cls(frames.leads, predicted=pair, near_duplicates=near_duplicates, config=config)
        return cls(
            frames.leads, api=pair, predicted=other, near_duplicates=near_duplicates, config=config
        )

    # ---------------------------------------------------------------------------- choices

    @property
    def sources(self) -> dict[str, str]:
        """The sources this explorer has data for, with their labels."""
        return {k: v for k, v in SOURCES.items() if k in self._hits}

    def _choices(self, column: str) -> list[str]:
        if column not in self.leads.columns:
            return []
        return sorted(self.leads[column].dropna().astype(str).unique())

    def lead_sources(self) -> list[str]:
        return self._choices("Lead_Source")

    def owners(self) -> list[str]:
        return self._choices("Owner.name")

    def date_bounds(self) -> tuple[date | None, date | None]:
        """First and last creation date among all leads."""
        created = self.created.dropna()
        if created.empty:
            return None, None
        return created.min().date(), created.max().date()

    # ---------------------------------------------------------------------------- state

    def set_filters(self, **changes: Any) -> Filters:
        """Change some filters (validated); a selected bar that no longer exists is dropped."""
        if "source" in changes and changes["source"] not in self._hits:
            raise ValueError(
                f"no data for source {changes['source']!r}; available: {', '.join(self._hits)}"
            )
        self.filters = dataclasses.replace(self.filters, **changes)
        if self.selected is not None and self.selected not in set(self.rates()["label"]):
            self.selected = None
        return self.filters

    def select(self, label: str | None) -> None:
        """Select one bar (its label, as in `rates()["label"]`), or `None` for every lead."""
        if label is not None and label not in set(self.rates()["label"]):
            raise ValueError(f"no bar {label!r} under the current filters")
        self.selected = label

    # ---------------------------------------------------------------------------- computed

    def lead_mask(self) -> pd.Series:
        """Leads passing the lead filters (source, owner, created dates)."""
        f = self.filters
        mask = pd.Series(True, index=self.leads.index)
        if f.lead_source is not None:
            mask &= (self.leads["Lead_Source"] == f.lead_source).fillna(False)
        if f.owner is not None:
            mask &= (self.leads["Owner.name"] == f.owner).fillna(False)
        day = self.created.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
        if f.created_from is not None:
            mask &= (day >= pd.Timestamp(f.created_from)).fillna(False)
        if f.created_to is not None:
            mask &= (day <= pd.Timestamp(f.created_to)).fillna(False)
        return mask.astype(bool)

    def filtered_leads(self) -> pd.DataFrame:
        """Leads passing the lead filters."""
        return self.leads.loc[self.lead_mask()]

    def population(self) -> int:
        """Filtered leads the current source answered for: the denominator of every rate."""
        ids = self.filtered_leads()["id"]
        return int(ids.isin(self._answered[self.filters.source]).sum())

    def hits(self) -> pd.DataFrame:
        """The current source's hits for the filtered leads, by module and attribution."""
        f = self.filters
        hits = self._hits[f.source]
        hits = hits.loc[hits["lead_id"].isin(self.filtered_leads()["id"])]
        if f.module != "any":
            hits = hits.loc[hits["module"] == f.module]
        if f.attribution == "first":
            if f.module == "any":
                hits = hits.loc[hits["is_first"].fillna(False).astype(bool)]
            else:  # the first field of that module's own preference list
                hits = hits.sort_values(["lead_id", "rank"], kind="stable").drop_duplicates(
                    "lead_id"
                )
        labels = hits["field"].astype("string") + " (" + hits["module"].astype("string") + ")"
        return hits.assign(label=labels)

    def rates(self) -> pd.DataFrame:
        """One row per bar: module, field, label, leads and rate (share of the filtered leads)."""
        n = self.population()
        hits = self.hits()
        counts = hits.groupby(["module", "field", "label"], observed=True)["lead_id"].nunique()
        table = counts.rename("leads").reset_index()
        if self.filters.source != "near":
            order = _field_order(hits)
            table = order.merge(table, on=["module", "field"], how="inner")
        else:
            table = table.sort_values(["leads", "label"], ascending=[False, True])
        table["leads"] = table["leads"].astype("Int64")
        table["rate"] = (table["leads"] / n if n else table["leads"] * 0.0).astype("Float64")
        return table[["module", "field", "label", "leads", "rate"]].reset_index(drop=True)

    def overall(self) -> tuple[int, int]:
        """(leads with a hit under the current source and module, `population()`)."""
        return int(self.hits()["lead_id"].nunique()), self.population()

    def table(self) -> pd.DataFrame:
        """The leads behind the selected bar (all filtered leads when none), one row per lead."""
        leads = self.filtered_leads()
        hits = self.hits()
        if self.selected is not None:
            hits = hits.loc[hits["label"] == self.selected]
            leads = leads.loc[leads["id"].isin(hits["lead_id"])]
        module_order = hits["module"].map(_MODULE_ORDER).fillna(len(_MODULE_ORDER))
        grouped = (
            hits.assign(_m=module_order)
            .sort_values(["lead_id", "_m", "rank"], kind="stable")
            .groupby("lead_id", observed=True)
        )
        summary = pd.DataFrame(
            {
                "matched_by": grouped["label"].agg(lambda s: "; ".join(dict.fromkeys(s))),
                "matched_records": grouped["record_name"].agg(
                    lambda s: "; ".join(dict.fromkeys(s.dropna().astype(str)))
                ),
                "matched_record_ids": grouped["record_id"].agg(
                    lambda s: "; ".join(dict.fromkeys(s.dropna().astype(str)))
                ),
            }
        ).astype("string")
        summary = summary.mask(summary == "")
        columns = [c for c in LEAD_COLUMNS if c in leads.columns]
        table = leads[columns].merge(summary, left_on="id", right_index=True, how="left")
        return table.rename(columns={"id": "lead_id"}).reset_index(drop=True)

    def display_table(self) -> pd.DataFrame:
        """`table()` as text for the page: dates as YYYY-MM-DD, missing values blank."""
        table = self.table()
        if "Created_Time" in table.columns:
            created = pd.to_datetime(table["Created_Time"], utc=True)
            table["Created_Time"] = created.dt.strftime("%Y-%m-%d").astype("string")
        return table.astype("string").fillna("")

    def update(self, **changes: Any) -> str:
        """`set_filters`, reporting a bad combination as a message (filters left unchanged)."""
        try:
            self.set_filters(**changes)
        except ValueError as exc:
            return str(exc)
        return ""

    def choose(self, label: str | None) -> str:
        """`select`, reporting an unknown bar as a message (selection left unchanged)."""
        try:
            self.select(label)
        except ValueError as exc:
            return str(exc)
        return ""

    def export(self, path: str | Path) -> str:
        """`export_csv`, reporting the outcome as a message for the page."""
        try:
            target, count = self.export_csv(path)
        except (OSError, ValueError) as exc:
            return f"Export failed: {exc}"
        return f"Exported {plural(count, 'lead')} to {target}"

    def export_csv(self, path: str | Path = DEFAULT_EXPORT) -> tuple[Path, int]:
        """Write `table()` to `path` as UTF-8 CSV; returns the absolute path written and the
        number of leads (a relative path is under the current directory)."""
        target = Path(path).expanduser().resolve()
        if target.suffix.lower() != ".csv":
            raise ValueError(f"export path {target} should end with .csv")
        target.parent.mkdir(parents=True, exist_ok=True)
        table = self.table()
        # CRM values are typed by anyone: formula-leading text is neutralised (frames.safe_csv).
        write_csv(table, target, encoding="utf-8", date_format="%Y-%m-%dT%H:%M:%S%z")
        return target, len(table)

    def open_leads(self) -> OpenLeadClusters:
        """The clusters of the open leads (computed on first use, over every lead)."""
        if self._open_leads is None:
            self._open_leads = OpenLeadClusters(self.leads, self.config)
        return self._open_leads

    def open_leads_table(self) -> pd.DataFrame:
        """ "Among open leads": filtered leads duplicating another open lead, by tier and field
        (``CLUSTER_SUMMARY_SCHEMA``)."""
        return self.open_leads().summary(self.filtered_leads()["id"])

    def open_leads_note(self) -> str:
        """The sentence shown with :meth:`open_leads_table`."""
        return self.open_leads().note(self.filtered_leads()["id"])

    def summary(self) -> str:
        """One line: how many filtered leads matched, under which source and attribution.

        For near-duplicates the figure is `crmkit.neardup_summary.near_duplicate_counts`, the
        one the demo, the report and notebook 01 print."""
        matched, n = self.overall()
        share = matched / n if n else 0.0
        f = self.filters
        if f.source == "near" and self._near is not None and f.module == "any":
            counts = near_duplicate_counts(self._near, self.filtered_leads()["id"])
            return f"{counts.sentence()} ({share:.1%}) — crmkit, {f.attribution} attribution."
        module = "a Contact or an Account" if f.module == "any" else f"in {f.module}"
        return (
            f"{matched:,} of {n:,} leads ({share:.1%}) match {module} — {SOURCES[f.source]}, "
            f"{f.attribution} attribution."
        )

    def figure(self) -> Figure:
        """Bars of rates by matching field; the selected bar is highlighted."""
        rates = self.rates()
        fig = Figure(figsize=(7, 0.45 * max(len(rates), 2) + 1.3), layout="constrained")
        ax = fig.subplots()
        if rates.empty:
            ax.text(0.5, 0.5, "No lead matched under these filters", ha="center", va="center")
            ax.set_axis_off()
            return fig
        y = np.arange(len(rates))[::-1]
        colors = ["#e08a2c" if label == self.selected else "#3b6fb6" for label in rates["label"]]
        ax.barh(y, rates["rate"].to_numpy(dtype=float), color=colors)
        for yi, (rate, count) in zip(
            y, zip(rates["rate"], rates["leads"], strict=True), strict=True
        ):
            ax.text(
                float(rate), yi, f" {float(rate):.1%} ({int(count):,})", va="center", fontsize=8
            )
        ax.set_yticks(y, list(rates["label"]))
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
        ax.set_xlim(0, max(float(rates["rate"].max()) * 1.25, 0.05))
        n = self.overall()[1]
        # The figure's title, from its left edge (an axes title starts after the bar labels)
        # and wrapped to its width: a long summary is never cut at the right edge.
        fig.suptitle(textwrap.fill(self.summary(), 90), fontsize=9, x=0.01, ha="left")
        ax.set_xlabel(f"share of {n:,} filtered leads answered")
        ax.spines[["top", "right"]].set_visible(False)
        return fig
