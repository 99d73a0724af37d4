"""How many open leads duplicate another open lead, by tier, kind and field."""

from __future__ import annotations

import pandas as pd

from crmkit.clusters.build import LeadClusters
from crmkit.clusters.links import KINDS, TIERS
from crmkit.frames import conform, empty_frame

ANY_FIELD = "(any)"
CLUSTER_SUMMARY_SCHEMA: dict[str, str] = {
    "tier": "string",
    "kind": "string",
    "field": "string",
    "leads": "Int64",
    "clusters": "Int64",
    "share": "Float64",
}


def cluster_summary(result: LeadClusters) -> pd.DataFrame:
    """One row per (tier, kind, field) and a ``(any)`` row per (tier, kind).

    ``leads``: distinct open leads that field links to another open lead; ``clusters``: clusters
    that field helps form; ``share``: ``leads`` over all open leads (NA when there are none).
    For the explorer, the report and ``crmkit rates`` ("among open leads").
    """
    frame = result.clusters
    if frame.empty:
        return empty_frame(CLUSTER_SUMMARY_SCHEMA)
    per_field = frame.assign(field=frame["field"].str.split(";")).explode("field")
    by_field = per_field.groupby(["tier", "kind", "field"], as_index=False).agg(
        leads=("lead_id", "nunique"), clusters=("cluster_id", "nunique")
    )
    overall = frame.groupby(["tier", "kind"], as_index=False).agg(
        leads=("lead_id", "nunique"), clusters=("cluster_id", "nunique")
    )
    overall["field"] = ANY_FIELD
    out = pd.concat([overall, by_field], ignore_index=True)
    out["share"] = out["leads"] / result.n_leads if result.n_leads else pd.NA
    rank = {name: i for i, name in enumerate([*TIERS, *KINDS])}
    out = out.assign(
        _tier=out["tier"].map(rank),
        _kind=out["kind"].map(rank),
        _any=(out["field"] != ANY_FIELD).astype(int),
    )
    out = out.sort_values(
        ["_tier", "_kind", "_any", "leads", "field"],
        ascending=[True, True, True, False, True],
        kind="stable",
    )
    return conform(out[list(CLUSTER_SUMMARY_SCHEMA)], CLUSTER_SUMMARY_SCHEMA, name="summary")
