"""How a value shows on the report page: percentages, counts with separators, dates, blanks.

Shared by `compute` (the metadata shown as text) and `structure` (every table cell), so one number
reads the same everywhere on the page.
"""

from __future__ import annotations

import math
import numbers
from datetime import datetime

import numpy as np
import pandas as pd

__all__ = ["cell", "is_number", "missing", "num", "pct"]


def missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def pct(value: object) -> str:
    """0.123 -> '12.3%'; blank when missing."""
    return "" if missing(value) else f"{float(value):.1%}"  # type: ignore[arg-type]


def num(value: object) -> str:
    """Thousands separators for counts, two decimals for other floats; blank when missing."""
    if missing(value):
        return ""
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return str(value)


def cell(value: object) -> str:
    if missing(value):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return num(value)
    return str(value)


def is_number(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
