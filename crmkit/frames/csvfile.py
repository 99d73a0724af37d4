"""Reading a CSV file the way a spreadsheet wrote it: encoding, delimiter, rows and their numbers.

Why one reader: leads exports, a data directory's module files and conversion plans come out of
spreadsheets as often as out of Zoho, and each habit of a spreadsheet used to trip a different
reader — Excel's `;` in European locales, Windows-1252 text, a trailing comma that moves every
cell of a row one column to the right, a short row whose missing cells became empty. Here:

- Encoding: UTF-8 (a BOM is dropped); otherwise Windows-1252, then Latin-1, with a `DataWarning`
  saying so. A UTF-16/UTF-32 byte-order mark is refused (the cells would be guessed). An explicit
  `encoding=` is used as given.
- Delimiter: the one of `,` `;` tab that splits the header row into the most cells (`,` on a tie).
- Rows: every data row must have as many cells as the header; blank rows are skipped but counted,
  so the row numbers in errors are the ones a spreadsheet shows (the header is row 1).
- Header: every column named, no name twice.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crmkit.frames.errors import CSVFormatError, warn_data

__all__ = ["DELIMITERS", "CSVTable", "decode_csv", "parse_csv", "read_csv_file"]

DELIMITERS = (",", ";", "\t")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "UTF-32 BE"),
    (codecs.BOM_UTF16_LE, "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "UTF-16 BE"),
)
# Tried in order after UTF-8: Windows-1252 is what Excel on Windows writes for "CSV"; Latin-1
# decodes any byte (cp1252 leaves five undefined).
_FALLBACKS = (("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))


@dataclass(frozen=True)
class CSVTable:
    """A CSV file's header and rows as text, with where each row sits in the file."""

    source: str
    header: tuple[str, ...]
    rows: list[list[str]]  # every data row, as many cells as the header
    row_numbers: list[int]  # the spreadsheet row of each data row (the header is row 1)
    encoding: str
    delimiter: str

    def frame(self, *, strip: bool = False) -> pd.DataFrame:
        """The rows as `string` columns (empty cells NA; `strip` trims cells first)."""
        columns = list(zip(*self.rows, strict=True)) if self.rows else [()] * len(self.header)
        data: dict[str, pd.Series] = {}
        for name, cells in zip(self.header, columns, strict=True):
            col = pd.Series(list(cells), dtype="string")
            if strip:
                col = col.str.strip()
            data[name] = col.mask(col == "", pd.NA)
        return pd.DataFrame(data, index=pd.RangeIndex(len(self.rows)))

    @property
    def decimal_comma(self) -> bool:
        """Whether numbers may use `,` as the decimal mark (a `;` file, as Excel writes one)."""
        return self.delimiter == ";"


def _undecodable(
    data: bytes, source: str, exc: UnicodeDecodeError, problem: str, fix: str
) -> CSVFormatError:
    """The error for a byte that is not in the encoding: its line, and its column if it can tell."""
    line = data.count(b"\n", 0, exc.start) + 1
    start = data.rfind(b"\n", 0, exc.start) + 1
    end = data.find(b"\n", exc.start)
    text_line = data[start : end if end >= 0 else len(data)].decode("utf-8", "replace")
    column: str | None = None
    header = data[: data.find(b"\n")].decode("utf-8", "replace").lstrip("\ufeff")
    delimiter = _delimiter_of(header)
    try:
        names = next(csv.reader([header], delimiter=delimiter))
        cells = next(csv.reader([text_line], delimiter=delimiter))
        hit = next((i for i, cell in enumerate(cells) if "\ufffd" in cell), None)
        if hit is not None and hit < len(names):
            column = names[hit].strip()
    except (csv.Error, StopIteration):
        column = None
    return CSVFormatError(source, problem, fix, line=line, column=column)


def decode_csv(data: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read with (see the module docstring)."""
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except LookupError as exc:
            raise CSVFormatError(
                source, f"unknown encoding {encoding!r}", "pass an encoding Python knows"
            ) from exc
        except UnicodeDecodeError as exc:
            raise _undecodable(
                data,
                source,
                exc,
                f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not {encoding!r}",
                "pass the file's real encoding (or leave encoding unset to let crmkit detect it)",
            ) from exc
    for bom, label in _BOMS:
        if data.startswith(bom):
            raise CSVFormatError(
                source,
                f"the file starts with a {label} byte-order mark ('Unicode Text' from a "
                "spreadsheet); crmkit reads UTF-8, Windows-1252 and Latin-1",
                "save it again as 'CSV UTF-8', or pass encoding='utf-16'",
                line=1,
            )
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first = exc
    for codec, label in _FALLBACKS:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        line = body.count(b"\n", 0, first.start) + 1
        warn_data(
            f"{source}: not UTF-8 (byte 0x{body[first.start]:02x} on line {line}); read as "
            f"{label}. If accented names look wrong, save the file as 'CSV UTF-8'"
        )
        return text, codec
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _delimiter_of(first_line: str) -> str:
    best, best_cells = ",", 1
    for delimiter in DELIMITERS:
        try:
            cells = len(next(csv.reader([first_line], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if cells > best_cells:
            best, best_cells = delimiter, cells
    return best


def _first_record(text: str) -> str:
    """The header row's text (up to the first line break outside quotes)."""
    quoted = False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return text[:i]
    return text


def _check_header(header: Sequence[str], source: str) -> tuple[str, ...]:
    names = tuple(h.strip() for h in header)
    blank = [i + 1 for i, name in enumerate(names) if not name]
    if blank:
        raise CSVFormatError(
            source,
            f"column {blank[0]} of {len(names)} has no header name"
            + (" (the header row ends with a delimiter)" if blank[-1] == len(names) else "")
            + f"; {len(blank)} column(s) without a header name",
            "give every column an API-name header, or delete the empty column",
            row=1,
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise CSVFormatError(
            source, f"repeated header(s) {repeated}", "keep one column per field", row=1
        )
    return names


def _ragged(
    source: str, row: int, cells: list[str], names: Sequence[str], delimiter: str
) -> CSVFormatError:
    n, k = len(cells), len(names)
    mark = "','" if delimiter == "," else f"'{_NAMES[delimiter]}'"
    if n > k:
        extra = cells[k:]
        filled = [c for c in extra if c.strip()]
        hint = (
            f"; the extra cells hold {filled[:3]}"
            if filled
            else f" (the row ends with {n - k} extra {mark}: a trailing delimiter)"
        )
        return CSVFormatError(
            source,
            f"malformed CSV: {n} cells where the header has {k}{hint}",
            f"delete the extra cells (or the trailing {mark}) so every row has {k} cells",
            row=row,
        )
    return CSVFormatError(
        source,
        f"malformed CSV: {n} cells where the header has {k} (the last {k - n} column(s) "
        f"{list(names[n:])[:3]} are missing)",
        f"add the missing cells (empty ones too: every row needs {k} cells)",
        row=row,
    )


def parse_csv(text: str, source: str, *, encoding: str = "utf-8") -> CSVTable:
    """Parse decoded text into a `CSVTable`; refuses an empty file and ragged rows."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise CSVFormatError(
            source, "the file is empty (a header row is required)", "export the module again"
        )
    delimiter = _delimiter_of(_first_record(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    numbers: list[int] = []
    names: tuple[str, ...] = ()
    record = 0
    try:
        for cells in reader:
            record += 1
            if record == 1:
                names = _check_header(cells, source)
                continue
            if not any(c.strip() for c in cells):
                continue  # a blank row: skipped, but it keeps its number
            if len(cells) != len(names):
                raise _ragged(source, record, cells, names, delimiter)
            rows.append(cells)
            numbers.append(record)
    except csv.Error as exc:
        raise CSVFormatError(
            source,
            f"malformed CSV ({exc})",
            "check the quotes on that row: a cell holding a quote must be quoted and the quote "
            'doubled ("")',
            row=record + 1,
        ) from exc
    return CSVTable(source, names, rows, numbers, encoding, delimiter)


def read_csv_file(path: str | Path, *, encoding: str | None = None) -> CSVTable:
    """Read and parse a CSV file (see the module docstring for what is detected and refused)."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise CSVFormatError(
            str(file), f"cannot read the file ({exc.strerror})", "check the path"
        ) from exc
    text, used = decode_csv(data, str(file), encoding)
    return parse_csv(text, str(file), encoding=used)
