"""Resolve the strong lead clusters of a proposed plan, so a batch never duplicates itself.

Why: Zoho's conversion options only see existing records. Two open leads of one person, planned
lead by lead, would both `create`; three colleagues would each get their own copy of the Account.
The builder first decides each lead alone (`plan_from_options`), then this module rewrites the
rows of every strong cluster (`crmkit.clusters`, Zoho's own rules applied lead to lead):

- *person* cluster: if a member merges into an existing Contact, every member that would create
  one merges into that Contact instead (directly when the Contact is among its own options, else
  through a reference to that member); otherwise the cluster's anchor (`anchor_lead_id`: the most
  complete, then the oldest lead) creates the Contact and the others merge into `lead:<anchor>`,
  Contact and Account.
- *company* cluster (rows that create both a Contact and an Account): if a member merges into an
  existing Account, the others merge into it; otherwise the anchor (the cluster's, when it creates
  an Account, else the first member that does) creates the Account and the others create their own
  Contact under `lead:<anchor>`'s Account.

Rows keep their other columns; `via` names the anchor and `note` says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["resolve_clusters"]

Row = dict[str, Any]


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    out = str(value).strip()
    return out or None


def _candidates(matches: pd.DataFrame) -> dict[str, dict[str, dict[str, str | None]]]:
    """lead -> module -> record id -> its Account id (Contacts) as the options list them."""
    out: dict[str, dict[str, dict[str, str | None]]] = {}
    recs = matches[matches["record_id"].notna()]
    for lead, module, rid, acct in zip(
        recs["lead_id"].astype("string").tolist(),
        recs["module"].astype("string").tolist(),
        recs["record_id"].astype("string").tolist(),
        (
            recs["account_id"].astype("string").tolist()
            if "account_id" in recs.columns
            else [None] * len(recs)
        ),
        strict=True,
    ):
        out.setdefault(str(lead), {}).setdefault(str(module), {}).setdefault(str(rid), _text(acct))
    return out


def _members(clusters: pd.DataFrame, kind: str) -> list[tuple[str, list[str]]]:
    """(anchor, members in cluster order) per strong cluster of `kind`."""
    strong = clusters[(clusters["tier"] == "strong") & (clusters["kind"] == kind)]
    out: list[tuple[str, list[str]]] = []
    for _, group in strong.groupby("cluster_id", sort=False):
        members = [str(x) for x in group["lead_id"].tolist()]
        out.append((str(group["anchor_lead_id"].iloc[0]), members))
    return out


def _ordered(anchor: str, members: Sequence[str]) -> list[str]:
    return [anchor, *[m for m in members if m != anchor]] if anchor in members else list(members)


def _is_id(value: object) -> bool:
    text = _text(value)
    return text is not None and not text.startswith("lead:")


def _resolve_people(
    rows: Mapping[str, Row], clusters: pd.DataFrame, cands: Mapping[str, Any]
) -> None:
    for anchor, members in _members(clusters, "person"):
        planned = [m for m in _ordered(anchor, members) if m in rows]
        if len(planned) < 2:
            continue
        holder = next(
            (
                m
                for m in planned
                if rows[m]["contact_action"] == "merge" and _is_id(rows[m].get("contact_id"))
            ),
            None,
        )
        if holder is not None:
            target = str(rows[holder]["contact_id"])
            for m in planned:
                row = rows[m]
                if row["contact_action"] != "create":
                    continue
                own = cands.get(m, {}).get("Contacts", {})
                if target in own:
                    acct = own[target]
                    row.update(contact_action="merge", contact_id=target, via=holder)
                    if acct is not None:
                        row.update(account_action="merge", account_id=acct)
                    row["note"] = f"same person as lead {holder}: merge into its Contact {target}"
                else:
                    _follow(row, holder, rows[holder], f"same person as lead {holder}")
            continue
        creator = planned[0]
        for m in planned[1:]:
            row = rows[m]
            if row["contact_action"] != "create":
                continue
            _follow(row, creator, rows[creator], f"same person as lead {creator} (anchor)")


def _follow(row: Row, anchor: str, anchor_row: Mapping[str, Any], why: str) -> None:
    """Merge `row` into the Contact (and so the Account) `anchor`'s conversion gives."""
    row.update(contact_action="merge", contact_id=f"lead:{anchor}", via=anchor)
    action = anchor_row["account_action"]
    if action == "none":
        row.update(account_action="none", account_id=None)
    elif action == "merge" and anchor_row["contact_action"] == "create":
        row.update(account_action="merge", account_id=anchor_row.get("account_id"))
    else:
        row.update(account_action="merge", account_id=f"lead:{anchor}")
    row["note"] = f"{why}: merge into the Contact its conversion gives"


def _resolve_companies(
    rows: Mapping[str, Row], clusters: pd.DataFrame, cands: Mapping[str, Any]
) -> None:
    for anchor, members in _members(clusters, "company"):
        planned = [m for m in _ordered(anchor, members) if m in rows]
        creators = [
            m
            for m in planned
            if rows[m]["contact_action"] == "create" and rows[m]["account_action"] == "create"
        ]
        if not creators:
            continue
        holder = next(
            (
                m
                for m in planned
                if rows[m]["contact_action"] == "create"
                and rows[m]["account_action"] == "merge"
                and _is_id(rows[m].get("account_id"))
            ),
            None,
        )
        if holder is not None:
            target = str(rows[holder]["account_id"])
            for m in creators:
                own = cands.get(m, {}).get("Accounts", {})
                ref = target if target in own else f"lead:{holder}"
                rows[m].update(account_action="merge", account_id=ref, via=holder)
                rows[m]["note"] = (
                    f"same company as lead {holder}: new Contact under its Account {target}"
                )
            continue
        if len(creators) < 2:
            continue
        first = creators[0]
        for m in creators[1:]:
            rows[m].update(account_action="merge", account_id=f"lead:{first}", via=first)
            rows[m]["note"] = (
                f"same company as lead {first} (anchor): new Contact under the Account "
                "its conversion gives"
            )


def resolve_clusters(
    rows: Sequence[Mapping[str, Any]], clusters: pd.DataFrame, matches: pd.DataFrame
) -> list[Row]:
    """The plan rows with every strong cluster resolved (see the module docstring).

    `rows`: the builder's rows (dicts with at least lead_id and the actions); `clusters`: the
    `clusters` frame of `crmkit.clusters.lead_clusters`; `matches`: the options' matches frame.
    """
    out = [dict(r) for r in rows]
    by_id = {str(r["lead_id"]): r for r in out}
    for row in out:
        row.setdefault("contact_id", None)
        row.setdefault("account_id", None)
    cands = _candidates(matches)
    _resolve_people(by_id, clusters, cands)
    _resolve_companies(by_id, clusters, cands)
    return out
