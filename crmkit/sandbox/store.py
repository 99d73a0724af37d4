"""SQLite state of the sandbox org: records as JSON plus an index of field values for matching.

`fv` holds every scalar value twice — trimmed (`v_cs`) and trimmed + casefolded (`v_ci`) — so
that Zoho's exact matching (case-insensitive for text, honouring a unique field's case flag) is an
indexed lookup. The seed state lives in a private in-memory database; `reset()` copies it back
with SQLite's backup API, which takes milliseconds even for the bundled sample org.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from crmkit.private_files import private_sqlite
from crmkit.sandbox.loader import OrgData, Record

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
  module TEXT NOT NULL, id TEXT NOT NULL, idn INTEGER NOT NULL, converted INTEGER NOT NULL,
  created TEXT, modified TEXT, data TEXT NOT NULL, PRIMARY KEY (module, id));
CREATE INDEX IF NOT EXISTS records_idn ON records (module, converted, idn);
CREATE INDEX IF NOT EXISTS records_module_idn ON records (module, idn);
CREATE TABLE IF NOT EXISTS fv (
  module TEXT NOT NULL, field TEXT NOT NULL, id TEXT NOT NULL, v_ci TEXT NOT NULL,
  v_cs TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fv_ci ON fv (module, field, v_ci);
CREATE INDEX IF NOT EXISTS fv_cs ON fv (module, field, v_cs);
CREATE INDEX IF NOT EXISTS fv_id ON fv (id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SORT_COLUMNS = {"id": "idn", "Created_Time": "created", "Modified_Time": "modified"}


def index_values(rec: Record) -> Iterator[tuple[str, str]]:
    """(field, raw text) pairs indexed for a record: scalars, lookup names/ids, tag names."""
    for key, value in rec.items():
        if value is None or key.startswith("$"):
            continue
        if isinstance(value, bool):
            yield key, "true" if value else "false"
        elif isinstance(value, dict):
            if value.get("name"):
                yield key, str(value["name"])
            if value.get("id"):
                yield f"{key}.id", str(value["id"])
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and item.get("name"):
                    yield key, str(item["name"])
        else:
            yield key, str(value)


def fold(value: str) -> str:
    """Case-insensitive comparison key: surrounding whitespace dropped, casefolded."""
    return value.strip().casefold()


class Store:
    """The org's records. Thread-safe through one re-entrant lock around a single connection."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self.lock = threading.RLock()
        if path:  # the file holds the org's client secret and refresh token
            private_sqlite(path)
        self.conn = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self.conn.isolation_level = None
        self.conn.executescript("PRAGMA journal_mode=WAL;" if path else "")
        self.conn.executescript(_SCHEMA)
        self._seed: sqlite3.Connection | None = None

    # -- seeding ---------------------------------------------------------------------------------
    def seed(self, data: OrgData, *, keep_existing: bool = True) -> None:
        """Build the seed from `data`; live state starts from it (or resumes a matching file)."""
        seed = sqlite3.connect(":memory:", check_same_thread=False)
        seed.isolation_level = None
        seed.executescript(_SCHEMA)
        payload = json.dumps([data.records, data.org, data.fields], sort_keys=True)
        fingerprint = hashlib.sha256(payload.encode()).hexdigest()
        max_id = 0
        seed.execute("BEGIN")
        for module, recs in data.records.items():
            _insert_many(seed, module, recs)
            for r in recs:
                max_id = max(max_id, int(r["id"]))
        meta = {
            "org": data.org,
            "custom_fields": data.fields,
            "next_id": max(max_id + 1, 4876876000010000000),
            "fingerprint": fingerprint,
        }
        seed.executemany(
            "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
        )
        seed.execute("COMMIT")
        self._seed = seed
        with self.lock:
            if keep_existing and self.path and self.meta("fingerprint") == fingerprint:
                return
            self.reset()

    def reset(self) -> None:
        """Restore the seed state (records, org settings, id counter)."""
        if self._seed is None:
            raise RuntimeError("store was never seeded")
        with self.lock:
            self._seed.backup(self.conn)

    # -- meta ------------------------------------------------------------------------------------
    def meta(self, key: str, default: Any = None) -> Any:
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (key, json.dumps(value, sort_keys=True)),
            )

    def new_id(self) -> str:
        with self.lock:
            n = int(self.meta("next_id"))
            self.set_meta("next_id", n + 1)
        return str(n)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- records ---------------------------------------------------------------------------------
    def get(self, module: str, record_id: str) -> Record | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT data FROM records WHERE module = ? AND id = ?", (module, record_id)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def get_many(self, module: str, ids: Iterable[str]) -> list[Record]:
        out = []
        for i in ids:
            rec = self.get(module, i)
            if rec is not None:
                out.append(rec)
        return out

    def put(self, module: str, rec: Record) -> None:
        """Insert or replace a record and re-index its values."""
        with self.lock:
            self.conn.execute("DELETE FROM fv WHERE module = ? AND id = ?", (module, rec["id"]))
            _insert_many(self.conn, module, [rec])

    def insert_many(self, module: str, recs: list[Record], *, index: bool = True) -> None:
        """Insert many new records in one transaction (large synthetic orgs, benchmarks).

        `index=False` skips the value index, which only matching reads (Contacts and Accounts
        are matched against; a lead never is), so a million leads load in seconds.
        """
        with self.transaction():
            _insert_many(self.conn, module, recs, index=index)

    def scan_ids(self, module: str, after: int, limit: int) -> list[tuple[int, str]]:
        """Up to `limit` records of `module` with a numeric id above `after`, in id order:
        (numeric id, stored JSON) — the order a Bulk Read exports in."""
        with self.lock:
            rows = self.conn.execute(
                "SELECT idn, data FROM records WHERE module = ? AND idn > ? ORDER BY idn LIMIT ?",
                (module, after, limit),
            ).fetchall()
        return [(int(idn), str(data)) for idn, data in rows]

    def find(
        self, module: str, field: str, value: str, *, casesensitive: bool = False
    ) -> list[str]:
        """Ids of records whose `field` equals `value` (trimmed; casefolded unless cased)."""
        if not value.strip():
            return []
        col, key = ("v_cs", value.strip()) if casesensitive else ("v_ci", fold(value))
        with self.lock:
            rows = self.conn.execute(
                f"SELECT DISTINCT id FROM fv INDEXED BY fv_{col[2:]} "
                f"WHERE module = ? AND field = ? AND {col} = ?",
                (module, field, key),
            ).fetchall()
        return [r[0] for r in rows]

    def scan(self, module: str, sql: str, params: list[Any]) -> list[str]:
        """Ids from `fv` rows of `module` matching an SQL condition over field/v_ci/v_cs."""
        with self.lock:
            rows = self.conn.execute(
                f"SELECT DISTINCT id FROM fv WHERE module = ? AND ({sql})", [module, *params]
            ).fetchall()
        return [r[0] for r in rows]

    def page(
        self,
        module: str,
        *,
        converted: str = "false",
        sort_by: str = "id",
        sort_order: str = "desc",
        offset: int = 0,
        limit: int = 200,
        ids: list[str] | None = None,
    ) -> list[Record]:
        """One page of records in listing order (`limit` rows from `offset`)."""
        where = ["module = ?"]
        params: list[Any] = [module]
        if converted == "false":
            where.append("converted = 0")
        elif converted == "true":
            where.append("converted = 1")
        if ids is not None:
            where.append(f"id IN ({','.join('?' * len(ids))})")
            params += ids
        col = SORT_COLUMNS[sort_by]
        order = "DESC" if sort_order == "desc" else "ASC"
        sql = (
            f"SELECT data FROM records WHERE {' AND '.join(where)} "
            f"ORDER BY {col} {order}, idn {order} LIMIT ? OFFSET ?"
        )
        with self.lock:
            rows = self.conn.execute(sql, [*params, limit, offset]).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, module: str) -> dict[str, int]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT converted, COUNT(*) FROM records WHERE module = ? GROUP BY converted",
                (module,),
            ).fetchall()
        d = {bool(c): n for c, n in rows}
        return {"total": sum(d.values()), "converted": d.get(True, 0)}

    def close(self) -> None:
        with self.lock:
            self.conn.close()
            if self._seed is not None:
                self._seed.close()


def _insert_many(
    conn: sqlite3.Connection, module: str, recs: list[Record], *, index: bool = True
) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                module,
                r["id"],
                int(r["id"]),
                1 if r.get("Converted__s") else 0,
                r.get("Created_Time"),
                r.get("Modified_Time"),
                json.dumps(r),
            )
            for r in recs
        ],
    )
    if not index:
        return
    conn.executemany(
        "INSERT INTO fv VALUES (?, ?, ?, ?, ?)",
        [
            (module, field, r["id"], fold(text), text.strip())
            for r in recs
            for field, text in index_values(r)
        ],
    )
