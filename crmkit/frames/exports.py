"""CSV exports and Bulk Read ZIPs -> the typed leads frame.

The file is read by `crmkit.frames.csvfile` (encoding and delimiter detected, ragged rows refused
with their row number); what a spreadsheet does to an export beyond that (label headers, ids in
scientific notation) is refused with a message naming the file, row and column.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from crmkit.frames.coercion import Where, type_leads
from crmkit.frames.csvfile import CSVTable, decode_csv, parse_csv, read_csv_file
from crmkit.frames.errors import CSVFormatError

__all__ = ["read_leads_bulk_zip", "read_leads_csv"]


def _leads_from_table(
    table: CSVTable,
    *,
    required: Sequence[str],
    rename: Mapping[str, str] | None,
    field_types: Mapping[str, str] | None,
    tz: str | None,
) -> pd.DataFrame:
    path = table.source
    raw = table.frame()
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
    where = Where(
        path,
        pd.Series(table.row_numbers, dtype="int64"),
        is_csv=True,
        decimal_comma=table.decimal_comma,
    )
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
    fields. `tz`: time zone of naive datetimes. The encoding (UTF-8, then Windows-1252 / Latin-1
    with a `DataWarning`) and the delimiter (`,` `;` tab) are detected unless `encoding` names it.
    """
    table = read_csv_file(path, encoding=encoding)
    return _leads_from_table(
        table, required=required, rename=rename, field_types=field_types, tz=tz
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
    text, used = decode_csv(data, source, encoding)
    return _leads_from_table(
        parse_csv(text, source, encoding=used),
        required=required,
        rename=rename,
        field_types=field_types,
        tz=tz,
    )
