"""Check a plan against Zoho's conversion rules before any convert call: every problem at once.

Why before: converting cannot be undone, and a batch that fails half-way leaves a half-converted
org. The checks are pure functions of *facts* (lead records, conversion options as the `options` /
`matches` frames, org metadata), so the same code runs offline on a snapshot (`validate`) and live,
right before executing (`recheck`, which fetches fresh facts from the CRM).

A problem is one row of a DataFrame (PROBLEMS_SCHEMA): `lead_id`, `row` (position in the plan),
`column`, `rule`, `severity` (`error` blocks the row, `warning` does not) and a human `reason`.
Rules whose facts are missing are not checked (the offline call may lack lead records); `recheck`
always has them all. The facts and how they are gathered live in `crmkit.conversion.facts`
(re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from crmkit.conversion.client_like import ClientLike
from crmkit.conversion.cluster_rules import (
    CLUSTER_RULES,
    CLUSTER_WARNING_RULES,
    batch_problems,
    blocked_by_anchor,
)
from crmkit.conversion.contact_roles import check_contact_role
from crmkit.conversion.facts import (
    Facts,
    OrgFacts,
    lead_facts,
    live_facts,
    org_facts,
)
from crmkit.conversion.facts import text as _text
from crmkit.conversion.facts import truthy as _truthy
from crmkit.conversion.plan import DEAL_COLUMNS, parse_tags, rows_of
from crmkit.conversion.references import is_reference
from crmkit.conversion.validate_policy import (
    POLICY_RULES,
    POLICY_WARNING_RULES,
    check_merge_policy,
)
from crmkit.conversion.validate_targets import check_contact_account
from crmkit.conversion.validate_values import VALUE_RULES, check_values

__all__ = [
    "PROBLEMS_SCHEMA",
    "RULES",
    "Facts",
    "OrgFacts",
    "blocked_leads",
    "lead_facts",
    "live_facts",
    "org_facts",
    "recheck",
    "validate",
]

PROBLEMS_SCHEMA: dict[str, str] = {
    "lead_id": "string",
    "row": "Int64",
    "column": "string",
    "rule": "string",
    "severity": "string",
    "reason": "string",
}

RULES: dict[str, str] = {
    "contacts_removed": "the Contacts module is removed: Zoho refuses every conversion",
    "lead_unknown": "no such lead in the CRM",
    "lead_converted": "the lead is already converted",
    "lead_locked": "the lead is locked (RECORD_LOCKED)",
    "lead_unapproved": "the lead awaits approval (NOT_APPROVED)",
    "options_error": "Zoho refused the lead's conversion options",
    "merge_id_missing": "merge without the id of the record to merge into",
    "target_not_in_options": "merge target not among the lead's conversion options (INVALID_DATA)",
    "target_locked": "the merge target, or the merged Contact's Account, is locked (RECORD_LOCKED)",
    "overwrite_renames_account": "overwrite renames the merged Contact's Account to the Company",
    "target_unapproved": "the merge target awaits approval",
    "contact_account_mismatch": "the Contact does not belong to the chosen Account (INVALID_DATA)",
    "account_none_with_company": "the lead has a Company: Zoho creates an Account from it",
    "account_create_without_company": "the lead has no Company: Zoho creates no Account",
    "duplicate_on_create": "a new record would repeat a unique field value (DUPLICATE_DATA)",
    "duplicate_email_on_create": "a new Contact repeats an existing Contact's Email",
    "deal_incomplete": "a Deal field Zoho requires is empty (MANDATORY_NOT_FOUND)",
    "pipeline_unknown": "no such pipeline in the Deals module",
    "stage_not_in_pipeline": "the stage is not in the pipeline (MAPPING_MISMATCH)",
    "target_module_missing": "attachments or tags go to a module that gets no record",
    "tag_not_on_lead": "carry_over_tags names a tag the lead does not have (INVALID_DATA)",
    "owner_unknown": "assign_to is not an active user of the org",
    "contact_role_unknown": "contact_role is not a Contact Role of the org (INVALID_DATA)",
    **VALUE_RULES,
    **POLICY_RULES,
    **CLUSTER_RULES,
}
_ERROR = "error"
_WARNING = "warning"
_WARNING_RULES = frozenset(
    {
        "account_create_without_company",
        "duplicate_email_on_create",
        "overwrite_renames_account",
        *CLUSTER_WARNING_RULES,
        *POLICY_WARNING_RULES,
    }
)


def validate(
    plan: pd.DataFrame,
    facts: Facts | None = None,
    *,
    options: pd.DataFrame | None = None,
    matches: pd.DataFrame | None = None,
    leads: pd.DataFrame | Iterable[Mapping[str, Any]] | None = None,
    org: OrgFacts | None = None,
) -> pd.DataFrame:
    """Every problem of every row, as a PROBLEMS_SCHEMA frame (empty: nothing found)."""
    if facts is None:
        facts = Facts(
            org=org,
            leads=None if leads is None else lead_facts(leads),
            options=options,
            matches=matches,
        )
    problems: list[dict[str, Any]] = []
    cands = _candidates(facts.matches)
    opt_rows: dict[str, dict[str, Any]] = {}
    if facts.options is not None:
        opt_rows = {
            str(r["lead_id"]): {str(k): v for k, v in r.items()}
            for r in facts.options.to_dict("records")
        }
    org_f = facts.org

    for pos, row in enumerate(rows_of(plan)):
        lead_id = str(row["lead_id"])

        def add(
            rule: str, column: str, reason: str, *, _pos: int = pos, _lead: str = lead_id
        ) -> None:
            problems.append(
                {
                    "lead_id": _lead,
                    "row": _pos,
                    "column": column,
                    "rule": rule,
                    "severity": _WARNING if rule in _WARNING_RULES else _ERROR,
                    "reason": reason,
                }
            )

        if org_f is not None and org_f.modules is not None and "Contacts" not in org_f.modules:
            add("contacts_removed", "lead_id", RULES["contacts_removed"])
        lead: Mapping[str, Any] | None = None
        if facts.leads is not None:
            lead = facts.leads.get(lead_id)
            if lead is None:
                add("lead_unknown", "lead_id", f"lead {lead_id}: {RULES['lead_unknown']}")
            else:
                if _truthy(lead.get("Converted__s")):
                    add("lead_converted", "lead_id", f"lead {lead_id} is already converted")
                if _truthy(lead.get("Locked__s")):
                    add("lead_locked", "lead_id", f"lead {lead_id} is locked")
                approval = _text(lead.get("$approval_state"))
                if approval is not None and approval.lower() != "approved":
                    add(
                        "lead_unapproved",
                        "lead_id",
                        f"lead {lead_id} is not approved ($approval_state={approval})",
                    )
        opt = opt_rows.get(lead_id)
        lead_level = any(p["row"] == pos for p in problems)
        if opt is not None and opt.get("outcome") == "error" and not lead_level:
            add(
                "options_error",
                "lead_id",
                f"conversion options for lead {lead_id} failed: {opt.get('error_code')}",
            )
        known = facts.matches is not None and (
            facts.options is None or (opt is not None and opt.get("outcome") != "error")
        )
        lead_cands = cands.get(lead_id, {})
        company = _UNKNOWN if lead is None else _text(lead.get("Company"))
        contact = _check_contact(row, lead_cands, known, add)
        _check_account(row, lead_cands, known, contact, company, add)
        check_contact_account(row, contact, lead_cands, facts.accounts, company, add)
        _check_targets_exist(row, lead, _will_have_account(row, contact, company), add)
        _check_duplicates(row, lead_cands, org_f, add)
        _check_deal(row, org_f, add)
        check_contact_role(row, org_f.contact_roles if org_f else None, add)
        check_values(row, add)
        check_merge_policy(row, lead, org_f.field_defs if org_f else None, facts.mapping, add)
        users = org_f.users if org_f is not None else None
        if users is not None and row["assign_to"] is not None and row["assign_to"] not in users:
            add(
                "owner_unknown",
                "assign_to",
                f"user {row['assign_to']} is not an active user of the org",
            )
    _across_rows(plan, facts, problems)
    frame = pd.DataFrame.from_records(problems, columns=list(PROBLEMS_SCHEMA))
    return frame.astype(PROBLEMS_SCHEMA)


def _across_rows(plan: pd.DataFrame, facts: Facts, problems: list[dict[str, Any]]) -> None:
    """References and duplicates born in the batch (`cluster_rules`), then blocked anchors."""
    rows = rows_of(plan)

    def add(pos: int, lead_id: str, rule: str, column: str, reason: str) -> None:
        problems.append(
            {
                "lead_id": lead_id,
                "row": pos,
                "column": column,
                "rule": rule,
                "severity": _WARNING if rule in _WARNING_RULES else _ERROR,
                "reason": reason,
            }
        )

    batch_problems(rows, add, leads=facts.leads, org=facts.org)
    refused: dict[str, list[str]] = {}
    for p in problems:
        if p["severity"] == _ERROR:
            refused.setdefault(str(p["lead_id"]), []).append(str(p["rule"]))
    blocked_by_anchor(rows, {k: ", ".join(dict.fromkeys(v)) for k, v in refused.items()}, add)


def _candidates(matches: pd.DataFrame | None) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """lead -> module -> record id -> {fields: set, account_id, locked, approval_state}."""
    out: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    if matches is None:
        return out
    for rec in matches.to_dict("records"):
        rid = rec.get("record_id")
        if rid is None or rid is pd.NA:
            continue
        entry = out.setdefault(str(rec["lead_id"]), {}).setdefault(str(rec["module"]), {})
        info = entry.setdefault(
            str(rid),
            {
                "fields": set(),
                "account_id": _text(rec.get("account_id")),
                "account_name": _text(rec.get("account_name")),
                "locked": _truthy(rec.get("locked")),
                "approval_state": _text(rec.get("approval_state")),
            },
        )
        if _text(rec.get("field")) is not None:
            info["fields"].add(str(rec["field"]))
    # fields matched per module, including hits no returned record explains
    for rec in matches.to_dict("records"):
        f = _text(rec.get("field"))
        if f is not None:
            out.setdefault(str(rec["lead_id"]), {}).setdefault("_fields", {}).setdefault(
                str(rec["module"]), {"fields": set()}
            )["fields"].add(f)
    return out


def _check_target(
    module: str, rid: str, lead_cands: Mapping[str, Any], add: Any, column: str
) -> dict[str, Any] | None:
    info = lead_cands.get(module, {}).get(rid)
    if info is None:
        add(
            "target_not_in_options",
            column,
            f"{module[:-1]} {rid} is not among this lead's conversion options "
            f"(Zoho answers INVALID_DATA); candidates: "
            f"{sorted(lead_cands.get(module, {})) or 'none'}",
        )
        return None
    if info["locked"]:
        add("target_locked", column, f"{module[:-1]} {rid} is locked (RECORD_LOCKED)")
    state = info["approval_state"]
    if state is not None and state.lower() != "approved":
        add(
            "target_unapproved",
            column,
            f"{module[:-1]} {rid} is not approved ($approval_state={state})",
        )
    return dict(info)


def _check_contact(
    row: Mapping[str, Any], lead_cands: Mapping[str, Any], known: bool, add: Any
) -> dict[str, Any] | None:
    if row["contact_action"] != "merge":
        return None
    if row["contact_id"] is None:
        add("merge_id_missing", "contact_id", "contact_action=merge needs contact_id")
        return None
    if not known or is_reference(row["contact_id"]):  # a reference: checked once resolved
        return None
    return _check_target("Contacts", str(row["contact_id"]), lead_cands, add, "contact_id")


def _will_have_account(
    row: Mapping[str, Any], contact: Mapping[str, Any] | None, company: str | None
) -> bool | None:
    """Whether the conversion ends with an Account (None: cannot tell from the facts)."""
    if row["account_action"] == "merge":
        return True
    if row["contact_action"] == "merge" and contact is not None and contact["account_id"]:
        return True
    return None if company is _UNKNOWN else company is not None


_UNKNOWN: Any = object()


def _check_account(
    row: Mapping[str, Any],
    lead_cands: Mapping[str, Any],
    known: bool,
    contact: Mapping[str, Any] | None,
    company: str | None,
    add: Any,
) -> None:
    """The Account side: merge target checks, or the Account a merged Contact brings along.

    Zoho (and the sandbox) give a merged Contact's lead that Contact's Account — with `overwrite`
    too, which renames that Account to the Company (`validate_targets`); a Contact without an
    Account gets a new one from the Company when there is one.
    """
    action = row["account_action"]
    account_id = None if row["account_id"] is None else str(row["account_id"])
    if action == "merge" and account_id is None:
        add("merge_id_missing", "account_id", "account_action=merge needs account_id")
        return
    if row["contact_action"] == "merge":
        if contact is None:
            return
        owner = contact["account_id"]
        expected: tuple[str, str | None] | None
        if owner is not None:
            expected = ("merge", owner)
        elif company is _UNKNOWN:
            expected = None if action != "merge" else ("create", None)
        else:
            expected = ("create", None) if company is not None else ("none", None)
        got = (action, account_id if action == "merge" else None)
        if expected is not None and got != expected:
            owned = f"belongs to Account {owner}" if owner else "belongs to no Account"
            want = (
                f"account_action=merge, account_id={expected[1]}"
                if expected[0] == "merge"
                else f"account_action={expected[0]}"
            )
            add(
                "contact_account_mismatch",
                "account_id" if action == "merge" else "account_action",
                f"Contact {row['contact_id']} {owned}: converting into it gives "
                f"{want} (Zoho accepts a Contact and an Account together only when the Contact "
                "belongs to that Account)",
            )
        return
    if action == "merge" and known and account_id is not None and not is_reference(account_id):
        _check_target("Accounts", account_id, lead_cands, add, "account_id")
    if company is _UNKNOWN:
        return
    if action == "none" and company is not None:
        add(
            "account_none_with_company",
            "account_action",
            f"the lead's Company is {company!r}: Zoho creates an Account from it; "
            "write create, or merge into an existing Account",
        )
    if action == "create" and company is None:
        add(
            "account_create_without_company",
            "account_action",
            "the lead has no Company, so Zoho creates no Account (write none)",
        )


def _lead_tags(lead: Mapping[str, Any]) -> set[str]:
    tags = lead.get("Tag")
    if isinstance(tags, list):
        return {str(t.get("name")) if isinstance(t, Mapping) else str(t) for t in tags}
    text = _text(tags)
    return set() if text is None else {t.strip() for t in text.split(";") if t.strip()}


def _check_targets_exist(
    row: Mapping[str, Any],
    lead: Mapping[str, Any] | None,
    will_have_account: bool | None,
    add: Any,
) -> None:
    """Attachments and tags need their module's record to exist; tags must be the lead's."""
    has_deal = any(row[c] is not None for c in DEAL_COLUMNS)
    will_have = {"Contacts": True, "Accounts": will_have_account, "Deals": has_deal}
    target = row["move_attachments_to"]
    if target is not None and will_have.get(target) is False:
        add(
            "target_module_missing",
            "move_attachments_to",
            f"attachments go to {target} but the conversion makes no {target[:-1]}",
        )
    tags = parse_tags(row["carry_over_tags"]) if row["carry_over_tags"] else {}
    for module, names in tags.items():
        if will_have.get(module) is False:
            add(
                "target_module_missing",
                "carry_over_tags",
                f"tags go to {module} but the conversion makes no {module[:-1]}",
            )
        if lead is not None:
            missing = sorted(set(names) - _lead_tags(lead))
            if missing:
                add(
                    "tag_not_on_lead",
                    "carry_over_tags",
                    f"tag(s) {missing} are not on the lead (only its own tags carry over)",
                )


def _check_duplicates(
    row: Mapping[str, Any], lead_cands: Mapping[str, Any], org_f: OrgFacts | None, add: Any
) -> None:
    """A new Contact/Account whose unique value an existing record holds: DUPLICATE_DATA.

    Zoho's conversion options match by every unique field, so a unique-field hit in the lead's
    options is exactly a record already holding the value the new record would copy.
    """
    hits = lead_cands.get("_fields", {})
    for module, action in (
        ("Contacts", row["contact_action"]),
        ("Accounts", row["account_action"]),
    ):
        if action != "create":
            continue
        fields = set(hits.get(module, {}).get("fields", set()))
        unique = set(org_f.unique_fields.get(module, frozenset())) if org_f else set()
        clash = sorted(fields & unique)
        if clash:
            holders = sorted(
                rid
                for rid, info in lead_cands.get(module, {}).items()
                if info["fields"] & set(clash)
            )
            add(
                "duplicate_on_create",
                "contact_action" if module == "Contacts" else "account_action",
                f"a new {module[:-1]} would repeat the unique field(s) {clash} held by "
                f"{module[:-1]} {', '.join(holders) or '?'} (DUPLICATE_DATA); merge into it",
            )
        elif module == "Contacts" and "Email" in fields:
            add(
                "duplicate_email_on_create",
                "contact_action",
                "a new Contact would share its Email with an existing Contact",
            )


def _check_deal(row: Mapping[str, Any], org_f: OrgFacts | None, add: Any) -> None:
    has_deal = any(row[c] is not None for c in DEAL_COLUMNS)
    if not has_deal:
        return
    required = org_f.deal_required if org_f else frozenset({"Deal_Name", "Closing_Date", "Stage"})
    columns = {
        "Deal_Name": "deal_name",
        "Closing_Date": "closing_date",
        "Stage": "stage",
        "Pipeline": "pipeline",
        "Amount": "amount",
    }
    for api_name in sorted(required):
        col = columns.get(api_name)
        if col is not None and row[col] is None:
            add("deal_incomplete", col, f"the Deal needs {api_name} ({col} is empty)")
    if org_f is None:
        return
    stage = row["stage"]
    pipeline = row["pipeline"]
    if (
        org_f.pipelines is not None
        and pipeline is not None
        and str(pipeline) not in org_f.pipelines
    ):
        add(
            "pipeline_unknown",
            "pipeline",
            f"pipeline {pipeline!r} does not exist; pipelines: {sorted(org_f.pipelines)}",
        )
        return
    stages = org_f.pipelines.get(str(pipeline)) if org_f.pipelines and pipeline else None
    if stage is None:
        return
    if stages is not None and str(stage) not in stages:
        add(
            "stage_not_in_pipeline",
            "stage",
            f"stage {stage!r} is not in pipeline {pipeline!r} (MAPPING_MISMATCH); "
            f"its stages: {sorted(stages)}",
        )
    elif stages is None and org_f.stages is not None and str(stage) not in org_f.stages:
        add(
            "stage_not_in_pipeline",
            "stage",
            f"stage {stage!r} is not a Deals stage (MAPPING_MISMATCH); "
            f"stages: {sorted(org_f.stages)}",
        )


def blocked_leads(problems: pd.DataFrame) -> list[str]:
    """Leads with at least one error (warnings do not block)."""
    errors = problems[problems["severity"] == _ERROR]
    return list(dict.fromkeys(str(x) for x in errors["lead_id"].tolist()))


def recheck(client: ClientLike, plan: pd.DataFrame, *, progress: bool = False) -> pd.DataFrame:
    """Validate against the live CRM now (still unconverted, targets still there, unlocked)."""
    return validate(plan, live_facts(client, plan, progress=progress))
