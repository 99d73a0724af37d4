"""Run a plan: re-check it live, convert each lead at most once, journal every step, report.

Why this shape: a conversion cannot be undone and an answer can be lost (a dropped connection, a
5xx after the change, a killed kernel). So every request is journaled *before* it leaves and its
answer *after* it comes; an attempt without an answer is settled by reading the lead back
(`Converted__s`, `$converted_detail`) — never by sending it again blindly. A read-back that shows
the lead unconverted makes a new attempt safe; one that shows it converted records the result.

This module runs the steps in order (open or resume the run, settle what an earlier run left
open, re-check live, skip refused rows, send, report); each path has its own module:
- `settle`: attempts whose answer was lost, decided by reading the lead back;
- `convert_lead`: Convert Lead, one request per lead, `workers` at a time (the client's limiter
  keeps them inside Zoho's sub-concurrency pool of 10);
- `mass_convert`: Mass Convert for create-new rows sharing the same options (`mode="auto"|"mass"`),
  jobs of <= 50, each lead read back; leads a job did not convert go through Convert Lead;
- `run_context`: what these share; `execute_options`: how a run goes (`ExecuteOptions`, `Mode`).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import pandas as pd
from tqdm.auto import tqdm

from crmkit.api.errors import CRMError
from crmkit.api.limits import Usage
from crmkit.conversion.client_like import ClientLike
from crmkit.conversion.contact_roles import plan_has_roles, resolve_roles, role_map
from crmkit.conversion.events import EventJournal
from crmkit.conversion.execute_options import ExecuteChanges, ExecuteOptions
from crmkit.conversion.facts import Facts, live_facts, transient
from crmkit.conversion.journal import FINAL_OUTCOMES, Journal, RunInfo
from crmkit.conversion.journal_path import journal_path
from crmkit.conversion.journal_updates import UpdateJournal, open_updates
from crmkit.conversion.merge_apply import apply_merge_policies
from crmkit.conversion.org_binding import OrgIdentity, org_identity
from crmkit.conversion.own_conversions import defer_unavailable, settle_own_conversions
from crmkit.conversion.plan import make_plan, plan_hash, rows_of
from crmkit.conversion.references import referenced
from crmkit.conversion.run_context import RunContext
from crmkit.conversion.settle import settle_open
from crmkit.conversion.validate import blocked_leads, validate
from crmkit.conversion.waves import Ordered, place_references, send_in_order

__all__ = ["RESULTS_SCHEMA", "ExecutionReport", "execute", "results_of"]

log = logging.getLogger("crmkit.conversion")

RESULTS_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "outcome": "string",
    "contact_id": "string",
    "account_id": "string",
    "deal_id": "string",
    "code": "string",
    "message": "string",
    "via": "string",
    "attempts": "Int64",
    "anchor_lead_id": "string",
    "merge_update": "string",
}
log = logging.getLogger("crmkit.conversion")
# Outcomes: converted | failed (Zoho refused; nothing changed) | skipped (not sent: validation)
# | not_converted (known not to have happened; a rerun tries again) | unknown (answer lost and
# not yet settled; a rerun settles it first). `via`: how it was sent (single | mass | none);
# `anchor_lead_id`: the lead whose records a row referencing another (`lead:<id>`) merged into.
# `merge_update`: what the row's merge policy came to after the convert, per corrected record
# (`Contacts <id> applied (Phone)`, `… conflict (Title): CONFLICT …`; see merge_apply).


@dataclass
class ExecutionReport:
    """What a call to `execute` did: the run, one result row per planned lead, the problems."""

    run: RunInfo
    results: pd.DataFrame
    problems: pd.DataFrame
    converted_now: int
    message: str
    usage: Usage | None = None
    counts: dict[str, int] = field(default_factory=dict)
    journal_path: Path | None = None
    merge_updates: dict[str, int] = field(default_factory=dict)  # record_updates outcome -> n

    def __str__(self) -> str:
        return self.message

    @property
    def finished(self) -> bool:
        """True when every planned lead has a final outcome, and so has every merge update."""
        done = bool(self.results["outcome"].isin(list(FINAL_OUTCOMES)).all())
        return done and not open_updates(self.merge_updates)


def results_of(journal: Journal, run_id: int, lead_ids: Sequence[str]) -> pd.DataFrame:
    """One row per planned lead from its latest attempt in the run (RESULTS_SCHEMA)."""
    last = journal.last_attempts(run_id)
    counts = journal.attempts(run_id=run_id)
    sent = counts[~counts["kind"].isin(["none", "read_back"])].groupby("lead_id").size()
    anchors = {  # rows journaled by older crmkit versions may lack columns: read what is there
        str(r["lead_id"]): r.get("via") or next(iter(referenced(r).values()), None)
        for r in journal.plan_rows(run_id)
        if r.get("lead_id") is not None
    }
    notes = UpdateJournal(journal).notes(run_id)
    rows = []
    for lead_id in lead_ids:
        att = last.get(lead_id)
        if att is None:
            rows.append(
                {
                    "lead_id": lead_id,
                    "outcome": "not_converted",
                    "attempts": 0,
                    "message": "not attempted yet",
                    "anchor_lead_id": anchors.get(lead_id),
                }
            )
            continue
        rows.append(
            {
                "lead_id": lead_id,
                "outcome": att["outcome"],
                "contact_id": att["contact_id"],
                "account_id": att["account_id"],
                "deal_id": att["deal_id"],
                "code": att["code"],
                "message": att["message"],
                "via": att["kind"],
                "attempts": int(sent.get(lead_id, 0)),
                "anchor_lead_id": anchors.get(lead_id),
                "merge_update": notes.get(lead_id),
            }
        )
    frame = pd.DataFrame.from_records(rows, columns=list(RESULTS_SCHEMA))
    return frame.astype(RESULTS_SCHEMA)


def _summary(results: pd.DataFrame) -> dict[str, int]:
    counts = results["outcome"].value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def execute(
    client: ClientLike,
    plan: pd.DataFrame,
    *,
    journal: Journal | str | Path | None = None,
    options: ExecuteOptions | None = None,
    **changes: Unpack[ExecuteChanges],
) -> ExecutionReport:
    """Convert the plan's leads, each at most once, journaling every request and answer.

    The journal is `journal` (a `Journal` or a path), else `$CRMKIT_JOURNAL`, else the org's own
    file (`crmkit.conversion.journal_path`); every run records the org (`GET /org`).
    Running the same plan again in the same org resumes its run: settled leads are skipped,
    attempts whose answer was lost are settled by reading back, and a finished plan converts
    nothing. Rows the live re-check refuses are recorded as `skipped` with the reasons.
    How it runs is `options` (default `ExecuteOptions()`) with `changes` applied: any of its
    fields as a keyword, e.g. `mode="single"`, `snapshots=False`, `retry_failed=True` to give
    leads Zoho refused (and skipped ones) another try in this run, or `on_event=` to follow each
    journaled step as it happens (`crmkit.conversion.events`).
    """
    opts = (options or ExecuteOptions()).replace(**changes)
    plan = make_plan(plan)
    org = org_identity(client)
    own_journal = not isinstance(journal, Journal)
    jr = (
        journal
        if isinstance(journal, Journal)
        else Journal(journal_path(journal, org_id=org.org_id))
    )
    try:
        with jr.exclusive():
            try:
                report = _execute(client, plan, jr, opts, org)
            except BaseException as exc:
                _stop_running(jr, exc)
                raise
            report.journal_path = jr.path
            return report
    finally:
        if own_journal:
            jr.close()


def _stop_running(jr: Journal, exc: BaseException) -> None:
    """A run an error (or Ctrl-C) stopped is `incomplete`, never left `running` for ever.

    Holding the journal's exclusive lock, every run still `running` is this one (or one a killed
    process left): its open attempts stay open, to be settled by the next run of the plan.
    """
    try:
        runs = jr.runs()
        for run_id in runs.loc[runs["status"] == "running", "run_id"].tolist():
            jr.finish_run(
                int(run_id),
                status="incomplete",
                summary=f"stopped by {type(exc).__name__}; run the plan again to finish it",
            )
    except sqlite3.Error as failed:  # the error being raised matters more than this note
        log.warning("could not mark the stopped run incomplete: %s", failed)


def _execute(
    client: ClientLike, plan: pd.DataFrame, jr: Journal, opts: ExecuteOptions, org: OrgIdentity
) -> ExecutionReport:
    rows = rows_of(plan)
    lead_ids = [str(r["lead_id"]) for r in rows]
    digest = plan_hash(plan)
    if opts.claim_legacy_runs:
        claimed = jr.claim_runs(org)
        if claimed:
            log.warning("%d run(s) recorded without their org bound to %s", claimed, org.label)
    unclaimed = jr.runs_without_org(digest)
    run = jr.open_run(
        digest,
        rows,
        plan_name=opts.plan_name,
        target=client.description,
        new=opts.new_run,
        org=org,
    )
    if unclaimed and not run.resumed:
        log.warning(
            "the journal %s holds run(s) %s of this plan recorded without their org; they are "
            "not resumed in %s (claim_legacy_runs=True / --claim-legacy-runs if they ran there)",
            jr.path,
            ", ".join(map(str, unclaimed)),
            org.label,
        )
    if run.resumed:
        jr.reopen_run(run.run_id)
    workers = max(1, min(opts.workers, client.concurrency))
    with tqdm(total=len(rows), desc="convert", unit="lead", disable=not opts.progress) as bar:
        events = EventJournal(jr, opts.on_event)
        ctx = RunContext(client, events, run, opts, workers=workers, bar=bar)
        # Open attempts of this plan's leads in any run (a plan edited after a crash is a new
        # run) are settled first. One whose read-back failed stays open: the lead is neither
        # sent again nor re-checked (a re-check would call crmkit's own conversion someone
        # else's) until a later run reads it back.
        settle_open(ctx, jr.open_attempts(lead_ids, run.run_id))
        still_open = {str(a["lead_id"]) for a in jr.open_attempts(lead_ids, run.run_id)}
        last = jr.last_attempts(run.run_id)
        final = {"converted"} if opts.retry_failed else set(FINAL_OUTCOMES)
        done = {lead for lead, a in last.items() if a["outcome"] in final}
        for lead_id in (i for i in lead_ids if i in done):
            events.emit("resumed", lead_id, str(last[lead_id]["outcome"]))
        elsewhere = jr.converted_elsewhere(
            [i for i in lead_ids if i not in done and i not in still_open], run.run_id
        )
        for lead_id, other in elsewhere.items():
            events.skip(
                run.run_id,
                lead_id,
                code="CONVERTED_BY_CRMKIT",
                message=f"converted by run {other} of this journal",
            )
            done.add(lead_id)
        bar.update(len(done))
        todo: list[Mapping[str, Any]] = [
            r for r in rows if str(r["lead_id"]) not in done | still_open
        ]
        problems = validate(make_plan(todo)) if todo else validate(make_plan(rows[:0]))
        if not todo and not still_open:
            apply_merge_policies(ctx, jr, rows)  # a crash may have come between convert and update
            results = results_of(jr, run.run_id, lead_ids)
            counts = _summary(results)
            message = (
                f"nothing to convert: every lead of this plan is already settled in run "
                f"{run.run_id} ({_describe(counts)})"
            ) + UpdateJournal(jr).summary(run.run_id)
            updates = UpdateJournal(jr).counts(run.run_id)
            status = "incomplete" if open_updates(updates) else "done"
            jr.finish_run(run.run_id, status=status, summary=_describe(counts))
            return ExecutionReport(
                _info(jr, run),
                results,
                problems,
                0,
                message,
                client.usage,
                counts,
                merge_updates=updates,
            )
        # References to anchors settled before: resolved now; to open anchors: the row waits.
        ordered = Ordered()
        todo = place_references(ctx, jr, todo, still_open, ordered)
        todo_plan = make_plan(todo)
        roles = None
        if opts.recheck and todo:
            try:
                facts = live_facts(client, todo_plan)
            except CRMError as exc:
                if not transient(exc):
                    raise
                # The org's metadata could not be read: nothing is known, nothing is final.
                facts = Facts(unavailable={str(r["lead_id"]): str(exc) for r in todo})
            deferred = defer_unavailable(ctx, facts.unavailable)
            todo = [r for r in todo if str(r["lead_id"]) not in deferred]
            todo_plan = make_plan(todo)
            problems = validate(todo_plan, facts)
            ctx.leads_before = dict(facts.leads or {})
            roles = facts.org.contact_roles if facts.org else None
        else:
            problems = validate(todo_plan, Facts())
        # Converted already: by crmkit itself (a lost job id or answer, a restored journal)?
        by_row = {str(r["lead_id"]): r for r in todo}
        found_converted = set(
            problems.loc[problems["rule"].isin(["lead_converted", "options_error"]), "lead_id"]
        )
        own = settle_own_conversions(ctx, by_row, found_converted) if found_converted else set()
        if own:
            problems = problems[~problems["lead_id"].isin(sorted(own))].reset_index(drop=True)
            todo = [r for r in todo if str(r["lead_id"]) not in own]
        if opts.on_problems is not None and len(problems):
            opts.on_problems(problems)
        blocked = set(blocked_leads(problems))
        for lead_id in blocked:
            mine = problems[(problems["lead_id"] == lead_id) & (problems["severity"] == "error")]
            events.skip(
                run.run_id,
                lead_id,
                code=";".join(dict.fromkeys(mine["rule"].tolist())),
                message="; ".join(mine["reason"].tolist()),
            )
            bar.update(1)
        sendable: list[Mapping[str, Any]] = [r for r in todo if str(r["lead_id"]) not in blocked]
        if plan_has_roles(sendable):  # roles picked by name go out as their ids
            roles = roles if roles is not None else role_map(client.contact_roles())
            sendable = resolve_roles(sendable, roles)
        # Anchors before the rows that reference them, each later wave re-checked live.
        send_in_order(ctx, jr, sendable, ordered)
        # Merge policies: what Zoho's mapping did not do, on every merged record (this run's).
        apply_merge_policies(ctx, jr, rows)
        problems = pd.concat([problems, ordered.problems], ignore_index=True)
    results = results_of(jr, run.run_id, lead_ids)
    counts = _summary(results)
    updates = UpdateJournal(jr).counts(run.run_id)
    finished = (
        not still_open
        and not ordered.waiting
        and all(o in FINAL_OUTCOMES for o in results["outcome"].tolist())
        and not open_updates(updates)
    )
    jr.finish_run(
        run.run_id, status="done" if finished else "incomplete", summary=_describe(counts)
    )
    verb = "resumed run" if run.resumed else "run"
    message = f"{verb} {run.run_id}: converted {ctx.converted_now} now; {_describe(counts)}"
    message += UpdateJournal(jr).summary(run.run_id)
    if ordered.waiting:
        message += (
            f"; {len(ordered.waiting)} lead(s) wait for their anchor (lead "
            f"{', '.join(sorted(set(ordered.waiting.values())))}), whose outcome is open"
        )
    if still_open:
        message += (
            f"; {len(still_open)} lead(s) not sent: an earlier attempt's answer was lost and "
            "reading the lead back failed"
        )
    if not finished or still_open:
        message += " — some outcomes are open: run the same plan again to settle them"
    return ExecutionReport(
        _info(jr, run),
        results,
        problems,
        ctx.converted_now,
        message,
        client.usage,
        counts,
        merge_updates=updates,
    )


def _info(jr: Journal, run: RunInfo) -> RunInfo:
    """The run as stored now, remembering whether this call resumed it."""
    info = jr.run(run.run_id)
    return RunInfo(**{**info.__dict__, "resumed": run.resumed})


def _describe(counts: Mapping[str, int]) -> str:
    order = ["converted", "failed", "skipped", "not_converted", "unknown"]
    parts = [f"{counts[k]} {k}" for k in order if counts.get(k)]
    return ", ".join(parts) or "no leads"
