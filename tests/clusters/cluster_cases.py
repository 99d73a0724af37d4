"""Hand-built open-lead frames and a plain-Python reading of Zoho's rules to check clusters by.

Nothing here calls crmkit.clusters: the expected groups come from a dictionary union-find over
the raw values, so a bug in the vectorised code cannot hide in the expectation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from crmkit.clusters import LeadClusters

COLUMNS = ("id", "First_Name", "Last_Name", "Email", "Phone", "Mobile", "Company")


def lead_frame(*rows: Mapping[str, object]) -> pd.DataFrame:
    """A leads frame as crmkit.frames types it: string columns, ids as text, NA for blanks."""
    names = list(COLUMNS) + [k for r in rows for k in r if k not in COLUMNS]
    names = list(dict.fromkeys(names))
    data = {n: pd.array([r.get(n) for r in rows], dtype="string") for n in names}
    frame = pd.DataFrame(data)
    if any("Created_Time" in r for r in rows):
        frame["Created_Time"] = pd.to_datetime(frame["Created_Time"], utc=True)
    return frame


def groups(result: LeadClusters, kind: str, tier: str) -> dict[str, set[str]]:
    """cluster_id -> member lead ids, for one kind and tier."""
    c = result.clusters
    sub = c[(c["kind"] == kind) & (c["tier"] == tier)]
    return {str(k): set(map(str, g["lead_id"])) for k, g in sub.groupby("cluster_id")}


def member(result: LeadClusters, lead_id: str, kind: str, tier: str) -> dict[str, object]:
    """The one clusters row of ``lead_id`` for that kind and tier."""
    c = result.clusters
    rows = c[(c["lead_id"] == lead_id) & (c["kind"] == kind) & (c["tier"] == tier)]
    assert len(rows) == 1, rows
    return dict(rows.iloc[0])


def pairs(result: LeadClusters, kind: str) -> dict[frozenset[str], str]:
    """Review pairs of one kind: {lead ids} -> field."""
    p = result.cluster_pairs
    sub = p[p["kind"] == kind]
    return {
        frozenset((str(a), str(b))): str(f)
        for a, b, f in zip(sub["lead_id"], sub["other_lead_id"], sub["field"], strict=True)
    }


def zoho_key(value: object, *, case_sensitive: bool = False) -> str | None:
    """Zoho's comparison of one value: trimmed, case-folded unless case-sensitive; "" never."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not case_sensitive:
        text = text.casefold()
    return text or None


def plain_components(
    records: Iterable[Mapping[str, object]], fields: Sequence[tuple[str, bool]]
) -> set[frozenset[str]]:
    """Groups of two or more ids linked through equal keys of any of ``fields`` (transitively).

    ``fields``: (lead field, case-sensitive) pairs. A dictionary union-find, one record at a time.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_with: dict[tuple[str, str], str] = {}
    for rec in records:
        lead = str(rec["id"])
        parent.setdefault(lead, lead)
        for name, exact in fields:
            key = zoho_key(rec.get(name), case_sensitive=exact)
            if key is None:
                continue
            other = first_with.setdefault((name, key), lead)
            parent[find(lead)] = find(other)
    found: dict[str, set[str]] = {}
    for lead in parent:
        found.setdefault(find(lead), set()).add(lead)
    return {frozenset(g) for g in found.values() if len(g) > 1}
