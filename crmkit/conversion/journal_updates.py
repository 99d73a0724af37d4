"""The journal of crmkit's corrections after a merge: one `record_updates` row per record.

Why its own table (in the same file, `journal_schema.SCHEMA`): a merged lead's convert and the
Update Records call that applies its merge policy are two writes, each journaled before it is sent
and answered after, so a crash between or during them is settled on resume without doing either
twice. A row is written `state='sent'`, `outcome='unknown'` before the call (with the values to
write, the values they replace and the record as read just before), then answered.

Outcomes: `applied` (Zoho said SUCCESS, or the record read back holds what was sent),
`unchanged` (the policy wants nothing Zoho did not do: nothing sent), `conflict` (someone else
changed the record since the convert: nothing sent), `failed` (Zoho refused the record),
`skipped` (another lead of the run merged into the record later: its policy is applied), and,
not final, `not_sent` (known not applied: the next run tries again) and `unknown` (sent, answer
lost: the next run reads the record back).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crmkit.conversion.journal import Journal
from crmkit.conversion.journal_schema import dump, now

__all__ = [
    "CHANGES_SCHEMA",
    "FINAL_UPDATE_OUTCOMES",
    "PendingUpdate",
    "UpdateJournal",
    "changes_frame",
    "open_updates",
]

FINAL_UPDATE_OUTCOMES = frozenset({"applied", "unchanged", "conflict", "failed", "skipped"})

CHANGES_SCHEMA: dict[str, str] = {
    "run_id": "Int64",
    "lead_id": "string",
    "module": "string",
    "record_id": "string",
    "field": "string",
    "old": "string",
    "new": "string",
    "status": "string",
    "code": "string",
    "changed_at": "string",
}


@dataclass(frozen=True)
class PendingUpdate:
    """One record's correction as the journal holds it."""

    update_id: int
    run_id: int
    lead_id: str
    attempt_id: int
    module: str
    record_id: str
    fields: dict[str, Any]
    old: dict[str, Any]
    outcome: str
    tries: int
    code: str | None = None
    message: str | None = None


class UpdateJournal:
    """The `record_updates` rows of one journal (its connection and lock: thread-safe)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    # -- writing ---------------------------------------------------------------------------
    def begin(
        self,
        items: Sequence[tuple[int, Mapping[str, Any], Mapping[str, Any], Mapping[str, Any] | None]],
    ) -> None:
        """Mark rows sent, before the call: (update_id, fields, old values, record read now)."""
        with self.journal._tx() as db:
            db.executemany(
                "UPDATE record_updates SET state = 'sent', outcome = 'unknown', fields_json = ?, "
                "old_json = ?, record_json = ?, tries = tries + 1, sent_at = ?, code = NULL, "
                "message = NULL WHERE update_id = ?",
                [
                    (dump(dict(f)) or "{}", dump(dict(o)), dump(r), now(), uid)
                    for uid, f, o, r in items
                ],
            )

    def new(self, run_id: int, lead_id: str, attempt_id: int, module: str, record_id: str) -> int:
        """An empty row for a record about to be corrected (filled by `decide` or `begin`)."""
        with self.journal._tx() as db:
            cur = db.execute(
                "INSERT INTO record_updates (run_id, lead_id, attempt_id, module, record_id, "
                "fields_json, old_json, record_json, state, outcome, code, message, created_at, "
                "answered_at) VALUES (?, ?, ?, ?, ?, '{}', '{}', NULL, 'answered', 'not_sent', "
                "'NOT_SENT_YET', NULL, ?, ?)",
                (run_id, str(lead_id), attempt_id, module, str(record_id), now(), now()),
            )
            return int(cur.lastrowid or 0)

    def decide(
        self,
        update_id: int,
        *,
        outcome: str,
        fields: Mapping[str, Any],
        old: Mapping[str, Any],
        record: Mapping[str, Any] | None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        """A row settled without a call: `unchanged`, `conflict`, `failed` or `not_sent`."""
        with self.journal._tx() as db:
            db.execute(
                "UPDATE record_updates SET state = 'answered', outcome = ?, fields_json = ?, "
                "old_json = ?, record_json = ?, code = ?, message = ?, answered_at = ? "
                "WHERE update_id = ?",
                (
                    outcome,
                    dump(dict(fields)) or "{}",
                    dump(dict(old)),
                    dump(record),
                    code,
                    message,
                    now(),
                    update_id,
                ),
            )

    def answer(
        self,
        update_id: int,
        *,
        outcome: str,
        code: str | None,
        message: str | None,
        answer: Any = None,
        state: str = "answered",
    ) -> None:
        """What became of a sent row (Zoho's answer, or a settlement by reading back)."""
        with self.journal._tx() as db:
            db.execute(
                "UPDATE record_updates SET state = ?, outcome = ?, code = ?, message = ?, "
                "answer_json = ?, answered_at = ? WHERE update_id = ?",
                (state, outcome, code, message, dump(answer), now(), update_id),
            )

    # -- reading ---------------------------------------------------------------------------
    def latest(self, run_id: int) -> dict[tuple[str, str, str], PendingUpdate]:
        """Each (lead, module, record)'s latest row in a run."""
        rows = self.journal._query(
            "SELECT * FROM record_updates WHERE run_id = ? ORDER BY update_id", (run_id,)
        )
        out: dict[tuple[str, str, str], PendingUpdate] = {}
        for r in rows:
            item = _pending(r)
            out[(item.lead_id, item.module, item.record_id)] = item
        return out

    def snapshot(
        self, run_id: int, lead_id: str, phase: str, module: str, record_id: str | None = None
    ) -> dict[str, Any] | None:
        """The latest `phase` copy of a record (or of the module's record) the run journaled."""
        sql = (
            "SELECT s.record_json FROM snapshots s JOIN attempts a ON a.attempt_id = s.attempt_id "
            "WHERE a.run_id = ? AND a.lead_id = ? AND s.phase = ? AND s.module = ?"
        )
        params: list[Any] = [run_id, str(lead_id), phase, module]
        if record_id is not None:
            sql += " AND s.record_id = ?"
            params.append(str(record_id))
        rows = self.journal._query(sql + " ORDER BY s.snapshot_id DESC LIMIT 1", params)
        if not rows or rows[0]["record_json"] is None:
            return None
        value = json.loads(rows[0]["record_json"])
        return value if isinstance(value, dict) else None

    def first_before(
        self, run_id: int, leads: Sequence[str], module: str, record_id: str
    ) -> dict[str, Any] | None:
        """The earliest before-copy of a record among these leads' attempts in the run."""
        marks = ", ".join("?" for _ in leads)
        rows = self.journal._query(
            "SELECT s.record_json FROM snapshots s JOIN attempts a ON a.attempt_id = s.attempt_id "
            f"WHERE a.run_id = ? AND a.lead_id IN ({marks}) AND s.phase = 'before' "
            "AND s.module = ? AND s.record_id = ? AND s.record_json IS NOT NULL "
            "ORDER BY s.snapshot_id LIMIT 1",
            [run_id, *map(str, leads), module, str(record_id)],
        )
        if not rows:
            return None
        value = json.loads(rows[0]["record_json"])
        return value if isinstance(value, dict) else None

    def notes(self, run_id: int) -> dict[str, str]:
        """Per lead, what its merge correction came to (the results' `merge_update` column)."""
        parts: dict[str, list[str]] = {}
        for item in self.latest(run_id).values():
            if item.outcome == "unchanged":
                continue
            names = ", ".join(sorted(item.fields))
            text = f"{item.module} {item.record_id} {item.outcome}"
            if names:
                text += f" ({names})"
            if (
                item.outcome in ("failed", "conflict", "skipped", "not_sent", "unknown")
                and item.code
            ):
                text += f": {item.code}"
                text += f" {item.message}" if item.message else ""
            parts.setdefault(item.lead_id, []).append(text)
        return {lead: "; ".join(texts) for lead, texts in parts.items()}

    def counts(self, run_id: int) -> dict[str, int]:
        """Records per latest outcome in a run (`applied`, `unchanged`, `conflict`, …)."""
        out: dict[str, int] = {}
        for item in self.latest(run_id).values():
            out[item.outcome] = out.get(item.outcome, 0) + 1
        return out

    def summary(self, run_id: int) -> str:
        """`; merge policy updates: 2 applied, 1 conflict …` for a run's message ("" if none)."""
        counts = {k: v for k, v in self.counts(run_id).items() if k != "unchanged"}
        if not counts:
            return ""
        order = ["applied", "conflict", "failed", "skipped", "not_sent", "unknown"]
        parts = [f"{counts[k]} {k}" for k in order if k in counts]
        return f"; merge policy updates: {', '.join(parts)} (see merge_update)"

    def changes(self, run_id: int) -> pd.DataFrame:
        """Every field crmkit changed or meant to change in a run: one row per field, old -> new
        (CHANGES_SCHEMA); `status` is the row's outcome."""
        rows = self.journal._query(
            "SELECT * FROM record_updates WHERE run_id = ? ORDER BY update_id", (run_id,)
        )
        latest: dict[tuple[str, str, str], Any] = {}
        for r in rows:
            latest[(str(r["lead_id"]), str(r["module"]), str(r["record_id"]))] = r
        return changes_frame(run_id, latest.values())


def open_updates(counts: Mapping[str, int]) -> bool:
    """Some merge update is still open (`not_sent`, `unknown`): the run is not finished."""
    return any(counts.get(k) for k in ("not_sent", "unknown"))


def changes_frame(run_id: int, rows: Iterable[Any]) -> pd.DataFrame:
    """`record_updates` rows -> one row per field (CHANGES_SCHEMA); values as JSON text when
    they are not text (a number stays `5000`, a list `["a", "b"]`)."""
    out = []
    for r in rows:
        fields = json.loads(r["fields_json"] or "{}")
        old = json.loads(r["old_json"] or "{}")
        for name in sorted(fields):
            out.append(
                {
                    "run_id": run_id,
                    "lead_id": r["lead_id"],
                    "module": r["module"],
                    "record_id": r["record_id"],
                    "field": name,
                    "old": _text(old.get(name)),
                    "new": _text(fields[name]),
                    "status": r["outcome"],
                    "code": r["code"],
                    "changed_at": r["answered_at"] or r["sent_at"],
                }
            )
    return pd.DataFrame.from_records(out, columns=list(CHANGES_SCHEMA)).astype(CHANGES_SCHEMA)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _pending(r: Any) -> PendingUpdate:
    return PendingUpdate(
        update_id=int(r["update_id"]),
        run_id=int(r["run_id"]),
        lead_id=str(r["lead_id"]),
        attempt_id=int(r["attempt_id"]),
        module=str(r["module"]),
        record_id=str(r["record_id"]),
        fields=dict(json.loads(r["fields_json"] or "{}")),
        old=dict(json.loads(r["old_json"] or "{}")),
        outcome=str(r["outcome"]),
        tries=int(r["tries"]),
        code=r["code"],
        message=r["message"],
    )
