"""API records -> the typed leads frame, and fetching every record of a module.

Records are flattened to the text an export would hold (lookups -> `X.id` / `X.name`, tag lists
joined) so `crmkit.frames.coercion` types them exactly as it types a CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from crmkit.frames.coercion import Where, type_leads
from crmkit.frames.errors import PayloadError

if TYPE_CHECKING:
    from crmkit.api.client import CRMClient

__all__ = [
    "MAX_FIELDS_PER_CALL",
    "cell_text",
    "fetch_leads",
    "fetch_records",
    "leads_from_records",
]


def cell_text(value: object) -> str | None:
    """One JSON value as an export writes it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, int | float):
        return repr(value)
    return str(value)


def _flatten_record(record: Mapping[str, Any]) -> dict[str, str | None]:
    """Lookups -> `X.id`/`X.name`/…; lists of named objects (Tag) -> `;`-joined names."""
    flat: dict[str, str | None] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            for sub, subvalue in value.items():
                if isinstance(subvalue, Mapping | list):
                    continue  # nested structures (e.g. $converted_detail) have no column form
                flat[f"{key}.{sub}"] = cell_text(subvalue)
        elif isinstance(value, list):
            names = [
                str(v.get("name")) if isinstance(v, Mapping) else str(v)
                for v in value
                if v is not None
            ]
            flat[key] = ";".join(names) if names else None
        else:
            flat[key] = cell_text(value)
    return flat


def leads_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
    source: str = "Leads API",
) -> pd.DataFrame:
    """Typed leads frame from API records (the `data` entries of `GET /crm/v8/Leads`)."""
    rows = [_flatten_record(r) for r in records]
    raw = pd.DataFrame.from_records(rows) if rows else pd.DataFrame({"id": []})
    if "id" not in raw.columns:
        raise PayloadError(f"{source}: records carry no 'id' key")
    raw = _lookup_columns(raw.astype("string"), field_types or {})
    where = Where(source, raw["id"].fillna("?"), is_csv=False)
    return type_leads(raw, where, field_types=field_types, tz=tz)


_LOOKUP_TYPES = frozenset({"lookup", "ownerlookup"})


def _lookup_columns(raw: pd.DataFrame, field_types: Mapping[str, str]) -> pd.DataFrame:
    """A lookup (per field metadata) is `X.id` / `X.name` even where it is empty: a record whose
    `X` is null adds no bare `X` column, so the frame has the same columns whichever records
    were listed (and those a Bulk Read export gives)."""
    out = raw
    for name, kind in field_types.items():
        if kind not in _LOOKUP_TYPES or name not in out.columns or out[name].notna().any():
            continue
        at = list(out.columns).index(name)
        out = out.drop(columns=name)
        for offset, sub in enumerate(("id", "name")):
            if f"{name}.{sub}" not in out.columns:
                out.insert(
                    at + offset, f"{name}.{sub}", pd.Series(pd.NA, index=out.index, dtype="string")
                )
    return out


MAX_FIELDS_PER_CALL = 50


def fetch_leads(
    client: CRMClient,
    fields: Sequence[str],
    *,
    converted: str = "false",
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Every lead (all pages) with `fields`, as the typed leads frame.

    `converted` is Zoho's parameter (`false` default, `true`, `both`). More than 50 fields are
    fetched in several passes (Zoho's limit per call) joined on id.
    """
    return fetch_records(
        client, "Leads", fields, converted=converted, field_types=field_types, tz=tz
    )


def fetch_records(
    client: CRMClient,
    module: str,
    fields: Sequence[str],
    *,
    converted: str = "false",
    field_types: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Every record of `module` (all pages) with `fields`, typed by the leads frame's rules.

    Used for Leads and for the Contacts and Accounts a snapshot keeps (one credit per 200
    records). More than 50 fields are fetched in several passes joined on id.
    """
    wanted = [f for f in dict.fromkeys(fields) if f != "id"]
    chunks = [
        wanted[i : i + MAX_FIELDS_PER_CALL - 1]
        for i in range(0, max(len(wanted), 1), MAX_FIELDS_PER_CALL - 1)
    ]
    source = f"{module} API"
    frame: pd.DataFrame | None = None
    for chunk in chunks:
        records = list(client.records(module, fields=["id", *chunk], converted=converted))
        part = leads_from_records(records, field_types=field_types, tz=tz, source=source)
        frame = part if frame is None else frame.merge(part, on="id", how="outer")
    assert frame is not None
    return frame
