"""The conversion mapping: which lead values a conversion writes, on create and on merge.

Zoho maps lead fields onto the Contact, Account and Deal per Leads layout: its standard map
(`catalog.DEFAULT_CONVERT_MAPPING`), what the admin added for every layout (org.json
`convert_mapping`) and what one layout adds (`layout_convert_mapping`, which also names the target
layout). A lead field no mapping names is dropped — custom fields included, whatever their name.
When a lead merges into an existing record, Zoho "updates" it with the mapped values without
saying which existing values give way: org.json `merge_overwrites` decides (see MERGE_OVERWRITES).
The org's tables live on `Org` (`lead_mapping`, `target_layout`); this module validates the
org.json parts and computes the values a conversion writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmkit.sandbox.org import Org

Record = dict[str, Any]
Fail = Callable[[str, str], Exception]

CONVERSION_TARGETS = ("Contacts", "Accounts", "Deals")
# non_empty_lead_values: every mapped lead value replaces the record's (empty lead values do not
#   blank anything) — the default, the closest reading of Zoho's "updates the existing record";
# empty_fields_only: a lead value fills only a field the record has empty;
# none: a merge copies no lead value (only the links, tags and `overwrite` apply).
MERGE_OVERWRITES = ("non_empty_lead_values", "empty_fields_only", "none")
# Never changed by a merge: the record's name — who or what it is (a contact's names; the account's
# name, which only `overwrite` may change) — and lookups, which belong to the links. The article's
# Case II merges Pat Boyle into the contact "Boyle" and Zoho answers it as "Boyle".
_MERGE_KEEPS = {
    "Contacts": frozenset({"First_Name", "Last_Name", "Full_Name"}),
    "Accounts": frozenset({"Account_Name"}),
}


# -- org.json -------------------------------------------------------------------------------------
def layout_mappings(raw: dict[str, Any], layouts: dict[str, list[str]], fail: Fail) -> Record:
    """`layout_convert_mapping`: `{"<Leads layout>": {"Contacts": {"layout", "fields"}, …}}`."""
    lcm = raw.get("layout_convert_mapping", {})
    if not isinstance(lcm, dict):
        raise fail("layout_convert_mapping", "layout_convert_mapping must be an object")
    out: Record = {}
    for leads_layout, targets in lcm.items():
        if leads_layout not in layouts["Leads"]:
            raise fail(
                leads_layout,
                f"layout_convert_mapping: {leads_layout!r} is not one of the Leads layouts "
                f"{layouts['Leads']} (add it to layouts.Leads)",
            )
        if not isinstance(targets, dict):
            raise fail(leads_layout, f"layout_convert_mapping.{leads_layout} must be an object")
        out[leads_layout] = {
            t: _target(leads_layout, t, p, layouts, fail) for t, p in targets.items()
        }
    return out


def _target(
    leads_layout: str, target: str, part: Any, layouts: dict[str, list[str]], fail: Fail
) -> Record:
    where = f"layout_convert_mapping.{leads_layout}.{target}"
    if target not in CONVERSION_TARGETS or not isinstance(part, dict):
        raise fail(target, f"{where}: Contacts|Accounts|Deals -> {{layout, fields}}")
    unknown = sorted(set(part) - {"layout", "fields"})
    if unknown:
        raise fail(target, f"{where}: unknown key {unknown[0]!r} (known: layout, fields)")
    layout = part.get("layout")
    if layout is not None and layout not in layouts[target]:
        raise fail(target, f"{where}.layout {layout!r} is not one of {layouts[target]}")
    fields = part.get("fields", {})
    if not isinstance(fields, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
    ):
        raise fail(target, f"{where}.fields must map lead field -> {target} field")
    return {"layout": layout, "fields": dict(fields)}


def merge_overwrites(raw: dict[str, Any], fail: Fail) -> str:
    value = raw.get("merge_overwrites", MERGE_OVERWRITES[0])
    if value not in MERGE_OVERWRITES:
        raise fail(
            "merge_overwrites", f"merge_overwrites must be one of {', '.join(MERGE_OVERWRITES)}"
        )
    return str(value)


def named_fields(org: Record) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(where, target module, {lead field: target field}) for every mapping org.json names."""
    for target, fmap in org["convert_mapping"].items():
        yield "convert_mapping", target, fmap
    for layout, targets in org.get("layout_convert_mapping", {}).items():
        for target, part in targets.items():
            yield f"layout_convert_mapping.{layout}", target, part["fields"]


# -- what a conversion writes ---------------------------------------------------------------------
def has_value(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def carried_values(org: Org, lead: Record, target: str) -> Record:
    """The lead's values a conversion writes into a `target` record (empty ones left out)."""
    mapping = org.lead_mapping(target, org.lead_layout(lead))
    return {tf: lead[lf] for lf, tf in mapping.items() if has_value(lead.get(lf))}


def merge_changes(org: Org, lead: Record, existing: Record, target: str) -> Record:
    """What merging `lead` into `existing` changes on it, per the org's `merge_overwrites`."""
    policy = org.merge_overwrites
    if policy == "none":
        return {}
    keep = _MERGE_KEEPS.get(target, frozenset())
    changes: Record = {}
    for tf, value in carried_values(org, lead, target).items():
        current = existing.get(tf)
        if tf in keep or isinstance(current, dict):
            continue
        if policy == "empty_fields_only" and has_value(current):
            continue
        if current != value:
            changes[tf] = value
    return changes
