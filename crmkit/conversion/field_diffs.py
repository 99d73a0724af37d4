"""Field diffs: what each record a plan merges into holds before and after its conversion.

Why: a merge decides, field by field, whether the existing record keeps its curated value or
takes the lead's; Zoho shows none of it before converting. `field_diffs` predicts it for every
merge row of a plan — the existing value, the lead's value (mapped onto the target field by the
lead's Leads layout, `crmkit.mapping.ConversionMapping`), and what the record holds after Zoho's
conversion *and* crmkit's merge policy (`crmkit.conversion.merge_policy`).

Zoho's own merge is predicted as docs/sandbox.md's `merge_overwrites` default
(`non_empty_lead_values`): every non-empty mapped lead value replaces the record's, an empty one
blanks nothing; names and lookups stay (an Account's `Account_Name` changes only with `overwrite`
on a merged Contact's Account). Rows that create a record, and `lead:<id>` references (the record
does not exist yet), give no diff.

Frame (docs/frames.md): `lead_id, module, record_id, field` (string), `existing, lead, after`
(object: values as Zoho returns them, None when empty), `source` (string: `zoho`, `existing`,
`lead` — where `after` comes from).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import pandas as pd

from crmkit.conversion.merge_policy import (
    NAME_FIELDS,
    MergePolicy,
    is_empty,
    wanted_values,
)
from crmkit.conversion.plan import rows_of
from crmkit.conversion.references import is_reference
from crmkit.mapping import ConversionMapping

__all__ = [
    "FIELD_DIFFS_SCHEMA",
    "RecordsClient",
    "field_diffs",
    "mapped_lead",
    "merge_targets",
    "zoho_after",
]

FIELD_DIFFS_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "module": "string",
    "record_id": "string",
    "field": "string",
    "existing": "object",
    "lead": "object",
    "after": "object",
    "source": "string",
}


class RecordsClient(Protocol):
    """The calls of `crmkit.api.CRMClient` field diffs make (one record at a time)."""

    def get_record(
        self, module: str, record_id: str, *, converted: str | None = None
    ) -> dict[str, Any] | None: ...
    def fields(self, module: str) -> list[dict[str, Any]]: ...
    def layouts(self, module: str) -> list[dict[str, Any]]: ...


Record = Mapping[str, Any]
Records = Mapping[str, Record] | pd.DataFrame | Iterable[Record]


def _cell(value: Any) -> Any:
    return None if is_empty(value) else value


def _by_id(records: Records | None) -> dict[str, dict[str, Any]]:
    """Records keyed by id, from a frame (lookups flattened as `X.id` / `X.name` are folded
    back into `{"id", "name"}`), a mapping id -> record, or an iterable of records."""
    if records is None:
        return {}
    if isinstance(records, pd.DataFrame):
        rows: Iterable[Mapping[Any, Any]] = records.to_dict("records")
    elif isinstance(records, Mapping):
        return {str(k): _unflatten(v) for k, v in records.items() if v is not None}
    else:
        rows = records
    return {str(r["id"]): _unflatten(r) for r in rows}


def _unflatten(record: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = str(key)
        base, dot, part = name.partition(".")
        if dot and part in ("id", "name"):
            lookup = out.setdefault(base, {})
            if isinstance(lookup, dict) and not is_empty(value):
                lookup[part] = value
        else:
            out[name] = _cell(value)
    return {k: (v or None) if isinstance(v, dict) else v for k, v in out.items()}


def merge_targets(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(module, record id) of the existing records a plan row merges into.

    A merged Contact brings its Account along (validation checks the plan names it), and Zoho's
    merge writes the mapped values onto that Account too. References give none.
    """
    out: list[tuple[str, str]] = []
    for module, action, column in (
        ("Contacts", "contact_action", "contact_id"),
        ("Accounts", "account_action", "account_id"),
    ):
        rid = row.get(column)
        if row.get(action) != "merge" or is_empty(rid) or is_reference(str(rid)):
            continue
        out.append((module, str(rid)))
    return out


def _layout(lead: Record) -> str | None:
    value = lead.get("Layout")
    if isinstance(value, Mapping):
        value = value.get("name")
    return None if is_empty(value) else str(value)


def mapped_lead(mapping: ConversionMapping, lead: Record, module: str) -> dict[str, Any]:
    """The lead's values on `module`'s field names, by the lead's Leads layout (`Layout`).

    Its keys, in mapping order, are the fields a merge policy governs for that module (empty
    values are None): what `wanted_values` / `updates_after_convert` take as `lead` and `fields`.
    """
    pairs = mapping.for_layout(_layout(lead)).get(module, {})
    return {tf: _cell(lead.get(lf)) for lf, tf in pairs.items()}


def zoho_after(
    module: str,
    existing: Record,
    lead: Record,
    fields: Iterable[str],
    *,
    renames_account: bool = False,
) -> dict[str, Any]:
    """What Zoho's merge leaves in each mapped field (`non_empty_lead_values`, docs/sandbox.md).

    `lead` holds the lead's values on the target's field names. Names and lookups stay;
    `renames_account`: `overwrite` on a merged Contact's Account (its name becomes the Company).
    """
    out: dict[str, Any] = {}
    for name in fields:
        old, new = _cell(existing.get(name)), _cell(lead.get(name))
        if module == "Accounts" and name == "Account_Name" and renames_account:
            out[name] = new if new is not None else old
        elif name in NAME_FIELDS.get(module, ()) or isinstance(old, Mapping) or new is None:
            out[name] = old
        else:
            out[name] = new
    return out


def _policy_of(row: Mapping[str, Any], given: MergePolicy | None) -> MergePolicy:
    if given is not None:
        return given
    return MergePolicy.parse(None if is_empty(row.get("merge_policy")) else row["merge_policy"])


def field_diffs(
    plan: pd.DataFrame,
    *,
    client: RecordsClient | None = None,
    leads: Records | None = None,
    records: Mapping[str, Records] | None = None,
    mapping: ConversionMapping | None = None,
    policy: MergePolicy | str | None = None,
    lead_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One row per mapped field per record the plan merges into (FIELD_DIFFS_SCHEMA).

    Connected (`client`): missing lead records, the records merged into and the mapping are read
    from the CRM (one record read per lead and target; the metadata is cached by the client).
    Offline: `leads` (frame or records), `records` (`{"Contacts": frame, "Accounts": frame}`, e.g.
    a snapshot's) and `mapping` (`snapshot.org_config.conversion_mapping`, or
    `ConversionMapping.from_data_dir`); a record frame gives rows for the fields it holds only (a
    snapshot's hold the fields matching reads: connect for the whole diff).
    `policy` replaces every row's `merge_policy` cell (a console trying one out); `lead_ids`
    limits the diff to those leads (cheap for one lead).
    """
    chosen = MergePolicy.parse(policy) if isinstance(policy, str) else policy
    wanted_ids = None if lead_ids is None else {str(i) for i in lead_ids}
    if mapping is None:
        if client is None:
            raise ValueError("field_diffs needs a client or a mapping")
        mapping = ConversionMapping.from_client(client)
    lead_records = _by_id(leads)
    targets = {m: _by_id(r) for m, r in (records or {}).items()}
    known = {  # a frame holds some fields only: diff those (a snapshot's are matching's)
        m: frozenset(str(c).partition(".")[0] for c in r.columns)
        for m, r in (records or {}).items()
        if isinstance(r, pd.DataFrame)
    }
    out: list[dict[str, Any]] = []
    for row in rows_of(plan):
        lead_id = str(row["lead_id"])
        if wanted_ids is not None and lead_id not in wanted_ids:
            continue
        merges = merge_targets(row)
        if not merges:
            continue
        lead = lead_records.get(lead_id)
        if lead is None and client is not None:
            got = client.get_record("Leads", lead_id, converted="both")
            lead = None if got is None else _unflatten(got)
        if lead is None:
            continue
        rule = _policy_of(row, chosen)
        contact_merge = row.get("contact_action") == "merge"
        for module, rid in merges:
            existing = targets.get(module, {}).get(rid)
            if existing is None and client is not None:
                got = client.get_record(module, rid)
                existing = None if got is None else _unflatten(got)
            if existing is None:
                continue  # no such record: validation reports it
            mapped = mapped_lead(mapping, lead, module)
            fields = [f for f in mapped if module not in known or f in known[module]]
            renames = module == "Accounts" and contact_merge and row.get("overwrite") is True
            after = zoho_after(module, existing, mapped, fields, renames_account=renames)
            wanted = wanted_values(rule, module, existing, mapped, after, fields)
            for name in fields:
                value, source = wanted[name]
                out.append(
                    {
                        "lead_id": lead_id,
                        "module": module,
                        "record_id": rid,
                        "field": name,
                        "existing": _cell(existing.get(name)),
                        "lead": mapped.get(name),
                        "after": _cell(value),
                        "source": source,
                    }
                )
    frame = pd.DataFrame.from_records(out, columns=list(FIELD_DIFFS_SCHEMA))
    return frame.astype(FIELD_DIFFS_SCHEMA)
