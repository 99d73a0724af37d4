"""Zoho payloads and exports as typed, tidy DataFrames; the schemas every other part reads."""

from __future__ import annotations

from crmkit.frames.options import (
    LEAD_BOOLEAN_FIELDS,
    LEAD_DATETIME_FIELDS,
    MATCHED_FIELDS_SCHEMA,
    MATCHES_SCHEMA,
    OPTIONS_SCHEMA,
    CSVFormatError,
    FramesError,
    OptionsFrames,
    PayloadError,
    conform,
    empty_frame,
    fetch_leads,
    fetch_options,
    fetch_records,
    isin,
    leads_from_records,
    options_frames,
    read_leads_bulk_zip,
    read_leads_csv,
    route_of,
    routes,
)
from crmkit.frames.options import (
    MAX_FIELDS_PER_CALL as MAX_FIELDS_PER_CALL,
)
from crmkit.frames.options import (
    OUTCOMES as OUTCOMES,
)
from crmkit.frames.options import (
    ROUTES as ROUTES,
)

__all__ = [
    "LEAD_BOOLEAN_FIELDS",
    "LEAD_DATETIME_FIELDS",
    "MATCHED_FIELDS_SCHEMA",
    "MATCHES_SCHEMA",
    "OPTIONS_SCHEMA",
    "CSVFormatError",
    "FramesError",
    "OptionsFrames",
    "PayloadError",
    "conform",
    "empty_frame",
    "fetch_leads",
    "fetch_options",
    "fetch_records",
    "isin",
    "leads_from_records",
    "options_frames",
    "read_leads_bulk_zip",
    "read_leads_csv",
    "route_of",
    "routes",
]
