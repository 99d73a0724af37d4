"""A plan row's merge policy checked against the org: fields that exist, may be written, and take
the values the policy would copy.

Why before converting: the policy is applied with Update Records right after the convert, so a
field Zoho refuses there (unknown, read-only, a formula, a picklist lacking the lead's value)
would leave a converted lead with half its merge applied. Checked from the target modules' field
metadata (`OrgFacts.field_defs`) and, for picklists, the lead's values mapped by its layout
(`Facts.mapping`); rules whose facts are missing are not checked, as everywhere in `validate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crmkit.conversion.merge_policy import (
    MODULES,
    NAME_FIELDS,
    MergePolicy,
    MergePolicyError,
    is_empty,
)
from crmkit.mapping import ConversionMapping

__all__ = ["POLICY_RULES", "POLICY_WARNING_RULES", "check_merge_policy", "not_writable"]

POLICY_RULES: dict[str, str] = {
    "merge_policy_invalid": "the merge policy cannot be read",
    "merge_policy_unknown_field": "the merge policy names a field the module does not have",
    "merge_policy_read_only": "the merge policy names a read-only or formula field",
    "merge_policy_name_field": "the merge policy names a record name or lookup (not governed)",
    "merge_policy_picklist": "the merge policy would copy a value the target picklist lacks",
    "merge_policy_picklist_if_empty": "fill_blanks would copy a value the target picklist lacks, "
    "should the record's field be empty",
    "merge_policy_unmapped_field": "the merge policy names a field no lead field maps to",
}
# fill_blanks copies only into an empty field, and validation does not read the target records;
# an override of a field the lead's layout maps nothing to changes nothing (harmless, likely a slip)
POLICY_WARNING_RULES = frozenset({"merge_policy_picklist_if_empty", "merge_policy_unmapped_field"})
_COLUMN = "merge_policy"
_LOOKUPS = frozenset(
    {"lookup", "ownerlookup", "userlookup", "multiselectlookup", "multiuserlookup"}
)
_COMPUTED = frozenset({"formula", "autonumber", "rollup_summary", "aggregate"})
_ACTIONS = {"Contacts": "contact_action", "Accounts": "account_action"}

Add = Callable[[str, str, str], None]


def not_writable(meta: Mapping[str, Any]) -> str | None:
    """Why Update Records cannot write a field (read-only, formula, auto-number), or None."""
    dtype = str(meta.get("data_type") or "")
    if dtype in _COMPUTED:
        return f"a {dtype} field (Zoho computes it)"
    auto = meta.get("auto_number")
    if isinstance(auto, Mapping) and any(v not in (None, "", 0) for v in auto.values()):
        return "an auto-number field (Zoho computes it)"
    if meta.get("read_only") is True or meta.get("field_read_only") is True:
        return "read-only"
    return None


def _is_name_or_lookup(module: str, name: str, meta: Mapping[str, Any] | None) -> bool:
    if name in NAME_FIELDS.get(module, frozenset()):
        return True
    return meta is not None and (
        str(meta.get("data_type") or "") in _LOOKUPS or isinstance(meta.get("lookup"), Mapping)
    )


def _picklist(meta: Mapping[str, Any]) -> set[str] | None:
    if str(meta.get("data_type") or "") not in ("picklist", "multiselectpicklist"):
        return None
    values: set[str] = set()
    for v in meta.get("pick_list_values") or []:
        if isinstance(v, Mapping):
            values.update(str(v[k]) for k in ("actual_value", "display_value") if v.get(k))
        else:
            values.add(str(v))
    return values


def _layout(lead: Mapping[str, Any]) -> str | None:
    value = lead.get("Layout")
    if isinstance(value, Mapping):
        value = value.get("name")
    return None if is_empty(value) else str(value)


def check_merge_policy(
    row: Mapping[str, Any],
    lead: Mapping[str, Any] | None,
    field_defs: Mapping[str, Mapping[str, Mapping[str, Any]]] | None,
    mapping: ConversionMapping | None,
    add: Add,
) -> None:
    """Report through `add(rule, column, reason)` every part of the row's policy Zoho would refuse.

    Overrides are checked by name (unknown, read-only or formula, a name or lookup). For each
    module the row merges into, every mapped field whose policy may copy the lead's value
    (`prefer_lead`, `fill_blanks`) is checked against the target picklist.
    """
    text = row.get(_COLUMN)
    if is_empty(text):
        return
    try:
        policy = MergePolicy.parse(str(text))
    except MergePolicyError as exc:
        add("merge_policy_invalid", _COLUMN, f"{exc}")
        return
    merged = [m for m in MODULES if row.get(_ACTIONS[m]) == "merge"]
    for module, name in policy.overrides:
        defs = None if field_defs is None else field_defs.get(module)
        meta = None if defs is None else defs.get(name)
        fix = f"remove {module}.{name} from merge_policy"
        if _is_name_or_lookup(module, name, meta):
            add(
                "merge_policy_name_field",
                _COLUMN,
                f"{module}.{name} is the record's name or a lookup, which a merge policy does not "
                f"govern (Zoho keeps it; Account_Name follows the overwrite flag); {fix}",
            )
        elif defs is not None and meta is None:
            add(
                "merge_policy_unknown_field",
                _COLUMN,
                f"{module}.{name} is not a field of {module} (check the API name in the "
                f"module's fields); {fix}",
            )
        elif meta is not None and (why := not_writable(meta)) is not None:
            add(
                "merge_policy_read_only",
                _COLUMN,
                f"{module}.{name} is {why}: Update Records cannot write it; {fix}",
            )
    if lead is None or mapping is None or field_defs is None:
        return
    fmap = mapping.for_layout(_layout(lead))
    for module, name in policy.overrides:
        defs = field_defs.get(module) or {}
        meta = defs.get(name)
        if meta is None or name in fmap.get(module, {}).values() or not_writable(meta):
            continue  # unknown or not writable: reported above
        if not _is_name_or_lookup(module, name, meta):
            add(
                "merge_policy_unmapped_field",
                _COLUMN,
                f"{module}.{name}: no lead field maps to it in the lead's layout, so the "
                f"policy changes nothing; map a lead field to it, or remove {module}.{name}",
            )
    for module in merged:
        defs = field_defs.get(module) or {}
        for lead_field, target in fmap.get(module, {}).items():
            rule = policy.for_field(module, target)
            value = lead.get(lead_field)
            meta = defs.get(target)
            if rule not in ("prefer_lead", "fill_blanks") or is_empty(value) or meta is None:
                continue
            allowed = _picklist(meta)
            if allowed is None:
                continue
            multi = str(meta.get("data_type")) == "multiselectpicklist"
            given = value if isinstance(value, list) else [value]
            if multi and isinstance(value, str):
                given = value.split(";")
            missing = [str(v).strip() for v in given if str(v).strip() not in allowed]
            if missing:
                blank = rule == "fill_blanks"
                add(
                    "merge_policy_picklist_if_empty" if blank else "merge_policy_picklist",
                    _COLUMN,
                    f"{module}.{target} ({rule}) would take the lead's {lead_field} "
                    f"{missing[0]!r}{' where the record has none' if blank else ''}, which the "
                    f"{module} picklist does not offer (Zoho refuses it); add the value to "
                    f"{module}.{target}'s picklist, or write {module}.{target}=keep",
                )
