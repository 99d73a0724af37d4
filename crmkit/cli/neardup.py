"""`crmkit neardup --data DIR --out pairs.csv`: near-duplicates of a data directory, to a CSV.

The pairs are `crmkit.neardup.near_duplicates`, the function the report and the explorer use,
with Zoho's exact matches (`crmkit.matching.predict`, Zoho's rules offline) marked `zoho_exact`.
`--among-leads` pairs open leads with each other instead, as the batch-cluster review tier asks:
the leads stand on the record side too (module `Leads`), a lead's Company on the account side,
and each unordered pair is written once. One row per pair, best first; `route` is the route of
the pair's best score.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit.cli.guard import UsageError, check_output_file
from crmkit.frames.safe_csv import write_csv
from crmkit.matching import check_data_dir, predict, read_module_csv
from crmkit.neardup import ROUTES, company_keys, keys, near_duplicates
from crmkit.orgconfig import OrgConfig

PAIR_COLUMNS = ("lead_id", "module", "record_id", "route", "score", "method", "zoho_exact")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "neardup",
        help="near-duplicates of a data directory's leads, to a CSV (no API calls)",
        description=(
            "Near-duplicates Zoho's exact matching misses, from a data directory (Leads.csv, "
            "Contacts.csv, Accounts.csv, org.json): one row per proposed pair, best first."
        ),
    )
    p.add_argument("--data", required=True, type=Path, help="data directory (export)")
    p.add_argument("--out", required=True, type=Path, help="CSV file to write")
    p.add_argument(
        "--routes",
        default=",".join(ROUTES),
        help=f"comma-separated routes to run (default: {','.join(ROUTES)})",
    )
    p.add_argument(
        "--among-leads",
        action="store_true",
        help="pair open leads with each other (module Leads) instead of with Contacts/Accounts",
    )
    p.set_defaults(handler=run)


def parse_routes(text: str) -> tuple[str, ...]:
    routes = tuple(r.strip() for r in text.split(",") if r.strip())
    unknown = [r for r in routes if r not in ROUTES]
    if unknown or not routes:
        raise UsageError(
            f"--routes {text!r}: unknown route {', '.join(unknown) or '(none given)'}; "
            f"choose from {','.join(ROUTES)}"
        )
    return tuple(dict.fromkeys(routes))


def _say(message: str) -> None:
    print(f"crmkit neardup: {message}", file=sys.stderr, flush=True)


def _module(root: Path, module: str) -> pd.DataFrame:
    path = root / f"{module}.csv"
    if not path.is_file():
        raise UsageError(f"{path}: the data directory has no {module}.csv; export {module} into it")
    return read_module_csv(path)


def _open_leads(leads: pd.DataFrame) -> pd.DataFrame:
    if "Converted__s" not in leads.columns:
        return leads
    converted = leads["Converted__s"].astype("string").str.lower().eq("true").fillna(False)
    return leads[~converted.to_numpy(dtype=bool)].reset_index(drop=True)


def best_pairs(candidates: pd.DataFrame) -> pd.DataFrame:
    """One row per (lead, module, record): the route of its best score; best first."""
    order = {r: i for i, r in enumerate(ROUTES)}
    c = candidates.assign(_rank=candidates["route"].map(order).astype("Int64"))
    c = c.sort_values(
        ["score", "_rank", "lead_id", "record_id"], ascending=[False, True, True, True]
    )
    c = c.drop_duplicates(["lead_id", "module", "record_id"])
    return c.reindex(columns=list(PAIR_COLUMNS)).reset_index(drop=True)


def among_leads(leads: pd.DataFrame, routes: Sequence[str]) -> pd.DataFrame:
    """Lead-to-lead candidates: the leads are both sides; each unordered pair once."""
    companies = pd.DataFrame(
        {
            "id": leads["id"],
            "Account_Name": leads["Company"] if "Company" in leads.columns else pd.NA,
        }
    ).astype("string")
    found = near_duplicates(leads, leads, companies, routes=routes)
    found = found[found["lead_id"] != found["record_id"]]
    low = found[["lead_id", "record_id"]].min(axis=1)
    high = found[["lead_id", "record_id"]].max(axis=1)
    found = found.assign(lead_id=low.astype("string"), record_id=high.astype("string"))
    return found.assign(module=pd.array(["Leads"] * len(found), dtype="string"))


def run(args: argparse.Namespace) -> int:
    routes = parse_routes(args.routes)
    out = check_output_file(args.out, "--out")
    root = check_data_dir(args.data)
    started = time.perf_counter()
    leads = _open_leads(_module(root, "Leads"))
    if args.among_leads:
        _say(f"{len(leads):,} open leads from {root}; pairing them by {','.join(routes)}")
        candidates = among_leads(leads, routes)
    else:
        contacts, accounts = _module(root, "Contacts"), _module(root, "Accounts")
        # The company names are keyed in a helper process while Zoho's matches are predicted.
        company_keys.prefetch(keys.company_names(leads, contacts, accounts))
        _say(
            f"{len(leads):,} open leads, {len(contacts):,} contacts, {len(accounts):,} accounts "
            f"from {root}"
        )
        exact = predict(leads, contacts, accounts, OrgConfig.from_data_dir(root)).matches
        _say(f"Zoho's exact matches predicted ({len(exact):,} rows); now the near-duplicates")
        candidates = near_duplicates(leads, contacts, accounts, exact=exact, routes=routes)
    pairs = best_pairs(candidates)
    write_csv(pairs, out)
    elapsed = time.perf_counter() - started
    _say(f"{len(pairs):,} pairs written to {out} in {elapsed:.1f} s")
    return 0
