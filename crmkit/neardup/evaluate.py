"""The shadow view (Zoho's answer beside crmkit's near-duplicates) and quality against labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.neardup.settings import QUALITY_COLUMNS


def shadow(
    options: pd.DataFrame,
    candidates: pd.DataFrame,
    leads: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Zoho's answer and crmkit's near-duplicates side by side, one row per lead.

    ``options``: Zoho's (or the predicted) ``options`` frame. Flags:
    ``new_duplicate_contact`` — Zoho offers no contact, so converting creates a new Contact,
    yet crmkit sees an existing one; ``new_duplicate_account`` — likewise for the Account (only
    when the lead has a Company, since Zoho creates an Account only then; without ``leads``
    every lead is assumed to have one).
    """
    beyond = candidates[~candidates["zoho_exact"].astype("boolean").fillna(False).astype(bool)]
    per = (
        beyond.groupby(["lead_id", "module"])
        .agg(n=("record_id", "nunique"), best=("score", "max"))
        .unstack("module")
    )
    routes = beyond.groupby("lead_id")["route"].agg(lambda s: ";".join(sorted(set(s))))
    base = options[
        ["lead_id", "outcome", "error_code", "n_contacts", "n_accounts", "module_preference"]
    ].copy()
    base = base.rename(
        columns={
            "outcome": "zoho_outcome",
            "n_contacts": "zoho_contacts",
            "n_accounts": "zoho_accounts",
            "module_preference": "zoho_preference",
        }
    )
    base = base.set_index("lead_id")

    def col(stat: str, module: str) -> pd.Series:
        if (stat, module) in per.columns:
            return per[(stat, module)].reindex(base.index)
        return pd.Series(np.nan, index=base.index)

    base["crmkit_contacts"] = col("n", "Contacts").fillna(0).astype("Int64")
    base["crmkit_accounts"] = col("n", "Accounts").fillna(0).astype("Int64")
    base["crmkit_routes"] = routes.reindex(base.index).astype("string")
    base["best_score"] = (
        pd.concat([col("best", "Contacts"), col("best", "Accounts")], axis=1)
        .max(axis=1)
        .astype("Float64")
    )
    answered = base["zoho_outcome"].isin(["matched", "no_match"])
    has_company = pd.Series(True, index=base.index)
    if leads is not None and "Company" in leads.columns:
        comp = leads.assign(id=leads["id"].astype("string")).set_index("id")["Company"]
        comp = comp.astype("string").str.strip()
        has_company = (comp.notna() & (comp != "")).reindex(base.index).fillna(False)
    base["new_duplicate_contact"] = (
        answered & (base["zoho_contacts"].fillna(0) == 0) & (base["crmkit_contacts"] > 0)
    ).astype("boolean")
    base["new_duplicate_account"] = (
        answered
        & (base["zoho_accounts"].fillna(0) == 0)
        & (base["crmkit_accounts"] > 0)
        & has_company.astype(bool)
    ).astype("boolean")
    return base.reset_index()


def quality(candidates: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall per route against labelled pairs (``near_duplicates_truth.csv``).

    Scored candidates: those beyond Zoho's exact answer, plus any listed in ``truth`` (so a
    role-address pair Zoho matches exactly still counts against crmkit if crmkit proposes it).
    Precision of a route: share of its scored candidates that are labelled true pairs (under any
    route: a true pair is a true duplicate whichever variant planted it).
    Recall of a route is strict: share of the true pairs labelled with it that *that route*
    finds (``found``/``recall``), so one route cannot hide another's misses; ``found_any`` and
    ``recall_any`` count a pair found by any route, for comparison.
    """
    key = ["lead_id", "module", "record_id"]
    t = truth.astype({c: "string" for c in [*key, "route"]})
    t = t.assign(is_match=t["is_match"].astype("string").str.lower() == "true")
    c = candidates.astype({c: "string" for c in [*key, "route"]})
    labelled = c.merge(t[[*key, "is_match"]].drop_duplicates(key), on=key, how="left")
    scored = labelled[
        (~labelled["zoho_exact"].astype("boolean").fillna(False).astype(bool))
        | labelled["is_match"].notna()
    ]
    scored = scored.assign(tp=scored["is_match"].astype("boolean").fillna(False).astype(bool))
    prec = scored.groupby("route").agg(proposed=("tp", "size"), true_pos=("tp", "sum"))
    planted = t.loc[t["is_match"], [*key, "route"]].drop_duplicates()
    by_own = c[[*key, "route"]].drop_duplicates().assign(own=True)
    by_any = c[key].drop_duplicates().assign(any=True)
    found = planted.merge(by_own, on=[*key, "route"], how="left").merge(by_any, on=key, how="left")
    found = found.assign(
        own=found["own"].astype("boolean").fillna(False).astype(bool),
        any=found["any"].astype("boolean").fillna(False).astype(bool),
    )
    rec = found.groupby("route").agg(
        planted=("own", "size"), found=("own", "sum"), found_any=("any", "sum")
    )
    out = prec.join(rec, how="outer").fillna(0).astype("int64")
    out["precision"] = (out["true_pos"] / out["proposed"].where(out["proposed"] > 0)).round(4)
    planted_n = out["planted"].where(out["planted"] > 0)
    out["recall"] = (out["found"] / planted_n).round(4)
    out["recall_any"] = (out["found_any"] / planted_n).round(4)
    return out.reset_index()[list(QUALITY_COLUMNS)]
