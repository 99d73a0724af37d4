"""A well-formed UTF-8 comma CSV read by pyarrow's parser; anything else by `csvfile`'s reader.

`csvfile` reads row by row in Python so that every spreadsheet habit gets its own clear error;
for a data directory of a million contacts that is about 16 s of a near-duplicate run. A file
pyarrow can read the same way — UTF-8, comma-separated, no quote where a strict CSV reader
would stop — is read by pyarrow in about a second and gives the very frame `csvfile` gives
(tests/frames holds the two equal). Any other file, or any error pyarrow raises, goes through
`csvfile`, so every refusal keeps its one-line message with the row that causes it.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from crmkit.frames.csvfile import (
    _check_header,
    _delimiter_of,
    _first_record,
    decode_csv,
    parse_csv,
)

__all__ = ["read_csv_frame"]

# A quote the strict reader would stop at: a closing quote followed by text ("x"y), or a cell
# opening with an empty quoted part (""x"). A lone quote inside unquoted text (x"y) is allowed
# by both readers but sent to the strict one as well: the check cannot tell the two apart.
# _EDGE: the bytes that may stand beside a quote (delimiter, line breaks, another quote);
# _BREAK: the ones that may stand before a cell's opening quote.
_EDGE = np.zeros(256, dtype=bool)
_EDGE[list(b',\r\n"')] = True
_BREAK = np.zeros(256, dtype=bool)
_BREAK[list(b",\r\n")] = True
_HEAD_BYTES = 1 << 16
_NULL = pa.scalar(None, pa.string())


def read_csv_frame(path: str | Path, *, strip: bool = False) -> pd.DataFrame:
    """``read_csv_file(path).frame(strip=strip)``, by pyarrow when the file allows it."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError:
        from crmkit.frames.csvfile import read_csv_file

        return read_csv_file(file).frame(strip=strip)  # raises the reader's own error
    fast = _by_arrow(data, str(file), strip)
    if fast is not None:
        return fast
    text, used = decode_csv(data, str(file))
    return parse_csv(text, str(file), encoding=used).frame(strip=strip)


def _by_arrow(data: bytes, source: str, strip: bool) -> pd.DataFrame | None:
    """The frame, or None when the file needs the strict reader."""
    body = data.removeprefix(codecs.BOM_UTF8)
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or not body.strip():
        return None
    head = body[:_HEAD_BYTES].decode("utf-8", errors="ignore")
    first = _first_record(head)
    if len(first) == len(head) or _delimiter_of(first) != ",":
        return None
    raw_names = next(csv.reader([first]))
    names = _check_header(raw_names, source)  # a bad header: the reader's own error
    if _suspect_quote(body):
        return None
    try:
        table = pv.read_csv(
            io.BytesIO(body),
            parse_options=pv.ParseOptions(newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pv.ConvertOptions(
                column_types={n: pa.string() for n in raw_names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    if table.column_names != raw_names:
        return None
    columns = [table.column(k) for k in range(table.num_columns)]
    trimmed = [pc.utf8_trim_whitespace(c) for c in columns]
    # A row of empty (or blank) cells is skipped, as the strict reader skips it.
    blank = functools.reduce(pc.and_, [pc.equal(t, "") for t in trimmed])
    keep = pc.invert(blank)
    out: dict[str, pd.Series] = {}
    for name, col, cut in zip(names, columns, trimmed, strict=True):
        cells = cut if strip else col
        cells = pc.filter(cells, keep)
        cells = pc.if_else(pc.equal(cells, ""), _NULL, cells)
        out[name] = pd.Series(pd.arrays.ArrowStringArray(cells), dtype="string")
    return pd.DataFrame(out, index=pd.RangeIndex(len(next(iter(out.values())))))


def _suspect_quote(body: bytes) -> bool:
    """Whether a quote sits where the strict reader might stop (see ``_EDGES``' comment)."""
    raw = np.frombuffer(body, dtype=np.uint8)
    at = np.flatnonzero(raw == ord('"'))
    if not len(at):
        return False
    if len(at) % 2:
        return True  # a quote left open: only the strict reader says where
    n = len(raw)
    before = np.where(at > 0, raw[np.maximum(at - 1, 0)], ord("\n"))
    after = np.where(at + 1 < n, raw[np.minimum(at + 1, n - 1)], ord("\n"))
    second = np.where(at + 2 < n, raw[np.minimum(at + 2, n - 1)], ord("\n"))
    inside_text = ~_EDGE[before] & ~_EDGE[after]
    empty_opening = _BREAK[before] & (after == ord('"')) & ~_EDGE[second]
    return bool((inside_text | empty_opening).any())
