"""Strong and review clusters of open leads, as the ``clusters`` and ``cluster_pairs`` frames."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.clusters.graph import (
    components,
    linked,
    pairs_within,
    smallest_node,
    sort_groups,
    star_edges,
)
from crmkit.clusters.links import (
    COMPANY,
    KINDS,
    PERSON,
    REVIEW,
    REVIEW_LABELS,
    STRONG,
    Keyed,
    review_links,
    strong_links,
)
from crmkit.frames import FramesError, conform, empty_frame
from crmkit.matching import match_fields
from crmkit.orgconfig import OrgConfig

CLUSTERS_SCHEMA: dict[str, str] = {
    "cluster_id": "string",
    "kind": "string",
    "tier": "string",
    "lead_id": "string",
    "field": "string",
    "reason": "string",
    "size": "Int64",
    "anchor_lead_id": "string",
}
CLUSTER_PAIRS_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "other_lead_id": "string",
    "kind": "string",
    "field": "string",
    "reason": "string",
    "cluster_id": "string",
}
PREFIX = {
    (STRONG, PERSON): "P-",
    (STRONG, COMPANY): "C-",
    (REVIEW, PERSON): "PR-",
    (REVIEW, COMPANY): "CR-",
}
# A review key group up to this size lists all its pairs; a larger one (a common name) a star.
FULL_PAIRS_UP_TO = 10
# Lead fields Zoho's default conversion mapping carries (zoho-api.md §5): the anchor is the lead
# that fills most of them, so the record it creates is the most complete one.
PERSON_FIELDS = (
    "First_Name", "Last_Name", "Email", "Phone", "Mobile", "Fax", "Designation", "Lead_Source",
    "Street", "City", "State", "Zip_Code", "Country",
)  # fmt: skip
COMPANY_FIELDS = (
    "Company", "Phone", "Fax", "Website", "Industry", "Annual_Revenue", "No_of_Employees",
    "Street", "City", "State", "Zip_Code", "Country",
)  # fmt: skip


@dataclass(frozen=True)
class LeadClusters:
    """Clusters of open leads (``CLUSTERS_SCHEMA``), review pairs (``CLUSTER_PAIRS_SCHEMA``)
    and how many open leads were clustered (the denominator of :func:`cluster_summary`)."""

    clusters: pd.DataFrame
    cluster_pairs: pd.DataFrame
    n_leads: int


def lead_clusters(
    leads: pd.DataFrame,
    config: OrgConfig | None = None,
    *,
    review: bool | Collection[str] = True,
    phone_region: str | None = None,
) -> LeadClusters:
    """Groups of open leads that are the same person or the same company.

    Strong tier (Zoho's rules lead to lead, connected components over every field): a Contacts
    unique field or Email -> same person; Company (as Account_Name) or an Accounts unique
    field -> same company. Review tier (never merged automatically): same full name only, and
    crmkit's normalised email / phone / name / company keys, for pairs the strong tier did not
    join. ``review``: False for the strong tier only, or the review labels to compute
    (``REVIEW_LABELS``). ``phone_region``: where numbers without ``+`` are from (default: the
    org's region, else US). Converted leads (``Converted__s`` true) are not open and are left out.
    """
    config = config or OrgConfig()
    wanted = _wanted(review)
    frame = open_leads(leads)
    order = id_order(frame["id"])  # node -> row
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)  # row -> node
    ids = frame["id"].iloc[order].reset_index(drop=True)  # node -> id
    strong = strong_links(frame, config, rank)
    rows: list[pd.DataFrame] = []
    pairs: list[pd.DataFrame] = []
    labels: dict[str, np.ndarray] = {}
    for kind in KINDS:
        links = [k for k in strong if k.link.kind == kind]
        labels[kind], part = _strong(kind, links, frame, order, ids, config)
        rows.append(part)
    if wanted and config.has_module("Contacts"):
        email_is_strong = any(
            f.lead_field == "Email" and f.kind == "text" for f in match_fields("Contacts", config)
        )
        found = review_links(
            frame,
            config,
            rank,
            {kind: labels[kind][rank] for kind in KINDS},
            wanted=wanted,
            email_is_strong=email_is_strong,
            region=phone_region or config.phone_region or "US",
        )
        for kind in KINDS:
            links = [k for k in found if k.link.kind == kind]
            part, kind_pairs = _review(kind, links, labels[kind], ids)
            rows.append(part)
            pairs.append(kind_pairs)
    clusters = conform(pd.concat(rows, ignore_index=True), CLUSTERS_SCHEMA, name="clusters")
    cluster_pairs = (
        conform(pd.concat(pairs, ignore_index=True), CLUSTER_PAIRS_SCHEMA, name="cluster_pairs")
        if pairs
        else empty_frame(CLUSTER_PAIRS_SCHEMA)
    )
    return LeadClusters(clusters, cluster_pairs, len(frame))


# ---------------------------------------------------------------------------- input
def _truthy(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col):
        return col.astype("boolean").fillna(False).to_numpy(dtype=bool)
    text = col.astype("string").str.strip().str.lower()
    return text.isin(["true", "1"]).fillna(False).to_numpy(dtype=bool)


def _wanted(review: bool | Collection[str]) -> tuple[str, ...]:
    if review is True:
        return REVIEW_LABELS
    if review is False:
        return ()
    unknown = sorted(set(review) - set(REVIEW_LABELS))
    if unknown:
        raise ValueError(f"unknown review labels {unknown}; choose from {list(REVIEW_LABELS)}")
    return tuple(review)


def open_leads(leads: pd.DataFrame) -> pd.DataFrame:
    """The open leads (``Converted__s`` not true), ids trimmed and checked, in input order."""
    if "id" not in leads.columns:
        raise FramesError(f"leads: no 'id' column (columns: {', '.join(map(str, leads.columns))})")
    frame = leads
    if "Converted__s" in frame.columns:
        frame = frame[~_truthy(frame["Converted__s"])]
    ids = frame["id"].astype("string").str.strip().reset_index(drop=True)
    empty = (ids.isna() | (ids == "")).to_numpy(dtype=bool)
    if empty.any():
        raise FramesError(f"leads: row {int(np.flatnonzero(empty)[0])} has an empty id")
    dup = ids.duplicated().to_numpy(dtype=bool)
    if dup.any():
        raise FramesError(f"leads: id {ids[dup].iloc[0]!r} appears more than once")
    out = frame.reset_index(drop=True)
    out["id"] = ids
    return out


def id_order(ids: pd.Series) -> np.ndarray:
    """Row positions in id order: shorter ids first, then by text — numeric for Zoho's ids.

    Zoho's ids (digits, no leading zero, up to 19) sort as unsigned integers, several times
    faster than sorting text.
    """
    arr = pa.array(ids.astype("string"), type=pa.large_string())
    if len(arr) and pc.all(pc.match_substring_regex(arr, r"^[1-9][0-9]{0,18}$")).as_py():
        return np.argsort(pc.cast(arr, pa.uint64()).to_numpy(), kind="stable")
    return (
        pd.DataFrame({"length": ids.str.len().to_numpy(), "id": ids.to_numpy()})
        .sort_values(["length", "id"], kind="stable")
        .index.to_numpy()
    )


# ---------------------------------------------------------------------------- text by mask
def _texts(masks: np.ndarray, links: Sequence[Keyed]) -> tuple[pd.Series, pd.Series]:
    """``field`` (labels ``;``-joined) and ``reason`` (``; ``-joined) for each bit mask."""
    uniq, inverse = np.unique(masks, return_inverse=True)
    chosen = [[k.link for b, k in enumerate(links) if int(m) >> b & 1] for m in uniq]
    fields = np.array([";".join(x.field for x in c) for c in chosen], dtype=object)
    reasons = np.array(["; ".join(x.reason for x in c) for c in chosen], dtype=object)
    return (
        pd.Series(fields[inverse], dtype="string"),
        pd.Series(reasons[inverse], dtype="string"),
    )


def _cluster_ids(prefix: str, ids: pd.Series, first: np.ndarray) -> pd.Series:
    return prefix + ids.iloc[first].reset_index(drop=True)


# ---------------------------------------------------------------------------- strong tier
def _strong(
    kind: str,
    links: Sequence[Keyed],
    frame: pd.DataFrame,
    order: np.ndarray,
    ids: pd.Series,
    config: OrgConfig,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Component label per node, and the member rows of components of two or more leads.

    ``order``: the frame row of each node; ``ids``: the id of each node.
    """
    n = len(frame)
    src: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    dst: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    masks = np.zeros(n, dtype=np.int64)
    for bit, k in enumerate(links):
        codes, nodes = sort_groups(k.nodes, k.codes)
        s, d = star_edges(codes, nodes)
        src.append(s)
        dst.append(d)
        masks |= linked(codes, nodes, n).astype(np.int64) << bit
    labels = components(n, np.concatenate(src), np.concatenate(dst))
    sizes = np.bincount(labels, minlength=max(n, 1))
    members = np.flatnonzero(sizes[labels] >= 2)
    if len(members) == 0:
        return labels, empty_frame(CLUSTERS_SCHEMA)
    first = smallest_node(labels, members)
    anchor = _anchors(kind, frame.iloc[order[members]], labels[members], members, config)
    field, reason = _texts(masks[members], links)
    part = pd.DataFrame(
        {
            "cluster_id": _cluster_ids(PREFIX[STRONG, kind], ids, first),
            "kind": kind,
            "tier": STRONG,
            "lead_id": ids.iloc[members].reset_index(drop=True),
            "field": field,
            "reason": reason,
            "size": sizes[labels[members]],
            "anchor_lead_id": ids.iloc[anchor].reset_index(drop=True),
        }
    )
    order = np.lexsort((members, first))
    return labels, part.iloc[order].reset_index(drop=True)


def mapped_fields(kind: str, config: OrgConfig) -> list[str]:
    """The lead fields whose values the conversion carries into the kind's record."""
    module = "Contacts" if kind == PERSON else "Accounts"
    base = PERSON_FIELDS if kind == PERSON else COMPANY_FIELDS
    extra = [config.lead_field_for(module, u.api_name) for u in config.unique(module)]
    extra += list(config.convert_mapping.get(module, {}))
    return list(dict.fromkeys([*base, *(f for f in extra if f is not None)]))


def _anchors(
    kind: str, sub: pd.DataFrame, lab: np.ndarray, members: np.ndarray, config: OrgConfig
) -> np.ndarray:
    """Per member: its cluster's anchor — most mapped fields filled, then oldest, then id.

    ``sub``: the members' rows; ``lab``: their component labels; ``members``: their nodes.
    """
    score = np.zeros(len(members), dtype=np.int64)
    for name in mapped_fields(kind, config):
        if name in sub.columns:
            text = sub[name].astype("string").str.strip()
            score += (text.notna() & (text != "")).to_numpy(dtype=bool)
    if "Created_Time" in sub.columns:
        created = pd.to_datetime(sub["Created_Time"], utc=True, errors="coerce")
        born = created.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        born = np.where(created.isna().to_numpy(), np.iinfo(np.int64).max, born)
    else:
        born = np.zeros(len(members), dtype=np.int64)
    order = np.lexsort((members, born, -score, lab))
    runs = np.r_[True, lab[order][1:] != lab[order][:-1]]
    best = order[runs]
    anchor_of = np.zeros(int(lab.max()) + 1, dtype=np.int64)
    anchor_of[lab[best]] = members[best]
    result: np.ndarray = anchor_of[lab]
    return result


# ---------------------------------------------------------------------------- review tier
def _review(
    kind: str, links: Sequence[Keyed], strong_labels: np.ndarray, ids: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Review pairs (not joined by the strong tier) and the components they form."""
    n = len(ids)
    parts = []
    for bit, k in enumerate(links):
        codes, nodes = sort_groups(k.nodes, k.codes)
        a, b = pairs_within(codes, nodes, strong_labels, FULL_PAIRS_UP_TO)
        parts.append(pd.DataFrame({"a": a, "b": b, "bit": np.int64(1) << bit}))
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if found.empty:
        return empty_frame(CLUSTERS_SCHEMA), empty_frame(CLUSTER_PAIRS_SCHEMA)
    per_pair = found.drop_duplicates().groupby(["a", "b"], sort=True)["bit"].sum().reset_index()
    a = per_pair["a"].to_numpy(dtype=np.int64)
    b = per_pair["b"].to_numpy(dtype=np.int64)
    pair_mask = per_pair["bit"].to_numpy(dtype=np.int64)
    labels = components(n, a, b)
    members = np.unique(np.r_[a, b])
    first = smallest_node(labels, members)
    node_mask = np.zeros(n, dtype=np.int64)
    for bit in range(len(links)):
        has = np.zeros(n, dtype=bool)
        sel = (pair_mask >> bit & 1).astype(bool)
        has[a[sel]] = True
        has[b[sel]] = True
        node_mask |= has.astype(np.int64) << bit
    sizes = np.bincount(labels, minlength=n)
    cluster_ids = _cluster_ids(PREFIX[REVIEW, kind], ids, first)
    field, reason = _texts(node_mask[members], links)
    rows = pd.DataFrame(
        {
            "cluster_id": cluster_ids,
            "kind": kind,
            "tier": REVIEW,
            "lead_id": ids.iloc[members].reset_index(drop=True),
            "field": field,
            "reason": reason,
            "size": sizes[labels[members]],
            "anchor_lead_id": pd.Series(pd.NA, index=range(len(members)), dtype="string"),
        }
    )
    rows = rows.iloc[np.lexsort((members, first))].reset_index(drop=True)
    first_of = np.zeros(n, dtype=np.int64)
    first_of[members] = first
    pair_field, pair_reason = _texts(pair_mask, links)
    pair_rows = pd.DataFrame(
        {
            "lead_id": ids.iloc[a].reset_index(drop=True),
            "other_lead_id": ids.iloc[b].reset_index(drop=True),
            "kind": kind,
            "field": pair_field,
            "reason": pair_reason,
            "cluster_id": _cluster_ids(PREFIX[REVIEW, kind], ids, first_of[a]),
        }
    )
    return rows, pair_rows
