"""Validation rules across the rows of one plan: references, and duplicates born in the batch.

Why apart from `validate`'s row rules: these compare a row with the *other* rows of the plan.
Zoho checks a lead against existing records only, so two rows that each create a Contact with one
Email, or an Account of one name, pass every row rule and still make duplicates. The strong tier
of `crmkit.clusters` (Zoho's rules lead to lead) finds them; each problem names the other lead and
the reference that fixes it. References (`lead:<id>`) must point at a lead of the plan that is not
blocked, and not around a cycle; a blocked anchor blocks its dependants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from crmkit.clusters import lead_clusters
from crmkit.conversion.facts import OrgFacts
from crmkit.conversion.facts import text as _text
from crmkit.conversion.references import cycles, referenced
from crmkit.orgconfig import OrgConfig, UniqueField

__all__ = ["CLUSTER_RULES", "CLUSTER_WARNING_RULES", "batch_problems", "blocked_by_anchor"]

CLUSTER_RULES: dict[str, str] = {
    "reference_unknown": "a lead:<id> reference to a lead that is not in the plan",
    "reference_cycle": "lead:<id> references that form a cycle",
    "reference_no_account": "account_id=lead:<id> but that lead's conversion makes no Account",
    "reference_blocked": "the referenced lead (the anchor) is refused, so this row is too",
    "batch_duplicate_contact": "two rows create Contacts Zoho would match (unique value, Email)",
    "batch_duplicate_account": "two rows create Accounts of the same name (or unique value)",
    "batch_review_pair": "two rows create records of leads that look alike (review tier)",
}
CLUSTER_WARNING_RULES = frozenset({"batch_review_pair"})

Add = Callable[[int, str, str, str, str], None]  # (row, lead, rule, column, reason)
_LEAD_COLUMNS = ("First_Name", "Last_Name", "Full_Name", "Email", "Phone", "Mobile", "Company")


def _config(org: OrgFacts | None, config: OrgConfig | None) -> OrgConfig:
    if config is not None:
        return config
    if org is None:
        return OrgConfig()
    return OrgConfig(
        unique_fields={
            m: tuple(UniqueField(n) for n in sorted(names))
            for m, names in org.unique_fields.items()
        },
        removed_modules=frozenset(
            m for m in ("Contacts", "Accounts") if org.modules is not None and m not in org.modules
        ),
    )


def _leads_frame(
    ids: Sequence[str], leads: Mapping[str, Mapping[str, Any] | None], config: OrgConfig
) -> pd.DataFrame:
    """The creating rows' lead records as a frame of text columns `lead_clusters` reads."""
    columns = set(_LEAD_COLUMNS)
    for module in ("Contacts", "Accounts"):
        mapped = (config.lead_field_for(module, u.api_name) for u in config.unique(module))
        columns |= {field for field in mapped if field is not None}
    data: dict[str, list[str | None]] = {"id": list(ids)}
    for col in sorted(columns):
        data[col] = [_text((leads.get(i) or {}).get(col)) for i in ids]
    return pd.DataFrame({k: pd.Series(v, dtype="string") for k, v in data.items()})


def _creates(row: Mapping[str, Any], kind: str) -> bool:
    contact = row["contact_action"] == "create"
    return bool(contact if kind == "person" else contact and row["account_action"] == "create")


def _duplicates(
    rows: Sequence[Mapping[str, Any]],
    leads: Mapping[str, Mapping[str, Any] | None],
    config: OrgConfig,
    add: Add,
) -> None:
    pos = {str(r["lead_id"]): i for i, r in enumerate(rows)}
    makers = [
        str(r["lead_id"]) for r in rows if _creates(r, "person") and str(r["lead_id"]) in leads
    ]
    if len(makers) < 2:
        return
    found = lead_clusters(_leads_frame(makers, leads, config), config)
    clusters = found.clusters
    for kind, rule, column, what in (
        ("person", "batch_duplicate_contact", "contact_action", "Contact"),
        ("company", "batch_duplicate_account", "account_action", "Account"),
    ):
        strong = clusters[(clusters["tier"] == "strong") & (clusters["kind"] == kind)]
        for _, group in strong.groupby("cluster_id", sort=False):
            members = [m for m in group["lead_id"].tolist() if _creates(rows[pos[m]], kind)]
            if len(members) < 2:
                continue
            anchor = str(group["anchor_lead_id"].iloc[0])
            first = anchor if anchor in members else min(members, key=pos.__getitem__)
            fields = dict(zip(group["lead_id"], group["field"], strict=True))
            fix = (
                f"contact_action=merge, contact_id=lead:{first}"
                if kind == "person"
                else f"account_action=merge, account_id=lead:{first}"
            )
            for m in members:
                if m == first:
                    continue
                add(
                    pos[m],
                    m,
                    rule,
                    column,
                    f"lead {m} would create a second {what} matching the one lead {first} "
                    f"creates (same {fields.get(m) or fields.get(first)}; Zoho's rule): "
                    f"write {fix}",
                )
    pairs = found.cluster_pairs
    for a, b, kind, field in zip(
        pairs["lead_id"], pairs["other_lead_id"], pairs["kind"], pairs["field"], strict=True
    ):
        if not (_creates(rows[pos[a]], kind) and _creates(rows[pos[b]], kind)):
            continue
        what = "Contact" if kind == "person" else "Account"
        add(
            pos[b],
            b,
            "batch_review_pair",
            "contact_action" if kind == "person" else "account_action",
            f"lead {b} and lead {a} both create a {what} and look alike ({field}); if they "
            f"are the same, write a lead:{a} reference",
        )


def batch_problems(
    rows: Sequence[Mapping[str, Any]],
    add: Add,
    *,
    leads: Mapping[str, Mapping[str, Any] | None] | None = None,
    org: OrgFacts | None = None,
    config: OrgConfig | None = None,
) -> None:
    """Report the reference and batch-duplicate problems of `rows` through `add`."""
    pos = {str(r["lead_id"]): i for i, r in enumerate(rows)}
    ring = cycles(rows)
    for i, row in enumerate(rows):
        lead = str(row["lead_id"])
        for column, target in referenced(row).items():
            if target not in pos:
                add(
                    i,
                    lead,
                    "reference_unknown",
                    column,
                    f"{column}=lead:{target}, but lead {target} is not in this plan (skipped "
                    "or never planned); plan it, or name an existing record's id",
                )
            elif column == "account_id" and rows[pos[target]]["account_action"] == "none":
                add(
                    i,
                    lead,
                    "reference_no_account",
                    column,
                    f"account_id=lead:{target}, but lead {target}'s row makes no Account "
                    "(account_action=none)",
                )
        if lead in ring:
            add(
                i,
                lead,
                "reference_cycle",
                "contact_id" if "contact_id" in referenced(row) else "account_id",
                "lead:<id> references form a cycle: "
                + " -> ".join(f"lead {x}" for x in [*ring[lead], ring[lead][0]]),
            )
    if leads is not None:
        _duplicates(rows, leads, _config(org, config), add)


def blocked_by_anchor(
    rows: Sequence[Mapping[str, Any]], blocked: Mapping[str, str], add: Add
) -> None:
    """Rows referencing a blocked lead (directly or through another reference) are blocked too.

    `blocked`: lead -> the rules refusing it.
    """
    pos = {str(r["lead_id"]): i for i, r in enumerate(rows)}
    refused = dict(blocked)
    changed = True
    while changed:
        changed = False
        for row in rows:
            lead = str(row["lead_id"])
            if lead in refused:
                continue
            for column, target in referenced(row).items():
                if target in refused:
                    add(
                        pos[lead],
                        lead,
                        "reference_blocked",
                        column,
                        f"{column}=lead:{target}, and lead {target} (the anchor) is refused "
                        f"({refused[target]}): it would not convert first",
                    )
                    refused[lead] = "reference_blocked"
                    changed = True
                    break
