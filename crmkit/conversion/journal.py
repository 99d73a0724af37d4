"""The conversion journal: a SQLite file recording every attempt before it is sent and after it is
answered, so a killed kernel or a dropped connection never converts a lead twice or loses a result.

Why SQLite: one file, transactional, readable by any tool for an audit. WAL mode with
`synchronous=NORMAL` survives the process being killed at any point (committed transactions are in
the WAL); only a power loss may drop the last commits, which resume then settles by reading back.

Tables:
- `runs`: one per plan execution (plan hash, started/finished, status, summary). Running the same
  plan again resumes its run.
- `plan_rows`: the plan rows of a run, as JSON.
- `attempts`: one per request about one lead. Written with `state='sent'` *before* the request
  leaves; updated with the answer (`state='answered'`) or, when the answer was lost, settled by
  reading the lead back (`state='settled'`). `outcome` is `converted`, `failed`, `not_converted`
  (known not to have happened: safe to try again), `unknown` (still to settle) or `skipped`.
- `snapshots`: before/after copies of each touched record (lead, Contact, Account, Deal).

Secrets never enter: `redact` removes token-like keys from everything stored, and crmkit never
passes request headers here.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs

from crmkit.errors import CrmkitError

__all__ = [
    "FINAL_OUTCOMES",
    "Journal",
    "RunInfo",
    "default_journal_path",
    "redact",
]

FINAL_OUTCOMES = frozenset({"converted", "failed", "skipped"})
_SECRET_KEYS = frozenset(
    {
        "access_token",
        "refresh_token",
        "client_secret",
        "authorization",
        "code",
        "password",
        "x-sandbox-admin-key",
        "admin_key",
    }
)
# Zoho answers carry "code" (SUCCESS, DUPLICATE_DATA...) which is not a secret: only the OAuth
# grant code is. It is redacted only inside objects that also look like token forms.
_TOKEN_FORM_HINTS = frozenset({"grant_type", "client_id", "refresh_token", "client_secret"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    plan_hash TEXT NOT NULL,
    plan_name TEXT,
    target TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    n_leads INTEGER NOT NULL,
    summary TEXT
);
CREATE TABLE IF NOT EXISTS plan_rows (
    run_id INTEGER NOT NULL,
    lead_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    row_json TEXT NOT NULL,
    PRIMARY KEY (run_id, lead_id)
);
CREATE TABLE IF NOT EXISTS attempts (
    attempt_id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    lead_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    job_id TEXT,
    request_json TEXT,
    state TEXT NOT NULL,
    outcome TEXT NOT NULL,
    contact_id TEXT,
    account_id TEXT,
    deal_id TEXT,
    code TEXT,
    message TEXT,
    answer_json TEXT,
    sent_at TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX IF NOT EXISTS attempts_lead ON attempts (lead_id, attempt_id);
CREATE INDEX IF NOT EXISTS attempts_run ON attempts (run_id, attempt_id);
CREATE TABLE IF NOT EXISTS snapshots (
    snapshot_id INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL,
    phase TEXT NOT NULL,
    module TEXT NOT NULL,
    record_id TEXT NOT NULL,
    record_json TEXT,
    taken_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_attempt ON snapshots (attempt_id);
"""


def default_journal_path() -> Path:
    """`<user data dir>/crmkit/journal.sqlite` (platformdirs)."""
    return Path(platformdirs.user_data_dir("crmkit")) / "journal.sqlite"


def redact(value: Any) -> Any:
    """A copy of `value` with token-like keys replaced by `[redacted]` (defence in depth)."""
    if isinstance(value, Mapping):
        form = bool(_TOKEN_FORM_HINTS & {str(k).lower() for k in value})
        out: dict[str, Any] = {}
        for key, item in value.items():
            k = str(key).lower()
            if k in _SECRET_KEYS and (k != "code" or form):
                out[str(key)] = "[redacted]"
            else:
                out[str(key)] = redact(item)
        return out
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(redact(value), sort_keys=True, default=str)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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


class JournalBusyError(CrmkitError, RuntimeError):
    """Another conversion is running on this journal right now."""


class Journal:
    """One journal file. Thread-safe: every write is its own committed transaction."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_journal_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

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
    ) -> RunInfo:
        """The latest run of this plan (resumed), or a new one with the plan rows recorded."""
        if not new:
            found = self._query(
                "SELECT * FROM runs WHERE plan_hash = ? ORDER BY run_id DESC LIMIT 1", (plan_hash,)
            )
            if found:
                info = _run(found[0])
                return RunInfo(**{**info.__dict__, "resumed": True})
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO runs (plan_hash, plan_name, target, started_at, status, n_leads) "
                "VALUES (?, ?, ?, ?, 'running', ?)",
                (plan_hash, plan_name, target, _now(), len(rows)),
            )
            run_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO plan_rows (run_id, lead_id, position, row_json) VALUES (?, ?, ?, ?)",
                [(run_id, str(r["lead_id"]), i, _dump(r)) for i, r in enumerate(rows)],
            )
        return self.run(run_id)

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
                (_now(), status, summary, run_id),
            )

    def reopen_run(self, run_id: int) -> None:
        """A resumed run is running again."""
        with self._tx() as db:
            db.execute("UPDATE runs SET status = 'running' WHERE run_id = ?", (run_id,))

    def runs(self) -> pd.DataFrame:
        """Every run with its counts of outcomes (what `crmkit history` prints)."""
        rows = self._query(
            """
            SELECT r.run_id, r.plan_name, r.plan_hash, r.target, r.started_at, r.finished_at,
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
        cols = [
            "run_id",
            "plan_name",
            "plan_hash",
            "target",
            "started_at",
            "finished_at",
            "status",
            "n_leads",
            "converted",
            "failed",
            "skipped",
            "open",
        ]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
        for col in ("run_id", "n_leads", "converted", "failed", "skipped", "open"):
            frame[col] = frame[col].fillna(0).astype("Int64")
        for col in ("plan_name", "plan_hash", "target", "started_at", "finished_at", "status"):
            frame[col] = frame[col].astype("string")
        return frame

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
                (run_id, str(lead_id), kind, job_id, _dump(request), _now()),
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
                    (run_id, str(lead_id), kind, _dump(request), _now()),
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
                    _dump(answer),
                    _now(),
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
                (run_id, str(lead_id), code, message, _now(), _now()),
            )
            return int(cur.lastrowid or 0)

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
            [(attempt_id, phase, m, str(r), _dump(rec), _now()) for m, r, rec in records],
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
        rows = self._query(sql + " ORDER BY attempt_id", params)
        cols = [
            "attempt_id",
            "run_id",
            "lead_id",
            "kind",
            "job_id",
            "request_json",
            "state",
            "outcome",
            "contact_id",
            "account_id",
            "deal_id",
            "code",
            "message",
            "answer_json",
            "sent_at",
            "answered_at",
        ]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
        for col in cols:
            frame[col] = frame[col].astype("Int64" if col in ("attempt_id", "run_id") else "string")
        return frame

    def last_attempts(self, run_id: int) -> dict[str, dict[str, Any]]:
        """Each lead's latest attempt in a run."""
        rows = self._query(
            "SELECT a.* FROM attempts a JOIN (SELECT lead_id, MAX(attempt_id) AS last "
            "FROM attempts WHERE run_id = ? GROUP BY lead_id) m ON a.attempt_id = m.last",
            (run_id,),
        )
        return {str(r["lead_id"]): dict(r) for r in rows}

    def open_attempts(self, lead_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Unanswered attempts at these leads in *any* run (each the lead's latest in its run).

        A lead sent by one run and then planned differently (a new run) must be settled from the
        old run's attempt before the new run decides anything about it.
        """
        wanted = {str(x) for x in lead_ids}
        rows = self._query(
            "SELECT a.* FROM attempts a JOIN (SELECT run_id, lead_id, MAX(attempt_id) AS last "
            "FROM attempts GROUP BY run_id, lead_id) m ON a.attempt_id = m.last "
            "WHERE a.outcome = 'unknown' ORDER BY a.attempt_id"
        )
        return [dict(r) for r in rows if str(r["lead_id"]) in wanted]

    def converted_elsewhere(self, lead_ids: Sequence[str], run_id: int) -> dict[str, int]:
        """Leads this journal converted in *other* runs -> that run's id."""
        wanted = {str(x) for x in lead_ids}
        rows = self._query(
            "SELECT lead_id, run_id FROM attempts WHERE outcome = 'converted' AND run_id != ?",
            (run_id,),
        )
        return {str(r["lead_id"]): int(r["run_id"]) for r in rows if str(r["lead_id"]) in wanted}

    def tried_before(self, lead_id: str) -> bool:
        """True when an earlier attempt of this journal may have converted this lead.

        That is a mass attempt (its job may convert the lead after a read-back found it not yet
        converted) or a Convert Lead attempt without a known miss. A Convert Lead attempt Zoho
        refused, or one read back unconverted, did not convert it: an ID_ALREADY_CONVERTED after
        it means someone else converted the lead, not crmkit.
        """
        rows = self._query(
            "SELECT 1 FROM attempts WHERE lead_id = ? AND (kind = 'mass' OR (kind != 'none' "
            "AND outcome NOT IN ('failed', 'not_converted'))) LIMIT 1",
            (str(lead_id),),
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
        rows = self._query(sql + " ORDER BY s.snapshot_id", params)
        cols = [
            "snapshot_id",
            "attempt_id",
            "phase",
            "module",
            "record_id",
            "record_json",
            "taken_at",
            "lead_id",
            "run_id",
        ]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
        for col in cols:
            frame[col] = frame[col].astype(
                "Int64" if col in ("snapshot_id", "attempt_id", "run_id") else "string"
            )
        return frame

    def created(self, run_id: int) -> pd.DataFrame:
        """What a run converted, for audit: one row per converted lead with the records it became.

        `contact_created` / `account_created` say whether the record is new (not a merge target
        of the plan row); deals are always new.
        """
        plan = {str(r["lead_id"]): r for r in self.plan_rows(run_id)}
        rows = []
        for lead_id, att in sorted(self.last_attempts(run_id).items()):
            if att["outcome"] != "converted":
                continue
            row = plan.get(lead_id, {})
            contact_merged = row.get("contact_action") == "merge"
            account_merged = row.get("account_action") == "merge"
            rows.append(
                {
                    "run_id": run_id,
                    "lead_id": lead_id,
                    "contact_id": att["contact_id"],
                    "contact_created": not contact_merged and att["contact_id"] is not None,
                    "account_id": att["account_id"],
                    "account_created": not account_merged and att["account_id"] is not None,
                    "deal_id": att["deal_id"],
                    "kind": att["kind"],
                    "converted_at": att["answered_at"],
                    "attempt_id": att["attempt_id"],
                }
            )
        cols = [
            "run_id",
            "lead_id",
            "contact_id",
            "contact_created",
            "account_id",
            "account_created",
            "deal_id",
            "kind",
            "converted_at",
            "attempt_id",
        ]
        frame = pd.DataFrame.from_records(rows, columns=cols)
        return frame.astype(
            {
                "run_id": "Int64",
                "lead_id": "string",
                "contact_id": "string",
                "contact_created": "boolean",
                "account_id": "string",
                "account_created": "boolean",
                "deal_id": "string",
                "kind": "string",
                "converted_at": "string",
                "attempt_id": "Int64",
            }
        )


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
    )
