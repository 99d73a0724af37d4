"""Metadata answers: fields, layouts, modules, users and the org itself, as Zoho shapes them.

All of them are read from the `Org` and the catalog, so metadata and the rules cannot disagree: the
`unique` flag here is the field matching uses, the `convert_mapping` here is what conversion copies.
"""

from __future__ import annotations

from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.catalog import module_ref
from crmkit.sandbox.exceptions import InvalidData
from crmkit.sandbox.org import Org, User
from crmkit.sandbox.picklists import picklist_values
from crmkit.sandbox.views import check_module

TARGETS = ("Contacts", "Accounts", "Deals")
_JSON_TYPES = {
    "integer": "integer",
    "currency": "double",
    "boolean": "boolean",
    "lookup": "jsonobject",
    "ownerlookup": "jsonobject",
}
_DEAL_FIELDS_AT_CONVERSION = ["Deal_Name", "Closing_Date", "Stage"]
# Conversion targets Zoho's layouts.json lists that the sandbox's org does not have (always null).
_OTHER_CONVERSION_TARGETS = ("Invoices", "SalesOrders")
SANDBOX_ORG_ID = "90000000000000000001"  # 20 digits: never a Zoho org id (loader._ORG_ID_RE)


# -- settings/fields ------------------------------------------------------------------------------
def fields_meta(org: Org, module: str) -> dict[str, Any]:
    """Every field; on Leads each carries `convert_mapping` of the default Leads layout."""
    check_module(org, module)
    unique = {u.api_name: u.casesensitive for u in org.unique.get(module, ())}
    default = org.default_layout("Leads")
    return {
        "fields": [_field_meta(org, module, name, unique, default) for name in org.fields(module)]
    }


def _convert_mapping(org: Org, name: str, leads_layout: str) -> dict[str, str | None]:
    """Where a lead field goes in each target module (None: nowhere), for one Leads layout."""
    return {t: org.lead_mapping(t, leads_layout).get(name) for t in TARGETS}


def _field_meta(
    org: Org, module: str, name: str, unique: dict[str, bool], leads_layout: str
) -> dict[str, Any]:
    fd = catalog.standard_field(module, name)
    dtype = fd.data_type if fd else "text"
    label = name.replace("__s", "").replace("_", " ")
    meta: dict[str, Any] = {
        "api_name": name,
        "id": org.field_ref(module, name)["id"],
        "field_label": label,
        "display_label": label,
        "data_type": dtype,
        "json_type": "jsonarray" if name == "Tag" else _JSON_TYPES.get(dtype, "string"),
        "length": fd.length if fd else 255,
        "system_mandatory": bool(fd and fd.system_mandatory)
        or (module == "Deals" and name == "Pipeline" and bool(org.pipelines)),
        "read_only": bool(fd and fd.read_only),
        "custom_field": fd is None,
        "visible": True,
        "unique": {"casesensitive": "true" if unique[name] else "false"} if name in unique else {},
    }
    # Zoho sends the key on every field: an empty list when it is not a picklist
    meta["pick_list_values"] = [
        _pick_value(catalog.pick_id(module, name, i), v, i)
        for i, v in enumerate(_picklist(org, module, name) if dtype == "picklist" else [], 1)
    ]
    if module == "Deals" and name == "Pipeline":
        # Each pipeline names its stages as Zoho's field metadata does (fields.json `Maps`).
        # a stage keeps the id it has among the Stage field's values
        stage_no = {st: i for i, st in enumerate(_picklist(org, "Deals", "Stage"), 1)}
        for value in meta["pick_list_values"]:
            stages = org.pipelines[value["actual_value"]]
            picks = [
                _pick_value(catalog.pick_id("Deals", "Stage", stage_no[st]), st, i)
                for i, st in enumerate(stages, 1)
            ]
            value["maps"] = [{"api_name": "Stage", "pick_list_values": picks}]
    if fd is not None and fd.lookup in catalog.MODULES:
        meta["lookup"] = {"module": module_ref(fd.lookup)}
    if module == "Leads":
        meta["convert_mapping"] = _convert_mapping(org, name, leads_layout)
    return meta


def _pick_value(pick_id: str, value: str, sequence: int) -> dict[str, Any]:
    return {
        "display_value": value,
        "actual_value": value,
        "id": pick_id,
        "sequence_number": sequence,
        "type": "used",
    }


def picklist_of(org: Org, module: str, name: str) -> list[str]:
    """The values a picklist field takes (its `pick_list_values`): what Update Records accepts."""
    return _picklist(org, module, name)


def _picklist(org: Org, module: str, name: str) -> list[str]:
    if module == "Deals" and name == "Stage":
        stages: list[str] = []
        for s in org.pipelines.values():
            stages += [x for x in s if x not in stages]
        return stages
    if module == "Deals" and name == "Pipeline":
        return list(org.pipelines)
    return picklist_values(org.picklists, module, name)


# -- settings/layouts and settings/modules --------------------------------------------------------
def layouts_meta(org: Org, module: str) -> dict[str, Any]:
    """Each layout with its fields in one section; a Leads layout carries its conversion mapping:
    `convert_mapping` names the target layouts (layouts.json `convert_mapping`), and its fields'
    `convert_mapping` the target fields — both for that Leads layout."""
    check_module(org, module)
    out = []
    for name in org.layouts[module]:
        lay: dict[str, Any] = {**org.layout_ref(module, name), "status": "active", "visible": True}
        if module == "Leads":
            lay["convert_mapping"] = {t: _conversion_layout(org, t, name) for t in TARGETS} | {
                m: None for m in _OTHER_CONVERSION_TARGETS
            }
        lay["sections"] = [_section(org, module, name)]
        out.append(lay)
    return {"layouts": out}


def _section(org: Org, module: str, layout: str) -> dict[str, Any]:
    """One section holding every field (the sandbox does not emulate field placement)."""
    label = f"{catalog.SINGULAR[module]} Information"
    fields = []
    for name in org.fields(module):
        fd = catalog.standard_field(module, name)
        entry: dict[str, Any] = {
            **org.field_ref(module, name),
            "field_label": name.replace("__s", "").replace("_", " "),
            "data_type": fd.data_type if fd else "text",
            "system_mandatory": bool(fd and fd.system_mandatory),
        }
        if module == "Leads":
            entry["convert_mapping"] = _convert_mapping(org, name, layout)
        fields.append(entry)
    return {
        "api_name": label.replace(" ", "_"),
        "display_label": label,
        "name": label,
        "sequence_number": 1,
        "column_count": 2,
        "fields": fields,
    }


def _conversion_layout(org: Org, target: str, leads_layout: str) -> dict[str, Any] | None:
    """Where a lead of `leads_layout` converts to in `target` (and the deal's required fields)."""
    if org.removed(target):
        return None
    entry: dict[str, Any] = {**org.layout_ref(target, org.target_layout(target, leads_layout))}
    if target == "Deals":
        required = _DEAL_FIELDS_AT_CONVERSION + (["Pipeline"] if org.pipelines else [])
        entry["fields"] = [
            {**org.field_ref("Deals", f), "field_label": f.replace("_", " "), "required": True}
            for f in required
        ]
    return entry


def modules_meta(org: Org) -> dict[str, Any]:
    out = []
    for m in catalog.MODULES:
        hidden = org.removed(m)
        out.append(
            {
                **module_ref(m),
                "module_name": m,
                "singular_label": catalog.SINGULAR[m],
                "plural_label": m,
                "api_supported": True,
                "visible": not hidden,
                "status": "user_hidden" if hidden else "visible",
                "convertable": m == "Leads",
                "creatable": True,
                "viewable": not hidden,
            }
        )
    return {"modules": out}


# -- users and org --------------------------------------------------------------------------------
def users_answer(org: Org, kind: str) -> dict[str, Any]:
    """`GET /users?type=`: CurrentUser is the first user (the admin), else all or active ones."""
    if kind == "CurrentUser":
        chosen = [org.admin]
    elif kind in ("AllUsers", "ActiveUsers"):
        chosen = [u for u in org.users if kind == "AllUsers" or u.active]
    else:
        raise InvalidData({"param_name": "type"})
    roles = sorted({u.role for u in org.users})
    out = [_user(u, roles.index(u.role), admin=u is org.admin) for u in chosen]
    return {
        "users": out,
        "info": {"per_page": 200, "count": len(out), "page": 1, "more_records": False},
    }


def _user(u: User, role_no: int, *, admin: bool) -> dict[str, Any]:
    first, _, last = u.full_name.partition(" ")
    profile = "Administrator" if admin else "Standard"
    return {
        "id": u.id,
        "email": u.email,
        "full_name": u.full_name,
        "first_name": first if last else None,
        "last_name": last or first,
        "status": u.status,
        "role": {"name": u.role, "id": catalog.role_id(role_no)},
        "profile": {"name": profile, "id": catalog.profile_id(profile)},
    }


def org_answer(org: Org) -> dict[str, Any]:
    """`GET /org`: the org's id and name from org.json's `org` (the id defaults to one derived
    from the data directory), its edition and licence."""
    return {
        "org": [
            {
                "id": str(org.details.get("id") or SANDBOX_ORG_ID),
                "zgid": "700000001",
                "company_name": str(org.details.get("company_name") or org.name),
                "primary_email": org.admin.email,
                "domain_name": "org700000001",
                "time_zone": "UTC",
                "currency": "USD",
                "country_code": "US",
                "type": "sandbox",
                "license_details": {
                    "paid": org.edition != "free",
                    "paid_type": org.edition,
                    "users_license_purchased": len(org.users),
                },
            }
        ]
    }
