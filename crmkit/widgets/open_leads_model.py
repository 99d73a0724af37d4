"""Duplicates among open leads, for the explorer (a table by field and tier) and the console
(a lead's cluster mates and the chained choice). Plain Python, tested without widgets.

Zoho's Lead Conversion Options cannot see another open lead, so two leads of one person converted
together make two Contacts. The clusters are computed once (``crmkit.clusters.lead_clusters``);
the explorer restricts them to its filtered leads, the console reads one lead's mates. The chained
choice is what a plan row then says (``contact_id`` / ``account_id`` = ``lead:<anchor id>``: the
record the anchor lead's conversion gives), so the batch creates one record per person/company.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from crmkit.clusters import (
    COMPANY,
    PERSON,
    STRONG,
    LeadClusters,
    cluster_summary,
    lead_clusters,
    open_leads,
    open_leads_note,
)
from crmkit.orgconfig import OrgConfig

__all__ = ["LEAD_REFERENCE", "ClusterMate", "OpenLeadClusters"]

LEAD_REFERENCE = "lead:"  # a plan's reference to the record another lead's conversion gives
_RECORD = {PERSON: ("Contact", "contact_id"), COMPANY: ("Account", "account_id")}


@dataclass(frozen=True)
class ClusterMate:
    """Another open lead of one of the lead's clusters, and why they are one."""

    lead_id: str
    name: str
    kind: str  # person / company
    tier: str  # strong / review
    field: str
    reason: str
    is_anchor: bool  # strong tier: the mate whose conversion creates the shared record


class OpenLeadClusters:
    """The clusters of some open leads, computed once; summaries and mates read from them."""

    def __init__(self, leads: pd.DataFrame, config: OrgConfig | None = None) -> None:
        self.config_known = config is not None
        self.result: LeadClusters = lead_clusters(leads, config)
        frame = open_leads(leads)
        self._open_ids = frame["id"]
        self._names = _names(frame)

    # ------------------------------------------------------------------ the explorer's table
    def summary(self, lead_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """``cluster_summary`` for ``lead_ids`` (default: every open lead) — each counted when
        it duplicates another open lead, whether or not that one is among ``lead_ids``."""
        if lead_ids is None:
            return cluster_summary(self.result)
        keep = pd.Series(list(lead_ids), dtype="string")
        clusters = self.result.clusters
        sub = clusters[clusters["lead_id"].isin(keep)]
        n = int(self._open_ids.isin(keep).sum())
        return cluster_summary(LeadClusters(sub, self.result.cluster_pairs, n))

    def note(self, lead_ids: Iterable[str] | None = None) -> str:
        """The sentence shown with :meth:`summary` (counts, and what Zoho cannot see)."""
        ids = None if lead_ids is None else list(lead_ids)
        summary = self.summary(ids)
        n = len(self._open_ids) if ids is None else int(self._open_ids.isin(ids).sum())
        return open_leads_note(summary, n, config_known=self.config_known)

    # ------------------------------------------------------------------ the console's view
    def mates(self, lead_id: str) -> list[ClusterMate]:
        """The lead's mates in each of its clusters: strong first, person before company."""
        c = self.result.clusters
        mine = c[c["lead_id"] == str(lead_id)]
        out: list[ClusterMate] = []
        for row in mine.itertuples(index=False):
            members = c[(c["cluster_id"] == row.cluster_id) & (c["lead_id"] != str(lead_id))]
            for m in members.itertuples(index=False):
                out.append(
                    ClusterMate(
                        lead_id=str(m.lead_id),
                        name=self._names.get(str(m.lead_id), str(m.lead_id)),
                        kind=str(row.kind),
                        tier=str(row.tier),
                        field=str(m.field),
                        reason=str(m.reason),
                        is_anchor=str(row.tier) == STRONG
                        and str(m.anchor_lead_id) == str(m.lead_id),
                    )
                )
        return out

    def anchor(self, lead_id: str, kind: str) -> str | None:
        """The anchor of the lead's strong cluster of that kind (None when it has none)."""
        c = self.result.clusters
        row = c[(c["lead_id"] == str(lead_id)) & (c["kind"] == kind) & (c["tier"] == STRONG)]
        return None if row.empty else str(row["anchor_lead_id"].iloc[0])

    def proposals(self, lead_id: str) -> list[str]:
        """The chained choice for the lead, one sentence per strong cluster it is in.

        The anchor creates the record; every other member merges into it once the anchor is
        converted (a plan says ``contact_id`` / ``account_id`` = ``lead:<anchor id>``). Review
        mates get no proposal: a person decides.
        """
        out = []
        lead_id = str(lead_id)
        for kind in (PERSON, COMPANY):
            anchor = self.anchor(lead_id, kind)
            if anchor is None:
                continue
            record, column = _RECORD[kind]
            size = int((self.result.clusters["anchor_lead_id"] == anchor).sum())
            same = "person" if kind == PERSON else "company"
            if anchor == lead_id:
                out.append(
                    f"Convert this lead first: it creates the {record} that its {size - 1} "
                    f"mate(s) of the same {same} then use ({column} = {LEAD_REFERENCE}{lead_id} "
                    f"in their plan rows)."
                )
            else:
                name = self._names.get(anchor, anchor)
                verb = "merge into" if kind == PERSON else "create its Contact under"
                out.append(
                    f"Same {same} as lead {anchor} ({name}): {verb} the {record} that lead's "
                    f"conversion creates, once it is converted ({column} = "
                    f"{LEAD_REFERENCE}{anchor}), instead of creating another {record}."
                )
        if any(m.tier != STRONG for m in self.mates(lead_id)):
            out.append(
                "Review-tier mates (listed with their reason) may be other people or companies: "
                "no chained choice is proposed for them; check them before converting."
            )
        return out


def _names(frame: pd.DataFrame) -> dict[str, str]:
    """Lead id -> a readable name (Full_Name, else First + Last, else Company, else the id)."""

    def text(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].astype("string").fillna("").str.strip()
        return pd.Series("", index=frame.index, dtype="string")

    full = text("Full_Name")
    joined = (text("First_Name") + " " + text("Last_Name")).str.strip()
    name = full.where(full != "", joined)
    name = name.where(name != "", text("Company"))
    name = name.where(name != "", frame["id"].astype("string"))
    return dict(zip(frame["id"].astype(str), name.astype(str), strict=True))
