"""The conversion journal: a SQLite file recording every attempt before it is sent and after it is
answered, so a killed kernel or a dropped connection never converts a lead twice or loses a result.

Why SQLite: one file, transactional, readable by any tool for an audit. WAL mode with
`synchronous=NORMAL` survives the process being killed at any point (committed transactions are in
the WAL); only a power loss may drop the last commits, which resume then settles by reading back.

What is stored and how (tables, redaction): `journal_schema`; the typed frames read back:
`journal_frames`. This module is the store: one connection, transactions, and the queries.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit.conversion.journal_frames import (
    attempts_frame,
    created_frame,
    runs_frame,
    snapshots_frame,
)
from crmkit.conversion.journal_path import journal_path, legacy_journal_path, org_journal_path
from crmkit.conversion.journal_schema import (
    FINAL_OUTCOMES,
    SCHEMA,
    dump,
    migrate,
    now,
    redact,
)
from crmkit.conversion.org_binding import OrgIdentity
from crmkit.errors import CrmkitError
from crmkit.private_files import private_dirs, private_sqlite

__all__ = [
    "FINAL_OUTCOMES",
    "Journal",
    "JournalError",
    "RunInfo",
    "default_journal_path",
    "redact",
]


def default_journal_path(org_id: str | None = None) -> Path:
    """The default journal file: the org's own (`<user data dir>/crmkit/journals/<org id>.sqlite`),
    or without an org the shared file crmkit used before journals were per org."""
    return org_journal_path(org_id) if org_id is not None else legacy_journal_path()


@dataclass(frozen=True)
class RunInfo:
    """One run of a plan as the journal knows it."""

    run_id: int
    plan_hash: str
    plan_name: str | None
    target: str | None
    started_at: str
    finished_at: str | None
    status: str
    n_leads: int
    summary: str | None
    resumed: bool = False
    org_id: str | None = None
    org_name: str | None = None
    api_domain: str | None = None

    @property
    def org_label(self) -> str:
        """`name (id)` of the org the run converts in; "org unknown" for an older journal's run."""
        if self.org_id is None:
            return "org unknown"
        return f"{self.org_name} ({self.org_id})" if self.org_name else self.org_id


class JournalBusyError(CrmkitError, RuntimeError):
    """Another conversion is running on this journal right now."""


class JournalError(CrmkitError, ValueError):
    """A journal file SQLite cannot read: not a database, or damaged (e.g. truncated)."""

    def __init__(self, path: Path, cause: sqlite3.DatabaseError) -> None:
        self.path = path
        super().__init__(
            f"{path}: not a readable crmkit journal (SQLite: {cause}); pass another --journal "
            "(or move this file away), or restore the journal from a backup if it was damaged"
        )


class Journal:
    """One journal file. Thread-safe: every write is its own committed transaction.

    Without `path`: `$CRMKIT_JOURNAL`, else the shared pre-org default (`execute` picks the org's
    own file instead: `crmkit.conversion.journal_path.journal_path`).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = journal_path(path) or legacy_journal_path()
        private_dirs(self.path.parent)
        self._lock = threading.RLock()
        private_sqlite(self.path)  # 0600: the audit of an org's conversions
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.row_factory = sqlite3.Row
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise JournalError(self.path, exc) from exc
        with self._tx() as db:
            migrate(db)

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the journal for one conversion at a time, across processes.

        Two runs on one journal could each send a lead before either journals the answer; an
        advisory lock on `<journal>.lock` (released by the OS if the process dies) refuses the
        second with the first's process id.
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
                raise JournalBusyError(
                    f"the journal {self.path} is in use by another conversion (process {holder});"
                    " wait for it to finish, or use another journal"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    # ------------------------------------------------------------------ runs
    def open_run(
        self,
        plan_hash: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        plan_name: str | None = None,
        target: str | None = None,
        new: bool = False,
        org: OrgIdentity | None = None,
    ) -> RunInfo:
        """The latest run of this plan in this org (resumed), or a new one with its plan rows.

        Only a run of the same org id is resumed: a plan rehearsed on a sandbox and then run
        against Zoho starts a new run. `org=None` finds runs recorded without an org.
        """
        org_id = org.org_id if org is not None else None
        if not new:
            found = self._query(
                "SELECT * FROM runs WHERE plan_hash = ? AND org_id IS ? "
                "ORDER BY run_id DESC LIMIT 1",
                (plan_hash, org_id),
            )
            if found:
                info = _run(found[0])
                return RunInfo(**{**info.__dict__, "resumed": True})
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO runs (plan_hash, plan_name, target, org_id, org_name, api_domain, "
                "started_at, status, n_leads) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
                (
                    plan_hash,
                    plan_name,
                    target,
                    org_id,
                    org.name if org is not None else None,
                    org.api_domain if org is not None else None,
                    now(),
                    len(rows),
                ),
            )
            run_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO plan_rows (run_id, lead_id, position, row_json) VALUES (?, ?, ?, ?)",
                [(run_id, str(r["lead_id"]), i, dump(r)) for i, r in enumerate(rows)],
            )
        return self.run(run_id)

    def runs_without_org(self, plan_hash: str | None = None) -> list[int]:
        """Runs recorded before journals knew their org (of one plan, or all)."""
        sql = "SELECT run_id FROM runs WHERE org_id IS NULL"
        params: tuple[Any, ...] = ()
        if plan_hash is not None:
            sql += " AND plan_hash = ?"
            params = (plan_hash,)
        return [int(r["run_id"]) for r in self._query(sql + " ORDER BY run_id", params)]

    def claim_runs(self, org: OrgIdentity) -> int:
        """Bind every "org unknown" run of this journal to `org` (the user says they ran there);
        how many were claimed."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE runs SET org_id = ?, org_name = ?, api_domain = ? WHERE org_id IS NULL",
                (org.org_id, org.name, org.api_domain),
            )
            return int(cur.rowcount)

    def run(self, run_id: int) -> RunInfo:
        """One run by id (KeyError when unknown)."""
        found = self._query("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        if not found:
            raise KeyError(f"{self.path}: no run {run_id}")
        return _run(found[0])

    def finish_run(self, run_id: int, *, status: str, summary: str) -> None:
        """Mark a run finished (`done`) or stopped with work left (`incomplete`)."""
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
                (now(), status, summary, run_id),
            )

    def reopen_run(self, run_id: int) -> None:
        """A resumed run is running again."""
        with self._tx() as db:
            db.execute("UPDATE runs SET status = 'running' WHERE run_id = ?", (run_id,))

    def runs(self) -> pd.DataFrame:
        """Every run with its counts of outcomes (what `crmkit history` prints)."""
        rows = self._query(
            """
            SELECT r.run_id, r.plan_name, r.plan_hash, r.target, r.org_id, r.org_name,
                   r.api_domain, r.started_at, r.finished_at,
                   r.status, r.n_leads,
                   SUM(CASE WHEN l.outcome = 'converted' THEN 1 ELSE 0 END) AS converted,
                   SUM(CASE WHEN l.outcome = 'failed' THEN 1 ELSE 0 END) AS failed,
                   SUM(CASE WHEN l.outcome = 'skipped' THEN 1 ELSE 0 END) AS skipped,
                   SUM(CASE WHEN l.outcome IN ('unknown', 'not_converted') THEN 1 ELSE 0 END)
                       AS open
            FROM runs r LEFT JOIN (
                SELECT a.run_id, a.lead_id, a.outcome FROM attempts a
                JOIN (SELECT run_id, lead_id, MAX(attempt_id) AS last FROM attempts
                      GROUP BY run_id, lead_id) m ON a.attempt_id = m.last
            ) l ON l.run_id = r.run_id
            GROUP BY r.run_id ORDER BY r.run_id
            """
        )
        return runs_frame(rows)

    def plan_rows(self, run_id: int) -> list[dict[str, Any]]:
        """The plan rows recorded for a run, in plan order."""
        rows = self._query(
            "SELECT row_json FROM plan_rows WHERE run_id = ? ORDER BY position", (run_id,)
        )
        return [json.loads(r["row_json"]) for r in rows]

    # ------------------------------------------------------------------ attempts
    def begin(
        self,
        run_id: int,
        lead_id: str,
        *,
        kind: str,
        request: Any,
        before: Sequence[tuple[str, str, Mapping[str, Any] | None]] = (),
        job_id: str | None = None,
    ) -> int:
        """Record an attempt about to be sent (and the before-copies); returns its id."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO attempts (run_id, lead_id, kind, job_id, request_json, state, "
                "outcome, sent_at) VALUES (?, ?, ?, ?, ?, 'sent', 'unknown', ?)",
                (run_id, str(lead_id), kind, job_id, dump(request), now()),
            )
            attempt_id = int(cur.lastrowid or 0)
            self._snap(db, attempt_id, "before", before)
        return attempt_id

    def begin_many(
        self, run_id: int, lead_ids: Sequence[str], *, kind: str, request: Any
    ) -> dict[str, int]:
        """`begin` for every lead of one mass request, in one transaction."""
        out: dict[str, int] = {}
        with self._tx() as db:
            for lead_id in lead_ids:
                cur = db.execute(
                    "INSERT INTO attempts (run_id, lead_id, kind, request_json, state, outcome, "
                    "sent_at) VALUES (?, ?, ?, ?, 'sent', 'unknown', ?)",
                    (run_id, str(lead_id), kind, dump(request), now()),
                )
                out[str(lead_id)] = int(cur.lastrowid or 0)
        return out

    def set_job(self, attempt_ids: Sequence[int], job_id: str) -> None:
        """Remember the mass-convert job these attempts went into."""
        with self._tx() as db:
            db.executemany(
                "UPDATE attempts SET job_id = ? WHERE attempt_id = ?",
                [(job_id, a) for a in attempt_ids],
            )

    def answer(
        self,
        attempt_id: int,
        *,
        outcome: str,
        state: str = "answered",
        contact_id: str | None = None,
        account_id: str | None = None,
        deal_id: str | None = None,
        code: str | None = None,
        message: str | None = None,
        answer: Any = None,
        after: Sequence[tuple[str, str, Mapping[str, Any] | None]] = (),
    ) -> None:
        """Record what happened to an attempt (answer, or a settlement by read-back)."""
        with self._tx() as db:
            db.execute(
                "UPDATE attempts SET state = ?, outcome = ?, contact_id = ?, account_id = ?, "
                "deal_id = ?, code = ?, message = ?, answer_json = ?, answered_at = ? "
                "WHERE attempt_id = ?",
                (
                    state,
                    outcome,
                    contact_id,
                    account_id,
                    deal_id,
                    code,
                    message,
                    dump(answer),
                    now(),
                    attempt_id,
                ),
            )
            self._snap(db, attempt_id, "after", after)

    def add_snapshots(
        self,
        attempt_id: int,
        phase: str,
        records: Sequence[tuple[str, str, Mapping[str, Any] | None]],
    ) -> None:
        """Attach more copies of touched records to an attempt."""
        with self._tx() as db:
            self._snap(db, attempt_id, phase, records)

    def skip(self, run_id: int, lead_id: str, *, code: str, message: str) -> int:
        """Record a lead the run will not send (validation refused it)."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO attempts (run_id, lead_id, kind, state, outcome, code, message, "
                "sent_at, answered_at) VALUES (?, ?, 'none', 'answered', 'skipped', ?, ?, ?, ?)",
                (run_id, str(lead_id), code, message, now(), now()),
            )
            return int(cur.lastrowid or 0)

    def defer(self, run_id: int, lead_id: str, *, code: str, message: str) -> int:
        """Record a lead the run did not send for a transient reason (`not_converted`: the next
        run tries it again)."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO attempts (run_id, lead_id, kind, state, outcome, code, message, "
                "sent_at, answered_at) VALUES (?, ?, 'none', 'answered', 'not_converted', ?, ?, "
                "?, ?)",
                (run_id, str(lead_id), code, message, now(), now()),
            )
            return int(cur.lastrowid or 0)

    def settled(
        self,
        run_id: int,
        lead_id: str,
        *,
        contact_id: str | None,
        account_id: str | None,
        deal_id: str | None,
        code: str,
        message: str,
        answer: Any = None,
        after: Sequence[tuple[str, str, Mapping[str, Any] | None]] = (),
    ) -> int:
        """Record a conversion crmkit made that the journal had lost, found by reading the lead
        back (kind `read_back`: nothing was sent)."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO attempts (run_id, lead_id, kind, state, outcome, contact_id, "
                "account_id, deal_id, code, message, answer_json, sent_at, answered_at) "
                "VALUES (?, ?, 'read_back', 'settled', 'converted', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    str(lead_id),
                    contact_id,
                    account_id,
                    deal_id,
                    code,
                    message,
                    dump(answer),
                    now(),
                    now(),
                ),
            )
            attempt_id = int(cur.lastrowid or 0)
            self._snap(db, attempt_id, "after", after)
            return attempt_id

    @staticmethod
    def _snap(
        db: sqlite3.Connection,
        attempt_id: int,
        phase: str,
        records: Sequence[tuple[str, str, Mapping[str, Any] | None]],
    ) -> None:
        db.executemany(
            "INSERT INTO snapshots (attempt_id, phase, module, record_id, record_json, taken_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(attempt_id, phase, m, str(r), dump(rec), now()) for m, r, rec in records],
        )

    # ------------------------------------------------------------------ reading
    def attempts(self, run_id: int | None = None, lead_id: str | None = None) -> pd.DataFrame:
        """Attempts (of one run and/or lead), oldest first."""
        where: list[str] = []
        params: list[Any] = []
        if run_id is not None:
            where.append("run_id = ?")
            params.append(run_id)
        if lead_id is not None:
            where.append("lead_id = ?")
            params.append(str(lead_id))
        sql = "SELECT * FROM attempts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return attempts_frame(self._query(sql + " ORDER BY attempt_id", params))

    def last_attempts(self, run_id: int) -> dict[str, dict[str, Any]]:
        """Each lead's latest attempt in a run."""
        rows = self._query(
            "SELECT a.* FROM attempts a JOIN (SELECT lead_id, MAX(attempt_id) AS last "
            "FROM attempts WHERE run_id = ? GROUP BY lead_id) m ON a.attempt_id = m.last",
            (run_id,),
        )
        return {str(r["lead_id"]): dict(r) for r in rows}

    def open_attempts(self, lead_ids: Sequence[str], run_id: int) -> list[dict[str, Any]]:
        """Unanswered attempts at these leads in any run *of run_id's org* (each the lead's
        latest in its run).

        A lead sent by one run and then planned differently (a new run) must be settled from the
        old run's attempt before the new run decides anything about it; a run in another org
        never touched this org's lead.
        """
        wanted = {str(x) for x in lead_ids}
        rows = self._query(
            "SELECT a.* FROM attempts a JOIN (SELECT run_id, lead_id, MAX(attempt_id) AS last "
            "FROM attempts GROUP BY run_id, lead_id) m ON a.attempt_id = m.last "
            f"WHERE a.outcome = 'unknown' AND a.run_id IN {_SAME_ORG} ORDER BY a.attempt_id",
            (run_id,),
        )
        return [dict(r) for r in rows if str(r["lead_id"]) in wanted]

    def converted_elsewhere(self, lead_ids: Sequence[str], run_id: int) -> dict[str, int]:
        """Leads this journal converted in *other* runs of the same org -> that run's id."""
        wanted = {str(x) for x in lead_ids}
        rows = self._query(
            "SELECT lead_id, run_id FROM attempts WHERE outcome = 'converted' AND run_id != ? "
            f"AND run_id IN {_SAME_ORG}",
            (run_id, run_id),
        )
        return {str(r["lead_id"]): int(r["run_id"]) for r in rows if str(r["lead_id"]) in wanted}

    def converted_records(
        self, lead_ids: Sequence[str], run_id: int
    ) -> dict[str, dict[str, str | None]]:
        """Leads this journal converted in run_id's org (any run) -> the Contact/Account/Deal ids
        it recorded: what a `lead:<id>` reference resolves to."""
        wanted = {str(x) for x in lead_ids}
        rows = self._query(
            "SELECT lead_id, contact_id, account_id, deal_id FROM attempts "
            f"WHERE outcome = 'converted' AND run_id IN {_SAME_ORG} ORDER BY attempt_id",
            (run_id,),
        )
        return {
            str(r["lead_id"]): {
                "Contacts": r["contact_id"],
                "Accounts": r["account_id"],
                "Deals": r["deal_id"],
            }
            for r in rows
            if str(r["lead_id"]) in wanted
        }

    def tried_before(self, lead_id: str, run_id: int) -> bool:
        """True when an earlier attempt of this journal, in run_id's org, may have converted this
        lead.

        That is a mass attempt (its job may convert the lead after a read-back found it not yet
        converted) or a Convert Lead attempt without a known miss. A Convert Lead attempt Zoho
        refused, or one read back unconverted, did not convert it: an ID_ALREADY_CONVERTED after
        it means someone else converted the lead, not crmkit.
        """
        rows = self._query(
            "SELECT 1 FROM attempts WHERE lead_id = ? AND (kind = 'mass' OR (kind != 'none' "
            f"AND outcome NOT IN ('failed', 'not_converted'))) AND run_id IN {_SAME_ORG} LIMIT 1",
            (str(lead_id), run_id),
        )
        return bool(rows)

    def snapshots(self, attempt_id: int | None = None, run_id: int | None = None) -> pd.DataFrame:
        """Before/after copies (of one attempt or a whole run)."""
        sql = (
            "SELECT s.*, a.lead_id, a.run_id FROM snapshots s "
            "JOIN attempts a ON a.attempt_id = s.attempt_id"
        )
        params: list[Any] = []
        if attempt_id is not None:
            sql += " WHERE s.attempt_id = ?"
            params.append(attempt_id)
        elif run_id is not None:
            sql += " WHERE a.run_id = ?"
            params.append(run_id)
        return snapshots_frame(self._query(sql + " ORDER BY s.snapshot_id", params))

    def created(self, run_id: int) -> pd.DataFrame:
        """What a run converted, for audit: one row per converted lead with the records it became
        (`journal_frames.created_frame`)."""
        info = self.run(run_id)
        org = {"org_id": info.org_id, "org_name": info.org_name, "api_domain": info.api_domain}
        return created_frame(run_id, self.plan_rows(run_id), self.last_attempts(run_id), org)


# The runs of the same org as the run bound to `?` (runs without an org only match each other).
_SAME_ORG = "(SELECT run_id FROM runs WHERE org_id IS (SELECT org_id FROM runs WHERE run_id = ?))"


def _run(row: sqlite3.Row) -> RunInfo:
    return RunInfo(
        run_id=int(row["run_id"]),
        plan_hash=str(row["plan_hash"]),
        plan_name=row["plan_name"],
        target=row["target"],
        started_at=str(row["started_at"]),
        finished_at=row["finished_at"],
        status=str(row["status"]),
        n_leads=int(row["n_leads"]),
        summary=row["summary"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        api_domain=row["api_domain"],
    )
