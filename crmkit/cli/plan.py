"""`crmkit plan --snapshot DIR --out plan.csv`: a conversion plan for every open lead of a snapshot.

    crmkit plan --snapshot snap/ --out plan.csv [--on-match merge|skip]
                [--on-no-match create|skip] [--on-ambiguous skip|merge] [--leads IDS_FILE]
                [--merge-policy "Contacts=fill_blanks;Accounts=keep;Contacts.Phone=prefer_lead"]

The snapshot is one `crmkit fetch` or `crmkit predict` wrote. Open leads that are the same person
or the same company (lead clusters, Zoho's own rules applied lead to lead) are resolved: a member
matching an existing record takes the whole cluster into it, otherwise the anchor creates and the
others reference it (`lead:<id>`), so `crmkit convert` creates each record once. Nothing is sent;
no credits are spent. `--merge-policy` writes the plan's `merge_policy` on every row that merges:
per module `zoho` (Zoho's mapping decides), `keep` (restore existing values Zoho replaced),
`fill_blanks` (the lead's value only where the record is empty) or `prefer_lead`, and per-field
overrides (`Contacts.Phone=prefer_lead`). Review the CSV, then `crmkit convert --plan plan.csv`.

Exit codes: 0 the plan was written, 2 bad input (the message names it and the fix).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit.clusters import lead_clusters
from crmkit.conversion.merge_policy import MergePolicy
from crmkit.conversion.plan import Policy, plan_from_options, save_plan
from crmkit.errors import CrmkitError
from crmkit.snapshot import load_snapshot
from crmkit.wording import plural

__all__ = ["add_parser", "run_plan"]

_ID_CHARS = frozenset("0123456789")


def add_parser(subparsers: Any) -> None:
    """Register `crmkit plan`."""
    p = subparsers.add_parser(
        "plan",
        help="build a conversion plan (CSV) for a snapshot's open leads, clusters resolved",
        description="Build a conversion plan (CSV) for every open lead of a snapshot.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--snapshot", required=True, type=Path, help="snapshot directory")
    p.add_argument("--out", required=True, type=Path, help="plan CSV to write")
    p.add_argument("--on-match", choices=("merge", "skip"), default="merge")
    p.add_argument("--on-no-match", choices=("create", "skip"), default="create")
    p.add_argument("--on-ambiguous", choices=("skip", "merge"), default="skip")
    p.add_argument(
        "--leads", type=Path, default=None, help="file of lead ids, one a line: plan only those"
    )
    p.add_argument(
        "--merge-policy",
        default=None,
        metavar="TEXT",
        help="which values merged records keep, e.g. Contacts=fill_blanks;Accounts=keep "
        "(default: Zoho's mapping decides)",
    )
    p.set_defaults(handler=run_plan)


def _fail(message: str) -> int:
    print(f"crmkit plan: {message}", file=sys.stderr)
    return 2


def _read_ids(path: Path) -> list[str]:
    """Lead ids, one a line (blank lines and `#` comments ignored); CrmkitError names a bad one."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise CrmkitError(f"{path}: no such file (--leads names a file of lead ids)") from None
    except UnicodeDecodeError:
        raise CrmkitError(f"{path}: not UTF-8 text (one lead id a line)") from None
    ids: list[str] = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not set(text) <= _ID_CHARS or len(text) > 19:
            raise CrmkitError(
                f"{path}: line {number}, column 1: {text!r} is not a lead id (digits only)"
            )
        ids.append(text)
    return ids


def run_plan(args: argparse.Namespace) -> int:
    """Load the snapshot, build the plan with clusters resolved, write it, print a summary."""
    try:
        merge_policy = str(MergePolicy.parse(args.merge_policy)) or None
        snap = load_snapshot(args.snapshot)
        config = snap.org_config
        wanted = _read_ids(args.leads) if args.leads is not None else None
    except CrmkitError as exc:
        return _fail(str(exc))
    leads, options, matches = snap.leads, snap.options, snap.matches
    if wanted is not None:
        known = set(options["lead_id"].astype("string").tolist())
        unknown = [i for i in wanted if i not in known]
        if unknown:
            return _fail(
                f"{args.leads}: lead {unknown[0]} is not an open lead of snapshot "
                f"{args.snapshot} ({len(unknown)} unknown); fetch again or remove it"
            )
        keep = set(wanted)
        options = options[options["lead_id"].isin(keep)]
        matches = matches[matches["lead_id"].isin(keep)]
        leads = leads[leads["id"].astype("string").isin(keep)]
    found = lead_clusters(leads, config)
    policy = Policy(
        on_match=args.on_match, on_no_match=args.on_no_match, on_ambiguous=args.on_ambiguous
    )
    built = plan_from_options(
        options,
        matches,
        policy,
        leads=leads,
        config=config,
        clusters=found.clusters,
        merge_policy=merge_policy,
    )
    try:
        save_plan(built.plan, args.out)
    except OSError as exc:
        return _fail(f"{args.out}: cannot write the plan ({exc.strerror})")
    _summary(built.plan, built.skipped, found.clusters, found.cluster_pairs, args.out)
    return 0


def _summary(
    plan: pd.DataFrame,
    skipped: pd.DataFrame,
    clusters: pd.DataFrame,
    pairs: pd.DataFrame,
    out: Path,
) -> None:
    print(f"wrote {out}: {plural(len(plan), 'lead')} planned, {len(skipped):,} skipped")
    actions = plan.groupby(["contact_action", "account_action"]).size().reset_index(name="n")
    for contact, account, n in actions.itertuples(index=False):
        print(f"  contact {contact}, account {account}: {n}")
    refs = plan["contact_id"].str.startswith("lead:").fillna(False) | plan[
        "account_id"
    ].str.startswith("lead:").fillna(False)
    print(f"  referencing another lead of the plan (lead:<id>): {int(refs.sum())}")
    governed = plan["merge_policy"].dropna()
    for text, n in governed.value_counts(sort=False).items():
        print(f"  merge policy {text}: {n} merging row(s)")
    strong = clusters[clusters["tier"] == "strong"]
    for kind in ("person", "company"):
        mine = strong[strong["kind"] == kind]
        print(
            f"clusters ({kind}): {mine['cluster_id'].nunique()} "
            f"({plural(len(mine), 'lead')}, strong tier: resolved)"
        )
    print(f"review-tier pairs (not merged; check them): {len(pairs)}")
    for rec in pairs.head(20).to_dict("records"):
        print(f"  lead {rec['lead_id']} ~ lead {rec['other_lead_id']}: {rec['reason']}")
    if len(pairs) > 20:
        print(f"  … {len(pairs) - 20} more")
    for rec in skipped.to_dict("records"):
        print(f"skipped lead {rec['lead_id']}: {rec['reason']}")
