"""What the conversion journal stores and how: its tables, timestamps, and redaction.

Tables:
- `runs`: one per plan execution (plan hash, the org it converts in: `org_id`, `org_name`,
  `api_domain`, started/finished, status, summary). Running the same plan again in the same org
  resumes its run; a run without `org_id` (written before journals knew their org) is "org
  unknown" and resumed only when the caller claims it (`claim_legacy_runs`).
- `plan_rows`: the plan rows of a run, as JSON.
- `attempts`: one per request about one lead. Written with `state='sent'` *before* the request
  leaves; updated with the answer (`state='answered'`) or, when the answer was lost, settled by
  reading the lead back (`state='settled'`). `outcome` is `converted`, `failed`, `not_converted`
  (known not to have happened: safe to try again), `unknown` (still to settle) or `skipped`.
- `snapshots`: before/after copies of each touched record (lead, Contact, Account, Deal).
- `record_updates`: one per record crmkit corrects after a merge's convert (the merge policy,
  `crmkit.conversion.journal_updates`): the values to write and the record as read just before,
  written `state='sent'` before the Update Records call and answered or settled after it.

Secrets never enter: `redact` removes token-like keys from everything stored (defence in depth:
crmkit never passes request headers to the journal).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["FINAL_OUTCOMES", "ORG_COLUMNS", "SCHEMA", "dump", "migrate", "now", "redact"]

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

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    plan_hash TEXT NOT NULL,
    plan_name TEXT,
    target TEXT,
    org_id TEXT,
    org_name TEXT,
    api_domain TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    n_leads INTEGER NOT NULL,
    summary TEXT
);
CREATE INDEX IF NOT EXISTS runs_plan ON runs (plan_hash, run_id);
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
CREATE TABLE IF NOT EXISTS record_updates (
    update_id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    lead_id TEXT NOT NULL,
    attempt_id INTEGER NOT NULL,
    module TEXT NOT NULL,
    record_id TEXT NOT NULL,
    fields_json TEXT NOT NULL,
    old_json TEXT,
    record_json TEXT,
    state TEXT NOT NULL,
    outcome TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    code TEXT,
    message TEXT,
    answer_json TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    answered_at TEXT
);
CREATE INDEX IF NOT EXISTS record_updates_run ON record_updates (run_id, lead_id, update_id);
"""


ORG_COLUMNS = ("org_id", "org_name", "api_domain")


def migrate(db: sqlite3.Connection) -> None:
    """Bring an older journal up to SCHEMA: add the org columns its `runs` table lacks.

    Its runs keep NULL there ("org unknown"): nothing says which org they converted in.
    """
    have = {str(r[1]) for r in db.execute("PRAGMA table_info(runs)").fetchall()}
    for column in ORG_COLUMNS:
        if column not in have:
            db.execute(f"ALTER TABLE runs ADD COLUMN {column} TEXT")


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


def dump(value: Any) -> str | None:
    """JSON as stored: redacted, keys sorted (None stays NULL)."""
    if value is None:
        return None
    return json.dumps(redact(value), sort_keys=True, default=str)


def now() -> str:
    """A UTC timestamp as stored (ISO 8601, milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")
