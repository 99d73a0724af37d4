"""`crmkit fetch` (leads + conversion options -> snapshot) and `crmkit rates` (the rate table).

`fetch` talks to Zoho (or the embedded sandbox when nothing is configured) and spends credits.
`--via api` (the default) lists the leads (one credit per 200) and asks Zoho for every lead's
conversion options (one credit per lead). `--via bulk` exports Leads, Contacts and Accounts by
Bulk Read (50 credits per 200,000 records), predicts the options offline and, with `--verify N`,
asks Zoho about N leads drawn at random to measure the agreement. Both print what each path
would cost before starting. `rates` reads a snapshot and spends nothing.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit.cli.guard import UsageError
from crmkit.cli.messages import place
from crmkit.frames import FramesError
from crmkit.orgconfig import OrgConfig
from crmkit.snapshot import SnapshotError
from crmkit.wording import plural

__all__ = ["add_parser", "format_rates", "run_fetch", "run_rates"]


def add_parser(subparsers: Any) -> None:
    """Register `crmkit fetch` and `crmkit rates`."""
    fetch = subparsers.add_parser(
        "fetch",
        help="fetch every lead and its conversion options into a snapshot directory",
        description="Fetch every lead and its conversion options into a snapshot directory.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument("--out", required=True, type=Path, help="snapshot directory to write")
    fetch.add_argument(
        "--fields", default=None, help="comma-separated Leads fields (default: every field)"
    )
    fetch.add_argument(
        "--converted",
        default="false",
        choices=("false", "true", "both"),
        help="which leads to list (Zoho's default: unconverted only)",
    )
    fetch.add_argument(
        "--refresh",
        action="store_true",
        help="update the snapshot in --out: ask again only for leads modified since",
    )
    fetch.add_argument(
        "--via",
        default="api",
        choices=("api", "bulk"),
        help="api: ask Zoho for every lead (1 credit each); bulk: Bulk Read export + prediction",
    )
    fetch.add_argument(
        "--verify",
        type=int,
        default=None,
        metavar="N",
        help="with --via bulk: ask Zoho about N leads (stratified, seeded) and compare",
    )
    fetch.add_argument("--seed", type=int, default=0, help="seed of the --verify sample (0)")
    fetch.add_argument("--tz", default=None, help="time zone of naive datetimes, if any")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(handler=run_fetch)

    rates = subparsers.add_parser(
        "rates",
        help="print duplicate rates per module and matching field from a snapshot",
        description="Print the duplicate-rate table of a snapshot (no API call, no credits).",
    )
    rates.add_argument("snapshot", type=Path, help="snapshot directory (crmkit fetch --out)")
    rates.add_argument(
        "--level", default="field", choices=("field", "route"), help="rows per field or route"
    )
    rates.add_argument("--by", default=None, help="segment column (Lead_Source, Owner.name, …)")
    rates.add_argument(
        "--freq",
        default=None,
        help="bucket a datetime --by column: W (week) or M (month); alone, by Created_Time",
    )
    rates.set_defaults(handler=run_rates)


def run_fetch(args: argparse.Namespace) -> int:
    """Fetch (or refresh) a snapshot and say what it cost."""
    from crmkit.api.errors import CRMError
    from crmkit.cli import fetch_bulk
    from crmkit.connection import connect
    from crmkit.snapshot import (
        check_snapshot_target,
        fetch_snapshot,
        load_snapshot,
        refresh_snapshot,
        save_snapshot,
    )

    problem = fetch_bulk.check_bulk_args(args)
    if problem is not None:
        print(f"crmkit fetch: {problem}", file=sys.stderr)
        return 2
    fields = [f.strip() for f in args.fields.split(",") if f.strip()] if args.fields else None
    # Cheap checks first: listing and asking spend a credit per lead before anything is written.
    check_snapshot_target(args.out)
    old = load_snapshot(args.out) if args.refresh and args.via != "bulk" else None
    note = ""
    try:
        with connect(progress=not args.quiet) as client:
            where = place(client)
            if not args.refresh:
                fetch_bulk.print_estimate(client, via=args.via, verify=args.verify or 0)
            if args.via == "bulk":
                snap, note = fetch_bulk.run_bulk(args, client)
            elif old is not None:  # read once above, before any call
                snap, report = refresh_snapshot(client, old, tz=args.tz)
                save_snapshot(snap, args.out)
                print(report)
            else:
                snap = fetch_snapshot(client, fields=fields, converted=args.converted, tz=args.tz)
                save_snapshot(snap, args.out)
    except KeyboardInterrupt:
        if args.via != "bulk":
            raise
        return fetch_bulk.interrupted(args.out)
    except SnapshotError as exc:  # --via bulk --refresh on a snapshot it cannot refresh: usage
        print(f"crmkit fetch: {exc}", file=sys.stderr)
        return 2 if args.via == "bulk" else 1
    except (CRMError, FramesError) as exc:
        print(f"crmkit fetch: {exc}", file=sys.stderr)
        return 1
    counts = snap.options["outcome"].value_counts()
    org = snap.meta.org_name or f"org {snap.meta.org_id}"
    print(
        f"{plural(snap.meta.n_leads, 'lead')} from {org} ({where}): "
        + ", ".join(f"{k} {int(v):,}" for k, v in counts.items())
        + f"; {plural(snap.meta.credits_spent, 'credit')} spent in total"
    )
    if snap.meta.n_contacts is not None and snap.meta.n_accounts is not None:
        print(
            f"with {plural(snap.meta.n_contacts, 'contact')} and "
            f"{plural(snap.meta.n_accounts, 'account')} "
            "(for crmkit's prediction and near-duplicates)"
        )
    if note:
        print(note)
    print(f"wrote {args.out}")
    return 0


def _pct(value: Any) -> str:
    if value is None or value is pd.NA:
        return ""
    number = float(value)
    return "" if number != number else f"{number:.1%}"


def format_rates(
    snapshot_dir: Path,
    *,
    level: str = "field",
    by: str | None = None,
    freq: str | None = None,
) -> str:
    """The text `crmkit rates` prints (a plain function, so it is tested without a shell)."""
    from crmkit.analysis import module_rates, rate_table, segment_rates, segment_summary, summary
    from crmkit.snapshot import load_snapshot

    snap = load_snapshot(snapshot_dir)
    if freq is not None and by is None:  # "rates per month" means per month of creation
        by = "Created_Time"
    if by is not None:
        _check_segment(snap.leads, by, freq)
    s = summary(snap.options)
    lines = [
        f"snapshot {snapshot_dir} ({snap.meta.source}, {snap.meta.org_name or '-'}, "
        f"fetched {snap.meta.fetched_at})",
        f"{int(s['n_leads']):,} leads, {int(s['n_answered']):,} answered, "
        f"{int(s['n_errors']):,} errors; {int(s['n_matched']):,} already exist "
        f"({_pct(s['rate'])} of answered)",
        "",
    ]
    modules = module_rates(snap.options)
    modules["rate"] = modules["rate"].map(_pct)
    lines += [modules.to_string(index=False), ""]
    if by is None:
        table = rate_table(snap.options, snap.matches, level=level)  # type: ignore[arg-type]
        cols = ["module", "field", "route", "leads_any", "rate_any", "leads_first", "rate_first"]
        if level == "route":
            cols.remove("route")
    else:
        table = segment_rates(
            snap.leads,
            snap.options,
            snap.matches,
            by,
            freq=freq,
            level=level,  # type: ignore[arg-type]
        )
        totals = segment_summary(snap.leads, snap.options, by, freq=freq)
        totals["rate"] = totals["rate"].map(_pct)
        lines += [totals.to_string(index=False), ""]
        cols = ["segment", "module", "field", "leads_any", "rate_any", "leads_first", "rate_first"]
    table = table[cols].copy()
    for col in ("rate_any", "rate_first"):
        table[col] = table[col].map(_pct)
    lines.append(table.to_string(index=False))
    if by is None:
        lines.append(f"{'':>8}first rates add up to {_pct(s['rate'])}")
    lines += ["", *format_open_leads(snap.leads, snap.org_config)]
    return "\n".join(lines)


def format_open_leads(leads: pd.DataFrame, config: OrgConfig | None) -> list[str]:
    """The "among open leads" section: leads duplicating another open lead, by tier and field."""
    from crmkit.clusters import among_open_leads

    summary, note = among_open_leads(leads, config)
    lines = ["among open leads (duplicates Zoho's conversion options cannot see)"]
    if summary.empty:
        lines.append("no open lead duplicates another open lead")
    else:
        table = summary.astype({"share": "object"})
        table["share"] = summary["share"].map(_pct)
        lines.append(table.to_string(index=False))
    lines += textwrap.wrap(note, width=100)
    return lines


def _check_segment(leads: pd.DataFrame, by: str, freq: str | None) -> None:
    """`--by` / `--freq` the snapshot can segment by, refused before any table is built."""
    if by not in leads.columns:
        shown = ", ".join(map(str, leads.columns[:15]))
        raise UsageError(f"--by {by}: the snapshot's leads have no such column; columns: {shown}")
    is_datetime = pd.api.types.is_datetime64_any_dtype(leads[by])
    if is_datetime and freq is None:
        raise UsageError(f"--by {by} is a datetime column: add --freq W (week) or M (month)")
    if freq is not None and is_datetime:
        try:
            pd.Period("2024-01-01", freq=freq)
        except ValueError:
            raise UsageError(f"--freq {freq}: not a period; use W (week) or M (month)") from None


def run_rates(args: argparse.Namespace) -> int:
    """Print the rate table of a snapshot."""
    print(format_rates(args.snapshot, level=args.level, by=args.by, freq=args.freq))
    return 0
