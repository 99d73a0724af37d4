"""A data directory's CSV files as a spreadsheet saves them: encoding and delimiter detected.

The sandbox's own copy of the rules `crmkit.frames.csvfile` applies for `crmkit predict` (the
emulator imports nothing from crmkit's core, on purpose), so `crmkit demo --data DIR` and
`crmkit predict --data DIR` read the same directory the same way: UTF-8 (a BOM is dropped), else
Windows-1252, else Latin-1 with a warning naming the file and line; `,`, `;` or tab, whichever
splits the header row into the most cells.
"""

from __future__ import annotations

import codecs
import csv
import warnings
from pathlib import Path

__all__ = ["DELIMITERS", "DataDirEncodingWarning", "decode_csv_bytes", "delimiter_of"]

DELIMITERS = (",", ";", "\t")
_FALLBACKS = (("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))


class DataDirEncodingWarning(UserWarning):
    """A data-directory CSV that is not UTF-8 was read in a legacy encoding."""


def decode_csv_bytes(path: Path, data: bytes) -> str:
    """The text of a CSV file (see the module docstring); Latin-1 decodes any byte."""
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        first = exc
    line = body.count(b"\n", 0, first.start) + 1
    for codec, label in _FALLBACKS:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        warnings.warn(
            f"{path}: not UTF-8 (byte 0x{body[first.start]:02x} on line {line}); read as "
            f"{label}. If accented names look wrong, save the file as 'CSV UTF-8'",
            DataDirEncodingWarning,
            stacklevel=3,
        )
        return text
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def delimiter_of(text: str) -> str:
    """The delimiter that splits the first row into the most cells (`,` on a tie)."""
    quoted, end = False, len(text)
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            end = i
            break
    first = text[:end]
    best, most = ",", 1
    for delimiter in DELIMITERS:
        try:
            cells = len(next(csv.reader([first], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if cells > most:
            best, most = delimiter, cells
    return best
