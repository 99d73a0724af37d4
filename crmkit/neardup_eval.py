"""Near-duplicate quality against a labelled truth file: per route, overall, per variant.

`crmkit.neardup.quality` scores each route (precision of what it proposes, strict recall of the
pairs labelled with it). A benchmark also needs one overall figure — a pair counted once
whichever routes propose it — and, to see *why*, how each planted variant and each hard
negative fared. This module adds those around `quality` without changing it.

A truth file has the columns of `near_duplicates_truth.csv`: `lead_id, module, record_id,
route, variant, is_match` (the bundled sample's, and bench/independent_org.py's).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crmkit.neardup import QUALITY_COLUMNS, quality

KEY = ["lead_id", "module", "record_id"]
TRUTH_COLUMNS = ("lead_id", "module", "record_id", "route", "variant", "is_match")


def read_truth(path: str | Path) -> pd.DataFrame:
    """A truth CSV as text columns; `is_match` as booleans."""
    truth = pd.read_csv(path, dtype="string", keep_default_na=False)
    missing = [c for c in TRUTH_COLUMNS if c not in truth.columns]
    if missing:
        raise ValueError(f"{path}: truth file lacks the columns {missing}")
    return truth.assign(is_match=truth["is_match"].str.lower().eq("true"))


def _labelled(candidates: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Distinct proposed pairs (any route) scored as `quality` scores them, with their label."""
    t = truth.astype({c: "string" for c in KEY})
    is_match = t["is_match"].astype("string").str.lower().eq("true")
    t = t.assign(is_match=is_match)[[*KEY, "is_match"]].drop_duplicates(KEY)
    c = candidates.astype({c: "string" for c in KEY})
    exact = c["zoho_exact"].astype("boolean").fillna(False).astype(bool)
    pairs = c.assign(exact=exact).groupby(KEY, as_index=False).agg(exact=("exact", "min"))
    pairs = pairs.merge(t, on=KEY, how="left")
    scored = pairs[~pairs["exact"].astype(bool) | pairs["is_match"].notna()]
    out: pd.DataFrame = scored.assign(
        tp=scored["is_match"].astype("boolean").fillna(False).astype(bool)
    )
    return out


def quality_table(candidates: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """`quality`'s rows per route and a last row `all`: each pair counted once.

    Overall precision: share of distinct proposed pairs (beyond Zoho's exact answer, plus any
    labelled) that are true; overall recall: share of true pairs some route proposes.
    """
    per_route = quality(candidates, truth)
    scored = _labelled(candidates, truth)
    t = truth.astype({c: "string" for c in KEY})
    planted = t[t["is_match"].astype("string").str.lower().eq("true")][KEY].drop_duplicates()
    found = planted.merge(candidates[KEY].astype("string").drop_duplicates(), on=KEY).shape[0]
    proposed, true_pos = len(scored), int(scored["tp"].sum())
    row = {
        "route": "all",
        "proposed": proposed,
        "true_pos": true_pos,
        "planted": len(planted),
        "found": found,
        "found_any": found,
        "precision": round(true_pos / proposed, 4) if proposed else float("nan"),
        "recall": round(found / len(planted), 4) if len(planted) else float("nan"),
        "recall_any": round(found / len(planted), 4) if len(planted) else float("nan"),
    }
    return pd.concat([per_route, pd.DataFrame([row])], ignore_index=True)[list(QUALITY_COLUMNS)]


def by_variant(candidates: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per labelled variant: pairs labelled, pairs proposed (any route), and the share.

    For a true variant (`is_match`) the share is its recall; for a hard negative it is how
    often the trap caught the matcher (0 is right).
    """
    t = truth.astype({c: "string" for c in [*KEY, "route", "variant"]})
    t = t.assign(is_match=t["is_match"].astype("string").str.lower().eq("true"))
    proposed = candidates[KEY].astype("string").drop_duplicates().assign(proposed=True)
    hit = t.merge(proposed, on=KEY, how="left")
    hit = hit.assign(proposed=hit["proposed"].astype("boolean").fillna(False).astype(bool))
    out = hit.groupby(["module", "route", "variant", "is_match"], as_index=False).agg(
        labelled=("proposed", "size"), proposed=("proposed", "sum")
    )
    out["share"] = (out["proposed"] / out["labelled"]).round(4)
    return out.sort_values(
        ["is_match", "module", "route", "variant"], ascending=[False, True, True, True]
    ).reset_index(drop=True)
