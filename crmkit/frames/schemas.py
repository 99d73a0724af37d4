"""The frames' schemas as data: every reader builds these columns, every consumer relies on them.

docs/architecture.md ("Frames") holds the shared schemas; docs/frames.md documents crmkit's
additions. Kept apart from the code that fills them so a consumer can read a schema without
pulling in the CSV or payload parsers.
"""

from __future__ import annotations

__all__ = [
    "LEAD_BOOLEAN_FIELDS",
    "LEAD_DATETIME_FIELDS",
    "MATCHED_FIELDS_SCHEMA",
    "MATCHES_SCHEMA",
    "OPTIONS_SCHEMA",
    "OUTCOMES",
    "ROUTES",
]

OPTIONS_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "outcome": "string",
    "error_code": "string",
    "n_contacts": "Int64",
    "n_accounts": "Int64",
    "module_preference": "string",
    "contact_fields": "string",
    "account_fields": "string",
    "first_field": "string",
    "first_module": "string",
    "multiple_layouts": "string",
    "source": "string",
    # additions (docs/frames.md)
    "n_deals": "Int64",
    "error_message": "string",
}

MATCHES_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "module": "string",
    "record_id": "string",
    "field": "string",
    "field_rank": "Int64",
    "route": "string",
    "lead_value": "string",
    "record_name": "string",
    "account_id": "string",
    "account_name": "string",
    "locked": "boolean",
    "editable": "boolean",
    "approval_state": "string",
    "explained": "boolean",
    "source": "string",
}

MATCHED_FIELDS_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "module": "string",
    "field_rank": "Int64",
    "field": "string",
    "lead_value": "string",
    "source": "string",
}

OUTCOMES = ("matched", "no_match", "error")
ROUTES = ("unique", "email", "company", "name")

# Leads fields whose type Zoho fixes; anything else is typed from `field_types` or kept as text.
LEAD_DATETIME_FIELDS = frozenset(
    {
        "Created_Time",
        "Modified_Time",
        "Converted_Date_Time",
        "Last_Activity_Time",
        "Unsubscribed_Time",
        "Last_Enriched_Time__s",
        "Change_Log_Time__s",
    }
)
LEAD_BOOLEAN_FIELDS = frozenset(
    {"Converted__s", "Locked__s", "Email_Opt_Out", "$editable", "$converted", "$approved"}
)
