"""The Bulk Read result file: one CSV (Zoho's header and cell formats) inside a ZIP, in chunks.

Streaming matters: a page holds up to 200,000 records and an org a million or more, so the CSV
is never built in memory. Records are read from the store in chunks, written through a
`csv.writer` into `zipfile`'s compressing stream, and the ZIP lands in a file that the download
route serves from disk. Memory stays at one chunk of records whatever the page size.

Cell formats (what `crmkit.frames.read_leads_bulk_zip` reads back into the same frame as the
records API gives):
- the header is `id` then the requested API names, in the order asked;
- a lookup asked by its own name (`Owner`, `Account_Name`, `Layout`) is its record's id; asked
  with Zoho's dot operator (`Account_Name.Account_Name`, `Owner.email`, `Owner.full_name`) it is
  that field of the looked-up record (`.id` and `.name` work for every lookup);
- datetimes are ISO 8601 with their offset, as stored; dates `YYYY-MM-DD`; booleans
  `true` / `false`;
- numbers as the records API writes them in JSON (integer fields as integers, currency and
  decimals as decimals, e.g. `1500000.0`), never with thousands separators or exponents;
- multi-valued fields (multi-select picklists, `Tag`) join their values (tag names) with `;`;
- an empty field is an empty cell. Text is UTF-8 without a byte-order mark, quoted only where
  CSV needs it (commas, quotes, line breaks).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

Record = Mapping[str, Any]
Cell = Callable[[Record], str]

# The looked-up module's name field: `Account_Name.Account_Name` is the account's name.
NAME_FIELDS = {
    "Accounts": "Account_Name",
    "Contacts": "Full_Name",
    "Deals": "Deal_Name",
    "Leads": "Full_Name",
}
# Fields of a user (Owner) that the dot operator reaches.
USER_FIELDS = ("id", "name", "email", "full_name", "first_name", "last_name")
_INTEGER_TYPES = frozenset({"integer", "bigint"})
_DECIMAL_TYPES = frozenset({"currency", "double", "decimal", "percent"})


def _text(value: Any) -> str:
    """A stored JSON value as its cell (exact type checks: this runs once per cell)."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is dict:
        return str(value.get("id") or "")
    if kind is list:
        names = [v.get("name") if type(v) is dict else v for v in value]
        return ";".join(str(n) for n in names if n is not None)
    return str(value)


def _number(data_type: str) -> Callable[[Any], str]:
    """Stored number text -> the records API's JSON rendering of it."""
    kind: Callable[[str], Any] = int if data_type in _INTEGER_TYPES else float

    def fmt(value: Any) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return _text(value)
        try:
            return json.dumps(kind(value) if isinstance(value, str) else value)
        except ValueError:
            return str(value)

    return fmt


def cell_for(
    name: str,
    *,
    data_type: Callable[[str], str],
    lookup_target: Callable[[str], str | None],
    users: Mapping[str, Mapping[str, Any]],
) -> Cell:
    """How one requested column is written from a stored record."""
    if name == "id":
        return lambda rec: str(rec["id"])
    base, dot, sub = name.partition(".")
    if dot:
        target = lookup_target(base)

        def looked_up(rec: Record) -> str:
            ref = rec.get(base)
            if not isinstance(ref, Mapping):
                return ""
            if sub in ("id", "name") or (target is not None and sub == NAME_FIELDS.get(target)):
                return _text(ref.get("id" if sub == "id" else "name"))
            if target == "users":
                user = users.get(str(ref.get("id")), {})
                key = "full_name" if sub == "name" else sub
                return _text(user.get(key, ref.get(sub)))
            return _text(ref.get(sub))

        return looked_up
    dtype = data_type(name)
    if dtype in _INTEGER_TYPES or dtype in _DECIMAL_TYPES:
        fmt = _number(dtype)
        return lambda rec: fmt(rec.get(name))
    return lambda rec: _text(rec.get(name))


def write_zip(
    path: Path,
    member: str,
    header: list[str],
    cells: list[Cell],
    chunks: Iterable[list[Record]],
    *,
    compresslevel: int = 1,
) -> int:
    """Write `header` and one row per record of `chunks` as `member` inside a new ZIP at `path`.

    Returns the number of records written. The CSV goes through zipfile's streaming writer
    (`force_zip64` for pages past 2 GiB), so only the current chunk is ever held.
    """
    written = 0
    with (
        zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        ) as archive,
        archive.open(member, "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
    ):
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(header)
        for chunk in chunks:
            writer.writerows([cell(rec) for cell in cells] for rec in chunk)
            written += len(chunk)
    return written
