"""`crmkit demo`: crmkit's main job end to end on the embedded sandbox (`crmkit.demo.run_demo`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from crmkit.cli.guard import UsageError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "demo",
        help="run the main job end to end on the embedded sandbox",
        description="Run crmkit's main job end to end on the embedded sandbox, timed.",
        epilog=(
            "Starts the embedded sandbox, fetches every lead's conversion options, saves a "
            "snapshot, writes the HTML report and prints the headline figures."
        ),
    )
    p.add_argument("--out", default=Path("out"), type=Path, help="output directory (default out/)")
    p.add_argument("--data", default=None, type=Path, help="sandbox data (default: bundled)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crmkit.demo import run_demo  # late: the report stack loads only when the demo runs
    from crmkit.snapshot import check_snapshot_target

    check_snapshot_target(args.out / "snapshot")
    if args.data is not None and not args.data.is_dir():
        raise UsageError(
            f"--data {args.data}: no such directory (a data directory holds Leads.csv, "
            "Contacts.csv, Accounts.csv and an optional org.json); leave --data out for the "
            "bundled sample org"
        )
    run_demo(args.out, data=args.data, progress=not args.no_progress)
    return 0
