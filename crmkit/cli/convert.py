"""`crmkit convert` and `crmkit history`: run a reviewed plan, and look back at what runs did.

The help of each command opens with its own one-line summary (`CONVERT_SUMMARY`,
`HISTORY_SUMMARY`); the usage below follows as the epilog of `crmkit convert --help`.

    crmkit convert --plan plan.csv --dry-run        # validate live + estimate, send nothing
    crmkit convert --plan plan.csv [--journal J]    # convert (resumes if run before in this org)
    crmkit history [--journal J | --org ID] [--run N] [--export created.csv]
                   [--export-changes changes.csv]

The journal is --journal, else $CRMKIT_JOURNAL, else one file per org under the user data dir
(a rehearsal on a sandbox and a real run never share one). Every run records its org.

Exit codes: 0 all planned leads settled as converted (or already done), 1 some lead failed or was
skipped, 2 the plan is invalid / validation refused rows in a dry run / any other user error,
3 outcomes still open — a lead's, or a merge policy's update after the convert — (also when the
CRM or the network failed after every retry: run again),
4 another conversion is running on the same journal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit.cli.guard import UsageError, check_output_file
from crmkit.cli.messages import estimate_text, plan_lines, problem_line, talking_to
from crmkit.conversion.estimate import estimate
from crmkit.conversion.execute import execute
from crmkit.conversion.execute_options import MODES
from crmkit.conversion.journal import Journal
from crmkit.conversion.journal_path import (
    JOURNAL_ENV,
    journal_path,
    journals_dir,
    known_journals,
)
from crmkit.conversion.journal_updates import UpdateJournal
from crmkit.conversion.plan import load_plan
from crmkit.conversion.validate import blocked_leads, recheck
from crmkit.frames import write_csv
from crmkit.wording import plural

CONVERT_SUMMARY = "Convert the leads of a reviewed plan (CSV), journaled and resumable."
HISTORY_SUMMARY = "List the conversion runs a journal recorded, or what one run did."


def add_parser(subparsers: Any) -> None:
    """Register `crmkit convert` and `crmkit history`."""
    conv = subparsers.add_parser(
        "convert",
        help="convert leads from a reviewed plan (CSV), journaled and resumable",
        description=CONVERT_SUMMARY,
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    conv.add_argument("--plan", required=True, type=Path, help="plan CSV (crmkit.conversion.plan)")
    conv.add_argument("--dry-run", action="store_true", help="validate and estimate only")
    conv.add_argument(
        "--journal",
        type=Path,
        default=None,
        help=f"journal file (default ${JOURNAL_ENV}, else {journals_dir()}/<org id>.sqlite)",
    )
    conv.add_argument(
        "--claim-legacy-runs",
        action="store_true",
        help="runs an older journal recorded without their org ran in this org: resume them",
    )
    conv.add_argument(
        "--mode",
        choices=MODES,
        default="auto",
        help="auto: Mass Convert for create-new rows sharing options (default)",
    )
    conv.add_argument(
        "--no-snapshots",
        action="store_true",
        help="skip before/after copies of merge targets and new records (saves calls)",
    )
    conv.add_argument("--results", type=Path, default=None, help="write per-lead results CSV")
    conv.add_argument(
        "--retry-failed",
        action="store_true",
        help="give leads Zoho refused (or validation skipped) another try",
    )
    conv.add_argument(
        "--latency-ms", type=float, default=300.0, help="latency assumed by the time estimate"
    )
    conv.add_argument("--quiet", action="store_true", help="no progress bar")
    # The CRM or the network failing after every retry leaves outcomes open: run the plan again.
    conv.set_defaults(handler=run_convert, crm_error_exit=3)

    hist = subparsers.add_parser(
        "history",
        help="list conversion runs from the journal; export what a run created",
        description=HISTORY_SUMMARY,
        epilog="--run N shows that run's per-lead outcomes; --export writes what it created.",
    )
    hist.add_argument(
        "--journal",
        type=Path,
        default=None,
        help=f"journal file (default ${JOURNAL_ENV}, else every journal in {journals_dir()})",
    )
    hist.add_argument(
        "--org", default=None, help="the org id whose default journal to read (see the org column)"
    )
    hist.add_argument("--run", type=int, default=None, help="show one run's per-lead outcomes")
    hist.add_argument(
        "--export",
        type=Path,
        default=None,
        help="write what the run created (CSV) for audit, and every field crmkit changed after "
        "a merge (old -> new) beside it as <name>.field_changes.csv; needs --run",
    )
    hist.add_argument(
        "--export-changes",
        type=Path,
        default=None,
        help="where the field changes go instead (CSV: lead_id, module, record_id, field, old, "
        "new, status, …); needs --export",
    )
    hist.set_defaults(handler=run_history)


def _print_problems(problems: pd.DataFrame, lines: list[int]) -> None:
    """Each problem with the plan line a spreadsheet shows (row 0 is line 2)."""
    for rec in problems.to_dict("records"):
        print(problem_line(rec, lines))


def _settled_already(
    client: Any, plan: pd.DataFrame, named: Path | None, retry_failed: bool
) -> set[str]:
    """Leads of the plan a run would not send again: converted in this org by any run of the
    journal, or settled (converted, failed, skipped) in this plan's own run unless
    --retry-failed. The same rules `execute` applies, read before the estimate is printed."""
    from crmkit.conversion.journal_schema import FINAL_OUTCOMES
    from crmkit.conversion.org_binding import org_identity
    from crmkit.conversion.plan import plan_hash

    org_id = org_identity(client).org_id
    path = named or journal_path(org_id=org_id)
    if path is None or not Path(path).is_file():
        return set()
    with Journal(path) as journal:
        runs = journal.runs()
        ours = runs.loc[(runs["org_id"].astype("string") == org_id).fillna(False)]
        attempts = journal.attempts()
        attempts = attempts.loc[attempts["run_id"].isin(ours["run_id"]).to_numpy(dtype=bool)]
        done = set(attempts.loc[(attempts["outcome"] == "converted").fillna(False), "lead_id"])
        same = ours.loc[(ours["plan_hash"] == plan_hash(plan)).fillna(False), "run_id"]
        if len(same) and not retry_failed:
            last = journal.last_attempts(int(same.max()))
            done |= {lead for lead, a in last.items() if a["outcome"] in FINAL_OUTCOMES}
    return {str(lead) for lead in done} & set(plan["lead_id"].astype(str))


def _report_recheck(problems: pd.DataFrame, plan: pd.DataFrame, lines: list[int]) -> None:
    """The live re-check's problems (numbered within the plan execute checked: the whole one)."""
    print(f"{plural(len(problems), 'problem')} found by the live re-check:")
    by_lead = {lead: lines[i] for i, lead in enumerate(plan["lead_id"].astype(str))}
    for rec in problems.to_dict("records"):
        line = by_lead.get(str(rec["lead_id"]))
        own: dict[Any, Any] = {**rec, "row": 0}  # numbered by the user's plan, not execute's
        print(problem_line(own, [line]) if line else problem_line(rec, []))


def run_convert(args: argparse.Namespace) -> int:
    """Load, validate, estimate, then (unless --dry-run) execute the plan."""
    plan = load_plan(args.plan)
    # Cheap checks before connecting: the live re-check alone spends two calls per lead.
    named = journal_path(args.journal)  # None: the org's own file, known once connected
    if named is not None and not args.dry_run:
        Journal(named).close()  # a file that is not a journal is refused here, not mid-run
    if args.results is not None:
        check_output_file(args.results, "--results")
    from crmkit.connection import connect  # late: connecting may start the embedded sandbox

    lines = plan_lines(args.plan, len(plan))
    client = connect(progress=not args.quiet)
    try:
        print(f"plan {args.plan}: {plural(len(plan), 'lead')}, against {talking_to(client)}")
        done = _settled_already(client, plan, named, args.retry_failed) if len(plan) else set()
        todo = plan.loc[~plan["lead_id"].astype(str).isin(done).to_numpy(dtype=bool)]
        if todo.empty:
            why = "the plan is empty" if plan.empty else "every lead is settled in the journal"
            print(f"nothing to convert: {why}")
        else:
            est = estimate(
                todo,
                mode=args.mode,
                snapshots=not args.no_snapshots,
                concurrency=client.concurrency,
                latency_s=args.latency_ms / 1000,
            )
            left = f" (the other {len(done):,} settled already)" if done else ""
            print(f"estimate: {estimate_text(est)}{left}")
        if args.dry_run:
            if todo.empty:
                print("dry run: nothing would be sent; nothing was converted")
                return 0
            # the whole plan: its rows may refer to leads converted before (`lead:<id>`)
            problems = recheck(client, plan, progress=not args.quiet)
            if len(problems):
                print(f"{plural(len(problems), 'problem')}:")
                _print_problems(problems, lines)
            blocked = blocked_leads(problems)
            print(
                f"dry run: {plural(len(plan) - len(blocked), 'lead')} would be sent, "
                f"{len(blocked):,} refused; nothing was converted"
            )
            return 2 if blocked else 0
        report = execute(
            client,
            plan,
            journal=args.journal,
            mode=args.mode,
            snapshots=not args.no_snapshots,
            progress=not args.quiet,
            plan_name=str(args.plan),
            retry_failed=args.retry_failed,
            on_problems=lambda problems: _report_recheck(problems, plan, lines),
            claim_legacy_runs=args.claim_legacy_runs,
        )
        print(report.message)
        print(f"org: {report.run.org_label}")
        print(f"journal: {report.journal_path}")
        if args.results is not None:
            write_csv(report.results, args.results)
            print(f"results: {args.results}")
        outcomes = set(report.results["outcome"].tolist())
        if outcomes & {"unknown", "not_converted"} or not report.finished:
            return 3  # open: a lead, or a merge policy's update (run the plan again)
        if outcomes & {"failed", "skipped"}:
            return 1
        return 0
    finally:
        client.close()


def _history_paths(args: argparse.Namespace) -> list[Path]:
    """The journals `history` reads: --journal, else $CRMKIT_JOURNAL, else --org's default file,
    else every per-org default journal (and the pre-org shared one)."""
    named = journal_path(args.journal, org_id=None if args.org is None else str(args.org))
    return [named] if named is not None else known_journals()


_RUN_COLUMNS = [
    "run_id",
    "org",
    "started_at",
    "status",
    "n_leads",
    "converted",
    "failed",
    "skipped",
    "open",
    "plan_name",
]


def run_history(args: argparse.Namespace) -> int:
    """Print the runs (or one run's outcomes), and export what a run created."""
    if args.export is not None:
        if args.run is None:
            raise UsageError("--export needs --run N (the run whose records to export)")
        check_output_file(args.export, "--export")
        check_output_file(changes_path(args), "--export-changes")
    elif args.export_changes is not None:
        raise UsageError("--export-changes needs --export FILE and --run N")
    paths = [p for p in _history_paths(args) if Path(p).exists()]
    if not paths:
        where = _history_paths(args) or [journals_dir()]
        print(f"no journal at {', '.join(map(str, where))}: no conversions yet")
        return 0
    if (args.run is not None or args.export is not None) and len(paths) > 1:
        print(
            "crmkit history: several journals (one per org); name one with --org ID or "
            f"--journal FILE: {', '.join(map(str, paths))}",
            file=sys.stderr,
        )
        return 2
    for path in paths:
        code = _history_of(Path(path), args, several=len(paths) > 1)
        if code:
            return code
    return 0


def changes_path(args: argparse.Namespace) -> Path:
    """Where `history --export` writes the field changes: --export-changes, else beside --export
    (`created.csv` -> `created.field_changes.csv`)."""
    if args.export_changes is not None:
        return Path(args.export_changes)
    export = Path(args.export)
    return export.with_name(f"{export.stem}.field_changes.csv")


def _history_of(path: Path, args: argparse.Namespace, *, several: bool) -> int:
    with Journal(path) as journal:
        if args.run is not None:
            try:
                info = journal.run(args.run)
            except KeyError as exc:
                raise UsageError(f"--run {args.run}: {exc.args[0]}") from None
        if args.export is not None:
            created = journal.created(args.run)
            write_csv(created, args.export)
            print(
                f"run {args.run} ({info.org_label}): {plural(len(created), 'converted lead')} "
                f"written to {args.export}"
            )
            changes = UpdateJournal(journal).changes(args.run)
            write_csv(changes, changes_path(args))
            print(
                f"run {args.run}: {len(changes)} field change(s) crmkit made after merges "
                f"written to {changes_path(args)}"
            )
            return 0
        if args.run is not None:
            print(
                f"run {info.run_id} ({info.plan_name}) in {info.org_label} {info.status}: "
                f"{info.summary}"
            )
            attempts = journal.attempts(run_id=args.run)
            last = attempts.drop_duplicates("lead_id", keep="last")
            cols = ["lead_id", "outcome", "kind", "code", "contact_id", "account_id", "deal_id"]
            print(last[cols].to_string(index=False))
            return 0
        runs = journal.runs()
        if several:
            print(f"journal {path}:")
        if runs.empty:
            print(f"journal {path}: no runs yet")
            return 0
        runs["org"] = [
            "org unknown" if pd.isna(i) else (f"{n} ({i})" if not pd.isna(n) else str(i))
            for i, n in zip(runs["org_id"], runs["org_name"], strict=True)
        ]
        print(runs[_RUN_COLUMNS].to_string(index=False))
    return 0
