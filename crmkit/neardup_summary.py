"""One count of near-duplicates, and one ranking of them, for every screen that shows them.

`crmkit demo`, the report, the explorer and notebook 01 all read `near_duplicate_counts` over the
candidates frame `crmkit.neardup.near_duplicates` returns, so they print the same figure under the
same words (`DEFINITION`): a lead counts when crmkit finds at least one existing Contact or
Account close to it that Zoho's exact matching does not offer (`zoho_exact` false). The per-module
counts say where; a lead with near-duplicates in both modules counts once in the total.

`rank_near_duplicates` orders the pairs behind that count, strongest first: by score, then by how
many routes (phone, email, name, company) found the same record, so a pair several clues agree on
comes before a pair one clue found; ids break the remaining ties, so the order never changes
between runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from crmkit.wording import plural

__all__ = [
    "DEFINITION",
    "RANKING",
    "NearDuplicateCounts",
    "beyond_zoho",
    "near_duplicate_counts",
    "rank_near_duplicates",
]

DEFINITION = (
    "leads with at least one near-duplicate (an existing Contact or Account crmkit finds by "
    "normalised phone, email, name or company) that Zoho's exact matching does not offer"
)
RANKING = (
    "strongest first: by score, then by the number of routes (phone, email, name, company) that "
    "found the same record, then by lead and record id"
)


def beyond_zoho(candidates: pd.DataFrame) -> pd.DataFrame:
    """The candidate pairs Zoho's exact matching does not offer (`zoho_exact` false or missing)."""
    if "zoho_exact" not in candidates.columns:
        return candidates
    exact = candidates["zoho_exact"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return candidates.loc[~exact]


@dataclass(frozen=True)
class NearDuplicateCounts:
    """Leads with a near-duplicate beyond Zoho's answer: in total, in Contacts, in Accounts."""

    leads: int
    contacts: int
    accounts: int
    population: int | None = None  # the leads counted among, when known

    def sentence(self) -> str:
        """The figure in words, with its definition, as every screen prints it."""
        verb = "has" if self.leads == 1 else "have"
        if self.population is None:
            who = f"{plural(self.leads, 'lead')} {verb}"
        else:
            who = f"{self.leads:,} of {plural(self.population, 'lead')} {verb}"
        return (
            f"{who} a "
            f"near-duplicate Zoho's exact matching does not offer ({self.contacts:,} in Contacts, "
            f"{self.accounts:,} in Accounts; a lead with both counts once)"
        )


def near_duplicate_counts(
    candidates: pd.DataFrame, lead_ids: Iterable[str] | None = None
) -> NearDuplicateCounts:
    """Count `DEFINITION` over a candidates frame, optionally among some leads only."""
    beyond = beyond_zoho(candidates)
    ids = beyond["lead_id"].astype("string")
    population = None
    if lead_ids is not None:
        wanted = pd.Series(list(lead_ids), dtype="string").drop_duplicates()
        population = len(wanted)
        keep = ids.isin(wanted).to_numpy(dtype=bool)
        beyond, ids = beyond.loc[keep], ids.loc[keep]
    module = beyond["module"].astype("string")
    return NearDuplicateCounts(
        leads=int(ids.nunique()),
        contacts=int(ids.loc[(module == "Contacts").fillna(False).to_numpy(dtype=bool)].nunique()),
        accounts=int(ids.loc[(module == "Accounts").fillna(False).to_numpy(dtype=bool)].nunique()),
        population=population,
    )


def rank_near_duplicates(candidates: pd.DataFrame) -> pd.DataFrame:
    """One row per (lead, module, record) beyond Zoho's answer, strongest first (`RANKING`).

    The row kept is the best-scoring route of the pair; `routes` is how many routes found it and
    `found_by` which ones (`;`-joined)."""
    beyond = beyond_zoho(candidates).astype(
        {"lead_id": "string", "module": "string", "record_id": "string", "route": "string"}
    )
    keys = ["lead_id", "module", "record_id"]
    agreeing = beyond.groupby(keys, observed=True, dropna=False)["route"].agg(
        routes="nunique", found_by=lambda s: ";".join(sorted(set(s.dropna())))
    )
    best = beyond.assign(_score=beyond["score"].astype("Float64").fillna(0.0)).sort_values(
        [*keys, "_score", "route"], ascending=[True, True, True, False, True], kind="stable"
    )
    best = best.drop_duplicates(keys).drop(columns="_score")
    ranked = best.merge(agreeing.reset_index(), on=keys, how="left")
    ranked["routes"] = ranked["routes"].astype("Int64")
    ranked["found_by"] = ranked["found_by"].astype("string")
    order = ranked.assign(_score=ranked["score"].astype("Float64").fillna(0.0))
    order = order.sort_values(
        ["_score", "routes", "lead_id", "module", "record_id"],
        ascending=[False, False, True, True, True],
        kind="stable",
    )
    return order.drop(columns="_score").reset_index(drop=True)
