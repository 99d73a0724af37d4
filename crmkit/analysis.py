"""Duplicate rates from the `options` and `matches` frames, and plots of them.

A lead is a duplicate when Zoho (or crmkit's prediction) names at least one existing record for it.
Rates are shares of the *answered* leads (outcome `matched` or `no_match`); leads whose request
failed are counted apart (`n_errors`) and never silently treated as "no match".

Two attributions by matching field:
- *any*: the lead was matched by that field at all (a lead counts under every field that hit);
- *first*: the lead is attributed to the first field of Zoho's preference order (`first_module`,
  `first_field` of `options`), so the *first* rates add up exactly to the overall rate. A matched
  lead whose answer names no field is attributed to `UNATTRIBUTED` so the identity still holds.

Everything is groupby/merge over whole columns (no Python loop over leads), so a few million leads
take seconds (bench/analysis_bench.py). Plot functions build `matplotlib.figure.Figure` objects
directly (no pyplot state), so they work in notebooks, reports and headless tests alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crmkit.frames import isin, routes

__all__ = [
    "UNATTRIBUTED",
    "field_overlaps",
    "module_rates",
    "plot_field_rates",
    "plot_overlaps",
    "plot_trend",
    "rate_table",
    "segment_rates",
    "segment_values",
    "summary",
    "top_accounts",
]

UNATTRIBUTED = "(unattributed)"
NO_SEGMENT = "(none)"
Level = Literal["field", "route"]
_MODULE_COUNTS = {"Contacts": "n_contacts", "Accounts": "n_accounts", "Deals": "n_deals"}


def _answered(options: pd.DataFrame) -> pd.DataFrame:
    return options.loc[options["outcome"].isin(["matched", "no_match"]).to_numpy(dtype=bool)]


def summary(options: pd.DataFrame) -> pd.Series:
    """Headline counts and rates: leads, answered, errors, matched, rate overall and per module."""
    answered = _answered(options)
    n = len(answered)
    out: dict[str, float | int] = {
        "n_leads": len(options),
        "n_answered": n,
        "n_errors": int((options["outcome"] == "error").sum()),
        "n_matched": int((answered["outcome"] == "matched").sum()),
    }
    out["rate"] = out["n_matched"] / n if n else float("nan")
    for module, col in _MODULE_COUNTS.items():
        if col in answered:
            k = int((answered[col].fillna(0) > 0).sum())
            out[f"n_{module.lower()}"] = k
            out[f"rate_{module.lower()}"] = k / n if n else float("nan")
    return pd.Series(out, name="value")


def module_rates(options: pd.DataFrame) -> pd.DataFrame:
    """One row per module (and `any`): leads with at least one candidate there, and the share."""
    answered = _answered(options)
    n = len(answered)
    rows = []
    for module, col in _MODULE_COUNTS.items():
        if col in answered:
            k = int((answered[col].fillna(0) > 0).sum())
            rows.append({"module": module, "leads": k})
    rows.append({"module": "any", "leads": int((answered["outcome"] == "matched").sum())})
    frame = pd.DataFrame(rows).astype({"module": "string", "leads": "Int64"})
    frame["rate"] = frame["leads"].astype("Float64") / n if n else pd.NA
    return frame


def segment_values(
    leads: pd.DataFrame, by: str | pd.Series, *, freq: str | None = None
) -> pd.Series:
    """Segment label per lead id (index = lead id): a column, or a datetime bucketed by `freq`.

    `freq` is a pandas period alias (`"W"` weeks, `"M"` months, `"Q"`, `"Y"`); datetimes are
    bucketed in UTC. Missing values become `"(none)"`.
    """
    if isinstance(by, pd.Series):
        values = by.reset_index(drop=True)
        name = str(by.name or "segment")
    else:
        if by not in leads.columns:
            raise KeyError(f"leads has no column {by!r}; columns: {list(leads.columns)}")
        values = leads[by].reset_index(drop=True)
        name = by
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if freq is None:
            raise ValueError(f"{name} is a datetime column: pass freq='W' or 'M' to bucket it")
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        values = values.dt.to_period(freq).astype("string")
    labels = values.astype("string").fillna(NO_SEGMENT)
    labels.index = pd.Index(leads["id"].astype("string"), name="lead_id")
    return labels.rename(name)


def _first_keys(answered: pd.DataFrame) -> pd.DataFrame:
    """(module, field) the *first* attribution gives each matched lead."""
    matched = answered.loc[(answered["outcome"] == "matched").to_numpy(dtype=bool)]
    module = matched["first_module"].astype("string")
    field = matched["first_field"].astype("string")
    fallback = pd.Series(pd.NA, index=matched.index, dtype="string")
    for mod, col in reversed(_MODULE_COUNTS.items()):
        if col in matched:
            fallback = fallback.mask(matched[col].fillna(0).to_numpy() > 0, mod)
    missing = field.isna()
    module = module.mask(missing, fallback)
    field = field.mask(missing, UNATTRIBUTED)
    return pd.DataFrame(
        {"lead_id": matched["lead_id"].astype("string"), "module": module, "field": field}
    )


def _any_keys(answered: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """Distinct (lead, module, field) hits of answered leads, plus the unattributed ones."""
    hits = matches.loc[
        matches["field"].notna().to_numpy(dtype=bool), ["lead_id", "module", "field"]
    ]
    hits = hits.astype("string").drop_duplicates()
    hits = hits.loc[isin(hits["lead_id"], answered["lead_id"])]
    first = _first_keys(answered)
    unattributed = first.loc[(first["field"] == UNATTRIBUTED).to_numpy(dtype=bool)]
    return pd.concat([hits, unattributed], ignore_index=True)


def _with_level(keys: pd.DataFrame, level: Level) -> pd.DataFrame:
    if level == "field":
        return keys.assign(route=routes(keys["module"], keys["field"]))
    route = routes(keys["module"], keys["field"]).mask(keys["field"] == UNATTRIBUTED, UNATTRIBUTED)
    return (
        keys.assign(field=route, route=route)
        .drop_duplicates(["lead_id", "module", "field"])
        .reset_index(drop=True)
    )


def _rates(
    answered: pd.DataFrame,
    matches: pd.DataFrame,
    segment: pd.Series | None,
    level: Level,
) -> pd.DataFrame:
    group = ["segment"] if segment is not None else []
    first = _with_level(_first_keys(answered), level)
    anyk = _with_level(_any_keys(answered, matches), level)
    base = answered[["lead_id", "outcome"]].astype("string")
    if segment is not None:
        seg = segment.rename("segment").reset_index()
        base = base.merge(seg, on="lead_id", how="left")
        base["segment"] = base["segment"].fillna(NO_SEGMENT)
        lookup = base[["lead_id", "segment"]]
        first = first.merge(lookup, on="lead_id", how="left")
        anyk = anyk.merge(lookup, on="lead_id", how="left")
    keys = [*group, "module", "field", "route"]
    n_first = first.groupby(keys, dropna=False, observed=True).size().rename("leads_first")
    n_any = anyk.groupby(keys, dropna=False, observed=True).size().rename("leads_any")
    table = pd.concat([n_any, n_first], axis=1).fillna(0).reset_index()
    if group:
        totals = (
            base.assign(matched=base["outcome"] == "matched")
            .groupby("segment")
            .agg(n_leads=("lead_id", "size"), n_matched=("matched", "sum"))
        )
        table = table.merge(totals.reset_index(), on="segment", how="left")
        denom = table["n_leads"]
    else:
        denom = pd.Series(len(base), index=table.index)
    table["leads_any"] = table["leads_any"].astype("Int64")
    table["leads_first"] = table["leads_first"].astype("Int64")
    safe = denom.astype("Float64").mask(denom == 0)
    table["rate_any"] = table["leads_any"].astype("Float64") / safe
    table["rate_first"] = table["leads_first"].astype("Float64") / safe
    for col in ("module", "field", "route"):
        table[col] = table[col].astype("string")
    module_order = {m: i for i, m in enumerate(_MODULE_COUNTS)}
    table["_m"] = table["module"].map(module_order).fillna(len(module_order))
    table = table.sort_values(
        [*group, "_m", "leads_any"], ascending=[*[True] * len(group), True, False]
    )
    return table.drop(columns="_m").reset_index(drop=True)


def rate_table(
    options: pd.DataFrame, matches: pd.DataFrame, *, level: Level = "field"
) -> pd.DataFrame:
    """Rates per module and matching field (or route), *any* and *first*.

    Columns: `module, field, route, leads_any, rate_any, leads_first, rate_first`. With
    `level="route"` the `field` column holds the route (unique/email/company/name). The sum of
    `rate_first` over all rows equals `summary(options)["rate"]`.
    """
    return _rates(_answered(options), matches, None, level)


def segment_rates(
    leads: pd.DataFrame,
    options: pd.DataFrame,
    matches: pd.DataFrame,
    by: str | pd.Series,
    *,
    freq: str | None = None,
    level: Level = "field",
) -> pd.DataFrame:
    """`rate_table` per segment (Lead_Source, `Owner.name`, created week/month, any column).

    Columns: `segment, module, field, route, leads_any, leads_first, n_leads, n_matched, rate_any,
    rate_first`; rates are shares of the segment's answered leads. Per segment the `rate_first`
    values add up to `n_matched / n_leads`. Segments with no match have no rows; use
    `segment_summary` for every segment's totals.
    """
    segment = segment_values(leads, by, freq=freq)
    return _rates(_answered(options), matches, segment, level)


def segment_summary(
    leads: pd.DataFrame, options: pd.DataFrame, by: str | pd.Series, *, freq: str | None = None
) -> pd.DataFrame:
    """Per segment: answered leads, matched leads and the overall rate."""
    segment = segment_values(leads, by, freq=freq).rename("segment").reset_index()
    base = _answered(options)[["lead_id", "outcome"]].astype("string")
    base = base.merge(segment, on="lead_id", how="left")
    base["segment"] = base["segment"].fillna(NO_SEGMENT)
    base["matched"] = base["outcome"] == "matched"
    out = base.groupby("segment").agg(n_leads=("lead_id", "size"), n_matched=("matched", "sum"))
    out["rate"] = out["n_matched"] / out["n_leads"]
    return out.reset_index().astype({"segment": "string", "n_leads": "Int64", "n_matched": "Int64"})


def _label(keys: pd.DataFrame, module: str | None) -> pd.Series:
    if module is not None:
        return keys["field"].astype("string")
    return keys["module"].astype("string") + "." + keys["field"].astype("string")


def field_overlaps(
    matches: pd.DataFrame, *, module: str | None = None, normalize: bool = False
) -> pd.DataFrame:
    """Leads matched by both fields, for every pair of fields (diagonal: by that field at all).

    Labels are `Module.Field` unless `module` restricts to one module. `normalize=True` divides
    each row by its diagonal: the share of the row field's leads also matched by the column field.
    """
    hits = matches.loc[
        matches["field"].notna().to_numpy(dtype=bool), ["lead_id", "module", "field"]
    ]
    if module is not None:
        hits = hits.loc[(hits["module"] == module).to_numpy(dtype=bool)]
    hits = hits.astype("string").drop_duplicates()
    labels = _label(hits, module)
    lead_codes, _ = pd.factorize(hits["lead_id"])
    label_codes, names = pd.factorize(labels, sort=True)
    indicator = np.zeros((len(set(lead_codes.tolist())) if len(hits) else 0, len(names)), np.int32)
    if len(hits):
        indicator[lead_codes, label_codes] = 1
    counts = indicator.T.astype(np.int64) @ indicator.astype(np.int64)
    frame = pd.DataFrame(counts, index=pd.Index(names, name="field"), columns=list(names))
    if normalize:
        diag = np.diag(counts).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            frame = pd.DataFrame(counts / diag[:, None], index=frame.index, columns=frame.columns)
    return frame


def top_accounts(matches: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """Accounts that attract the most leads: as the Account matched, or as a matched contact's.

    Columns: `account_id, account_name, leads, via_accounts, via_contacts` (distinct leads each).
    """
    acc = matches.loc[(matches["module"] == "Accounts").to_numpy(dtype=bool)]
    con = matches.loc[
        ((matches["module"] == "Contacts") & matches["account_id"].notna()).to_numpy(dtype=bool)
    ]
    links = pd.concat(
        [
            pd.DataFrame(
                {
                    "lead_id": acc["lead_id"],
                    "account_id": acc["record_id"],
                    "account_name": acc["record_name"],
                    "via": "accounts",
                }
            ),
            pd.DataFrame(
                {
                    "lead_id": con["lead_id"],
                    "account_id": con["account_id"],
                    "account_name": con["account_name"],
                    "via": "contacts",
                }
            ),
        ],
        ignore_index=True,
    ).astype("string")
    links = links.loc[links["account_id"].notna().to_numpy(dtype=bool)]
    names = links.dropna(subset=["account_name"]).drop_duplicates("account_id")
    name_of: pd.Series = names.set_index("account_id")["account_name"]
    per_via = links.drop_duplicates(["lead_id", "account_id", "via"])
    via = per_via.groupby(["account_id", "via"]).size().unstack("via", fill_value=0)
    total = links.drop_duplicates(["lead_id", "account_id"]).groupby("account_id").size()
    out = pd.DataFrame({"leads": total})
    for col in ("accounts", "contacts"):
        out[f"via_{col}"] = via[col] if col in via.columns else 0
    out = out.fillna(0).astype("Int64")
    out.insert(0, "account_name", name_of.reindex(out.index).astype("string"))
    out = out.sort_values(["leads", "account_name"], ascending=[False, True]).head(n)
    return out.reset_index().astype({"account_id": "string"})


# --------------------------------------------------------------------------------------------------
# Plots

_MODULE_COLOURS = {"Contacts": "#4C72B0", "Accounts": "#DD8452", "Deals": "#55A868"}


def plot_field_rates(
    table: pd.DataFrame, *, how: Literal["any", "first"] = "first", title: str | None = None
) -> Figure:
    """Bars of the rate per matching field, stacked by module (from `rate_table`)."""
    col = f"rate_{how}"
    wide = table.pivot_table(index="field", columns="module", values=col, aggfunc="sum")
    wide = wide.fillna(0.0).astype(float)
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    bottom = np.zeros(len(wide))
    x = np.arange(len(wide))
    for module in wide.columns:
        values = wide[module].to_numpy()
        ax.bar(x, values, bottom=bottom, label=str(module), color=_MODULE_COLOURS.get(str(module)))
        bottom += values
    for xi, total in zip(x, bottom, strict=True):
        ax.annotate(
            f"{total:.1%}",
            (xi, total),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_xticks(x, [str(i) for i in wide.index], rotation=30, ha="right")
    ax.set_ylim(0, max(float(bottom.max(initial=0.0)), 0.01) * 1.15)  # room for the labels
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_ylabel(f"share of leads ({how} field)")
    ax.set_title(title or f"Duplicate rate by matching field ({how})")
    ax.spines[["top", "right"]].set_visible(False)
    # Beside the plot, never over a bar.
    ax.legend(title="module", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def plot_trend(
    leads: pd.DataFrame,
    options: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    by: str = "Created_Time",
    freq: str = "M",
    title: str | None = None,
) -> Figure:
    """Duplicate rate per period of `by` (default: created month), stacked by *first* field."""
    table = segment_rates(leads, options, matches, by, freq=freq)
    totals = segment_summary(leads, options, by, freq=freq).set_index("segment")
    wide = table.pivot_table(
        index="segment", columns="field", values="rate_first", aggfunc="sum"
    ).reindex(totals.index)
    wide = wide.fillna(0.0).astype(float)
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(wide))
    if len(wide.columns):
        ax.stackplot(x, wide.to_numpy().T, labels=[str(c) for c in wide.columns], alpha=0.8)
    ax.plot(x, totals["rate"].to_numpy(dtype=float), color="black", lw=1.5, label="overall")
    ax.set_xticks(x, [str(i) for i in wide.index], rotation=45, ha="right")
    if len(x):
        ax.set_xlim(x[0] - 0.5, x[-1] + 0.5)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_ylabel("share of leads")
    ax.set_title(title or f"Duplicate rate by {by} ({freq})")
    ax.spines[["top", "right"]].set_visible(False)
    # Beside the plot (never over the areas), listed top-down as the areas are stacked.
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        labels[::-1],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        frameon=False,
    )
    return fig


def plot_overlaps(overlaps: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Heat map of `field_overlaps` with the count (or share) written in each cell."""
    values = overlaps.to_numpy(dtype=float)
    fig = Figure(figsize=(1.2 * len(overlaps) + 2.5, 1.0 * len(overlaps) + 2), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="Blues")
    labels: Sequence[str] = [str(c) for c in overlaps.columns]
    ax.set_xticks(np.arange(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(np.arange(len(overlaps.index)), [str(i) for i in overlaps.index])
    finite = values[~np.isnan(values)]
    shares = bool(len(finite)) and bool((finite != np.round(finite)).any())
    top = np.nanmax(values, initial=0)
    for (i, j), v in np.ndenumerate(values):
        text = "" if np.isnan(v) else (f"{v:.0%}" if shares else f"{int(v):,}")
        ax.text(j, i, text, ha="center", va="center", color="white" if v > top / 2 else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(title or "Leads matched by both fields")
    return fig
