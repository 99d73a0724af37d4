"""Duplicate rates and segments over 1,000,000 leads and 3,000,000 match rows: time and peak memory.

The frames are synthesised with numpy in the crmkit.frames schemas (no API, no parsing): 37% of the
leads matched, 3% errors, match rows spread over Contacts (Phone, Email, Full_Name) and Accounts
(Account_Name). Each crmkit.analysis step is measured against a *plain groupby baseline* computing
the same numbers with the most direct pandas calls, in the same run:

- rates:    `summary` + `rate_table` (any and first)  vs  `nunique` per (module, field) + `size`
            per first field;
- segments: `segment_rates` by Lead_Source and by created month  vs  the merge + groupby a person
            would write by hand.
Also timed: `field_overlaps`, `top_accounts`. Peak memory is what the step allocates at its
highest: tracemalloc (Python, numpy) plus an Arrow proxy pool (Arrow-backed strings).

Run: .venv/bin/python bench/analysis_bench.py [--leads 1000000] [--matches 3000000]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from crmkit.analysis import (
    field_overlaps,
    rate_table,
    segment_rates,
    segment_summary,
    summary,
    top_accounts,
)
from crmkit.frames import MATCHES_SCHEMA, OPTIONS_SCHEMA, conform

FIELDS = {"Contacts": ["Phone", "Email", "Full_Name"], "Accounts": ["Account_Name"]}
ROUTES = {"Phone": "unique", "Email": "email", "Full_Name": "name", "Account_Name": "company"}
SOURCES = ["Web", "Expo", "Partner", "Cold Call", "Advertisement", "Referral", "Chat", "Store"]


def synthesise(n_leads: int, n_matches: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Leads, options and matches frames with the crmkit.frames dtypes."""
    rng = np.random.default_rng(seed)
    ids = pd.array((4876876000100000000 + np.arange(n_leads)).astype(str), dtype="string")
    created = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 3 * 365 * 86400, n_leads), unit="s"
    )
    leads = pd.DataFrame(
        {
            "id": ids,
            "Lead_Source": pd.array(np.array(SOURCES)[rng.integers(0, 8, n_leads)], "string"),
            "Owner.name": pd.array(
                np.char.add("Owner ", rng.integers(0, 50, n_leads).astype(str)), "string"
            ),
            "Created_Time": created,
        }
    )
    draw = rng.random(n_leads)
    outcome = np.where(draw < 0.37, "matched", np.where(draw < 0.97, "no_match", "error"))
    matched_pos = np.flatnonzero(outcome == "matched")
    # every matched lead gets one row, the rest are spread at random over matched leads
    lead_pos = np.concatenate(
        [matched_pos, rng.choice(matched_pos, n_matches - len(matched_pos), replace=True)]
    )
    lead_pos.sort()
    is_contact = rng.random(n_matches) < 0.6
    contact_field = np.array(FIELDS["Contacts"])[rng.integers(0, 3, n_matches)]
    field = np.where(is_contact, contact_field, "Account_Name")
    module = np.where(is_contact, "Contacts", "Accounts")
    ranks = {"Phone": 0, "Email": 1, "Full_Name": 2}
    rank = np.where(is_contact, pd.Series(contact_field).map(ranks).to_numpy(), 0)
    contact_ids = 4876876000300000000 + rng.integers(0, 300_000, n_matches)
    account_ids = 4876876000200000000 + rng.integers(0, 100_000, n_matches)
    record_id = np.where(is_contact, contact_ids, account_ids).astype(str)
    has_account = is_contact & (rng.random(n_matches) < 0.7)
    account_id = np.where(has_account, account_ids.astype(str), None)
    matches = pd.DataFrame(
        {
            "lead_id": ids[lead_pos],
            "module": module,
            "record_id": record_id,
            "field": field,
            "field_rank": rank,
            "route": pd.Series(field).map(ROUTES).to_numpy(),
            "lead_value": "v",
            "record_name": "n",
            "account_id": account_id,
            "account_name": np.where(has_account, "Account", None),
            "locked": False,
            "editable": True,
            "approval_state": "approved",
            "explained": True,
            "source": "api",
        }
    )
    matches = conform(matches, MATCHES_SCHEMA, name="matches")
    # first attribution: the lowest-ranked field of the preferred module (Contacts when any)
    order = matches.assign(_m=(matches["module"] == "Accounts").astype(int))
    first = order.sort_values(["lead_id", "_m", "field_rank"]).drop_duplicates("lead_id")
    first = first.set_index("lead_id")
    counts = matches.groupby(["lead_id", "module"])["record_id"].nunique().unstack(fill_value=0)
    options = pd.DataFrame({"lead_id": ids, "outcome": outcome})
    options["error_code"] = np.where(outcome == "error", "RECORD_LOCKED", None)
    opt = options.set_index("lead_id")
    answered = outcome != "error"
    opt["n_contacts"] = counts["Contacts"].reindex(opt.index).fillna(0).where(answered)
    opt["n_accounts"] = counts["Accounts"].reindex(opt.index).fillna(0).where(answered)
    opt["n_deals"] = pd.Series(0, index=opt.index).where(answered)
    opt["first_module"] = first["module"].reindex(opt.index)
    opt["first_field"] = first["field"].reindex(opt.index)
    opt["module_preference"] = opt["first_module"]
    opt["source"] = "api"
    for col in OPTIONS_SCHEMA:
        if col not in opt.columns and col != "lead_id":
            opt[col] = None
    options = conform(opt.reset_index(), OPTIONS_SCHEMA, name="options")
    return {"leads": leads, "options": options, "matches": matches}


# ---------------------------------------------------------------- plain-groupby baselines


def baseline_rates(options: pd.DataFrame, matches: pd.DataFrame) -> Any:
    answered = options[options["outcome"] != "error"]
    n = len(answered)
    any_ = matches.groupby(["module", "field"])["lead_id"].nunique() / n
    first = answered.groupby(["first_module", "first_field"]).size() / n
    return any_, first, (answered["outcome"] == "matched").mean()


def baseline_segments(
    leads: pd.DataFrame, options: pd.DataFrame, matches: pd.DataFrame, by: str, freq: str | None
) -> Any:
    seg = leads[["id", by]].rename(columns={"id": "lead_id", by: "segment"})
    if freq:
        seg["segment"] = seg["segment"].dt.tz_localize(None).dt.to_period(freq)
    answered = options[options["outcome"] != "error"].merge(seg, on="lead_id")
    n = answered.groupby("segment").size()
    first = answered.groupby(["segment", "first_module", "first_field"]).size()
    any_ = (
        matches.merge(seg, on="lead_id")
        .groupby(["segment", "module", "field"])["lead_id"]
        .nunique()
    )
    return first.div(n, level="segment"), any_.div(n, level="segment")


# ---------------------------------------------------------------- measurement


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    """(seconds, peak MiB): timed untraced, then run again with memory tracing.

    Peak = tracemalloc's peak (Python objects and numpy buffers) + the peak of a fresh Arrow proxy
    pool (Arrow-backed string columns, which tracemalloc cannot see). Both peaks are of memory
    allocated during the call, so data built before it does not count.
    """
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    del result
    gc.collect()
    default = pa.default_memory_pool()
    pool = pa.proxy_memory_pool(default)
    pa.set_memory_pool(pool)
    tracemalloc.start()
    try:
        result = fn()
        del result
        _, py_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        pa.set_memory_pool(default)
    return elapsed, (py_peak + pool.max_memory()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--matches", type=int, default=3_000_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    data = synthesise(args.leads, args.matches)
    leads, options, matches = data["leads"], data["options"], data["matches"]
    print(
        f"synthesised {len(leads):,} leads, {len(matches):,} match rows "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    def ours_rates() -> object:
        return summary(options), rate_table(options, matches)

    def ours_segments() -> object:
        return (
            segment_rates(leads, options, matches, "Lead_Source"),
            segment_summary(leads, options, "Lead_Source"),
            segment_rates(leads, options, matches, "Created_Time", freq="M"),
            segment_summary(leads, options, "Created_Time", freq="M"),
        )

    def base_segments() -> object:
        return (
            baseline_segments(leads, options, matches, "Lead_Source", None),
            baseline_segments(leads, options, matches, "Created_Time", "M"),
        )

    # correctness in passing: the first rates add up to the overall rate
    table = rate_table(options, matches)
    assert abs(table["rate_first"].sum() - summary(options)["rate"]) < 1e-9

    rows = []
    pairs: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
        ("rates (any + first)", ours_rates, lambda: baseline_rates(options, matches)),
        ("segments (source, month)", ours_segments, base_segments),
        ("field_overlaps", lambda: field_overlaps(matches), None),
        ("top_accounts", lambda: top_accounts(matches), None),
    ]
    for name, ours, base in pairs:
        t_ours, m_ours = measure(ours)
        if base is not None:
            t_base, m_base = measure(base)
            rows.append((name, t_ours, m_ours, t_base, m_base))
        else:
            rows.append((name, t_ours, m_ours, float("nan"), float("nan")))
    head = ("step", "crmkit s", "peak MiB", "baseline s", "peak MiB", "ratio")
    print(f"{head[0]:<26}{head[1]:>10}{head[2]:>10}{head[3]:>12}{head[4]:>10}{head[5]:>8}")
    for name, t_ours, m_ours, t_base, m_base in rows:
        ratio = t_ours / t_base if t_base == t_base else float("nan")
        print(
            f"{name:<26}{t_ours:>10.2f}{m_ours:>10.0f}{t_base:>12.2f}{m_base:>10.0f}{ratio:>8.2f}"
        )


if __name__ == "__main__":
    main()
