"""CSV files for people to open: text a spreadsheet would run as a formula is neutralised.

Why: CRM values are typed by anyone who fills a web form, so a lead's Company can be
`=HYPERLINK("http://…","Click")` or `+cmd|' /C calc'!A0`, and a spreadsheet opening crmkit's export
would run it. OWASP's advice on CSV injection is followed: a *text* cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return gets a leading single quote, which spreadsheets show as
text. Numbers, booleans and dates are not text and are written unchanged (a negative Amount stays
a number). Every CSV crmkit writes for people (the explorer's export, `crmkit history --export`,
`crmkit convert --results`, saved plans) goes through `write_csv`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralize_cell", "neutralize_formulas", "restore_cell", "write_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def _needs_quote(value: str) -> bool:
    # Quotes already in front count too, so `restore_cell` can tell crmkit's quote from the
    # user's: `'=x` is written `''=x` and reads back as `'=x`.
    return value.lstrip(_QUOTE).startswith(FORMULA_STARTS)


def neutralize_cell(value: str) -> str:
    """`value` with a leading `'` when a spreadsheet would read it as a formula."""
    return _QUOTE + value if _needs_quote(value) else value


def restore_cell(value: str) -> str:
    """The value `neutralize_cell` was given (for crmkit reading back a file it wrote)."""
    return value[1:] if value.startswith(_QUOTE) and _needs_quote(value) else value


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column.dtype) or column.dtype == object


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a formula (other dtypes untouched)."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if not _is_text(column):
            continue
        if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
            risky = column.str.lstrip(_QUOTE).str.startswith(FORMULA_STARTS)
            risky = risky.fillna(False).astype(bool)
            if risky.any():
                out[name] = column.mask(risky, _QUOTE + column)
        else:
            out[name] = column.map(lambda v: neutralize_cell(v) if isinstance(v, str) else v)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path | io.TextIOBase, **to_csv: Any) -> None:
    """Write `frame` as CSV (no index unless asked) with formula-leading text neutralised.

    Rows end with CRLF (RFC 4180): with `\n` alone, Python's csv writer leaves a cell holding a
    carriage return unquoted, and a spreadsheet then splits that row in two.
    """
    to_csv.setdefault("index", False)
    to_csv.setdefault("lineterminator", "\r\n")
    if isinstance(path, str | Path):
        to_csv.setdefault("encoding", "utf-8")
    neutralize_formulas(frame).to_csv(path, **to_csv)
