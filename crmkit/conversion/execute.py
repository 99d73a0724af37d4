"""Run a plan: re-check it live, convert each lead at most once, journal every step, report.

Why this shape: a conversion cannot be undone and an answer can be lost (a dropped connection, a
5xx after the change, a killed kernel). So every request is journaled *before* it leaves and its
answer *after* it comes; an attempt without an answer is settled by reading the lead back
(`Converted__s`, `$converted_detail`) — never by sending it again blindly. A read-back that shows
the lead unconverted makes a new attempt safe; one that shows it converted records the result.

Paths:
- Convert Lead, one request per lead, `workers` at a time (the client's limiter keeps them inside
  Zoho's sub-concurrency pool of 10).
- Mass Convert for create-new rows sharing the same options (`mode="auto"|"mass"`): jobs of <= 50,
  status polled to the end, each lead read back to learn its own outcome (the job reports counts
  only); leads the job did not convert go through Convert Lead, which says why.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import pandas as pd
from tqdm.auto import tqdm

from crmkit.api.errors import (
    AlreadyConvertedError,
    AuthError,
    CreditsExhaustedError,
    CRMError,
    NetworkError,
    OutcomeUnknownError,
    RateLimitError,
)
from crmkit.api.limits import Usage
from crmkit.api.models import MassConvertRequest
from crmkit.conversion.client_like import ClientLike
from crmkit.conversion.estimate import MASS_CHUNK, MASS_JOBS_IN_FLIGHT, mass_groups
from crmkit.conversion.execute_options import ExecuteChanges, ExecuteOptions
from crmkit.conversion.journal import FINAL_OUTCOMES, Journal, RunInfo
from crmkit.conversion.plan import deal_of, make_plan, plan_hash, request_for, rows_of
from crmkit.conversion.validate import Facts, blocked_leads, live_facts, validate

__all__ = ["RESULTS_SCHEMA", "ExecutionReport", "converted_ids", "execute", "results_of"]

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
}
# Outcomes: converted | failed (Zoho refused; nothing changed) | skipped (not sent: validation)
# | not_converted (known not to have happened; a rerun tries again) | unknown (answer lost and
# not yet settled; a rerun settles it first).

Snapshot = tuple[str, str, Mapping[str, Any] | None]


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

    def __str__(self) -> str:
        return self.message

    @property
    def finished(self) -> bool:
        """True when every planned lead has a final outcome."""
        return bool(self.results["outcome"].isin(list(FINAL_OUTCOMES)).all())


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value) if value is not None else False


def converted_ids(record: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The Contact/Account/Deal ids a converted lead's `$converted_detail` names."""
    out: dict[str, str | None] = {"Contacts": None, "Accounts": None, "Deals": None}
    detail = (record or {}).get("$converted_detail")
    if not isinstance(detail, Mapping):
        return out
    aliases = {
        "Contacts": ("Contacts", "Contact", "contact"),
        "Accounts": ("Accounts", "Account", "account"),
        "Deals": ("Deals", "Deal", "deal"),
    }
    for module, keys in aliases.items():
        for key in keys:
            value = detail.get(key)
            if isinstance(value, Mapping) and value.get("id") is not None:
                out[module] = str(value["id"])
            elif isinstance(value, str | int) and not isinstance(value, bool):
                out[module] = str(value)
            if out[module] is not None:
                break
    return out


class _Runner:
    """One execution: the client, the journal, the run, and the progress bar."""

    def __init__(
        self,
        client: ClientLike,
        journal: Journal,
        run: RunInfo,
        options: ExecuteOptions,
        *,
        workers: int,
        bar: Any,
    ) -> None:
        self.client = client
        self.journal = journal
        self.run = run
        self.snapshots = options.snapshots
        self.workers = workers
        self.poll_interval = options.poll_interval
        self.mass_timeout = options.mass_timeout
        self.max_attempts = options.max_attempts
        self.bar = bar
        self.lock = threading.Lock()
        self.converted_now = 0
        self.leads_before: dict[str, Mapping[str, Any] | None] = {}

    # ------------------------------------------------------------------ helpers
    def _read(self, module: str, record_id: str | None) -> Snapshot | None:
        if record_id is None:
            return None
        converted = "both" if module == "Leads" else None
        return (module, record_id, self.client.get_record(module, record_id, converted=converted))

    def _after(
        self, lead_record: Mapping[str, Any] | None, ids: Mapping[str, str | None], lead_id: str
    ) -> list[Snapshot]:
        out: list[Snapshot] = [("Leads", lead_id, lead_record)]
        if not self.snapshots:
            return out
        for module in ("Contacts", "Accounts", "Deals"):
            try:
                snap = self._read(module, ids.get(module))
            except CRMError as exc:  # a copy is nice to have; the outcome is already known
                log.warning("after-copy of %s %s failed: %s", module, ids.get(module), exc)
                continue
            if snap is not None:
                out.append(snap)
        return out

    def _done(self, converted: bool) -> None:
        with self.lock:
            if converted:
                self.converted_now += 1
        self.bar.update(1)

    def read_back(self, lead_id: str) -> tuple[str, dict[str, str | None], Any]:
        """`converted` / `not_converted` / `gone` from the lead's record, or `unknown` if unread."""
        try:
            record = self.client.get_record("Leads", lead_id, converted="both")
        except CRMError as exc:
            log.warning("read-back of lead %s failed: %s", lead_id, exc)
            return "unknown", {}, None
        if record is None:
            return "gone", {}, None
        if _truthy(record.get("Converted__s")):
            return "converted", converted_ids(record), record
        return "not_converted", {}, record

    def settle(
        self, attempt_id: int, lead_id: str, *, note: str, code: str = "SETTLED_BY_READ_BACK"
    ) -> str:
        """Settle an attempt whose answer was lost by reading the lead back; the outcome."""
        state, ids, record = self.read_back(lead_id)
        if state == "unknown":
            return "unknown"
        if state == "converted":
            self.journal.answer(
                attempt_id,
                outcome="converted",
                state="settled",
                contact_id=ids.get("Contacts"),
                account_id=ids.get("Accounts"),
                deal_id=ids.get("Deals"),
                code=code,
                message=f"{note}; the lead reads back converted",
                answer={"read_back": record},
                after=self._after(record, ids, lead_id),
            )
            return "converted"
        if state == "gone":
            self.journal.answer(
                attempt_id,
                outcome="failed",
                state="settled",
                code="LEAD_NOT_FOUND",
                message=f"{note}; the lead no longer exists",
            )
            return "failed"
        self.journal.answer(
            attempt_id,
            outcome="not_converted",
            state="settled",
            code=code,
            message=f"{note}; the lead reads back unconverted, so it was not converted",
            answer={"read_back": record},
        )
        return "not_converted"

    # ------------------------------------------------------------------ open attempts
    def settle_open(self, open_: Sequence[Mapping[str, Any]]) -> None:
        """Resume: finish mass jobs still running, then read back every unanswered attempt."""
        if not open_:
            return
        jobs = {str(a["job_id"]) for a in open_ if a["kind"] == "mass" and a["job_id"]}
        for job_id in sorted(jobs):
            try:
                self.client.wait_mass_convert(
                    job_id, poll_interval=self.poll_interval, timeout=self.mass_timeout
                )
            except (CRMError, TimeoutError) as exc:
                log.warning("mass convert job %s could not be followed: %s", job_id, exc)
        log.info("settling %d attempt(s) whose answer was lost, by reading back", len(open_))

        def one(att: Mapping[str, Any]) -> None:
            self.settle(
                int(att["attempt_id"]),
                str(att["lead_id"]),
                note="answer lost (process stopped or connection dropped)",
            )

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            list(pool.map(one, open_))

    # ------------------------------------------------------------------ Convert Lead
    def convert_one(self, row: Mapping[str, Any]) -> None:
        lead_id = str(row["lead_id"])
        request = request_for(row)
        converted = False
        for attempt in range(1, self.max_attempts + 1):
            before: list[Snapshot] = [("Leads", lead_id, self.leads_before.get(lead_id))]
            if self.snapshots:
                try:
                    if row["contact_action"] == "merge":
                        snap = self._read("Contacts", str(row["contact_id"]))
                        before += [snap] if snap else []
                    if row["account_action"] == "merge" and row["contact_action"] != "merge":
                        snap = self._read("Accounts", str(row["account_id"]))
                        before += [snap] if snap else []
                except CRMError as exc:
                    log.warning("before-copy for lead %s failed: %s", lead_id, exc)
            earlier = self.journal.tried_before(lead_id)
            aid = self.journal.begin(
                self.run.run_id,
                lead_id,
                kind="single",
                request=request.to_payload(),
                before=before,
            )
            try:
                result = self.client.convert_lead(lead_id, request)
            except OutcomeUnknownError as exc:
                outcome = self.settle(aid, lead_id, note=f"answer lost: {exc.code or exc.message}")
                if outcome == "not_converted" and attempt < self.max_attempts:
                    continue
                converted = outcome == "converted"
                break
            except AlreadyConvertedError as exc:
                if earlier:
                    # An earlier attempt of ours (answer lost, or a mass job) got there first.
                    outcome = self.settle(
                        aid, lead_id, note="ID_ALREADY_CONVERTED after an earlier crmkit attempt"
                    )
                    converted = outcome == "converted"
                    if outcome in ("converted", "unknown"):
                        break
                self.journal.answer(
                    aid,
                    outcome="failed",
                    code=exc.code,
                    message=exc.message,
                    answer={"code": exc.code, "details": exc.details, "message": exc.message},
                )
                break
            except (RateLimitError, NetworkError, AuthError) as exc:
                # Not processed (429, refused credentials) or never sent: nothing changed, safe
                # to try again — later, for credentials: a rerun with working ones finishes it.
                self.journal.answer(
                    aid,
                    outcome="not_converted",
                    code=exc.code or type(exc).__name__,
                    message=str(exc),
                )
                final = isinstance(exc, CreditsExhaustedError | AuthError)
                if attempt < self.max_attempts and not final:
                    time.sleep(min(2.0 * attempt, 10.0))
                    continue
                break  # spent credits come back only as the day's calls age out: rerun later
            except CRMError as exc:
                self.journal.answer(
                    aid,
                    outcome="failed",
                    code=exc.code or type(exc).__name__,
                    message=exc.message,
                    answer={
                        "code": exc.code,
                        "details": exc.details,
                        "message": exc.message,
                        "status": exc.status,
                    },
                )
                break
            ids = {
                "Contacts": result.contact_id,
                "Accounts": result.account_id,
                "Deals": result.deal_id,
            }
            message = result.message + _account_mismatch(row, result.account_id)
            after: list[Snapshot] = []
            if self.snapshots:
                try:
                    lead_after = self.client.get_record("Leads", lead_id, converted="both")
                except CRMError:
                    lead_after = None
                after = self._after(lead_after, ids, lead_id)
            self.journal.answer(
                aid,
                outcome="converted",
                contact_id=result.contact_id,
                account_id=result.account_id,
                deal_id=result.deal_id,
                code=result.code,
                message=message,
                answer=result.raw,
                after=after,
            )
            converted = True
            break
        self._done(converted)

    def convert_single(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        with ThreadPoolExecutor(
            max_workers=max(1, min(self.workers, len(rows))), thread_name_prefix="crmkit-convert"
        ) as pool:
            for future in [pool.submit(self.convert_one, r) for r in rows]:
                future.result()

    # ------------------------------------------------------------------ Mass Convert
    def convert_mass(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """One job for these rows (same options, <= 50); the rows left for Convert Lead."""
        lead_ids = [str(r["lead_id"]) for r in rows]
        first = rows[0]
        request = MassConvertRequest(
            ids=lead_ids,
            deal=deal_of(first),
            assign_to=None if first["assign_to"] is None else str(first["assign_to"]),
            move_attachments_to=first["move_attachments_to"],
        )
        attempts = self.journal.begin_many(
            self.run.run_id, lead_ids, kind="mass", request=request.to_payload()
        )
        for lead_id in lead_ids:
            self.journal.add_snapshots(
                attempts[lead_id], "before", [("Leads", lead_id, self.leads_before.get(lead_id))]
            )
        note = "mass convert"
        try:
            job_id = self.client.mass_convert(request)
        except OutcomeUnknownError as exc:
            note = f"mass convert answer lost ({exc.code or exc.message})"
            time.sleep(self.poll_interval)  # let a job that did start make progress
        except CRMError as exc:
            for lead_id in lead_ids:  # refused as a whole: nothing was scheduled
                self.journal.answer(
                    attempts[lead_id],
                    outcome="not_converted",
                    code=exc.code,
                    message=f"mass convert refused: {exc.message}",
                )
            return list(rows)
        else:
            self.journal.set_job(list(attempts.values()), job_id)
            note = f"mass convert job {job_id}"
            try:
                status = self.client.wait_mass_convert(
                    job_id, poll_interval=self.poll_interval, timeout=self.mass_timeout
                )
                note += f" {status.status} ({status.converted} converted, {status.failed} failed)"
            except (CRMError, TimeoutError) as exc:
                note += f" not followed to its end ({exc})"
        left: list[Mapping[str, Any]] = []
        by_id = {str(r["lead_id"]): r for r in rows}

        def one(lead_id: str) -> None:
            outcome = self.settle(attempts[lead_id], lead_id, note=note, code="MASS_CONVERT")
            if outcome == "not_converted":
                with self.lock:
                    left.append(by_id[lead_id])
            else:
                self._done(outcome == "converted")

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            list(pool.map(one, lead_ids))
        return left


def results_of(journal: Journal, run_id: int, lead_ids: Sequence[str]) -> pd.DataFrame:
    """One row per planned lead from its latest attempt in the run (RESULTS_SCHEMA)."""
    last = journal.last_attempts(run_id)
    counts = journal.attempts(run_id=run_id)
    sent = counts[counts["kind"] != "none"].groupby("lead_id").size()
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

    Running the same plan again (same journal) resumes its run: settled leads are skipped,
    attempts whose answer was lost are settled by reading back, and a finished plan converts
    nothing. Rows the live re-check refuses are recorded as `skipped` with the reasons.
    How it runs is `options` (default `ExecuteOptions()`) with `changes` applied: any of its
    fields as a keyword, e.g. `mode="single"`, `snapshots=False`, or `retry_failed=True` to give
    leads Zoho refused (and skipped ones) another try in this run.
    """
    opts = (options or ExecuteOptions()).replace(**changes)
    plan = make_plan(plan)
    own_journal = not isinstance(journal, Journal)
    jr = journal if isinstance(journal, Journal) else Journal(journal)
    try:
        with jr.exclusive():
            return _execute(client, plan, jr, opts)
    finally:
        if own_journal:
            jr.close()


def _account_mismatch(row: Mapping[str, Any], account_id: str | None) -> str:
    """A note when Zoho put the lead in another Account than the plan named.

    A merged Contact brings its own Account (the request cannot name another), so a plan whose
    pair disagrees converts anyway when the live re-check is off: say so in the result, loudly.
    """
    planned = row.get("account_id")
    if row.get("account_action") != "merge" or not planned or str(planned) == str(account_id):
        return ""
    log.warning(
        "lead %s joined Account %s, not the planned %s", row["lead_id"], account_id, planned
    )
    return f"; joined Account {account_id}, not the planned {planned} (the Contact's own Account)"


def _execute(
    client: ClientLike, plan: pd.DataFrame, jr: Journal, opts: ExecuteOptions
) -> ExecutionReport:
    rows = rows_of(plan)
    lead_ids = [str(r["lead_id"]) for r in rows]
    run = jr.open_run(
        plan_hash(plan),
        rows,
        plan_name=opts.plan_name,
        target=client.description,
        new=opts.new_run,
    )
    if run.resumed:
        jr.reopen_run(run.run_id)
    workers = max(1, min(opts.workers, client.concurrency))
    with tqdm(total=len(rows), desc="convert", unit="lead", disable=not opts.progress) as bar:
        runner = _Runner(client, jr, run, opts, workers=workers, bar=bar)
        # Open attempts of this plan's leads in any run (a plan edited after a crash is a new
        # run) are settled first. One whose read-back failed stays open: the lead is neither
        # sent again nor re-checked (a re-check would call crmkit's own conversion someone
        # else's) until a later run reads it back.
        runner.settle_open(jr.open_attempts(lead_ids))
        still_open = {str(a["lead_id"]) for a in jr.open_attempts(lead_ids)}
        last = jr.last_attempts(run.run_id)
        final = {"converted"} if opts.retry_failed else set(FINAL_OUTCOMES)
        done = {lead for lead, a in last.items() if a["outcome"] in final}
        elsewhere = jr.converted_elsewhere(
            [i for i in lead_ids if i not in done and i not in still_open], run.run_id
        )
        for lead_id, other in elsewhere.items():
            jr.skip(
                run.run_id,
                lead_id,
                code="CONVERTED_BY_CRMKIT",
                message=f"converted by run {other} of this journal",
            )
            done.add(lead_id)
        bar.update(len(done))
        todo = [r for r in rows if str(r["lead_id"]) not in done | still_open]
        problems = validate(make_plan(todo)) if todo else validate(make_plan(rows[:0]))
        if not todo and not still_open:
            results = results_of(jr, run.run_id, lead_ids)
            counts = _summary(results)
            message = (
                f"nothing to convert: every lead of this plan is already settled in run "
                f"{run.run_id} ({_describe(counts)})"
            )
            jr.finish_run(run.run_id, status="done", summary=_describe(counts))
            return ExecutionReport(
                _info(jr, run),
                results,
                problems,
                0,
                message,
                client.usage,
                counts,
            )
        todo_plan = make_plan(todo)
        if opts.recheck and todo:
            facts = live_facts(client, todo_plan)
            problems = validate(todo_plan, facts)
            runner.leads_before = dict(facts.leads or {})
        else:
            problems = validate(todo_plan, Facts())
        if opts.on_problems is not None and len(problems):
            opts.on_problems(problems)
        blocked = set(blocked_leads(problems))
        for lead_id in blocked:
            mine = problems[(problems["lead_id"] == lead_id) & (problems["severity"] == "error")]
            jr.skip(
                run.run_id,
                lead_id,
                code=";".join(dict.fromkeys(mine["rule"].tolist())),
                message="; ".join(mine["reason"].tolist()),
            )
            bar.update(1)
        sendable = [r for r in todo if str(r["lead_id"]) not in blocked]
        by_id = {str(r["lead_id"]): r for r in sendable}
        single: list[Mapping[str, Any]] = []
        if opts.mode == "single" or not sendable:
            single = list(sendable)
        else:
            groups = mass_groups(
                make_plan(sendable), min_size=1 if opts.mode == "mass" else opts.mass_min
            )
            in_mass = {i for ids in groups.values() for i in ids}
            single = [r for r in sendable if str(r["lead_id"]) not in in_mass]
            chunks = [
                [by_id[i] for i in ids[start : start + MASS_CHUNK]]
                for ids in groups.values()
                for start in range(0, len(ids), MASS_CHUNK)
            ]
            # Jobs run on Zoho's side: keep a few in flight instead of waiting on each in turn.
            with ThreadPoolExecutor(max_workers=MASS_JOBS_IN_FLIGHT) as pool:
                for left in pool.map(runner.convert_mass, chunks):
                    single.extend(left)
        runner.convert_single(single)
    results = results_of(jr, run.run_id, lead_ids)
    counts = _summary(results)
    finished = not still_open and all(o in FINAL_OUTCOMES for o in results["outcome"].tolist())
    jr.finish_run(
        run.run_id, status="done" if finished else "incomplete", summary=_describe(counts)
    )
    verb = "resumed run" if run.resumed else "run"
    message = f"{verb} {run.run_id}: converted {runner.converted_now} now; {_describe(counts)}"
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
        runner.converted_now,
        message,
        client.usage,
        counts,
    )


def _info(jr: Journal, run: RunInfo) -> RunInfo:
    """The run as stored now, remembering whether this call resumed it."""
    info = jr.run(run.run_id)
    return RunInfo(**{**info.__dict__, "resumed": run.resumed})


def _describe(counts: Mapping[str, int]) -> str:
    order = ["converted", "failed", "skipped", "not_converted", "unknown"]
    parts = [f"{counts[k]} {k}" for k in order if counts.get(k)]
    return ", ".join(parts) or "no leads"


def dumps(value: Any) -> str:
    """JSON for CLI output."""
    return json.dumps(value, sort_keys=True, default=str)
