"""Typing text columns: one rule set for CSV exports, Bulk Read ZIPs and API records.

Every source is first brought to text (as an export writes it), then typed here, so the leads
frame comes out identical whichever the source. The schema helpers (`empty_frame`, `conform`)
cast the options/matches frames to their schemas the same way for Zoho's answers and crmkit's
predictions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from crmkit.frames.errors import CSVFormatError, FramesError, PayloadError
from crmkit.frames.schemas import LEAD_BOOLEAN_FIELDS, LEAD_DATETIME_FIELDS

__all__ = ["Where", "conform", "empty_frame", "numbers_from_text", "type_leads"]

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


_SCI_ID = re.compile(r"^[0-9](?:\.[0-9]+)?[eE][+-]?[0-9]+$")
_FLOAT_ID = re.compile(r"^[0-9]+\.[0-9]*$")
_HAS_OFFSET = re.compile(r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$")


def _is_id_column(name: str) -> bool:
    return name == "id" or name.endswith(".id")


@dataclass(frozen=True)
class Where:
    """Names a cell in an error message: a CSV file and its rows, or API records by id."""

    source: str
    labels: pd.Series  # row label per frame row (CSV row number or record id)
    is_csv: bool
    decimal_comma: bool = False  # numbers may write `,` as the decimal mark (a `;` CSV)

    def fail(self, pos: int, column: str, problem: str, fix: str) -> FramesError:
        label = self.labels.iloc[pos]
        if self.is_csv:
            return CSVFormatError(self.source, problem, fix, row=int(label), column=column)
        return PayloadError(
            f"{self.source}: record id={label}, field {column!r}: {problem}. Fix: {fix}"
        )


def _type_ids(col: pd.Series, name: str, where: Where) -> pd.Series:
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


def _type_booleans(col: pd.Series, name: str, where: Where) -> pd.Series:
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


# What `datetime64[ns]` holds; Zoho's "never" placeholders (9999-12-31) fall outside it.
_LOWEST = pd.Timestamp("1678-01-01")
_HIGHEST = pd.Timestamp("2261-12-31T23:59:59")


def _refuse_out_of_range(
    parsed: pd.Series, text: pd.Series, name: str, where: Where, *, aware: bool
) -> None:
    """A date a pandas frame cannot hold is an error naming its cell, never an AssertionError."""
    low, high = (
        (_LOWEST.tz_localize("UTC"), _HIGHEST.tz_localize("UTC"))
        if aware
        else (
            _LOWEST,
            _HIGHEST,
        )
    )
    outside = (parsed.notna() & ((parsed < low) | (parsed > high))).reindex(text.index)
    bad = outside.fillna(False).to_numpy(dtype=bool)
    if bad.any():
        pos = int(bad.argmax())
        raise where.fail(
            pos,
            name,
            f"{text.iloc[pos]!r} is outside the dates crmkit can hold (years 1678 to 2261; a "
            "'no date' placeholder such as 9999-12-31?)",
            "correct the cell, or leave it empty when there is no date",
        )


def _type_datetimes(col: pd.Series, name: str, where: Where, tz: str | None) -> pd.Series:
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
    _refuse_out_of_range(parsed_aware, text, name, where, aware=True)
    out.loc[aware] = parsed_aware
    if naive.any():
        parsed_naive = pd.to_datetime(text[naive], format="mixed", errors="coerce")
        _refuse_out_of_range(parsed_naive, text, name, where, aware=False)
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


def _type_dates(col: pd.Series, name: str, where: Where) -> pd.Series:
    text = col.str.strip()
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = (text.notna() & parsed.isna()).to_numpy(dtype=bool)
    if bad.any():
        pos = int(bad.argmax())
        raise where.fail(
            pos, name, f"{text.iloc[pos]!r} is not a date (YYYY-MM-DD)", "correct the cell"
        )
    _refuse_out_of_range(parsed, text, name, where, aware=False)
    return parsed.astype("datetime64[ns]")


def _type_numbers(col: pd.Series, name: str, where: Where, dtype: str) -> pd.Series:
    text = col.str.strip()
    parsed, problem = numbers_from_text(text, decimal_comma=where.decimal_comma)
    bad = problem.notna().to_numpy(dtype=bool)
    if bad.any():
        pos = int(bad.argmax())
        raise where.fail(pos, name, str(problem.iloc[pos]), "correct the cell")
    try:
        typed: pd.Series = parsed.astype(cast(Any, dtype))
        return typed
    except (TypeError, ValueError) as exc:
        frac = (parsed.notna() & (parsed % 1 != 0)).to_numpy(dtype=bool)
        pos = int(frac.argmax())
        raise where.fail(
            pos, name, f"{text.iloc[pos]!r} is not a whole number", "correct the cell"
        ) from exc


_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+,[0-9]+$")
_GROUPED_COMMA = re.compile(r"^[+-]?[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+$")
_GROUPED_DOT_ONLY = re.compile(r"^[+-]?[0-9]{1,3}(?:\.[0-9]{3})+$")


def numbers_from_text(text: pd.Series, *, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """Numbers from text cells, and per cell what is wrong with it (NA: nothing).

    A `,` file writes `1,234.50` (`,` groups thousands). A `;` file is what Excel writes where the
    decimal mark is `,`: `1234,50` and `1.234,50` are read as 1234.5, `1.234` is refused (a
    thousand, or one and a bit?). `inf`, `nan` and values beyond a float (`1e400`) are refused:
    Zoho takes none of them.
    """
    cells = text.astype("string").str.strip()
    problem = pd.Series(pd.NA, index=cells.index, dtype="string")
    if decimal_comma:
        ambiguous = cells.str.match(_GROUPED_DOT_ONLY).fillna(False)
        problem = problem.mask(
            ambiguous,
            "'" + cells + "' is ambiguous in a ';' file (a '.' groups thousands or marks "
            "decimals?); write it without the '.' grouping, with ',' as the decimal mark",
        )
        grouped = cells.str.match(_GROUPED_COMMA).fillna(False)
        cells = cells.mask(grouped, cells.str.replace(".", "", regex=False))
        comma = cells.str.match(_DECIMAL_COMMA).fillna(False) | grouped
        cells = cells.mask(comma, cells.str.replace(",", ".", regex=False))
    else:
        cells = cells.str.replace(",", "", regex=False)
    parsed = pd.to_numeric(cells, errors="coerce")  # int64 stays int64: bigint ids pass 2**53
    present = cells.notna()
    not_number = present & parsed.isna()
    floats = parsed.astype("Float64").fillna(0).to_numpy(dtype=float)
    infinite = present & parsed.notna() & pd.Series(np.isinf(floats), index=cells.index)
    original = text.astype("string").str.strip()
    problem = problem.mask(problem.isna() & not_number, "'" + original + "' is not a number")
    problem = problem.mask(
        problem.isna() & infinite,
        "'" + original + "' is not a finite number (Zoho takes no infinity)",
    )
    return parsed.where(problem.isna()), problem


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
    raw: pd.DataFrame, where: Where, *, field_types: Mapping[str, str], tz: str | None
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


def _check_ids(frame: pd.DataFrame, where: Where) -> None:
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


def type_leads(
    raw: pd.DataFrame,
    where: Where,
    *,
    field_types: Mapping[str, str] | None,
    tz: str | None,
) -> pd.DataFrame:
    """Type a frame of text as the leads frame: ids present and unique, `id` first.

    The one step every source (CSV export, Bulk Read ZIP, API records) ends with.
    """
    typed = _type_text_frame(raw, where, field_types=field_types or {}, tz=tz)
    _check_ids(typed, where)
    return _finish_leads(typed)
