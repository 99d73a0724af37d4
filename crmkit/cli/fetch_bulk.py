"""`crmkit fetch --via bulk` (the Bulk Read path), and the estimate both paths print first.

Before anything expensive is sent, `crmkit fetch` counts the org's Leads, Contacts and Accounts
(`actions/count`, 1 credit each) and prints what each path would cost (`crmkit.fetch_estimate`),
so the user sees the difference before choosing. `--via bulk` then exports the three modules by
Bulk Read into `DIR/.bulk/` (job ids and pages, so a rerun after an interruption resumes the same
jobs), predicts the conversion options offline and, with `--verify N`, asks Zoho about N leads
and prints the agreement; `DIR/.bulk/` is removed once the snapshot is saved.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crmkit.fetch_estimate import RecordCounts, estimate_fetch

if TYPE_CHECKING:
    from crmkit.api.client import CRMClient
    from crmkit.snapshot import Snapshot

WORKDIR = ".bulk"


def workdir(out: Path) -> Path:
    """Where a `--via bulk` fetch keeps its Bulk Read jobs and pages until the snapshot is saved."""
    return out / WORKDIR


def print_estimate(client: CRMClient, *, via: str, verify: int) -> None:
    """Both paths' calls, credits and time for this org (4 credits: three counts, the users)."""
    from crmkit.api.errors import CRMError

    try:
        counts = RecordCounts(*(client.record_count(m) for m in ("Leads", "Contacts", "Accounts")))
        users = len(client.users())
        estimate = estimate_fetch(
            counts,
            edition=client.edition,
            users=users,
            concurrency=client.concurrency,
            verify=verify,
        )
    except CRMError as exc:  # a token without the scope, an org without the call: go on
        print(f"estimate unavailable ({exc.code or exc.message}); fetching {via}", flush=True)
        return
    lines = str(estimate).splitlines()
    chosen = {"api": 1, "bulk": 2}[via]
    lines[chosen] += "   <- this run"
    print("estimate: " + "\n".join(lines), flush=True)


def check_bulk_args(args: argparse.Namespace) -> str | None:
    """The one-line complaint for options that do not go together, or None."""
    if args.verify is not None and args.verify < 0:
        return f"--verify {args.verify}: give a number of leads >= 0"
    if args.verify and args.via != "bulk":
        return "--verify checks a prediction against Zoho: use it with --via bulk"
    if args.via == "bulk" and args.refresh and not (args.out / "snapshot.json").is_file():
        return f"--refresh: {args.out} holds no snapshot; fetch it first (without --refresh)"
    return None


def run_bulk(args: argparse.Namespace, client: CRMClient) -> tuple[Snapshot, str]:
    """Fetch (or refresh) by Bulk Read, save the snapshot, drop the work directory."""
    from crmkit.bulkfetch import fetch_snapshot_bulk, refresh_snapshot_bulk
    from crmkit.snapshot import save_snapshot

    work = workdir(args.out)
    fields = [f.strip() for f in args.fields.split(",") if f.strip()] if args.fields else None
    if args.refresh:
        snap, report = refresh_snapshot_bulk(
            client, args.out, workdir=work, tz=args.tz, verify=args.verify or 0, seed=args.seed
        )
        note = str(report)
    else:
        snap, verification = fetch_snapshot_bulk(
            client,
            workdir=work,
            fields=fields,
            converted=args.converted,
            tz=args.tz,
            verify=args.verify or 0,
            seed=args.seed,
        )
        note = "" if verification is None else str(verification)
    save_snapshot(snap, args.out)
    shutil.rmtree(work, ignore_errors=True)
    return snap, note


def interrupted(out: Path) -> int:
    print(
        f"crmkit fetch: interrupted; run the same command again to resume the Bulk Read jobs "
        f"kept in {workdir(out)}",
        file=sys.stderr,
    )
    return 130
