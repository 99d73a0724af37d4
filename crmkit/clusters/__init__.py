"""Lead clusters: open leads that are the same person or the same company, found among the leads.

Zoho's Lead Conversion Options compare a lead with existing Contacts and Accounts only; they
cannot see the other open leads. A web form sent twice or three colleagues of one company,
converted in one batch, each create their own Contact or Account. This package finds those groups
before conversion, with Zoho's own comparison rules applied lead to lead (the strong tier, safe
to merge: Zoho would offer the first lead's record to the second), and a review tier of
agreements Zoho does not act on (same name only, crmkit's normalised keys) that a person checks.

All work is on whole columns: keys are factorised, each key group becomes a star of edges and
``scipy.sparse.csgraph.connected_components`` joins the fields; no Python loop over leads.
Frames and their columns: docs/frames.md "Lead clusters".
"""

from __future__ import annotations

from crmkit.clusters.build import (
    CLUSTER_PAIRS_SCHEMA,
    CLUSTERS_SCHEMA,
    FULL_PAIRS_UP_TO,
    LeadClusters,
    id_order,
    lead_clusters,
    mapped_fields,
    open_leads,
)
from crmkit.clusters.links import COMPANY, KINDS, PERSON, REVIEW, REVIEW_LABELS, STRONG, TIERS
from crmkit.clusters.summary import (
    AMONG_OPEN_LEADS_NOTE,
    ANY_FIELD,
    CLUSTER_SUMMARY_SCHEMA,
    among_open_leads,
    cluster_summary,
    open_leads_note,
)

__all__ = [
    "AMONG_OPEN_LEADS_NOTE",
    "ANY_FIELD",
    "CLUSTERS_SCHEMA",
    "CLUSTER_PAIRS_SCHEMA",
    "CLUSTER_SUMMARY_SCHEMA",
    "COMPANY",
    "FULL_PAIRS_UP_TO",
    "KINDS",
    "PERSON",
    "REVIEW",
    "REVIEW_LABELS",
    "STRONG",
    "TIERS",
    "LeadClusters",
    "among_open_leads",
    "cluster_summary",
    "id_order",
    "lead_clusters",
    "mapped_fields",
    "open_leads",
    "open_leads_note",
]
