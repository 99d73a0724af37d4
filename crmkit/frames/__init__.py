"""Zoho payloads and exports as typed, tidy DataFrames; the schemas every other part reads.

Why one package: the leads frame must come out identical whether it was read from the API, a CSV
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

Layout, one job per module (import the public names from here):
    schemas   the frames' columns and dtypes, the Leads fields whose type Zoho fixes
    errors    FramesError and its CSVFormatError / PayloadError; DataWarning
    csvfile   reading any CSV crmkit is given: encoding, delimiter, ragged rows, row numbers
    coercion  typing text columns (shared by every source), `conform` / `empty_frame`
    exports   CSV exports and Bulk Read ZIPs -> leads frame
    bulk      every page of a Bulk Read -> one records frame (lookups as the records API has them)
    records   API records -> leads frame, `fetch_leads` / `fetch_records`
    options   conversion options -> options / matches / matched_fields frames
    arrow     `isin`, a fast membership test for string columns
    safe_csv  `write_csv`: CSV files for people, formula-leading text neutralised (OWASP)
"""

from __future__ import annotations

from crmkit.frames.arrow import isin
from crmkit.frames.bulk import BulkColumns, bulk_columns, read_bulk_pages, with_owners
from crmkit.frames.coercion import conform, empty_frame
from crmkit.frames.errors import CSVFormatError, DataWarning, FramesError, PayloadError
from crmkit.frames.exports import read_leads_bulk_zip, read_leads_csv
from crmkit.frames.options import OptionsFrames, fetch_options, options_frames, route_of, routes
from crmkit.frames.records import MAX_FIELDS_PER_CALL as MAX_FIELDS_PER_CALL
from crmkit.frames.records import fetch_leads, fetch_records, leads_from_records
from crmkit.frames.safe_csv import neutralize_formulas, write_csv
from crmkit.frames.schemas import (
    LEAD_BOOLEAN_FIELDS,
    LEAD_DATETIME_FIELDS,
    MATCHED_FIELDS_SCHEMA,
    MATCHES_SCHEMA,
    OPTIONS_SCHEMA,
)
from crmkit.frames.schemas import OUTCOMES as OUTCOMES
from crmkit.frames.schemas import ROUTES as ROUTES

__all__ = [
    "LEAD_BOOLEAN_FIELDS",
    "LEAD_DATETIME_FIELDS",
    "MATCHED_FIELDS_SCHEMA",
    "MATCHES_SCHEMA",
    "OPTIONS_SCHEMA",
    "BulkColumns",
    "CSVFormatError",
    "DataWarning",
    "FramesError",
    "OptionsFrames",
    "PayloadError",
    "bulk_columns",
    "conform",
    "empty_frame",
    "fetch_leads",
    "fetch_options",
    "fetch_records",
    "isin",
    "leads_from_records",
    "neutralize_formulas",
    "options_frames",
    "read_bulk_pages",
    "read_leads_bulk_zip",
    "read_leads_csv",
    "route_of",
    "routes",
    "with_owners",
    "write_csv",
]
