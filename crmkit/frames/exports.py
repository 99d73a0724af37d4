"""CSV exports and Bulk Read ZIPs -> the typed leads frame.

Decoding refuses what a spreadsheet does to an export (UTF-16 "Unicode Text", Windows-1252,
label headers) with a message naming the file, line and column, instead of guessing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from crmkit.frames.coercion import Where, type_leads
from crmkit.frames.errors import CSVFormatError

__all__ = ["read_leads_bulk_zip", "read_leads_csv"]

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
    where = Where(path, pd.Series(raw.index + 2), is_csv=True)
    return type_leads(raw, where, field_types=field_types, tz=tz)


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
