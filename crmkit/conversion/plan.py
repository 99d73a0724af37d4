"""Conversion plans: one DataFrame row per lead saying exactly what converting it must do.

Why a DataFrame saved as CSV: a plan is reviewed, diffed and approved by people before anything is
sent to Zoho, and converting cannot be undone. Builders only *propose* rows; `validate` checks them;
`execute` turns each row into the request `request_for(row)` returns, nothing more.

Columns (PLAN_SCHEMA; ids are strings, never floats):

- `lead_id`
- `contact_action`: `merge` (into `contact_id`) | `create` (a new Contact)
- `account_action`: `merge` (into `account_id`) | `create` (Zoho makes one from the lead's Company)
  | `none` (the lead has no Company, so no Account)
- `deal_name`, `closing_date` (YYYY-MM-DD), `pipeline`, `stage`, `amount`, `contact_role`: an
  optional Deal; all empty means no Deal. `contact_role` names one of the org's Contact Roles
  (e.g. `Decision Maker`, or its id); `execute` sends the role's id (`contact_roles.py`)
- `overwrite`, `notify_lead_owner`, `notify_new_entity_owner`: booleans (empty = Zoho's default,
  false)
- `assign_to`: user id owning the new records (empty = lead owner)
- `move_attachments_to`: `Contacts` | `Accounts` | `Deals` (empty = Zoho's default, Contacts)
- `carry_over_tags`: `Contacts:tag1|tag2;Deals:tag3` (empty = none)
- `note`: free text, e.g. why a builder chose the row; never sent
- `via`: the lead (of this plan) whose conversion gives the records this row merges into, when
  its `contact_id` / `account_id` is a reference; empty otherwise; never sent
- `merge_policy`: which values the merged records keep, `Contacts=keep;Contacts.Phone=prefer_lead`
  (empty = Zoho's mapping decides; `crmkit.conversion.merge_policy`); applied after the convert

References (crmkit.conversion.references): `contact_id` / `account_id` may hold `lead:<lead_id>`,
"the Contact/Account that lead's conversion gives". `execute` converts that lead first and sends
this row with the id read from the journal.

Request rule (decision, docs/conversion.md): when a Contact is merged its Account follows from the
Contact (Zoho: the lead joins the Contact's Account), so `Accounts` is sent only with a new Contact.
`validate` checks that a merged Contact's Account is the one the plan names.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pandas as pd

from crmkit.api.models import ConvertRequest
from crmkit.clusters import lead_clusters
from crmkit.conversion.cluster_plan import resolve_clusters
from crmkit.conversion.plan_cells import (
    amounts,
    canonical_merge_policy,
    parse_tags,
    real_date_problem,
)
from crmkit.errors import CrmkitError
from crmkit.frames import CSVFormatError
from crmkit.frames.csvfile import read_csv_file
from crmkit.frames.safe_csv import neutralize_formulas, restore_cell
from crmkit.orgconfig import OrgConfig

__all__ = [
    "BOOL_COLUMNS",
    "DEAL_COLUMNS",
    "PLAN_SCHEMA",
    "BuiltPlan",
    "PlanError",
    "Policy",
    "deal_of",
    "empty_plan",
    "load_plan",
    "make_plan",
    "parse_tags",
    "plan_from_options",
    "plan_hash",
    "real_date_problem",
    "request_for",
    "save_plan",
]

PLAN_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "contact_action": "string",
    "contact_id": "string",
    "account_action": "string",
    "account_id": "string",
    "deal_name": "string",
    "closing_date": "string",
    "pipeline": "string",
    "stage": "string",
    "amount": "Float64",
    "contact_role": "string",
    "overwrite": "boolean",
    "notify_lead_owner": "boolean",
    "notify_new_entity_owner": "boolean",
    "assign_to": "string",
    "move_attachments_to": "string",
    "carry_over_tags": "string",
    "note": "string",
    "via": "string",
    "merge_policy": "string",
}
DEAL_COLUMNS = ("deal_name", "closing_date", "pipeline", "stage", "amount", "contact_role")
BOOL_COLUMNS = ("overwrite", "notify_lead_owner", "notify_new_entity_owner")
ID_COLUMNS = ("lead_id", "contact_id", "account_id", "assign_to", "via")
# Columns that may hold a reference to another lead of the plan, `lead:<lead_id>`.
REFERENCE_COLUMNS = ("contact_id", "account_id")
CONTACT_ACTIONS = ("merge", "create")
ACCOUNT_ACTIONS = ("merge", "create", "none")
ATTACHMENT_TARGETS = ("Contacts", "Accounts", "Deals")

_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits only (fullmatch): what Zoho ids are
_DIGITS_OR_REF = re.compile(r"(lead:)?[0-9]{1,19}")  # or a reference to a lead
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class PlanError(CrmkitError, ValueError):
    """A plan that cannot be read or is malformed; names the file/row/column and the fix."""


def empty_plan() -> pd.DataFrame:
    """A plan with no rows and every column typed."""
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in PLAN_SCHEMA.items()})


def _where(source: str, pos: int, column: str, lines: Sequence[int] | None = None) -> str:
    # A CSV's lines are numbered as a spreadsheet shows them (the header is line 1).
    if lines is not None:
        return f"{source}: line {lines[pos]}, column {column!r}"
    if source.endswith(".csv"):
        return f"{source}: line {pos + 2}, column {column!r}"
    return f"{source}: row {pos}, column {column!r}"


def _conform(
    frame: pd.DataFrame,
    source: str,
    *,
    lines: Sequence[int] | None = None,
    decimal_comma: bool = False,
) -> pd.DataFrame:
    """Type every column of PLAN_SCHEMA, refusing anything that would need a guess.

    `lines`: the file line of each row (a plan read from CSV), for the messages.
    """

    def where(pos: int, column: str) -> str:
        return _where(source, pos, column, lines)

    unknown = [c for c in frame.columns if c not in PLAN_SCHEMA]
    if unknown:
        raise PlanError(
            f"{source}: unknown column(s) {unknown}; a plan has the columns {list(PLAN_SCHEMA)}"
        )
    if "lead_id" not in frame.columns:
        raise PlanError(f"{source}: column 'lead_id' is missing (one row per lead)")
    out: dict[str, pd.Series] = {}
    n = len(frame)
    for col, dtype in PLAN_SCHEMA.items():
        if col not in frame.columns:
            out[col] = pd.Series([pd.NA] * n, dtype=dtype)
            continue
        raw = frame[col].reset_index(drop=True)
        if dtype == "string":
            text = raw.astype("string").str.strip()
            text = text.mask(text == "", pd.NA)
            out[col] = text
        elif dtype == "boolean":
            values: list[object] = []
            for pos, v in enumerate(raw.tolist()):
                if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                    values.append(pd.NA)
                elif isinstance(v, bool):
                    values.append(v)
                else:
                    key = str(v).strip().lower()
                    if key == "":
                        values.append(pd.NA)
                    elif key in _TRUE:
                        values.append(True)
                    elif key in _FALSE:
                        values.append(False)
                    else:
                        raise PlanError(
                            f"{where(pos, col)}: {v!r} is not a boolean; "
                            "write true or false (or leave empty for Zoho's default)"
                        )
            out[col] = pd.Series(values, dtype="boolean")
        else:
            text = raw.astype("string").str.strip()
            text = text.mask(text == "", pd.NA)
            numbers, refused = amounts(text, decimal_comma=decimal_comma)
            if refused.notna().any():
                pos = int(refused.notna().to_numpy(dtype=bool).argmax())
                raise PlanError(f"{where(pos, col)}: {refused.iloc[pos]}")
            out[col] = numbers
    plan = pd.DataFrame(out)
    for col in ID_COLUMNS:
        ids = plan[col]
        pattern = _DIGITS_OR_REF if col in REFERENCE_COLUMNS else _DIGITS
        bad = ids.notna() & ~ids.fillna("0").str.fullmatch(pattern).fillna(False).astype(bool)
        if bad.any():
            pos = int(bad.to_numpy().argmax())
            also = " or lead:<lead_id> of this plan" if col in REFERENCE_COLUMNS else ""
            raise PlanError(
                f"{where(pos, col)}: {ids.iloc[pos]!r} is not a Zoho id (ASCII digits only"
                f"{also}; a spreadsheet may have turned it into 4.87E+18: keep the column as text)"
            )
    missing = plan["lead_id"].isna()
    if missing.any():
        raise PlanError(f"{where(int(missing.to_numpy().argmax()), 'lead_id')}: empty")
    dup = plan["lead_id"].duplicated()
    if dup.any():
        pos = int(dup.to_numpy().argmax())
        raise PlanError(
            f"{where(pos, 'lead_id')}: lead {plan['lead_id'].iloc[pos]} appears twice; "
            "a plan has one row per lead"
        )
    for col, allowed in (("contact_action", CONTACT_ACTIONS), ("account_action", ACCOUNT_ACTIONS)):
        actions = plan[col]
        bad = actions.isna() | ~actions.isin(allowed)
        if bad.any():
            pos = int(bad.to_numpy().argmax())
            raise PlanError(
                f"{where(pos, col)}: {actions.iloc[pos]!r} is not one of {list(allowed)}"
            )
    for pos, text in enumerate(plan["carry_over_tags"].tolist()):
        if text is not pd.NA:
            try:
                parse_tags(str(text))
            except ValueError as exc:
                raise PlanError(f"{where(pos, 'carry_over_tags')}: {exc}") from None
    policies = plan["merge_policy"].tolist()
    for pos, text in enumerate(policies):
        try:
            policies[pos] = pd.NA if text is pd.NA else canonical_merge_policy(str(text)) or pd.NA
        except ValueError as exc:
            raise PlanError(f"{where(pos, 'merge_policy')}: {exc}") from None
    plan["merge_policy"] = pd.Series(policies, dtype="string")
    for pos, text in enumerate(plan["move_attachments_to"].tolist()):
        if text is not pd.NA and text not in ATTACHMENT_TARGETS:
            raise PlanError(
                f"{where(pos, 'move_attachments_to')}: {text!r} is not one of "
                f"{list(ATTACHMENT_TARGETS)}"
            )
    for pos, text in enumerate(plan["closing_date"].tolist()):
        not_a_date = None if text is pd.NA else real_date_problem(str(text))
        if not_a_date is not None:
            raise PlanError(f"{where(pos, 'closing_date')}: {not_a_date}")
    return plan


def make_plan(
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame, *, source: str = "plan"
) -> pd.DataFrame:
    """A plan written by hand: dicts (or a frame) with at least lead_id and the two actions.

    Missing optional columns are empty; ids given as ints are turned into strings.
    """
    if isinstance(rows, pd.DataFrame):
        frame = rows.copy()
        for col in ID_COLUMNS:
            if col in frame.columns and frame[col].dtype.kind == "f":
                raise PlanError(f"{source}: column {col!r} holds floats; ids must be text")
    else:
        records = [
            {
                k: str(v)
                if k in ID_COLUMNS and isinstance(v, int) and not isinstance(v, bool)
                else v
                for k, v in r.items()
            }
            for r in rows
        ]
        if not records:
            return empty_plan()
        frame = pd.DataFrame.from_records(records)
        for col in ID_COLUMNS:
            if col in frame.columns:
                frame[col] = frame[col].astype("string")
    return _conform(frame, source)


def save_plan(plan: pd.DataFrame, path: str | Path) -> Path:
    """Write the plan as CSV (UTF-8, every column, ids as text) for review and approval.

    People open it in a spreadsheet, so formula-leading text (a Deal name `=HYPERLINK(…)`) is
    neutralised as every CSV crmkit writes for people is (`crmkit.frames.safe_csv`);
    `load_plan` reads it back unchanged.
    """
    path = Path(path)
    conformed = _conform(plan, str(path))
    # CRLF rows (RFC 4180, as crmkit.frames.write_csv): a carriage return in a note stays in it.
    text = _to_csv(neutralize_formulas(conformed), lineterminator="\r\n")
    path.write_bytes(text.encode("utf-8"))
    return path


def _to_csv(plan: pd.DataFrame, *, lineterminator: str = "\n") -> str:
    buffer = io.StringIO()
    text = plan.copy()
    for col in BOOL_COLUMNS:
        text[col] = text[col].map({True: "true", False: "false"}).astype("string")
    text["amount"] = text["amount"].map(lambda v: f"{v:.2f}" if pd.notna(v) else pd.NA)
    text.to_csv(buffer, index=False, lineterminator=lineterminator)
    return buffer.getvalue()


def load_plan(path: str | Path) -> pd.DataFrame:
    """Read a plan CSV; every cell is read as text first so ids never pass through a float.

    Read by `crmkit.frames.csvfile`: `;` plans (with decimal commas) and Windows-1252 files are
    read, ragged rows (a trailing comma that would shift every cell) and empty files refused with
    the line a spreadsheet shows. A `'` that `save_plan` put before formula-leading text is taken
    off again.
    """
    path = Path(path)
    if not path.is_file():
        raise PlanError(
            f"{path}: no such plan file"
            + (" (it is a directory)" if path.is_dir() else "")
            + "; write one with save_plan or pass the plan's path"
        )
    try:
        table = read_csv_file(path)
    except CSVFormatError as exc:
        raise PlanError(str(exc)) from None
    frame = table.frame().map(lambda v: restore_cell(v) if isinstance(v, str) else v)
    return _conform(
        frame.astype("string"),
        str(path),
        lines=table.row_numbers,
        decimal_comma=table.decimal_comma,
    )


def plan_hash(plan: pd.DataFrame) -> str:
    """Content hash of a plan (row order ignored): the same plan resumes the same journal run."""
    conformed = _conform(plan, "plan").sort_values("lead_id", kind="stable")
    # plans written before `via` or `merge_policy` existed keep their hash
    unused = [c for c in ("via", "merge_policy") if conformed[c].isna().all()]
    conformed = conformed.drop(columns=unused)
    return hashlib.sha256(_to_csv(conformed.reset_index(drop=True)).encode()).hexdigest()[:16]


def _cell(row: Mapping[str, Any], col: str) -> Any:
    value = row.get(col)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


def deal_of(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `Deals` object of the request, or None when the row asks for no Deal."""
    if all(_cell(row, c) is None for c in DEAL_COLUMNS):
        return None
    deal: dict[str, Any] = {}
    for col, key in (
        ("deal_name", "Deal_Name"),
        ("closing_date", "Closing_Date"),
        ("pipeline", "Pipeline"),
        ("stage", "Stage"),
    ):
        if _cell(row, col) is not None:
            deal[key] = str(_cell(row, col))
    if _cell(row, "amount") is not None:
        deal["Amount"] = float(_cell(row, "amount"))
    if _cell(row, "contact_role") is not None:
        deal["Contact_Role"] = str(_cell(row, "contact_role"))
    return deal


def request_for(row: Mapping[str, Any]) -> ConvertRequest:
    """The Convert Lead request a plan row means (see the module docstring for the Account rule)."""
    contact_merge = _cell(row, "contact_action") == "merge"
    account_merge = _cell(row, "account_action") == "merge"
    sent = {"contact_id": contact_merge, "account_id": account_merge and not contact_merge}
    for col in REFERENCE_COLUMNS:
        if sent[col] and str(_cell(row, col) or "").startswith("lead:"):
            raise PlanError(
                f"lead {_cell(row, 'lead_id')}: {col}={_cell(row, col)} is a reference; "
                "execute resolves it from the journal once that lead is converted"
            )
    tags = _cell(row, "carry_over_tags")

    def flag(col: str) -> bool | None:
        value = _cell(row, col)
        return None if value is None else bool(value)

    return ConvertRequest(
        contact_id=str(_cell(row, "contact_id")) if contact_merge else None,
        account_id=str(_cell(row, "account_id")) if account_merge and not contact_merge else None,
        overwrite=flag("overwrite"),
        notify_lead_owner=flag("notify_lead_owner"),
        notify_new_entity_owner=flag("notify_new_entity_owner"),
        move_attachments_to=_cell(row, "move_attachments_to"),
        assign_to=None if _cell(row, "assign_to") is None else str(_cell(row, "assign_to")),
        deal=deal_of(row),
        carry_over_tags=parse_tags(str(tags)) if tags is not None else None,
    )


# --------------------------------------------------------------------------------------------------
# Builder from the options / matches frames


@dataclass(frozen=True)
class Policy:
    """How `plan_from_options` decides each lead.

    - `on_match`: `merge` into Zoho's preferred match (the first record of `module_preference`, as
      Zoho ordered it: best matching field first), `create` new anyway, or `skip` the lead.
    - `on_no_match`: `create` new records, or `skip`.
    - `on_ambiguous`: when the preferred module names more than one candidate: `skip` (a person
      decides) or `merge` into the first one.
    - `defaults`: values for the other plan columns on every row (deal, owner, flags, tags...).
    """

    on_match: Literal["merge", "create", "skip"] = "merge"
    on_no_match: Literal["create", "skip"] = "create"
    on_ambiguous: Literal["skip", "merge"] = "skip"
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, allowed in (
            ("on_match", ("merge", "create", "skip")),
            ("on_no_match", ("create", "skip")),
            ("on_ambiguous", ("skip", "merge")),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"Policy.{name} must be one of {list(allowed)}")
        bad = [k for k in self.defaults if k not in PLAN_SCHEMA or k in _DECIDED]
        if bad:
            raise ValueError(f"Policy.defaults cannot set {bad} (the policy decides those)")


_DECIDED = frozenset(
    {"lead_id", "contact_action", "contact_id", "account_action", "account_id", "note", "via"}
)


class BuiltPlan(NamedTuple):
    """What a builder proposes: the plan, and the leads it left out with the reason."""

    plan: pd.DataFrame
    skipped: pd.DataFrame  # lead_id, reason


def _companies(leads: pd.DataFrame | None) -> dict[str, bool]:
    if leads is None or "Company" not in leads.columns:
        return {}
    ids = leads["id"].astype("string")
    company = leads["Company"].astype("string").str.strip().fillna("")
    return dict(zip(ids.tolist(), (company != "").tolist(), strict=True))


def plan_from_options(
    options: pd.DataFrame,
    matches: pd.DataFrame,
    policy: Policy | None = None,
    *,
    leads: pd.DataFrame | None = None,
    config: OrgConfig | None = None,
    clusters: pd.DataFrame | None = None,
    merge_policy: str | None = None,
) -> BuiltPlan:
    """Propose a plan from the `options` and `matches` frames (crmkit.frames) under a policy.

    `leads` (optional, with `id` and `Company`) lets the builder write `account_action=none` for
    leads without a Company instead of `create`, and find the open leads that are the same person
    or company (`crmkit.clusters.lead_clusters`, strong tier, under the org's `config`): those
    rows are resolved so the batch creates each record once (`cluster_plan`: members merge into
    an existing match of any member, else into `lead:<anchor>`). `clusters` passes a `clusters`
    frame computed already. `merge_policy` (text, `crmkit.conversion.merge_policy`) goes on every
    row that merges. Leads whose options are an error are skipped.
    """
    policy = policy or Policy()
    has_company = _companies(leads)
    recs = matches[matches["record_id"].notna()]
    # First row per (lead, module, record) in Zoho's order: matches is sorted by field rank, then
    # by the record's position in Zoho's answer.
    recs = recs.drop_duplicates(subset=["lead_id", "module", "record_id"], keep="first")
    by_lead: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for rec in _records(recs):
        by_lead.setdefault(str(rec["lead_id"]), {}).setdefault(str(rec["module"]), []).append(rec)

    rows: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    for opt in options.to_dict("records"):
        lead_id = str(opt["lead_id"])
        outcome = opt.get("outcome")
        if outcome == "error":
            skipped.append((lead_id, f"conversion options failed: {opt.get('error_code')}"))
            continue
        cands = by_lead.get(lead_id, {})
        contacts = cands.get("Contacts", [])
        accounts = cands.get("Accounts", [])
        company = has_company.get(lead_id)
        new_account = "none" if company is False else "create"
        row: dict[str, Any] = {"lead_id": lead_id}
        if not contacts and not accounts:
            if policy.on_no_match == "skip":
                skipped.append((lead_id, "no match (policy on_no_match=skip)"))
                continue
            row.update(contact_action="create", account_action=new_account, note="no match: new")
        elif policy.on_match == "skip":
            skipped.append((lead_id, "matched (policy on_match=skip)"))
            continue
        elif policy.on_match == "create":
            row.update(
                contact_action="create",
                account_action=new_account,
                note="matched, policy creates new",
            )
        else:
            pref = opt.get("module_preference")
            module = (
                pref
                if pref in ("Contacts", "Accounts")
                else ("Contacts" if contacts else "Accounts")
            )
            cands_pref = contacts if module == "Contacts" else accounts
            if not cands_pref:  # preference names a module without candidates: use the other
                module = "Accounts" if module == "Contacts" else "Contacts"
                cands_pref = contacts if module == "Contacts" else accounts
            if len(cands_pref) > 1 and policy.on_ambiguous == "skip":
                skipped.append(
                    (
                        lead_id,
                        f"ambiguous: {len(cands_pref)} {module} candidates "
                        f"({', '.join(str(c['record_id']) for c in cands_pref)})",
                    )
                )
                continue
            best = cands_pref[0]
            how = f"by {best['field']}" if best.get("field") is not pd.NA else ""
            if module == "Contacts":
                row.update(contact_action="merge", contact_id=str(best["record_id"]))
                acct = best.get("account_id")
                if acct is not None and acct is not pd.NA:
                    row.update(account_action="merge", account_id=str(acct))
                else:
                    row.update(account_action=new_account)
                row["note"] = f"merge into preferred Contact {best['record_id']} {how}".strip()
            else:
                row.update(
                    contact_action="create",
                    account_action="merge",
                    account_id=str(best["record_id"]),
                    note=f"merge into preferred Account {best['record_id']} {how}".strip(),
                )
        for key, value in policy.defaults.items():
            row[key] = value
        rows.append(row)
    if clusters is None and leads is not None and len(rows) > 1:
        clusters = lead_clusters(leads, config, review=False).clusters
    if clusters is not None and len(clusters):
        rows = resolve_clusters(rows, clusters, matches)
    for row in rows:
        if merge_policy and "merge" in (row.get("contact_action"), row.get("account_action")):
            row["merge_policy"] = merge_policy
    plan = make_plan(rows) if rows else empty_plan()
    skipped_frame = pd.DataFrame(
        {
            "lead_id": pd.Series([s[0] for s in skipped], dtype="string"),
            "reason": pd.Series([s[1] for s in skipped], dtype="string"),
        }
    )
    return BuiltPlan(plan, skipped_frame)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in rec.items()} for rec in frame.to_dict("records")]


def rows_of(plan: pd.DataFrame) -> list[dict[str, Any]]:
    """Plan rows as plain dicts (NA -> None), the form journaled and turned into requests."""
    out: list[dict[str, Any]] = []
    for rec in _records(plan):
        out.append({k: _cell(rec, k) for k in PLAN_SCHEMA})
    return out


def lead_ids(plan: pd.DataFrame) -> Sequence[str]:
    """The plan's lead ids in order."""
    return [str(x) for x in plan["lead_id"].tolist()]


def mass_key(row: Mapping[str, Any]) -> str | None:
    """Rows with equal keys may share one Mass Convert job; None: this row needs Convert Lead.

    Mass Convert takes no merge targets, no notify flags and no per-tag choice (it carries all of
    a lead's tags), so only create-new rows without those qualify; the Deal, owner and attachments
    target must then be identical across the job.
    """
    if _cell(row, "contact_action") != "create" or _cell(row, "account_action") == "merge":
        return None
    if _cell(row, "carry_over_tags") is not None:
        return None
    if _cell(row, "notify_lead_owner") or _cell(row, "notify_new_entity_owner"):
        return None
    deal = deal_of(row)
    return json.dumps(
        {
            "deal": deal,
            "assign_to": _cell(row, "assign_to"),
            "move_attachments_to": _cell(row, "move_attachments_to"),
        },
        sort_keys=True,
        default=str,
    )
