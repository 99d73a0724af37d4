"""Conversion options -> the `options`, `matches` and `matched_fields` frames.

Pure (`options_frames`) so the same code builds frames from Zoho's answers, from recorded
payloads and from tests; `fetch_options` only adds the concurrent calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from crmkit.frames.coercion import conform, empty_frame
from crmkit.frames.errors import PayloadError
from crmkit.frames.records import cell_text
from crmkit.frames.schemas import MATCHED_FIELDS_SCHEMA, MATCHES_SCHEMA, OPTIONS_SCHEMA

if TYPE_CHECKING:
    from crmkit.api.client import CRMClient

__all__ = ["OptionsFrames", "fetch_options", "options_frames", "route_of", "routes"]


class OptionsFrames(NamedTuple):
    """The three frames built from conversion options (schemas: crmkit.frames.schemas)."""

    options: pd.DataFrame
    matches: pd.DataFrame
    matched_fields: pd.DataFrame


_NAME_FIELDS = {"Contacts": "Full_Name", "Accounts": "Account_Name", "Deals": "Deal_Name"}
_CANDIDATE_MODULES = ("Contacts", "Accounts", "Deals")


def route_of(module: str, field: str) -> str:
    """Which matching route produced a field hit: unique / email / company / name."""
    if field == "Full_Name":
        return "name"
    if module == "Contacts" and field == "Email":
        return "email"
    if module == "Accounts" and field == "Account_Name":
        return "company"
    return "unique"


def routes(module: pd.Series, field: pd.Series) -> pd.Series:
    """`route_of` over columns (vectorised); NA where the field is NA."""
    module = module.astype("string")
    field = field.astype("string")
    out = pd.Series("unique", index=field.index, dtype="string")
    out = out.mask((module == "Contacts") & (field == "Email"), "email")
    out = out.mask((module == "Accounts") & (field == "Account_Name"), "company")
    out = out.mask(field == "Full_Name", "name")
    return out.mask(field.isna(), pd.NA)


def _norm(value: object) -> str | None:
    """The comparison key: trimmed, case-folded text; a lookup compares by its name."""
    if isinstance(value, Mapping):
        value = value.get("name")
    if value is None or isinstance(value, list):
        return None
    text = cell_text(value)
    return None if text is None else text.strip().casefold()


def _error_of(value: object) -> tuple[str, str] | None:
    """(code, message) when `value` is a per-lead error (exception or Zoho error body)."""
    if isinstance(value, BaseException):
        code = getattr(value, "code", None) or type(value).__name__
        return str(code), str(getattr(value, "message", value))
    if isinstance(value, Mapping) and value.get("status") == "error":
        return str(value.get("code") or "ERROR"), str(value.get("message") or "")
    return None


def _body_of(lead_id: str, value: object) -> Mapping[str, Any] | None:
    """The `__conversion_options` object, or None for a 204."""
    if value is not None and not isinstance(value, Mapping) and hasattr(value, "raw"):
        value = value.raw  # crmkit.api.models.ConversionOptions
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise PayloadError(
            f"lead {lead_id}: conversion options must be a dict, None (204) or an error, "
            f"got {type(value).__name__}"
        )
    body = value.get("__conversion_options", value)
    if body is None:
        return None
    if not isinstance(body, Mapping):
        raise PayloadError(f"lead {lead_id}: '__conversion_options' is not an object")
    return body


def options_frames(payloads: Mapping[str, object], *, source: str = "api") -> OptionsFrames:
    """Build `options`, `matches` and `matched_fields` from raw conversion-options answers.

    `payloads` maps lead id -> the response body (`{"__conversion_options": …}`, or the inner
    object, or a `ConversionOptions`), `None` for a 204, or a per-lead error (exception with
    `.code`, or a Zoho error body). Each field hit is explained by the returned records whose
    value of that field equals `matched_lead_value` (trimmed, case-insensitive; lookups by name);
    a hit no record explains is kept with `record_id` NA and `explained=False`, and a record no hit
    explains is kept with `field` NA and `explained=False`.
    """
    opt_rows: list[dict[str, object]] = []
    rec_rows: list[dict[str, object]] = []
    hit_rows: list[dict[str, object]] = []
    val_rows: list[tuple[str, str, str, int, str, str | None]] = []
    link_rows: list[tuple[str, str, str, str | None]] = []  # lead, account, field, contact key
    for lead_key, value in payloads.items():
        lead_id = str(lead_key)
        row: dict[str, object] = {"lead_id": lead_id, "source": source}
        err = _error_of(value)
        if err is not None:
            row.update(outcome="error", error_code=err[0], error_message=err[1])
            opt_rows.append(row)
            continue
        body = _body_of(lead_id, value)
        if body is None:
            row.update(outcome="no_match", n_contacts=0, n_accounts=0, n_deals=0)
            opt_rows.append(row)
            continue
        prefs = body.get("preference_field_matched_value") or {}
        if not isinstance(prefs, Mapping):
            raise PayloadError(f"lead {lead_id}: preference_field_matched_value is not an object")
        fields_by_module: dict[str, list[str]] = {}
        for module, entries in prefs.items():
            names: list[str] = []
            for rank, entry in enumerate(entries or []):
                field = ((entry or {}).get("field") or {}).get("api_name")
                if not field:
                    raise PayloadError(
                        f"lead {lead_id}: preference_field_matched_value.{module}[{rank}] names no "
                        "field api_name"
                    )
                lead_value = entry.get("matched_lead_value")
                hit_rows.append(
                    {
                        "lead_id": lead_id,
                        "module": module,
                        "field_rank": rank,
                        "field": field,
                        "lead_value": cell_text(lead_value),
                        "key": _norm(lead_value),
                    }
                )
                names.append(field)
            fields_by_module[module] = names
        counts: dict[str, int] = {}
        for module in _CANDIDATE_MODULES:
            records = body.get(module) or []
            if not isinstance(records, list):
                raise PayloadError(f"lead {lead_id}: {module} is not a list")
            wanted = fields_by_module.get(module, [])
            seen: set[str] = set()
            for pos, rec in enumerate(records):
                rid = rec.get("id")
                if rid is None:
                    raise PayloadError(f"lead {lead_id}: a {module} record has no id")
                rid = str(rid)
                if rid in seen:
                    continue
                seen.add(rid)
                account = rec.get("Account_Name") if module == "Contacts" else None
                name_value = rec.get(_NAME_FIELDS[module])
                rec_rows.append(
                    {
                        "lead_id": lead_id,
                        "module": module,
                        "record_id": rid,
                        "record_pos": pos,
                        "record_name": cell_text(
                            name_value.get("name")
                            if isinstance(name_value, Mapping)
                            else name_value
                        ),
                        "account_id": cell_text(account.get("id"))
                        if isinstance(account, Mapping)
                        else None,
                        "account_name": cell_text(account.get("name"))
                        if isinstance(account, Mapping)
                        else cell_text(account),
                        "locked": rec.get("Locked__s"),
                        "editable": rec.get("$editable"),
                        "approval_state": cell_text(rec.get("$approval_state")),
                    }
                )
                for field in wanted:
                    val_rows.append((lead_id, module, rid, pos, field, _norm(rec.get(field))))
                if isinstance(account, Mapping) and account.get("id") is not None:
                    # an account can match through this contact by an Accounts field
                    for field in fields_by_module.get("Accounts", []):
                        if field == "Account_Name":  # the lookup itself, not a matched value
                            continue
                        key = _norm(rec.get(field))
                        link_rows.append((lead_id, str(account["id"]), field, key))
            counts[module] = len(seen)
        pref = body.get("module_preference")
        preference = pref.get("api_name") if isinstance(pref, Mapping) else pref
        first_module = None
        order = [preference] if preference else []
        order += [m for m in ("Contacts", "Accounts", "Deals") if m != preference]
        for module in order:
            if fields_by_module.get(module):
                first_module = module
                break
        layouts = [
            str(m.get("api_name")) if isinstance(m, Mapping) else str(m)
            for m in (body.get("modules_with_multiple_layouts") or [])
        ]
        row.update(
            outcome="matched" if any(counts.values()) else "no_match",
            n_contacts=counts["Contacts"],
            n_accounts=counts["Accounts"],
            n_deals=counts["Deals"],
            module_preference=preference,
            contact_fields=";".join(fields_by_module.get("Contacts", [])) or None,
            account_fields=";".join(fields_by_module.get("Accounts", [])) or None,
            first_field=fields_by_module[first_module][0] if first_module else None,
            first_module=first_module,
            multiple_layouts=";".join(layouts) or None,
        )
        opt_rows.append(row)

    options = _build_options(opt_rows)
    matched_fields, matches = _build_matches(hit_rows, rec_rows, val_rows, link_rows, source)
    return OptionsFrames(options, matches, matched_fields)


def _build_options(rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        return empty_frame(OPTIONS_SCHEMA)
    frame = pd.DataFrame.from_records(rows)
    for col in OPTIONS_SCHEMA:
        if col not in frame.columns:
            frame[col] = None
    return conform(frame, OPTIONS_SCHEMA, name="options")


def _build_matches(
    hit_rows: list[dict[str, object]],
    rec_rows: list[dict[str, object]],
    val_rows: list[tuple[str, str, str, int, str, str | None]],
    link_rows: list[tuple[str, str, str, str | None]],
    source: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join field hits with record values (vectorised) to explain each hit by its records.

    An Accounts hit no account's own value explains may be explained through a listed contact
    of a listed account (Zoho lists the account under the field its contact matched by, e.g.
    Phone): that hit is not an orphan, and adds no row — the contact's row already says it,
    with the account in `account_id`.
    """
    hits = pd.DataFrame.from_records(
        hit_rows, columns=["lead_id", "module", "field_rank", "field", "lead_value", "key"]
    )
    hits["source"] = source
    matched_fields = conform(hits.drop(columns="key"), MATCHED_FIELDS_SCHEMA, name="matched_fields")
    records = pd.DataFrame.from_records(
        rec_rows,
        columns=[
            "lead_id",
            "module",
            "record_id",
            "record_pos",
            "record_name",
            "account_id",
            "account_name",
            "locked",
            "editable",
            "approval_state",
        ],
    )
    values = pd.DataFrame.from_records(
        val_rows, columns=["lead_id", "module", "record_id", "record_pos", "field", "key"]
    ).dropna(subset=["key"])
    explained = hits.dropna(subset=["key"]).merge(
        values, on=["lead_id", "module", "field", "key"], how="inner"
    )
    explained = explained.merge(
        records.drop(columns="record_pos"), on=["lead_id", "module", "record_id"], how="left"
    )
    explained["explained"] = True
    hit_keys = ["lead_id", "module", "field_rank"]
    orphan_hits = hits.merge(
        explained[hit_keys].drop_duplicates(), on=hit_keys, how="left", indicator=True
    )
    orphan_hits = orphan_hits[orphan_hits["_merge"] == "left_only"].drop(columns="_merge")
    orphan_hits = _without_contact_routes(orphan_hits, records, link_rows)
    orphan_hits["explained"] = False
    rec_keys = ["lead_id", "module", "record_id"]
    orphan_recs = records.merge(
        explained[rec_keys].drop_duplicates(), on=rec_keys, how="left", indicator=True
    )
    orphan_recs = orphan_recs[orphan_recs["_merge"] == "left_only"].drop(columns="_merge")
    orphan_recs["explained"] = False
    frame = pd.concat([explained, orphan_hits, orphan_recs], ignore_index=True)
    lead_order = {
        lead: i for i, lead in enumerate(dict.fromkeys(r["lead_id"] for r in rec_rows + hit_rows))
    }
    frame["_lead"] = frame["lead_id"].map(lead_order)
    frame["_module"] = (
        frame["module"].map({m: i for i, m in enumerate(_CANDIDATE_MODULES)}).fillna(9)
    )
    frame["_rank"] = frame["field_rank"].astype("Float64").fillna(1e9)
    frame["_pos"] = frame["record_pos"].astype("Float64").fillna(1e9)
    frame = frame.sort_values(["_lead", "_module", "_rank", "_pos"], kind="stable")
    frame["route"] = routes(frame["module"], frame["field"])
    frame["source"] = source
    frame = frame.drop(columns=["key", "record_pos", "_lead", "_module", "_rank", "_pos"])
    for col in MATCHES_SCHEMA:
        if col not in frame.columns:
            frame[col] = None
    return matched_fields, conform(frame[list(MATCHES_SCHEMA)], MATCHES_SCHEMA, name="matches")


def _without_contact_routes(
    hits: pd.DataFrame,
    records: pd.DataFrame,
    link_rows: list[tuple[str, str, str, str | None]],
) -> pd.DataFrame:
    """`hits` minus the Accounts hits a listed contact of a listed account explains."""
    links = pd.DataFrame.from_records(
        link_rows, columns=["lead_id", "record_id", "field", "key"]
    ).dropna(subset=["key"])
    accounts = records.loc[records["module"] == "Accounts", ["lead_id", "record_id"]]
    links = links.merge(accounts, on=["lead_id", "record_id"], how="inner")
    if links.empty or hits.empty:
        return hits
    through = hits[hits["module"] == "Accounts"].merge(
        links[["lead_id", "field", "key"]].drop_duplicates(),
        on=["lead_id", "field", "key"],
        how="inner",
    )
    keys = ["lead_id", "module", "field_rank"]
    flagged = hits.merge(through[keys].drop_duplicates(), on=keys, how="left", indicator=True)
    return hits[(flagged["_merge"] == "left_only").to_numpy()]


def fetch_options(client: CRMClient, lead_ids: Sequence[str]) -> OptionsFrames:
    """Ask Zoho for every lead's conversion options (concurrently, per-lead errors kept as data)."""
    ids = [str(i) for i in lead_ids]
    results = client.conversion_options_many(ids)
    return options_frames(dict(zip(ids, results, strict=True)))
