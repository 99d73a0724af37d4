"""``crmkit sample-data``: regenerate the sample org, or a larger one for benchmarks."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crmkit.sampledata.generator import DEFAULT_SEED, generate


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sample-data`` on the ``crmkit`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sample-data",
        help="write a deterministic sample org (data directory + ground truth)",
        description="Write a deterministic sample org: a data directory and its ground truth.",
        epilog=(
            "Writes Leads/Contacts/Accounts/Deals CSVs, org.json, ground_truth.csv and "
            "near_duplicates_truth.csv. The same arguments always give the same bytes."
        ),
    )
    parser.add_argument("--out", required=True, help="directory to write (created if missing)")
    parser.add_argument("--leads", type=_positive, default=5000)
    parser.add_argument("--contacts", type=_positive, default=3000)
    parser.add_argument("--accounts", type=_positive, default=1200)
    parser.add_argument("--deals", type=_positive, default=None, help="default: accounts / 3")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--open-duplicates",
        type=_non_negative,
        default=None,
        help="leads planted as duplicates of other open leads, on top of --leads "
        "(default: 8%% of --leads; 0 for none)",
    )
    verify = parser.add_mutually_exclusive_group()
    verify.add_argument(
        "--verify",
        dest="verify",
        action="store_true",
        default=None,
        help="recheck the ground truth independently (default up to 200,000 leads)",
    )
    verify.add_argument("--no-verify", dest="verify", action="store_false")
    parser.set_defaults(handler=run)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or a positive integer, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    """Generate and print a one-line summary per part."""
    try:
        report = generate(
            args.out,
            leads=args.leads,
            contacts=args.contacts,
            accounts=args.accounts,
            deals=args.deals,
            seed=args.seed,
            verify=args.verify,
            open_duplicates=args.open_duplicates,
        )
    except ValueError as exc:
        print(f"crmkit sample-data: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {report.out_dir}")
    print("sizes:", json.dumps(report.sizes))
    print("ground truth rows by route:", json.dumps(report.truth_rows_by_route))
    print("lead states:", json.dumps(report.lead_states))
    print("open-lead duplicates:", json.dumps(report.open_lead_duplicates))
    print("verified:", "yes" if report.verified else "no (skipped)")
    return 0
