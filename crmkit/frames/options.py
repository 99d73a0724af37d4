"""Zoho payloads and exports as typed, tidy DataFrames; the schemas every other part reads.

Why one module: the leads frame must come out identical whether it was read from the API, a CSV
export or a Bulk Read ZIP, and the `options` / `matches` / `matched_fields` frames must have the
same shape whether Zoho answered (`source="api"`) or crmkit predicted (`source="predicted"`). So
every source is first brought to text (as an export writes it) and then typed by one function, and
the schemas live here as data (`OPTIONS_SCHEMA`, `MATCHES_SCHEMA`, `MATCHED_FIELDS_SCHEMA`,
`conform`).

Typing rules (docs/frames.md): ids are strings (never floats: Zoho ids pass 2**53; a spreadsheet's
`4.87E+18` is refused), datetimes become `datetime64[ns, UTC]` (an offset is required unless `tz=`
says how to read naive values), booleans are `boolean` (only true/false), lookups are flattened to
`X.id` / `X.name` (and any other key, e.g. `Owner.email`), `Tag` is `;`-joined names, custom fields
are kept. Bad input raises `CSVFormatError` / `PayloadError` naming where and how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from crmkit.api.client import CRMClient

__all__ = [
    "LEAD_BOOLEAN_FIELDS",
    "LEAD_DATETIME_FIELDS",
    "MATCHED_FIELDS_SCHEMA",
    "MATCHES_SCHEMA",
    "OPTIONS_SCHEMA",
    "CSVFormatError",
    "FramesError",
    "OptionsFrames",
    "PayloadError",
    "conform",
    "empty_frame",
    "fetch_leads",
    "fetch_options",
    "fetch_records",
    "isin",
    "leads_from_records",
    "options_frames",
    "read_leads_bulk_zip",
    "read_leads_csv",
    "route_of",
    "routes",
]

# --------------------------------------------------------------------------------------------------
# Schemas (docs/architecture.md "Frames"; additions documented in docs/frames.md)

OPTIONS_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "outcome": "string",
    "error_code": "string",
    "n_contacts": "Int64",
    "n_accounts": "Int64",
    "module_preference": "string",
    "contact_fields": "string",
    "account_fields": "string",
    "first_field": "string",
    "first_module": "string",
    "multiple_layouts": "string",
    "source": "string",
    # additions (docs/frames.md)
    "n_deals": "Int64",
    "error_message": "string",
}

MATCHES_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "module": "string",
    "record_id": "string",
    "field": "string",
    "field_rank": "Int64",
    "route": "string",
    "lead_value": "string",
    "record_name": "string",
    "account_id": "string",
    "account_name": "string",
    "locked": "boolean",
    "editable": "boolean",
    "approval_state": "string",
    "explained": "boolean",
    "source": "string",
}

MATCHED_FIELDS_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "module": "string",
    "field_rank": "Int64",
    "field": "string",
    "lead_value": "string",
    "source": "string",
}

OUTCOMES = ("matched", "no_match", "error")
ROUTES = ("unique", "email", "company", "name")

# Leads fields whose type Zoho fixes; anything else is typed from `field_types` or kept as text.
LEAD_DATETIME_FIELDS = frozenset(
    {
        "Created_Time",
        "Modified_Time",
        "Converted_Date_Time",
        "Last_Activity_Time",
        "Unsubscribed_Time",
        "Last_Enriched_Time__s",
        "Change_Log_Time__s",
    }
)
LEAD_BOOLEAN_FIELDS = frozenset(
    {"Converted__s", "Locked__s", "Email_Opt_Out", "$editable", "$converted", "$approved"}
)
_ZOHO_TYPES: dict[str, str] = {
    "datetime": "datetime",
    "date": "date",
    "boolean": "boolean",
    "integer": "Int64",
    "bigint": "Int64",
    "autonumber": "string",
    "double": "Float64",
    "currency": "Float64",
    "decimal": "Float64",
    "percent": "Float64",
}

# --------------------------------------------------------------------------------------------------
# Errors


class FramesError(ValueError):
    """Input crmkit cannot turn into a frame without guessing."""


class CSVFormatError(FramesError):
    """A CSV export (or Bulk Read file) that cannot be read faithfully.

    `path`, `row` (spreadsheet row: the header is row 1), `column` and `fix` say where and what
    to do.
    """

    def __init__(
        self,
        path: str,
        problem: str,
        fix: str,
        *,
        row: int | None = None,
        column: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path, self.problem, self.fix = path, problem, fix
        self.row, self.column, self.line = row, column, line
        where = [path]
        if row is not None:
            where.append(f"row {row}")
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}. Fix: {fix}")


class PayloadError(FramesError):
    """An API payload that does not have the shape Zoho documents."""


# --------------------------------------------------------------------------------------------------
# Schema helpers


def empty_frame(schema: Mapping[str, str]) -> pd.DataFrame:
    """A zero-row frame with the schema's columns and dtypes."""
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in schema.items()})


def conform(frame: pd.DataFrame, schema: Mapping[str, str], *, name: str = "frame") -> pd.DataFrame:
    """Check `frame` has every schema column and cast them to the schema's dtypes.

    Extra columns are kept after the schema's columns. Used by the predictor too, so both sources of
    `options`/`matches` can be compared column for column.
    """
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise FramesError(f"{name} lacks columns {missing} (schema: docs/architecture.md)")
    out = frame.astype(dict(schema))
    extra = [c for c in frame.columns if c not in schema]
    return out[[*schema, *extra]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Typing text columns (shared by CSV, Bulk Read and API sources)

_SCI_ID = re.compile(r"^[0-9](?:\.[0-9]+)?[eE][+-]?[0-9]+$")
_FLOAT_ID = re.compile(r"^[0-9]+\.[0-9]*$")
_HAS_OFFSET = re.compile(r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$")
_TRUE = frozenset({"true"})
_FALSE = frozenset({"false"})


def _is_id_column(name: str) -> bool:
    return name == "id" or name.endswith(".id")


@dataclass(frozen=True)
class _Where:
    """Names a cell in an error message: a CSV file and its rows, or API records by id."""

    source: str
    labels: pd.Series  # row label per frame row (CSV row number or record id)
    is_csv: bool

    def fail(self, pos: int, column: str, problem: str, fix: str) -> FramesError:
        label = self.labels.iloc[pos]
        if self.is_csv:
            return CSVFormatError(self.source, problem, fix, row=int(label), column=column)
        return PayloadError(
            f"{self.source}: record id={label}, field {column!r}: {problem}. Fix: {fix}"
        )


def _type_ids(col: pd.Series, name: str, where: _Where) -> pd.Series:
    text = col.str.strip()
    text = text.str.removeprefix("zcrm_")
    sci = text.str.match(_SCI_ID).fillna(False).to_numpy(dtype=bool)
    if sci.any():
        pos = int(sci.argmax())
        raise where.fail(
            pos,
            name,
            f"id {text.iloc[pos]!r} is in scientific notation: a spreadsheet turned the id into a "
            "number and its last digits are lost",
            "export again from Zoho and do not open/save the file in a spreadsheet (or import the "
            "column as Text); ids cannot be recovered from this file",
        )
    flt = text.str.match(_FLOAT_ID).fillna(False).to_numpy(dtype=bool)
    if flt.any():
        pos = int(flt.argmax())
        raise where.fail(
            pos,
            name,
            f"id {text.iloc[pos]!r} looks like a float (decimal point): it went through a number "
            "type and may have lost digits",
            "export again from Zoho and keep id columns as text",
        )
    return text.mask(text == "", pd.NA).astype("string")


def _type_booleans(col: pd.Series, name: str, where: _Where) -> pd.Series:
    low = col.str.strip().str.lower()
    bad = (low.notna() & ~low.isin(["true", "false"])).to_numpy(dtype=bool)
    if bad.any():
        pos = int(bad.argmax())
        raise where.fail(
            pos,
            name,
            f"{col.iloc[pos]!r} is not a boolean (expected true or false)",
            "correct the cell (Zoho exports true/false), or pass field_types={"
            f"{name!r}: 'text'}} to keep the column as text",
        )
    return (low == "true").astype("boolean").where(low.notna(), pd.NA)


def _type_datetimes(col: pd.Series, name: str, where: _Where, tz: str | None) -> pd.Series:
    text = col.str.strip()
    present = text.notna().to_numpy(dtype=bool)
    aware = text.str.contains(_HAS_OFFSET).fillna(False).to_numpy(dtype=bool)
    naive = present & ~aware
    if naive.any() and tz is None:
        pos = int(naive.argmax())
        raise where.fail(
            pos,
            name,
            f"datetime {text.iloc[pos]!r} has no UTC offset, so the instant is ambiguous",
            "pass tz='Area/City' (your Zoho user's time zone, which the export used) to read naive "
            "datetimes",
        )
    out = pd.Series(pd.NaT, index=col.index, dtype="datetime64[ns, UTC]")
    parsed_aware = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
    out.loc[aware] = parsed_aware
    if naive.any():
        parsed_naive = pd.to_datetime(text[naive], format="mixed", errors="coerce")
        out.loc[naive] = parsed_naive.dt.tz_localize(
            tz, ambiguous="NaT", nonexistent="NaT"
        ).dt.tz_convert("UTC")
    bad = present & out.isna().to_numpy(dtype=bool)
    if bad.any():
        pos = int(bad.argmax())
        raise where.fail(
            pos,
            name,
            f"{text.iloc[pos]!r} is not a valid datetime "
            "(ISO 8601, e.g. 2024-03-05T10:00:00+05:30)",
            "correct the cell; Zoho writes datetimes as ISO 8601 with an offset",
        )
    return out.astype("datetime64[ns, UTC]")


def _type_dates(col: pd.Series, name: str, where: _Where) -> pd.Series:
    text = col.str.strip()
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = (text.notna() & parsed.isna()).to_numpy(dtype=bool)
    if bad.any():
        pos = int(bad.argmax())
        raise where.fail(
            pos, name, f"{text.iloc[pos]!r} is not a date (YYYY-MM-DD)", "correct the cell"
        )
    return parsed.astype("datetime64[ns]")


def _type_numbers(col: pd.Series, name: str, where: _Where, dtype: str) -> pd.Series:
    text = col.str.strip().str.replace(",", "", regex=False)
    parsed = pd.to_numeric(text, errors="coerce")
    bad = (text.notna() & parsed.isna()).to_numpy(dtype=bool)
    if bad.any():
        pos = int(bad.argmax())
        raise where.fail(pos, name, f"{text.iloc[pos]!r} is not a number", "correct the cell")
    try:
        typed: pd.Series = parsed.astype(cast(Any, dtype))
        return typed
    except (TypeError, ValueError) as exc:
        frac = (parsed.notna() & (parsed % 1 != 0)).to_numpy(dtype=bool)
        pos = int(frac.argmax())
        raise where.fail(
            pos, name, f"{text.iloc[pos]!r} is not a whole number", "correct the cell"
        ) from exc


def _column_kind(name: str, col: pd.Series, field_types: Mapping[str, str]) -> str:
    base = name.split(".", 1)[0]
    if name in field_types:
        return _ZOHO_TYPES.get(field_types[name], "string")
    if _is_id_column(name):
        return "id"
    if "." not in name and base in field_types:
        return _ZOHO_TYPES.get(field_types[base], "string")
    if name in LEAD_DATETIME_FIELDS:
        return "datetime"
    if name in LEAD_BOOLEAN_FIELDS:
        return "boolean"
    values = col.dropna()
    if len(values) and values.str.strip().str.lower().isin(["true", "false"]).all():
        return "boolean"
    return "string"


def _type_text_frame(
    raw: pd.DataFrame, where: _Where, *, field_types: Mapping[str, str], tz: str | None
) -> pd.DataFrame:
    """Type a frame of text (NA for empty cells), one rule set for every source."""
    columns: dict[str, pd.Series] = {}
    for name in raw.columns:
        col = raw[name].astype("string")
        kind = _column_kind(name, col, field_types)
        if kind == "id":
            columns[name] = _type_ids(col, name, where)
        elif kind == "boolean":
            columns[name] = _type_booleans(col, name, where)
        elif kind == "datetime":
            columns[name] = _type_datetimes(col, name, where, tz)
        elif kind == "date":
            columns[name] = _type_dates(col, name, where)
        elif kind in ("Int64", "Float64"):
            columns[name] = _type_numbers(col, name, where, kind)
        else:
            columns[name] = col
    return pd.DataFrame(columns, index=raw.index)


def _check_ids(frame: pd.DataFrame, where: _Where) -> None:
    ids = frame["id"]
    missing = ids.isna().to_numpy(dtype=bool)
    if missing.any():
        pos = int(missing.argmax())
        raise where.fail(pos, "id", "empty id", "every lead needs its Zoho record id")
    dup = ids.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        labels = where.labels[dup].astype(str).tolist()
        first = int(dup.argmax())
        raise where.fail(
            first,
            "id",
            f"id {ids.iloc[first]!r} is duplicated (rows/records {', '.join(labels[:10])}"
            f"{'…' if len(labels) > 10 else ''})",
            "remove the repeated rows; each lead must appear once",
        )


def _finish_leads(typed: pd.DataFrame) -> pd.DataFrame:
    cols = ["id", *[c for c in typed.columns if c != "id"]]
    return typed[cols].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# CSV export and Bulk Read ZIP

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "UTF-32 BE"),
    (codecs.BOM_UTF16_LE, "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "UTF-16 BE"),
)


def _decode(data: bytes, path: str, encoding: str | None) -> str:
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise CSVFormatError(
                path, f"cannot decode as {encoding!r}: {exc}", "pass the file's real encoding"
            ) from exc
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    else:
        for bom, label in _BOMS:
            if data.startswith(bom):
                raise CSVFormatError(
                    path,
                    f"the file starts with a {label} byte-order mark ('Unicode Text' from a "
                    "spreadsheet); crmkit reads UTF-8 (with or without BOM)",
                    "save it again as 'CSV UTF-8', or pass encoding='utf-16'",
                    line=1,
                )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        text_line = data[start : end if end >= 0 else len(data)].decode("utf-8", "replace")
        column: str | None = None
        header = data[: data.find(b"\n")].decode("utf-8", "replace").lstrip("\ufeff")
        try:
            names = next(csv.reader([header]))
            cells = next(csv.reader([text_line]))
            hit = next((i for i, cell in enumerate(cells) if "\ufffd" in cell), None)
            if hit is not None and hit < len(names):
                column = names[hit]
        except (csv.Error, StopIteration):
            column = None
        raise CSVFormatError(
            path,
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8 (the file was saved "
            "in another encoding, e.g. Windows-1252 or Latin-1)",
            "save it again as 'CSV UTF-8', or pass encoding='cp1252' (or the file's real encoding)",
            line=line,
            column=column,
        ) from exc


def _parse_csv_text(text: str, path: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
        )
    except pd.errors.EmptyDataError as exc:
        raise CSVFormatError(path, "the file is empty", "export the module again") from exc
    except pd.errors.ParserError as exc:
        raise CSVFormatError(
            path, f"malformed CSV ({exc})", "check quoting and the number of cells on that line"
        ) from exc
    unnamed = [c for c in raw.columns if str(c).startswith("Unnamed:")]
    if unnamed:
        raise CSVFormatError(
            path,
            f"{len(unnamed)} column(s) without a header name",
            "give every column an API-name header (or delete the empty column)",
            row=1,
        )
    dupes = [c for c in raw.columns if re.search(r"\.[0-9]+$", str(c)) and str(c)[:-2] in raw]
    if dupes:
        raise CSVFormatError(
            path, f"repeated header(s) {dupes}", "keep one column per field", row=1
        )
    return raw


def _leads_from_text(
    text: str,
    path: str,
    *,
    required: Sequence[str],
    rename: Mapping[str, str] | None,
    field_types: Mapping[str, str] | None,
    tz: str | None,
) -> pd.DataFrame:
    raw = _parse_csv_text(text, path)
    if rename:
        raw = raw.rename(columns=dict(rename))
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in ("id", *required) if c not in raw.columns]
    if missing:
        hint = ""
        if "Record Id" in raw.columns:
            hint = (
                " (this looks like an export with field labels: pass rename={'Record Id': 'id', …})"
            )
        raise CSVFormatError(
            path,
            f"missing required column(s) {missing}; found {list(raw.columns)[:12]}",
            "export with API names as headers (id, Last_Name, Email, Owner.id, …)" + hint,
            row=1,
        )
    raw = raw.astype("string")
    where = _Where(path, pd.Series(raw.index + 2), is_csv=True)
    typed = _type_text_frame(raw, where, field_types=field_types or {}, tz=tz)
    _check_ids(typed, where)
    return _finish_leads(typed)


def read_leads_csv(
    path: str | Path,
    *,
    required: Sequence[str] = (),
    rename: Mapping[str, str] | None = None,
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a Zoho Leads CSV export (API-name headers) into the typed leads frame.

    `required`: columns that must be present besides `id`. `rename`: header -> API name, for exports
    with field labels. `field_types`: API name -> Zoho `data_type` (from field metadata) for custom
    fields. `tz`: time zone of naive datetimes. UTF-8 with or without BOM is read; anything else is
    refused unless `encoding` names it.
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise CSVFormatError(
            str(file), f"cannot read the file ({exc.strerror})", "check the path"
        ) from exc
    text = _decode(data, str(file), encoding)
    return _leads_from_text(
        text, str(file), required=required, rename=rename, field_types=field_types, tz=tz
    )


def read_leads_bulk_zip(
    path: str | Path,
    *,
    required: Sequence[str] = (),
    rename: Mapping[str, str] | None = None,
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a Bulk Read result (a ZIP holding one CSV) into the typed leads frame."""
    file = Path(path)
    try:
        with zipfile.ZipFile(file) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
            csvs = [m for m in members if m.lower().endswith(".csv")]
            if len(csvs) != 1:
                raise CSVFormatError(
                    str(file),
                    f"a Bulk Read result holds exactly one CSV; this ZIP holds {members}",
                    "pass the ZIP downloaded from /crm/bulk/v8/read/{job_id}/result",
                )
            data = archive.read(csvs[0])
    except zipfile.BadZipFile as exc:
        raise CSVFormatError(str(file), "not a ZIP file", "pass the Bulk Read result ZIP") from exc
    except OSError as exc:
        raise CSVFormatError(
            str(file), f"cannot read the file ({exc.strerror})", "check the path"
        ) from exc
    source = f"{file}!{csvs[0]}"
    text = _decode(data, source, encoding)
    return _leads_from_text(
        text, source, required=required, rename=rename, field_types=field_types, tz=tz
    )


# --------------------------------------------------------------------------------------------------
# API records


def _cell_text(value: object) -> str | None:
    """One JSON value as an export writes it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, int | float):
        return repr(value)
    return str(value)


def _flatten_record(record: Mapping[str, Any]) -> dict[str, str | None]:
    """Lookups -> `X.id`/`X.name`/…; lists of named objects (Tag) -> `;`-joined names."""
    flat: dict[str, str | None] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            for sub, subvalue in value.items():
                if isinstance(subvalue, Mapping | list):
                    continue  # nested structures (e.g. $converted_detail) have no column form
                flat[f"{key}.{sub}"] = _cell_text(subvalue)
        elif isinstance(value, list):
            names = [
                str(v.get("name")) if isinstance(v, Mapping) else str(v)
                for v in value
                if v is not None
            ]
            flat[key] = ";".join(names) if names else None
        else:
            flat[key] = _cell_text(value)
    return flat


def leads_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
    source: str = "Leads API",
) -> pd.DataFrame:
    """Typed leads frame from API records (the `data` entries of `GET /crm/v8/Leads`)."""
    rows = [_flatten_record(r) for r in records]
    raw = pd.DataFrame.from_records(rows) if rows else pd.DataFrame({"id": []})
    if "id" not in raw.columns:
        raise PayloadError(f"{source}: records carry no 'id' key")
    raw = raw.astype("string")
    where = _Where(source, raw["id"].fillna("?"), is_csv=False)
    typed = _type_text_frame(raw, where, field_types=field_types or {}, tz=tz)
    _check_ids(typed, where)
    return _finish_leads(typed)


MAX_FIELDS_PER_CALL = 50


def fetch_leads(
    client: CRMClient,
    fields: Sequence[str],
    *,
    converted: str = "false",
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Every lead (all pages) with `fields`, as the typed leads frame.

    `converted` is Zoho's parameter (`false` default, `true`, `both`). More than 50 fields are
    fetched in several passes (Zoho's limit per call) joined on id.
    """
    return fetch_records(
        client, "Leads", fields, converted=converted, field_types=field_types, tz=tz
    )


def fetch_records(
    client: CRMClient,
    module: str,
    fields: Sequence[str],
    *,
    converted: str = "false",
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Every record of `module` (all pages) with `fields`, typed by the leads frame's rules.

    Used for Leads and for the Contacts and Accounts a snapshot keeps (one credit per 200
    records). More than 50 fields are fetched in several passes joined on id.
    """
    wanted = [f for f in dict.fromkeys(fields) if f != "id"]
    chunks = [
        wanted[i : i + MAX_FIELDS_PER_CALL - 1]
        for i in range(0, max(len(wanted), 1), MAX_FIELDS_PER_CALL - 1)
    ]
    source = f"{module} API"
    frame: pd.DataFrame | None = None
    for chunk in chunks:
        records = list(client.records(module, fields=["id", *chunk], converted=converted))
        part = leads_from_records(records, field_types=field_types, tz=tz, source=source)
        frame = part if frame is None else frame.merge(part, on="id", how="outer")
    assert frame is not None
    return frame


# --------------------------------------------------------------------------------------------------
# Conversion options -> frames


class OptionsFrames(NamedTuple):
    """The three frames built from conversion options (schemas above)."""

    options: pd.DataFrame
    matches: pd.DataFrame
    matched_fields: pd.DataFrame


_NAME_FIELDS = {"Contacts": "Full_Name", "Accounts": "Account_Name", "Deals": "Deal_Name"}
_CANDIDATE_MODULES = ("Contacts", "Accounts", "Deals")


def route_of(module: str, field: str) -> str:
    """Which matching route produced a field hit: unique / email / company / name."""
    if field == "Full_Name":
        return "name"
    if module == "Contacts" and field == "Email":
        return "email"
    if module == "Accounts" and field == "Account_Name":
        return "company"
    return "unique"


def routes(module: pd.Series, field: pd.Series) -> pd.Series:
    """`route_of` over columns (vectorised); NA where the field is NA."""
    module = module.astype("string")
    field = field.astype("string")
    out = pd.Series("unique", index=field.index, dtype="string")
    out = out.mask((module == "Contacts") & (field == "Email"), "email")
    out = out.mask((module == "Accounts") & (field == "Account_Name"), "company")
    out = out.mask(field == "Full_Name", "name")
    return out.mask(field.isna(), pd.NA)


def isin(column: pd.Series | pd.Index, values: Iterable[object]) -> np.ndarray:
    """Vectorised membership test of a string column (NA is never a member).

    pandas' own `isin` on Arrow-backed strings converts the *values* one by one in Python, which
    costs seconds for a million ids; this hands both sides to Arrow's hash-based `is_in`.
    """
    if isinstance(values, pd.Series | pd.Index | np.ndarray):
        pool = pd.Series(values, dtype="string")
    else:
        pool = pd.Series(list(values), dtype="string")
    haystack = pa.array(pool.dropna().unique(), type=pa.large_string())
    needles = pa.array(pd.Series(column, dtype="string"), type=pa.large_string())
    found = pc.is_in(needles, value_set=haystack)
    return np.asarray(found.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _norm(value: object) -> str | None:
    """The comparison key: trimmed, case-folded text; a lookup compares by its name."""
    if isinstance(value, Mapping):
        value = value.get("name")
    if value is None or isinstance(value, list):
        return None
    text = _cell_text(value)
    return None if text is None else text.strip().casefold()


def _error_of(value: object) -> tuple[str, str] | None:
    """(code, message) when `value` is a per-lead error (exception or Zoho error body)."""
    if isinstance(value, BaseException):
        code = getattr(value, "code", None) or type(value).__name__
        return str(code), str(getattr(value, "message", value))
    if isinstance(value, Mapping) and value.get("status") == "error":
        return str(value.get("code") or "ERROR"), str(value.get("message") or "")
    return None


def _body_of(lead_id: str, value: object) -> Mapping[str, Any] | None:
    """The `__conversion_options` object, or None for a 204."""
    if value is not None and not isinstance(value, Mapping) and hasattr(value, "raw"):
        value = value.raw  # crmkit.api.models.ConversionOptions
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise PayloadError(
            f"lead {lead_id}: conversion options must be a dict, None (204) or an error, "
            f"got {type(value).__name__}"
        )
    body = value.get("__conversion_options", value)
    if body is None:
        return None
    if not isinstance(body, Mapping):
        raise PayloadError(f"lead {lead_id}: '__conversion_options' is not an object")
    return body


def options_frames(payloads: Mapping[str, object], *, source: str = "api") -> OptionsFrames:
    """Build `options`, `matches` and `matched_fields` from raw conversion-options answers.

    `payloads` maps lead id -> the response body (`{"__conversion_options": …}`, or the inner
    object, or a `ConversionOptions`), `None` for a 204, or a per-lead error (exception with
    `.code`, or a Zoho error body). Each field hit is explained by the returned records whose
    value of that field equals `matched_lead_value` (trimmed, case-insensitive; lookups by name);
    a hit no record explains is kept with `record_id` NA and `explained=False`, and a record no hit
    explains is kept with `field` NA and `explained=False`.
    """
    opt_rows: list[dict[str, object]] = []
    rec_rows: list[dict[str, object]] = []
    hit_rows: list[dict[str, object]] = []
    val_rows: list[tuple[str, str, str, int, str, str | None]] = []
    for lead_key, value in payloads.items():
        lead_id = str(lead_key)
        row: dict[str, object] = {"lead_id": lead_id, "source": source}
        err = _error_of(value)
        if err is not None:
            row.update(outcome="error", error_code=err[0], error_message=err[1])
            opt_rows.append(row)
            continue
        body = _body_of(lead_id, value)
        if body is None:
            row.update(outcome="no_match", n_contacts=0, n_accounts=0, n_deals=0)
            opt_rows.append(row)
            continue
        prefs = body.get("preference_field_matched_value") or {}
        if not isinstance(prefs, Mapping):
            raise PayloadError(f"lead {lead_id}: preference_field_matched_value is not an object")
        fields_by_module: dict[str, list[str]] = {}
        for module, entries in prefs.items():
            names: list[str] = []
            for rank, entry in enumerate(entries or []):
                field = ((entry or {}).get("field") or {}).get("api_name")
                if not field:
                    raise PayloadError(
                        f"lead {lead_id}: preference_field_matched_value.{module}[{rank}] names no "
                        "field api_name"
                    )
                lead_value = entry.get("matched_lead_value")
                hit_rows.append(
                    {
                        "lead_id": lead_id,
                        "module": module,
                        "field_rank": rank,
                        "field": field,
                        "lead_value": _cell_text(lead_value),
                        "key": _norm(lead_value),
                    }
                )
                names.append(field)
            fields_by_module[module] = names
        counts: dict[str, int] = {}
        for module in _CANDIDATE_MODULES:
            records = body.get(module) or []
            if not isinstance(records, list):
                raise PayloadError(f"lead {lead_id}: {module} is not a list")
            wanted = fields_by_module.get(module, [])
            seen: set[str] = set()
            for pos, rec in enumerate(records):
                rid = rec.get("id")
                if rid is None:
                    raise PayloadError(f"lead {lead_id}: a {module} record has no id")
                rid = str(rid)
                if rid in seen:
                    continue
                seen.add(rid)
                account = rec.get("Account_Name") if module == "Contacts" else None
                name_value = rec.get(_NAME_FIELDS[module])
                rec_rows.append(
                    {
                        "lead_id": lead_id,
                        "module": module,
                        "record_id": rid,
                        "record_pos": pos,
                        "record_name": _cell_text(
                            name_value.get("name")
                            if isinstance(name_value, Mapping)
                            else name_value
                        ),
                        "account_id": _cell_text(account.get("id"))
                        if isinstance(account, Mapping)
                        else None,
                        "account_name": _cell_text(account.get("name"))
                        if isinstance(account, Mapping)
                        else _cell_text(account),
                        "locked": rec.get("Locked__s"),
                        "editable": rec.get("$editable"),
                        "approval_state": _cell_text(rec.get("$approval_state")),
                    }
                )
                for field in wanted:
                    val_rows.append((lead_id, module, rid, pos, field, _norm(rec.get(field))))
            counts[module] = len(seen)
        pref = body.get("module_preference")
        preference = pref.get("api_name") if isinstance(pref, Mapping) else pref
        first_module = None
        order = [preference] if preference else []
        order += [m for m in ("Contacts", "Accounts", "Deals") if m != preference]
        for module in order:
            if fields_by_module.get(module):
                first_module = module
                break
        layouts = [
            str(m.get("api_name")) if isinstance(m, Mapping) else str(m)
            for m in (body.get("modules_with_multiple_layouts") or [])
        ]
        row.update(
            outcome="matched" if any(counts.values()) else "no_match",
            n_contacts=counts["Contacts"],
            n_accounts=counts["Accounts"],
            n_deals=counts["Deals"],
            module_preference=preference,
            contact_fields=";".join(fields_by_module.get("Contacts", [])) or None,
            account_fields=";".join(fields_by_module.get("Accounts", [])) or None,
            first_field=fields_by_module[first_module][0] if first_module else None,
            first_module=first_module,
            multiple_layouts=";".join(layouts) or None,
        )
        opt_rows.append(row)

    options = _build_options(opt_rows)
    matched_fields, matches = _build_matches(hit_rows, rec_rows, val_rows, source)
    return OptionsFrames(options, matches, matched_fields)


def _build_options(rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        return empty_frame(OPTIONS_SCHEMA)
    frame = pd.DataFrame.from_records(rows)
    for col in OPTIONS_SCHEMA:
        if col not in frame.columns:
            frame[col] = None
    return conform(frame, OPTIONS_SCHEMA, name="options")


def _build_matches(
    hit_rows: list[dict[str, object]],
    rec_rows: list[dict[str, object]],
    val_rows: list[tuple[str, str, str, int, str, str | None]],
    source: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join field hits with record values (vectorised) to explain each hit by its records."""
    hits = pd.DataFrame.from_records(
        hit_rows, columns=["lead_id", "module", "field_rank", "field", "lead_value", "key"]
    )
    hits["source"] = source
    matched_fields = conform(hits.drop(columns="key"), MATCHED_FIELDS_SCHEMA, name="matched_fields")
    records = pd.DataFrame.from_records(
        rec_rows,
        columns=[
            "lead_id",
            "module",
            "record_id",
            "record_pos",
            "record_name",
            "account_id",
            "account_name",
            "locked",
            "editable",
            "approval_state",
        ],
    )
    values = pd.DataFrame.from_records(
        val_rows, columns=["lead_id", "module", "record_id", "record_pos", "field", "key"]
    ).dropna(subset=["key"])
    explained = hits.dropna(subset=["key"]).merge(
        values, on=["lead_id", "module", "field", "key"], how="inner"
    )
    explained = explained.merge(
        records.drop(columns="record_pos"), on=["lead_id", "module", "record_id"], how="left"
    )
    explained["explained"] = True
    hit_keys = ["lead_id", "module", "field_rank"]
    orphan_hits = hits.merge(
        explained[hit_keys].drop_duplicates(), on=hit_keys, how="left", indicator=True
    )
    orphan_hits = orphan_hits[orphan_hits["_merge"] == "left_only"].drop(columns="_merge")
    orphan_hits["explained"] = False
    rec_keys = ["lead_id", "module", "record_id"]
    orphan_recs = records.merge(
        explained[rec_keys].drop_duplicates(), on=rec_keys, how="left", indicator=True
    )
    orphan_recs = orphan_recs[orphan_recs["_merge"] == "left_only"].drop(columns="_merge")
    orphan_recs["explained"] = False
    frame = pd.concat([explained, orphan_hits, orphan_recs], ignore_index=True)
    lead_order = {
        lead: i for i, lead in enumerate(dict.fromkeys(r["lead_id"] for r in rec_rows + hit_rows))
    }
    frame["_lead"] = frame["lead_id"].map(lead_order)
    frame["_module"] = (
        frame["module"].map({m: i for i, m in enumerate(_CANDIDATE_MODULES)}).fillna(9)
    )
    frame["_rank"] = frame["field_rank"].astype("Float64").fillna(1e9)
    frame["_pos"] = frame["record_pos"].astype("Float64").fillna(1e9)
    frame = frame.sort_values(["_lead", "_module", "_rank", "_pos"], kind="stable")
    frame["route"] = routes(frame["module"], frame["field"])
    frame["source"] = source
    frame = frame.drop(columns=["key", "record_pos", "_lead", "_module", "_rank", "_pos"])
    for col in MATCHES_SCHEMA:
        if col not in frame.columns:
            frame[col] = None
    return matched_fields, conform(frame[list(MATCHES_SCHEMA)], MATCHES_SCHEMA, name="matches")


def fetch_options(client: CRMClient, lead_ids: Sequence[str]) -> OptionsFrames:
    """Ask Zoho for every lead's conversion options (concurrently, per-lead errors kept as data)."""
    ids = [str(i) for i in lead_ids]
    results = client.conversion_options_many(ids)
    return options_frames(dict(zip(ids, results, strict=True)))
