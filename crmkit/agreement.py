"""Lead-by-lead differences between Zoho's answers and crmkit's prediction.

A prediction is only worth its saving if it says what Zoho says. ``compare`` lines up the
``options`` and ``matches`` frames of both sources (docs/architecture.md) and lists every lead
where they differ, with the reason: a lead one side lacks, a different outcome or error code,
a different ``module_preference``, a different per-module field list, or a candidate record
one side offers and the other does not. An empty result means full agreement.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

DIFF_COLUMNS = ("lead_id", "kind", "module", "record_id", "api", "predicted")
KINDS = (
    "missing_lead",  # the API answered for the lead, the prediction has no row
    "extra_lead",  # predicted, but not asked of the API (only with all_leads=True)
    "outcome",  # matched / no_match / error (with code) differ
    "module_preference",
    "fields",  # the module's matched-field list (in preference order) differs
    "missing_record",  # the API offered the record, the prediction did not
    "extra_record",  # the prediction offered a record the API did not
)


class OptionsLike(Protocol):
    """Anything carrying the ``options`` and ``matches`` frames (OptionsFrames, Prediction…)."""

    @property
    def options(self) -> pd.DataFrame: ...
    @property
    def matches(self) -> pd.DataFrame: ...


def _outcome(options: pd.DataFrame) -> pd.Series:
    out = options["outcome"].astype("string")
    code = options["error_code"].astype("string")
    return out.where(code.isna(), out + ":" + code.fillna(""))


def _records(matches: pd.DataFrame) -> pd.DataFrame:
    m = matches[matches["record_id"].notna() & matches["module"].isin(["Contacts", "Accounts"])]
    return m[["lead_id", "module", "record_id"]].astype("string").drop_duplicates()


def compare(api: OptionsLike, predicted: OptionsLike, *, all_leads: bool = False) -> pd.DataFrame:
    """Every difference between ``api`` and ``predicted``, one row per lead and reason.

    Only leads the API answered for are compared unless ``all_leads`` (then predicted leads the
    API never saw are listed as ``extra_lead``). Columns: ``lead_id, kind, module, record_id,
    api, predicted`` (the two sides' values where a value differs).
    """
    a = api.options.assign(lead_id=api.options["lead_id"].astype("string")).set_index("lead_id")
    p = predicted.options.assign(lead_id=predicted.options["lead_id"].astype("string"))
    p = p.set_index("lead_id")
    parts: list[pd.DataFrame] = []

    def emit(frame: pd.DataFrame, kind: str, module: str | None = None) -> None:
        if len(frame):
            parts.append(frame.assign(kind=kind, module=module).reindex(columns=list(DIFF_COLUMNS)))

    missing = a.index.difference(p.index)
    emit(pd.DataFrame({"lead_id": missing}), "missing_lead")
    if all_leads:
        emit(pd.DataFrame({"lead_id": p.index.difference(a.index)}), "extra_lead")
    common = a.index.intersection(p.index)
    a, p = a.loc[common], p.loc[common]

    def differ(col_a: pd.Series, col_p: pd.Series, kind: str, module: str | None = None) -> None:
        left = col_a.astype("string").fillna("")
        right = col_p.astype("string").fillna("")
        mask = (left != right).to_numpy()
        emit(
            pd.DataFrame(
                {"lead_id": common[mask], "api": col_a[mask].array, "predicted": col_p[mask].array}
            ),
            kind,
            module,
        )

    differ(_outcome(a), _outcome(p), "outcome")
    differ(a["module_preference"], p["module_preference"], "module_preference")
    differ(a["contact_fields"], p["contact_fields"], "fields", "Contacts")
    differ(a["account_fields"], p["account_fields"], "fields", "Accounts")

    ra, rp = _records(api.matches), _records(predicted.matches)
    keep = pd.Index(common)
    ra, rp = ra[ra["lead_id"].isin(keep)], rp[rp["lead_id"].isin(keep)]
    both = ra.merge(rp, how="outer", on=["lead_id", "module", "record_id"], indicator=True)
    for side, kind in (("left_only", "missing_record"), ("right_only", "extra_record")):
        rows = both[both["_merge"] == side].drop(columns="_merge")
        if len(rows):
            parts.append(rows.assign(kind=kind).reindex(columns=list(DIFF_COLUMNS)))

    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in DIFF_COLUMNS})
    out = pd.concat(parts, ignore_index=True).astype("string")
    order = {k: i for i, k in enumerate(KINDS)}
    out["_k"] = out["kind"].map(order)
    out = out.sort_values(["lead_id", "_k", "module", "record_id"], kind="stable")
    return out.drop(columns="_k").reset_index(drop=True)


def summary(differences: pd.DataFrame) -> pd.Series:
    """Leads with at least one difference, per kind (for a one-line report)."""
    return differences.groupby("kind")["lead_id"].nunique().astype("int64")
