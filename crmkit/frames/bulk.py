"""Bulk Read pages -> the typed records frame, through the same decoder as CSV exports.

A Bulk Read result comes as several ZIPs (one per 200,000 records). Each CSV is decoded and
parsed exactly as `read_leads_bulk_zip` does; the pages are typed with one set of column kinds
(decided over every page, so a column whose first page happens to hold only `true`/`false` is
not typed boolean when a later page says otherwise), and the ids are checked across pages.

Zoho's Bulk Read CSV names a lookup by its own API name and fills it with the record's id
(`Owner`, `Account_Name`), and the looked-up record's name with the dot operator
(`Account_Name.Account_Name`); `bulk_columns` says which columns to ask for and how to rename
them so the frame has the records API's `X.id` / `X.name` columns. Owners' names and e-mails
come from the users list (`with_owners`), as the records API embeds them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit.frames.coercion import Where, _column_kind, _finish_leads, _type_text_frame
from crmkit.frames.csvfile import decode_csv, parse_csv
from crmkit.frames.errors import CSVFormatError

__all__ = ["BulkColumns", "bulk_columns", "read_bulk_pages", "with_owners"]

# The looked-up module's name field, for the dot operator (Zoho: `Account_Name.Account_Name`).
NAME_FIELDS = {
    "Accounts": "Account_Name",
    "Contacts": "Full_Name",
    "Deals": "Deal_Name",
    "Leads": "Full_Name",
}
_KIND_TYPES = {"boolean": "boolean", "datetime": "datetime", "date": "date", "string": "text"}


@dataclass(frozen=True)
class BulkColumns:
    """What to ask a Bulk Read for, and how its header maps to the records frame."""

    fields: tuple[str, ...]
    rename: dict[str, str]
    owners: tuple[str, ...]  # owner lookups whose name and e-mail come from the users list


def bulk_columns(fields: Sequence[str], meta: Sequence[Mapping[str, Any]]) -> BulkColumns:
    """The Bulk Read fields for `fields` of a module described by its field metadata.

    A lookup `X` is asked as `X` (its id, renamed `X.id`) plus `X.<name field>` when its target
    module is known (renamed `X.name`); an owner lookup's name comes from the users list.
    """
    by_name = {str(f.get("api_name")): f for f in meta}
    out: list[str] = []
    rename: dict[str, str] = {}
    owners: list[str] = []
    for name in dict.fromkeys(fields):
        if name == "id":
            continue
        info = by_name.get(name, {})
        dtype = str(info.get("data_type") or "")
        out.append(name)
        if dtype == "ownerlookup" or name == "Owner":
            rename[name] = f"{name}.id"
            owners.append(name)
        elif dtype == "lookup":
            rename[name] = f"{name}.id"
            target = ((info.get("lookup") or {}).get("module") or {}).get("api_name")
            name_field = NAME_FIELDS.get(str(target))
            if name_field is not None:
                out.append(f"{name}.{name_field}")
                rename[f"{name}.{name_field}"] = f"{name}.name"
    return BulkColumns(tuple(out), rename, tuple(owners))


def _read_page(path: Path, rename: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
    """One page's CSV as text columns (NA for empty cells), and its name for errors."""
    try:
        with zipfile.ZipFile(path) as archive:
            csvs = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if len(csvs) != 1:
                raise CSVFormatError(
                    str(path),
                    f"a Bulk Read result holds exactly one CSV; this ZIP holds {csvs}",
                    "pass the ZIP downloaded from /crm/bulk/v8/read/{job_id}/result",
                )
            data = archive.read(csvs[0])
    except zipfile.BadZipFile as exc:
        raise CSVFormatError(str(path), "not a ZIP file", "download the page again") from exc
    source = f"{path}!{csvs[0]}"
    text, encoding = decode_csv(data, source, None)
    raw = parse_csv(text, source, encoding=encoding).frame()
    raw = raw.rename(columns=dict(rename))
    raw.columns = [str(c).strip() for c in raw.columns]
    if "id" not in raw.columns:
        raise CSVFormatError(source, "no id column", "a Bulk Read CSV starts with id", row=1)
    return raw.astype("string"), source


def read_bulk_pages(
    paths: Iterable[str | Path],
    *,
    rename: Mapping[str, str] | None = None,
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Every page's records as one typed frame (`id` first, ids unique across pages)."""
    pages = [_read_page(Path(p), rename or {}) for p in paths]
    if not pages:
        return pd.DataFrame({"id": pd.Series([], dtype="string")})
    columns = list(dict.fromkeys(c for raw, _ in pages for c in raw.columns))
    types = dict(field_types or {})
    for name in columns:  # one kind per column, decided over every page
        if name in types:
            continue
        whole = pd.concat([raw[name] for raw, _ in pages if name in raw.columns])
        kind = _column_kind(name, whole.astype("string"), types)
        if kind in _KIND_TYPES and kind != "string":
            types[name] = _KIND_TYPES[kind]
        elif kind == "string":
            types[name] = "text"
    typed = [
        _type_text_frame(
            raw, Where(source, pd.Series(raw.index + 2), is_csv=True), field_types=types, tz=tz
        )
        for raw, source in pages
    ]
    frame = pd.concat(typed, ignore_index=True)[columns]
    _check_unique(frame, [(source, len(raw)) for raw, source in pages])
    return _finish_leads(frame)


def _check_unique(frame: pd.DataFrame, sizes: list[tuple[str, int]]) -> None:
    ids = frame["id"]
    empty = ids.isna().to_numpy(dtype=bool)
    dup = ids.duplicated(keep="first").to_numpy(dtype=bool)  # the repeat, in its later page
    bad = empty | dup
    if not bad.any():
        return
    pos = int(bad.argmax())
    source = sizes[-1][0]
    for name, size in sizes:
        if pos < size:
            source = name
            break
        pos -= size
    problem = "empty id" if empty.any() else f"id {ids[bad].iloc[0]!r} appears twice"
    raise CSVFormatError(
        source, problem, "export again: Bulk Read pages never overlap", row=pos + 2, column="id"
    )


def with_owners(
    frame: pd.DataFrame, owners: Sequence[str], users: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Add `X.name` and `X.email` after each owner lookup's `X.id`, from the users list."""
    if not owners:
        return frame
    by_id = {str(u.get("id")): u for u in users}
    out = frame.copy()
    for owner in owners:
        col = f"{owner}.id"
        if col not in out.columns:
            continue
        ids = out[col].astype("string")
        names = ids.map({k: u.get("full_name") for k, u in by_id.items()})
        mails = ids.map({k: u.get("email") for k, u in by_id.items()})
        at = list(out.columns).index(col) + 1
        out.insert(at, f"{owner}.name", names.astype("string"))
        out.insert(at + 1, f"{owner}.email", mails.astype("string"))
    return out
