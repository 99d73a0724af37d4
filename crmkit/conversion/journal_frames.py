"""The journal's rows as typed DataFrames: what `crmkit history`, the report and audits read.

Why apart from the store: the SQL decides *which* rows; these decide the columns and dtypes a
reader can count on (`Int64` ids and counts, `string` text, `boolean` flags), the same for an empty
journal as for a full one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "ATTEMPT_COLUMNS",
    "CREATED_SCHEMA",
    "RUN_COLUMNS",
    "SNAPSHOT_COLUMNS",
    "attempts_frame",
    "created_frame",
    "runs_frame",
    "snapshots_frame",
]

RUN_COLUMNS: tuple[str, ...] = (
    "run_id",
    "plan_name",
    "plan_hash",
    "target",
    "org_id",
    "org_name",
    "api_domain",
    "started_at",
    "finished_at",
    "status",
    "n_leads",
    "converted",
    "failed",
    "skipped",
    "open",
)
ATTEMPT_COLUMNS: tuple[str, ...] = (
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
)
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "snapshot_id",
    "attempt_id",
    "phase",
    "module",
    "record_id",
    "record_json",
    "taken_at",
    "lead_id",
    "run_id",
)
CREATED_SCHEMA: dict[str, str] = {
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
    "org_id": "string",
    "org_name": "string",
    "api_domain": "string",
}


def _frame(rows: Sequence[sqlite3.Row], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns))


def runs_frame(rows: Sequence[sqlite3.Row]) -> pd.DataFrame:
    """Runs with their counts of outcomes (RUN_COLUMNS)."""
    frame = _frame(rows, RUN_COLUMNS)
    counts = ("run_id", "n_leads", "converted", "failed", "skipped", "open")
    for col in RUN_COLUMNS:
        frame[col] = (
            frame[col].fillna(0).astype("Int64") if col in counts else frame[col].astype("string")
        )
    return frame


def attempts_frame(rows: Sequence[sqlite3.Row]) -> pd.DataFrame:
    """Attempts (ATTEMPT_COLUMNS): ids `Int64`, the rest `string`."""
    frame = _frame(rows, ATTEMPT_COLUMNS)
    for col in ATTEMPT_COLUMNS:
        frame[col] = frame[col].astype("Int64" if col in ("attempt_id", "run_id") else "string")
    return frame


def snapshots_frame(rows: Sequence[sqlite3.Row]) -> pd.DataFrame:
    """Before/after copies with their attempt's lead and run (SNAPSHOT_COLUMNS)."""
    frame = _frame(rows, SNAPSHOT_COLUMNS)
    for col in SNAPSHOT_COLUMNS:
        frame[col] = frame[col].astype(
            "Int64" if col in ("snapshot_id", "attempt_id", "run_id") else "string"
        )
    return frame


def created_frame(
    run_id: int,
    plan_rows: Sequence[Mapping[str, Any]],
    last_attempts: Mapping[str, Mapping[str, Any]],
    org: Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """One row per lead the run converted, with the records it became (CREATED_SCHEMA).

    `org` (`org_id`, `org_name`, `api_domain`) says where those ids live: an audit must never
    take a sandbox's ids for Zoho's. NA for a run recorded before journals knew their org.

    `contact_created` / `account_created` say whether the record is new (not a merge target of
    the plan row); deals are always new.
    """
    plan = {str(r["lead_id"]): r for r in plan_rows}
    rows = []
    for lead_id, att in sorted(last_attempts.items()):
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
                **{k: (org or {}).get(k) for k in ("org_id", "org_name", "api_domain")},
            }
        )
    frame = pd.DataFrame.from_records(rows, columns=list(CREATED_SCHEMA))
    return frame.astype(CREATED_SCHEMA)
