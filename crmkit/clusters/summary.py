"""How many open leads duplicate another open lead, by tier, kind and field."""

from __future__ import annotations

import pandas as pd

from crmkit.clusters.build import LeadClusters, lead_clusters
from crmkit.clusters.links import COMPANY, KINDS, PERSON, STRONG, TIERS
from crmkit.frames import conform, empty_frame
from crmkit.orgconfig import OrgConfig

ANY_FIELD = "(any)"
# The sentence every front end shows beside the "among open leads" table.
AMONG_OPEN_LEADS_NOTE = (
    "Zoho's Lead Conversion Options compare a lead with existing Contacts and Accounts only: "
    "they cannot see these duplicates among the open leads, so converting them together would "
    "create one Contact or Account per lead. Strong: Zoho's own rules applied lead to lead, "
    "safe to merge; review: a person checks."
)
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


def open_leads_note(summary: pd.DataFrame, n_leads: int, *, config_known: bool = True) -> str:
    """The sentence shown beside a :func:`cluster_summary` table: its strong counts, and that
    Zoho's conversion options cannot see these duplicates."""
    strong = summary[(summary["tier"] == STRONG) & (summary["field"] == ANY_FIELD)]
    found = {str(k): int(n) for k, n in zip(strong["kind"], strong["leads"], strict=True)}
    head = (
        f"Of {n_leads:,} open leads, {found.get(PERSON, 0):,} are the same person as "
        f"another open lead and {found.get(COMPANY, 0):,} the same company (strong tier). "
    )
    unknown = (
        ""
        if config_known
        else " The snapshot holds no org configuration, so unique fields were not compared."
    )
    return head + AMONG_OPEN_LEADS_NOTE + unknown


def among_open_leads(leads: pd.DataFrame, config: OrgConfig | None) -> tuple[pd.DataFrame, str]:
    """:func:`cluster_summary` of the open leads, and the sentence shown with it.

    What the explorer, the report and ``crmkit rates`` show as "among open leads". Without the
    org's configuration (an older snapshot) the org's unique fields are unknown and only Email
    and Company link leads: the sentence says so.
    """
    result = lead_clusters(leads, config)
    summary = cluster_summary(result)
    return summary, open_leads_note(summary, result.n_leads, config_known=config is not None)
