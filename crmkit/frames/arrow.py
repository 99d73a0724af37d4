"""Arrow-backed membership test for string columns (pandas' own is slow on Arrow strings)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["isin"]


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
