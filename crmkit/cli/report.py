"""`crmkit report`: a snapshot (and optionally the conversion journal) as one HTML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crmkit.cli.guard import check_output_file
from crmkit.conversion.journal import Journal
from crmkit.wording import plural


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "report",
        help="write the duplicate report (HTML) from a snapshot",
        description="Write the duplicate report (one self-contained HTML file) from a snapshot.",
        epilog=(
            "The snapshot is one written by `crmkit fetch` or `crmkit predict`; plots are "
            "embedded. Costs no API credits."
        ),
    )
    p.add_argument("--snapshot", required=True, type=Path, help="snapshot directory")
    p.add_argument("--out", default=Path("report.html"), type=Path, help="HTML file to write")
    p.add_argument(
        "--journal",
        default=None,
        type=Path,
        help="conversion journal (SQLite) to include (default $CRMKIT_JOURNAL, else the "
        "snapshot's org's own journal)",
    )
    p.add_argument("--title", default=None, help="report title")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crmkit.conversion.journal_path import journal_path
    from crmkit.report import compute_report, write_report
    from crmkit.report.answer_errors import error_breakdown
    from crmkit.snapshot import load_snapshot

    check_output_file(args.out, "--out")
    if args.journal is not None and args.journal.exists():
        Journal(args.journal).close()  # not a journal: refused before the report is computed
    snapshot = load_snapshot(args.snapshot)
    if snapshot.note is not None:
        print(f"crmkit report: note: {snapshot.note}", file=sys.stderr)
    kwargs = {"title": args.title} if args.title else {}
    journal = journal_path(args.journal, org_id=snapshot.meta.org_id)
    report = compute_report(snapshot, journal, **kwargs)
    path = write_report(report, args.out)
    h = report.headline
    print(
        f"{h.matched:,} of {h.answered:,} answered leads ({h.rate:.1%}) already exist "
        f"as a Contact or an Account."
    )
    if h.errors:
        codes = error_breakdown(report.errors)
        print(f"{plural(h.errors, 'lead')} answered with an error: {codes}")
    if report.agreement is not None:
        print(report.notes["agreement"])
    print(f"Near-duplicates: {report.notes['near_duplicates']}")
    print(f"Report written to {path.resolve()}")
    return 0
