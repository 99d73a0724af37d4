"""Predict Zoho's Lead Conversion Options offline, from exported Leads, Contacts and Accounts.

Asking Zoho costs one call per lead; an export costs nothing. This module applies the documented
matching rules (zoho-api.md §4) to whole frames at once: every matching field becomes a normalised
key on both sides and one ``merge``; the per-module field lists, preference and counts come from
group-bys. There is no per-lead Python loop, so a million leads take seconds.

Rules, as implemented (docs/matching.md explains each reading):
- Contacts list: the Contacts unique fields in preference order, then Email. Accounts list: the
  Accounts unique fields, then Account_Name vs the lead's Company. A module's candidates are the
  union of the records each field of its list finds.
- The lead field compared with a record field is the lead field of the same api name, except
  Contacts ``Title`` <- lead ``Designation`` and Accounts ``Account_Name`` <- lead ``Company``
  (Zoho's default conversion mapping).
- Name fallback (lead Full_Name vs Contact Full_Name, reported as ``Full_Name``) only when the
  Contacts list found no contact.
- Text, Email and names compare ignoring case and surrounding whitespace; a unique field honours
  its ``casesensitive`` flag; phone fields compare exactly as stored. Empty values never match.
- Accounts removed -> Contacts only; Leads Company removed -> no Account matching; Contacts removed
  -> no options at all (204).
- ``module_preference`` is Contacts when any contact matched, else Accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from crmkit.api.limits import EDITION_CONCURRENCY, call_credits, daily_credits
from crmkit.errors import CrmkitError
from crmkit.frames import (
    MATCHED_FIELDS_SCHEMA,
    MATCHES_SCHEMA,
    OPTIONS_SCHEMA,
    conform,
    route_of,
)
from crmkit.frames.csvframe import read_csv_frame
from crmkit.frames.errors import warn_data
from crmkit.orgconfig import OrgConfig

SOURCE = "predicted"
# route of an Accounts field matched through a listed contact (kept out of `matches`)
THROUGH_CONTACT = "contact"


class Prediction(NamedTuple):
    """The three frames of docs/architecture.md, all with ``source="predicted"``."""

    options: pd.DataFrame
    matches: pd.DataFrame
    matched_fields: pd.DataFrame


@dataclass(frozen=True)
class MatchField:
    """One entry of a module's matching list: compare lead ``lead_field`` with record ``field``."""

    module: str
    field: str
    lead_field: str
    route: str  # unique | email | company | name
    kind: str  # text (trimmed, case-insensitive) | exact (trimmed, case-sensitive)


class PredictionError(CrmkitError, ValueError):
    """Input frames that cannot be matched (missing id column, duplicate ids); names the frame."""


# ---------------------------------------------------------------------------- field lists
def match_fields(module: str, config: OrgConfig) -> list[MatchField]:
    """The module's matching list in Zoho's preference order (before the name fallback).

    Empty when the module is removed, and for Accounts when the lead's Company is removed.
    """
    if not config.has_module(module) or not config.has_module("Contacts"):
        return []
    if module == "Accounts" and not config.has_field("Leads", "Company"):
        return []
    builtin, route = {"Contacts": ("Email", "email"), "Accounts": ("Account_Name", "company")}[
        module
    ]
    out: list[MatchField] = []
    seen: set[str] = set()
    for uf in config.unique(module):
        if uf.api_name in seen:
            continue
        seen.add(uf.api_name)
        kind = "exact" if uf.casesensitive else "text"
        lead_field = config.lead_field_for(module, uf.api_name)
        if lead_field is not None:  # a unique field no lead field maps to never matches
            route_name = route_of(module, uf.api_name)
            out.append(MatchField(module, uf.api_name, lead_field, route_name, kind))
    if builtin not in seen:
        lead_field = config.lead_field_for(module, builtin)
        if lead_field is not None:
            out.append(MatchField(module, builtin, lead_field, route, "text"))
    return [
        f
        for f in out
        if config.has_field(module, f.field) and config.has_field("Leads", f.lead_field)
    ]


# ---------------------------------------------------------------------------- keys
def _blank_to_na(s: pd.Series) -> pd.Series:
    s = s.astype("string")
    return s.mask(s == "")


def match_key(values: pd.Series, kind: str) -> pd.Series:
    """Normalised comparison key for a column; NA where the value can never match.

    ``text``: trimmed and case-folded. ``exact`` (a case-sensitive unique field): trimmed only.
    Phones are text like any other field: compared as stored, no format normalisation.
    """
    s = values.astype("string").str.strip()
    if kind == "text":
        s = s.str.casefold()
    return _blank_to_na(s)


def full_name(frame: pd.DataFrame) -> pd.Series:
    """Full_Name where present, else First_Name + " " + Last_Name (blank parts skipped)."""
    n = len(frame)
    empty = pd.Series([pd.NA] * n, index=frame.index, dtype="string")
    first = frame["First_Name"].astype("string") if "First_Name" in frame else empty
    last = frame["Last_Name"].astype("string") if "Last_Name" in frame else empty
    first = first.str.strip().fillna("")
    last = last.str.strip().fillna("")
    joined = (first + " " + last).str.strip()
    if "Full_Name" in frame:
        given = _blank_to_na(frame["Full_Name"].astype("string").str.strip())
        joined = given.fillna(joined)
    return _blank_to_na(joined.astype("string"))


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _bool_column(frame: pd.DataFrame, name: str, default: bool) -> pd.Series:
    """A boolean column from real booleans or "true"/"false" text; blanks take ``default``."""
    if name not in frame.columns:
        return pd.Series(default, index=frame.index, dtype="boolean")
    col = frame[name]
    if pd.api.types.is_bool_dtype(col):
        return col.astype("boolean").fillna(default)
    text = col.astype("string").str.strip().str.lower()
    out = text.map({"true": True, "false": False, "1": True, "0": False}, na_action="ignore")
    return out.astype("boolean").fillna(default)


# ---------------------------------------------------------------------------- joins
def _join(
    lead_ids: pd.Series,
    lead_values: pd.Series,
    lead_keys: pd.Series,
    record_ids: pd.Series,
    record_keys: pd.Series,
) -> pd.DataFrame:
    """Pairs (lead, record) with equal non-NA keys, via integer codes of a shared factorisation."""
    both = pd.concat([lead_keys.astype("string"), record_keys.astype("string")], ignore_index=True)
    codes, _ = pd.factorize(both, use_na_sentinel=True)
    lc, rc = codes[: len(lead_keys)], codes[len(lead_keys) :]
    left = pd.DataFrame({"k": lc, "lead_id": lead_ids.to_numpy(), "lead_value": lead_values.array})
    right = pd.DataFrame({"k": rc, "record_id": record_ids.to_numpy()})
    left = left[left["k"] >= 0]
    right = right[right["k"] >= 0]
    pairs = left.merge(right, on="k", how="inner", sort=False)
    return pairs[["lead_id", "record_id", "lead_value"]]


def _ids(frame: pd.DataFrame, what: str) -> pd.Series:
    if "id" not in frame.columns:
        raise PredictionError(f"{what}: no 'id' column (columns: {', '.join(frame.columns)})")
    ids = frame["id"].astype("string").str.strip()
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise PredictionError(f"{what}: row {row} has an empty id")
    dup = ids.duplicated()
    if dup.any():
        raise PredictionError(f"{what}: duplicate id {ids[dup].iloc[0]!r}")
    return ids.reset_index(drop=True)


def _module_hits(
    module: str,
    fields: Sequence[MatchField],
    leads: pd.DataFrame,
    lead_ids: pd.Series,
    records: pd.DataFrame,
    record_ids: pd.Series,
) -> pd.DataFrame:
    """Rows (lead_id, record_id, field, list_pos, route, lead_value) for one module's list."""
    parts = []
    for pos, f in enumerate(fields):
        if f.lead_field not in leads.columns or f.field not in records.columns:
            continue
        lead_raw = leads[f.lead_field].astype("string").reset_index(drop=True)
        pairs = _join(
            lead_ids,
            lead_raw,
            match_key(lead_raw, f.kind),
            record_ids,
            match_key(records[f.field].reset_index(drop=True), f.kind),
        )
        pairs["field"] = f.field
        pairs["list_pos"] = pos
        pairs["route"] = f.route
        parts.append(pairs)
    if not parts:
        return _empty_hits()
    hits = pd.concat(parts, ignore_index=True)
    hits["module"] = module
    return hits


def _through_contacts(
    c_hits: pd.DataFrame,
    a_hits: pd.DataFrame,
    contacts: pd.DataFrame,
    contact_ids: pd.Series,
    accounts: pd.DataFrame,
    config: OrgConfig,
) -> pd.DataFrame:
    """Fields by which a listed account matched through one of its listed contacts.

    Zoho's article lists Zylker Biotech under `Account_Name` *and* `Phone`: its contact Pat
    Boyle matched by Phone. So: a Contacts hit on a field the Accounts module has too, whose
    contact belongs to an account the lead's Accounts list found, adds that field to the
    account's list (after its own fields, in Contacts' order; `list_pos` relative to Contacts).
    """
    if c_hits.empty or a_hits.empty:
        return _empty_hits()
    account_of = pd.Series(
        _blank_to_na(_column(contacts, "Account_Name.id")).to_numpy(),
        index=contact_ids.to_numpy(),
        dtype="string",
    )
    linked = c_hits.assign(account_id=c_hits["record_id"].map(account_of)).dropna(
        subset=["account_id"]
    )
    listed = a_hits[["lead_id", "record_id"]].drop_duplicates()
    listed = listed.rename(columns={"record_id": "account_id"})
    via = linked.merge(listed, on=["lead_id", "account_id"], how="inner")
    account_fields = (
        set(accounts.columns)
        | {u.api_name for u in config.unique("Accounts")}
        | set(config.conversion_mapping.for_layout().get("Accounts", {}).values())
    )
    via = via[via["field"].isin(account_fields - {"Account_Name"})]
    present = np.array([config.has_field("Accounts", f) for f in via["field"]], dtype=bool)
    via = via[present]
    own = a_hits[["lead_id", "field"]].drop_duplicates().assign(_own=True)
    via = via.merge(own, on=["lead_id", "field"], how="left")
    via = via[via["_own"].isna()]
    if via.empty:
        return _empty_hits()
    out = via.drop(columns=["record_id", "_own"]).rename(columns={"account_id": "record_id"})
    out = out.drop_duplicates(["lead_id", "field", "record_id"])
    out["module"] = "Accounts"
    out["route"] = THROUGH_CONTACT
    return out[["lead_id", "record_id", "lead_value", "field", "list_pos", "route", "module"]]


def _empty_hits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": pd.Series(dtype="string"),
            "record_id": pd.Series(dtype="string"),
            "lead_value": pd.Series(dtype="string"),
            "field": pd.Series(dtype="string"),
            "list_pos": pd.Series(dtype="int64"),
            "route": pd.Series(dtype="string"),
            "module": pd.Series(dtype="string"),
        }
    )


# ---------------------------------------------------------------------------- lead state
def lead_errors(leads: pd.DataFrame, config: OrgConfig | None = None) -> pd.Series:
    """Zoho's error code per lead (NA when the options call would succeed).

    Checked in this order: already converted (ID_ALREADY_CONVERTED), not approved
    (NOT_APPROVED), locked (RECORD_LOCKED). With the Contacts module removed no lead is checked:
    the answer is 204 for all.
    """
    codes = pd.Series(pd.NA, index=range(len(leads)), dtype="string")
    if config is not None and not config.has_module("Contacts"):
        return codes
    converted = _bool_column(leads, "Converted__s", False).reset_index(drop=True).astype(bool)
    locked = _bool_column(leads, "Locked__s", False).reset_index(drop=True).astype(bool)
    state = _column(leads, "$approval_state").str.strip().reset_index(drop=True)
    unapproved = (state.notna() & (state != "approved")).fillna(False).astype(bool)
    codes = codes.mask(locked, "RECORD_LOCKED")
    codes = codes.mask(unapproved, "NOT_APPROVED")
    return codes.mask(converted, "ID_ALREADY_CONVERTED")


# ---------------------------------------------------------------------------- predict
def predict(
    leads: pd.DataFrame,
    contacts: pd.DataFrame,
    accounts: pd.DataFrame,
    config: OrgConfig | None = None,
    *,
    include_converted: bool = False,
) -> Prediction:
    """Predict the conversion options of every lead (``source="predicted"``).

    Converted leads (``Converted__s`` true) are left out unless ``include_converted``: the API
    path asks only about leads a default listing returns.
    """
    config = config or OrgConfig()
    if not include_converted and "Converted__s" in leads.columns:
        leads = leads[~_bool_column(leads, "Converted__s", False).astype(bool).to_numpy()]
    leads = leads.reset_index(drop=True)
    lead_ids = _ids(leads, "Leads")
    contact_ids = _ids(contacts, "Contacts")
    account_ids = _ids(accounts, "Accounts")
    errors = lead_errors(leads, config)
    ok = errors.isna().to_numpy()
    ok_leads = leads[ok].reset_index(drop=True)
    ok_ids = lead_ids[ok].reset_index(drop=True)
    contacts = contacts.reset_index(drop=True)
    accounts = accounts.reset_index(drop=True)

    contact_list = match_fields("Contacts", config)
    account_list = match_fields("Accounts", config)
    _warn_missing_lead_fields(leads, [*contact_list, *account_list])
    c_hits = _module_hits("Contacts", contact_list, ok_leads, ok_ids, contacts, contact_ids)
    if config.has_module("Contacts"):
        # Name fallback: only leads whose Contacts list found nothing.
        found = ok_ids.isin(c_hits["lead_id"]).to_numpy()
        rest = ok_leads[~found].reset_index(drop=True)
        rest_ids = ok_ids[~found].reset_index(drop=True)
        rest_names = full_name(rest).reset_index(drop=True)
        pairs = _join(
            rest_ids,
            rest_names,
            match_key(rest_names, "text"),
            contact_ids,
            match_key(full_name(contacts).reset_index(drop=True), "text"),
        )
        pairs["field"] = "Full_Name"
        pairs["list_pos"] = len(contact_list)
        pairs["route"] = "name"
        pairs["module"] = "Contacts"
        c_hits = pd.concat([c_hits, pairs], ignore_index=True) if len(pairs) else c_hits
    a_hits = _module_hits("Accounts", account_list, ok_leads, ok_ids, accounts, account_ids)
    via = _through_contacts(c_hits, a_hits, contacts, contact_ids, accounts, config)
    via["list_pos"] = via["list_pos"] + len(account_list)
    hits = pd.concat([c_hits, a_hits, via], ignore_index=True)
    for col in ("lead_id", "record_id", "lead_value", "field", "route", "module"):
        hits[col] = hits[col].astype("string")

    # field_rank: position among the fields that matched for this lead and module.
    hits["field_rank"] = (
        hits.groupby(["lead_id", "module"], sort=False)["list_pos"]
        .rank(method="dense")
        .astype("int64")
        - 1
    ).astype("Int64")
    hits = hits.sort_values(["lead_id", "module", "field_rank", "record_id"], kind="stable")
    # a field matched through a contact is the contact's match: no row of its own in `matches`
    own = hits[hits["route"] != THROUGH_CONTACT]
    matches = _decorate(own, contacts, contact_ids, accounts, account_ids)
    matched_fields = conform(
        hits.drop_duplicates(["lead_id", "module", "field"])[
            ["lead_id", "module", "field_rank", "field", "lead_value"]
        ].assign(source=SOURCE),
        MATCHED_FIELDS_SCHEMA,
        name="matched_fields",
    )
    options = _options(lead_ids, errors, hits, config)
    return Prediction(options, matches, matched_fields)


def _warn_missing_lead_fields(leads: pd.DataFrame, fields: Sequence[MatchField]) -> None:
    """A built-in matching field (Email, Company) the leads lack matches nothing: say so.

    Without it every lead reads as "no match" by that route, which a rate table would present as
    a fact about the org rather than about the export.
    """
    for mf in fields:
        if mf.route in ("email", "company") and mf.lead_field not in leads.columns:
            warn_data(
                f"the leads have no {mf.lead_field!r} column: {mf.module} matching by "
                f"{mf.lead_field} (against {mf.field}) is disabled, so no lead can match "
                f"{'an' if mf.module == 'Accounts' else 'a'} {mf.module[:-1]} that way; export "
                f"the leads with the {mf.lead_field} field"
            )


def _decorate(
    hits: pd.DataFrame,
    contacts: pd.DataFrame,
    contact_ids: pd.Series,
    accounts: pd.DataFrame,
    account_ids: pd.Series,
) -> pd.DataFrame:
    """Add the record's name, account, lock and approval state (the ``matches`` schema)."""

    def attrs(frame: pd.DataFrame, ids: pd.Series, module: str) -> pd.DataFrame:
        if module == "Contacts":
            name = full_name(frame)
            acc_id = _column(frame, "Account_Name.id")
            acc_name = _column(frame, "Account_Name.name")
        else:
            name = _blank_to_na(_column(frame, "Account_Name"))
            acc_id = pd.Series(pd.NA, index=frame.index, dtype="string")
            acc_name = acc_id
        return pd.DataFrame(
            {
                "module": pd.Series(module, index=frame.index, dtype="string"),
                "record_id": ids.to_numpy(),
                "record_name": name.to_numpy(),
                "account_id": _blank_to_na(acc_id).to_numpy(),
                "account_name": _blank_to_na(acc_name).to_numpy(),
                "locked": _bool_column(frame, "Locked__s", False).to_numpy(),
                "editable": _bool_column(frame, "$editable", True).to_numpy(),
                "approval_state": _blank_to_na(
                    _column(frame, "$approval_state").fillna("approved")
                ).to_numpy(),
            }
        )

    def hit(frame: pd.DataFrame, ids: pd.Series, module: str) -> tuple[pd.DataFrame, pd.Series]:
        # Only the records some lead matched: a million contacts, a few hundred thousand hits.
        wanted = hits.loc[hits["module"] == module, "record_id"].astype("string").unique()
        keep = ids.isin(wanted).to_numpy(dtype=bool)
        return frame[keep], ids[keep]

    table = pd.concat(
        [
            attrs(*hit(contacts, contact_ids, "Contacts"), "Contacts"),
            attrs(*hit(accounts, account_ids, "Accounts"), "Accounts"),
        ],
        ignore_index=True,
    )
    out = hits.merge(table, on=["module", "record_id"], how="left", sort=False)
    out["explained"] = True
    out["source"] = SOURCE
    return conform(out[list(MATCHES_SCHEMA)], MATCHES_SCHEMA, name="matches")


def accounts_first(config: OrgConfig) -> bool:
    """ "If Contacts has no unique field but Accounts has, Accounts come first" (zoho-api.md §4).

    crmkit reads it as: in such an org, a lead that matched any account gets
    ``module_preference`` Accounts even when contacts matched too (docs/matching.md).
    """
    return not config.unique("Contacts") and bool(config.unique("Accounts"))


def _first_of(fields: pd.Series) -> pd.Series:
    return fields.str.split(";").str[0].astype("string")


def _joined_fields(hits: pd.DataFrame) -> pd.Series:
    """Per (lead, module): the matched fields in rank order, ";"-joined.

    Column by column rather than a Python join per group: a million-contact org has a
    hundred thousand groups.
    """
    ranked = hits.drop_duplicates(["lead_id", "module", "field"]).sort_values(
        ["lead_id", "module", "field_rank"], kind="stable"
    )
    place = ranked.groupby(["lead_id", "module"], sort=False).cumcount()
    wide = ranked.assign(place=place.to_numpy()).pivot(
        index=["lead_id", "module"], columns="place", values="field"
    )
    if not len(wide.columns):
        return pd.Series(dtype="string", index=wide.index)
    joined = wide[0].astype("string")
    for k in wide.columns[1:]:
        more = wide[k].astype("string")
        joined = joined.where(more.isna(), joined + ";" + more)
    return joined


def _options(
    lead_ids: pd.Series, errors: pd.Series, hits: pd.DataFrame, config: OrgConfig
) -> pd.DataFrame:
    """One row per lead: outcome, counts, preference and field lists."""
    counts = (
        hits.drop_duplicates(["lead_id", "module", "record_id"])
        .groupby(["lead_id", "module"], sort=False)
        .size()
        .unstack("module")
    )
    fields = _joined_fields(hits).unstack("module")
    base = pd.DataFrame({"lead_id": lead_ids.to_numpy(), "error_code": errors.to_numpy()})
    base = base.set_index("lead_id")

    def pick(frame: pd.DataFrame, module: str) -> pd.Series:
        if module in frame.columns:
            return frame[module].reindex(base.index)
        return pd.Series(pd.NA, index=base.index, dtype="object")

    n_contacts = pick(counts, "Contacts").fillna(0).astype("Int64")
    n_accounts = pick(counts, "Accounts").fillna(0).astype("Int64")
    contact_fields = pick(fields, "Contacts").astype("string")
    account_fields = pick(fields, "Accounts").astype("string")
    is_error = base["error_code"].notna()
    any_match = (n_contacts > 0) | (n_accounts > 0)
    outcome = pd.Series("no_match", index=base.index, dtype="string")
    outcome = outcome.mask(any_match.astype(bool), "matched").mask(is_error, "error")
    has_c = (n_contacts > 0).astype(bool)
    has_a = (n_accounts > 0).astype(bool)
    # First module with a hit, in preference order (the *first* attribution).
    first_module = pd.Series(pd.NA, index=base.index, dtype="string")
    if accounts_first(config):
        first_module = first_module.mask(has_c, "Contacts").mask(has_a, "Accounts")
    else:
        first_module = first_module.mask(has_a, "Accounts").mask(has_c, "Contacts")
    first_field = _first_of(contact_fields).where(
        first_module == "Contacts", _first_of(account_fields)
    )
    first_field = first_field.where(first_module.notna()).astype("string")
    layouts = ";".join(config.multiple_layouts()) if config.has_module("Contacts") else ""
    # A 200 answer always names a preference: the first module with a hit, else Accounts.
    # 204 (nothing matched, no module with several layouts) and errors carry none.
    answered = (any_match.astype(bool) | bool(layouts)) & ~is_error
    pref = first_module.fillna("Accounts").where(answered)
    multiple = pd.Series(layouts or pd.NA, index=base.index, dtype="string").where(answered)
    out = pd.DataFrame(
        {
            "lead_id": base.index.astype("string"),
            "outcome": outcome.to_numpy(),
            "error_code": base["error_code"].astype("string").to_numpy(),
            "n_contacts": n_contacts.mask(is_error).to_numpy(),
            "n_accounts": n_accounts.mask(is_error).to_numpy(),
            "module_preference": pref.to_numpy(),
            "contact_fields": contact_fields.to_numpy(),
            "account_fields": account_fields.to_numpy(),
            "first_field": first_field.to_numpy(),
            "first_module": first_module.to_numpy(),
            "multiple_layouts": multiple.to_numpy(),
            "source": SOURCE,
            # Deals are never offered as conversion candidates by the matching rules.
            "n_deals": pd.Series(0, index=base.index, dtype="Int64").mask(is_error).to_numpy(),
            "error_message": pd.Series(pd.NA, index=base.index, dtype="string").to_numpy(),
        }
    )
    return conform(out, OPTIONS_SCHEMA, name="options")


# ---------------------------------------------------------------------------- data directory
def read_module_csv(path: Path) -> pd.DataFrame:
    """A module CSV of a data directory as text columns, cells trimmed, blanks NA.

    Read by `crmkit.frames.csvfile` (encoding and `;` detected, ragged rows refused), so a file
    the sandbox and `read_leads_csv` accept is read here the same way.
    """
    return read_csv_frame(path, strip=True)


def check_data_dir(path: str | Path) -> Path:
    """The data directory, refused (PredictionError) when it or its Leads.csv is missing."""
    root = Path(path)
    if not root.is_dir():
        raise PredictionError(
            f"{root}: no such data directory (it holds Leads.csv, Contacts.csv, Accounts.csv and "
            "an optional org.json); check the path"
        )
    if not (root / "Leads.csv").is_file():
        raise PredictionError(
            f"{root / 'Leads.csv'}: the data directory has no Leads.csv; export the Leads "
            "module into it"
        )
    return root


def predict_data_dir(path: str | Path, **kwargs: bool) -> Prediction:
    """Predict from a data directory (Leads/Contacts/Accounts CSVs and org.json)."""
    root = check_data_dir(path)
    frames = {}
    for module in ("Leads", "Contacts", "Accounts"):
        file = root / f"{module}.csv"
        if file.exists():
            frames[module] = read_module_csv(file)
        else:
            frames[module] = pd.DataFrame({"id": pd.Series(dtype="string")})
    config = OrgConfig.from_data_dir(root)
    return predict(frames["Leads"], frames["Contacts"], frames["Accounts"], config, **kwargs)


# ---------------------------------------------------------------------------- API cost
@dataclass(frozen=True)
class ApiCost:
    """What asking Zoho for every lead's conversion options would cost."""

    leads: int
    calls: int  # listing pages (200 a page) + one conversion-options call per lead
    credits: int
    concurrency: int
    seconds: float  # at the concurrency ceiling, ``latency_s`` per call
    daily_credits: int | None  # None: unlimited

    @property
    def share_of_day(self) -> float | None:
        return None if not self.daily_credits else self.credits / self.daily_credits

    def __str__(self) -> str:
        share = self.share_of_day
        day = "unlimited daily credits" if share is None else f"{share:.0%} of the day's credits"
        return (
            f"API path for {self.leads:,} leads: {self.calls:,} calls, {self.credits:,} credits "
            f"({day}), about {self.seconds / 60:,.1f} min at {self.concurrency} in flight; "
            "prediction: 0 credits"
        )


def api_cost(
    n_leads: int, edition: str = "enterprise", *, users: int = 1, latency_s: float = 0.3
) -> ApiCost:
    """Calls, credits and time the API path needs for ``n_leads`` at the edition's ceiling."""
    key = edition.strip().lower()
    if key not in EDITION_CONCURRENCY:
        raise ValueError(
            f"unknown edition {edition!r}; expected one of {list(EDITION_CONCURRENCY)}"
        )
    pages = -(-n_leads // 200)
    calls = pages + n_leads
    credits = pages * call_credits("records") + n_leads * call_credits("conversion_options")
    concurrency = EDITION_CONCURRENCY[key]
    daily = daily_credits(key, users)
    return ApiCost(n_leads, calls, credits, concurrency, calls * latency_s / concurrency, daily)
