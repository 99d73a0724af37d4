"""Zoho's lead-conversion rules, one lead at a time (zoho-api.md §4–§6).

Matching reads the store's value index per field (`Store.find`); conversion validates every part of
the request before writing anything, then writes in one transaction. Everything a rule needs
from the org (unique fields, removed modules/fields, layouts, pipelines, users, field mapping)
comes from the `org` dict, so a `configure()` takes effect on the next call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.errors import ApiError, record_error
from crmkit.sandbox.loader import Record, full_name, module_fields
from crmkit.sandbox.store import Store, fold

_DIGITS = re.compile(r"^[0-9]{1,19}$")


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def norm_id(value: Any) -> str | None:
    """Ids arrive as JSON strings or numbers; answer the digits as a string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        return value.strip()
    return None


# -- org view ------------------------------------------------------------------------------------
def removed_module(org: dict[str, Any], module: str) -> bool:
    return module in org["removed_modules"]


def field_exists(org: dict[str, Any], module: str, api_name: str) -> bool:
    if api_name in org["removed_fields"].get(module, []):
        return False
    return api_name in module_fields(module, org["custom_fields"].get(module, []))


def unique_fields(org: dict[str, Any], module: str) -> list[dict[str, Any]]:
    """The module's unique fields in preference order, minus removed ones."""
    return [
        u for u in org["unique_fields"].get(module, []) if field_exists(org, module, u["api_name"])
    ]


def lead_mapping(org: dict[str, Any], target: str) -> dict[str, str]:
    """Lead field -> `target` field: Zoho's defaults, same-named custom fields, org overrides."""
    out = {lf: m[target] for lf, m in catalog.DEFAULT_CONVERT_MAPPING.items() if target in m}
    lead_custom = org["custom_fields"].get("Leads", [])
    target_fields = set(module_fields(target, org["custom_fields"].get(target, [])))
    for name in lead_custom:
        if name in target_fields and name not in catalog.NOT_COPIED:
            out.setdefault(name, name)
    out.update(org["convert_mapping"].get(target, {}))
    return {
        lf: tf
        for lf, tf in out.items()
        if field_exists(org, "Leads", lf) and field_exists(org, target, tf)
    }


def source_field(org: dict[str, Any], target: str, target_field: str) -> str | None:
    """The lead field mapped to `target.target_field` (what a unique field is compared with)."""
    for lf, tf in lead_mapping(org, target).items():
        if tf == target_field:
            return lf
    return None


def layout_ref(module: str, name: str) -> dict[str, str]:
    return {"name": name, "id": catalog.stable_id(f"layout:{module}", name)}


def module_ref(module: str) -> dict[str, str]:
    return {"api_name": module, "id": catalog.MODULE_IDS[module]}


def field_ref(module: str, api_name: str) -> dict[str, str]:
    return {"api_name": api_name, "id": catalog.stable_id(f"field:{module}", api_name)}


# -- matching ------------------------------------------------------------------------------------
@dataclass
class FieldHit:
    field: str
    lead_value: str
    ids: list[str]
    route: str  # unique | email | company | name


@dataclass
class Matches:
    contacts: list[FieldHit] = field(default_factory=list)
    accounts: list[FieldHit] = field(default_factory=list)

    @staticmethod
    def _ids(hits: list[FieldHit]) -> list[str]:
        seen = {i for h in hits for i in h.ids}
        return sorted(seen, key=int, reverse=True)  # newest first, as in Zoho's sample

    @property
    def contact_ids(self) -> list[str]:
        return self._ids(self.contacts)

    @property
    def account_ids(self) -> list[str]:
        return self._ids(self.accounts)


def _module_list(org: dict[str, Any], module: str) -> list[tuple[str, bool, str, str]]:
    """(target field, casesensitive, lead field, route) in preference order for `module`."""
    builtin = ("Email", "Email") if module == "Contacts" else ("Account_Name", "Company")
    route = "email" if module == "Contacts" else "company"
    out: list[tuple[str, bool, str, str]] = []
    for u in unique_fields(org, module):
        lf = builtin[1] if u["api_name"] == builtin[0] else source_field(org, module, u["api_name"])
        if lf is not None:
            out.append((u["api_name"], u["casesensitive"], lf, "unique"))
    if all(t != builtin[0] for t, *_ in out) and field_exists(org, module, builtin[0]):
        out.append((builtin[0], False, builtin[1], route))
    return out


def match_lead(store: Store, org: dict[str, Any], lead: Record) -> Matches:
    """Which Contacts and Accounts a lead matches, and by which fields (union per module)."""
    m = Matches()
    for target, cs, lf, route in _module_list(org, "Contacts"):
        value = lead.get(lf)
        if not isinstance(value, str) or not field_exists(org, "Leads", lf) or not value.strip():
            continue
        ids = store.find("Contacts", target, value, casesensitive=cs)
        if ids:
            m.contacts.append(FieldHit(target, value, ids, route))
    if not m.contacts:
        name = lead.get("Full_Name") or full_name(lead)
        if isinstance(name, str) and name.strip() and field_exists(org, "Contacts", "Full_Name"):
            ids = store.find("Contacts", "Full_Name", name)
            if ids:
                m.contacts.append(FieldHit("Full_Name", name, ids, "name"))
    company_removed = not field_exists(org, "Leads", "Company")
    if not removed_module(org, "Accounts") and not company_removed:
        for target, cs, lf, route in _module_list(org, "Accounts"):
            value = lead.get(lf)
            if not isinstance(value, str) or not field_exists(org, "Leads", lf):
                continue
            if not value.strip():
                continue
            ids = store.find("Accounts", target, value, casesensitive=cs)
            if ids:
                m.accounts.append(FieldHit(target, value, ids, route))
    return m


def module_preference(org: dict[str, Any], m: Matches) -> str:
    """Contacts when a contact matched — unless only Accounts has unique fields and matched."""
    if m.accounts and not unique_fields(org, "Contacts") and unique_fields(org, "Accounts"):
        return "Accounts"
    return "Contacts" if m.contacts else "Accounts"


# -- lead checks ---------------------------------------------------------------------------------
def lead_for_action(store: Store, lead_id: str) -> Record:
    """The lead a URL names, or the bare error Zoho answers for it."""
    lid = norm_id(lead_id)
    lead = store.get("Leads", lid) if lid else None
    if lead is None:
        raise ApiError(400, "INVALID_DATA", {"resource_path_index": 1})
    return lead


def check_lead_state(lead: Record) -> None:
    if lead.get("Converted__s"):
        raise ApiError(400, "ID_ALREADY_CONVERTED", {"resource_path_index": 1})
    if lead.get("$approval_state", "approved") != "approved":
        raise ApiError(400, "NOT_APPROVED", {"id": lead["id"]})
    if lead.get("Locked__s"):
        raise ApiError(400, "RECORD_LOCKED", {"id": lead["id"]})


# -- conversion options --------------------------------------------------------------------------
def _candidate(org: dict[str, Any], module: str, rec: Record) -> dict[str, Any]:
    extra = [u["api_name"] for u in unique_fields(org, module)]
    if module == "Contacts":
        keys = ["Full_Name", "Email", "Phone", *extra, "Locked__s", "Account_Name"]
    else:
        keys = ["Layout", "Phone", "Account_Name", *extra]
    out: dict[str, Any] = {}
    for k in dict.fromkeys(keys):
        if k in ("Locked__s", "Layout") or field_exists(org, module, k):
            v = rec.get(k)
            if isinstance(v, dict):
                v = {"name": v.get("name"), "id": v["id"]}
            out[k] = v if k != "Locked__s" else bool(v)
    locked = bool(rec.get("Locked__s"))
    out["$editable"] = not locked
    out["id"] = rec["id"]
    out["$approval_state"] = rec.get("$approval_state", "approved")
    if module == "Accounts":
        out["Locked__s"] = locked
    return out


def multiple_layouts(org: dict[str, Any]) -> list[str]:
    return [
        m
        for m in ("Contacts", "Accounts", "Deals")
        if not removed_module(org, m) and len(org["layouts"].get(m, [])) > 1
    ]


def conversion_options(store: Store, org: dict[str, Any], lead_id: str) -> dict[str, Any] | None:
    """The `__conversion_options` answer, or None for 204."""
    lead = lead_for_action(store, lead_id)
    if removed_module(org, "Contacts"):
        return None
    check_lead_state(lead)
    m = match_lead(store, org, lead)
    layouts = multiple_layouts(org)
    if not m.contacts and not m.accounts and not layouts:
        return None

    def hits(module: str, hs: list[FieldHit]) -> list[dict[str, Any]] | None:
        return [
            {"field": field_ref(module, h.field), "matched_lead_value": h.lead_value} for h in hs
        ] or None

    contacts = [_candidate(org, "Contacts", r) for r in store.get_many("Contacts", m.contact_ids)]
    accounts = [_candidate(org, "Accounts", r) for r in store.get_many("Accounts", m.account_ids)]
    return {
        "__conversion_options": {
            "module_preference": module_ref(module_preference(org, m)),
            "Contacts": contacts or None,
            "Accounts": accounts or None,
            "Deals": None,
            "preference_field_matched_value": {
                "Contacts": hits("Contacts", m.contacts),
                "Accounts": hits("Accounts", m.accounts),
            },
            "modules_with_multiple_layouts": [module_ref(x) for x in layouts] or None,
        }
    }


# -- convert -------------------------------------------------------------------------------------
@dataclass
class ConvertRequest:
    """A validated-shape convert request (single convert body, or one lead of a mass convert)."""

    contact_id: str | None = None
    account_id: str | None = None
    assign_to: str | None = None
    deal: dict[str, Any] | None = None
    overwrite: bool = False
    notify_lead_owner: bool = False
    notify_new_entity_owner: bool = False
    move_attachments_to: str = "Contacts"
    carry_over_tags: dict[str, list[str]] | None = None  # module -> tag names
    carry_all_tags_to: list[str] = field(default_factory=list)  # mass convert: modules
    json_root: str = "$.data[0]"


def _bad(api_name: str, path: str, **extra: Any) -> ApiError:
    return record_error("INVALID_DATA", {"api_name": api_name, "json_path": path, **extra})


def parse_convert_body(body: Any) -> ConvertRequest:
    """Shape checks of a Convert Lead body (`{"data":[{…}]}`; an empty body means defaults)."""
    if body is None or body == {}:
        return ConvertRequest()
    if not isinstance(body, dict) or "data" not in body:
        raise ApiError(400, "INVALID_DATA", {"api_name": "data", "json_path": "$.data"})
    data = body["data"]
    if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
        # one object; Zoho's message for a bad body is the plain "invalid data"
        raise ApiError(400, "INVALID_DATA", {"api_name": "data", "json_path": "$.data"})
    item = data[0]
    root = "$.data[0]"
    req = ConvertRequest()
    known = {
        "overwrite",
        "notify_lead_owner",
        "notify_new_entity_owner",
        "move_attachments_to",
        "Accounts",
        "Contacts",
        "assign_to",
        "Deals",
        "carry_over_tags",
    }
    for key in item:
        if key not in known:
            raise _bad(key, f"{root}.{key}")
    for key in ("overwrite", "notify_lead_owner", "notify_new_entity_owner"):
        if key in item:
            if not isinstance(item[key], bool):
                raise _bad(key, f"{root}.{key}", expected_data_type="boolean")
            setattr(req, key, item[key])
    for key, attr in (
        ("Contacts", "contact_id"),
        ("Accounts", "account_id"),
        ("assign_to", "assign_to"),
    ):
        if key in item and item[key] is not None:
            v = item[key]
            rid = norm_id(v.get("id")) if isinstance(v, dict) else None
            if rid is None:
                raise _bad(key, f"{root}.{key}")
            setattr(req, attr, rid)
    if item.get("Deals") is not None:
        if not isinstance(item["Deals"], dict):
            raise _bad("Deals", f"{root}.Deals")
        req.deal = dict(item["Deals"])
    mat = item.get("move_attachments_to")
    if mat is not None:
        if not isinstance(mat, dict) or mat.get("api_name") not in (
            "Contacts",
            "Accounts",
            "Deals",
        ):
            raise _bad("move_attachments_to", f"{root}.move_attachments_to")
        req.move_attachments_to = mat["api_name"]
    tags = item.get("carry_over_tags")
    if tags is not None:
        ok = isinstance(tags, dict) and all(
            k in ("Contacts", "Accounts", "Deals")
            and isinstance(v, list)
            and all(isinstance(t, str) for t in v)
            for k, v in tags.items()
        )
        if not ok:
            raise _bad("carry_over_tags", f"{root}.carry_over_tags")
        req.carry_over_tags = {k: list(v) for k, v in tags.items()}
    return req


def _user(org: dict[str, Any], uid: str) -> dict[str, str] | None:
    for u in org["users"]:
        if u["id"] == uid and u.get("status", "active") == "active":
            user: dict[str, str] = u
            return user
    return None


def _owner_ref(user: dict[str, str]) -> dict[str, str]:
    return {"name": user["full_name"], "id": user["id"], "email": user["email"]}


def validate_deal(
    org: dict[str, Any], deal: dict[str, Any], root: str, *, in_data: bool = True
) -> dict[str, Any]:
    """Check a Deals record for conversion; return it with ids normalised."""

    def err(code: str, details: dict[str, Any]) -> ApiError:
        return ApiError(400, code, details, in_data=in_data)

    path = f"{root}.Deals"
    if removed_module(org, "Deals"):
        raise err("INVALID_DATA", {"api_name": "Deals", "json_path": path})
    for key in ("Deal_Name", "Closing_Date", "Stage", "Pipeline"):
        v = deal.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            raise err("MANDATORY_NOT_FOUND", {"api_name": key, "json_path": f"{path}.{key}"})
    known = set(module_fields("Deals", org["custom_fields"].get("Deals", [])))
    out: dict[str, Any] = {}
    for key, v in deal.items():
        jp = f"{path}.{key}"
        if key == "Contact_Role":
            rid = norm_id(v.get("id") if isinstance(v, dict) else v)
            if rid is None:
                raise err("INVALID_DATA", {"api_name": key, "json_path": jp})
            out[key] = rid
            continue
        if key not in known or not field_exists(org, "Deals", key):
            raise err("INVALID_DATA", {"api_name": key, "json_path": jp})
        fd = catalog.standard_field("Deals", key)
        dtype = fd.data_type if fd else "text"
        if key == "Pipeline":
            name = v.get("name") if isinstance(v, dict) else v
            if not isinstance(name, str) or name not in org["pipelines"]:
                raise err("INVALID_DATA", {"api_name": key, "json_path": jp})
            v = name
        elif key == "Closing_Date":
            try:
                datetime.strptime(str(v), "%Y-%m-%d")
            except ValueError:
                raise err(
                    "INVALID_DATA", {"api_name": key, "json_path": jp, "expected_data_type": "date"}
                ) from None
        elif dtype in ("currency", "integer"):
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise err(
                    "INVALID_DATA",
                    {"api_name": key, "json_path": jp, "expected_data_type": dtype},
                )
        elif dtype in ("lookup", "ownerlookup"):
            raise err("INVALID_DATA", {"api_name": key, "json_path": jp})
        elif not isinstance(v, str):
            raise err(
                "INVALID_DATA", {"api_name": key, "json_path": jp, "expected_data_type": dtype}
            )
        out[key] = v
    stages = org["pipelines"][out["Pipeline"]]
    if out["Stage"] not in stages:
        raise err(
            "MAPPING_MISMATCH",
            {"mapped_field": "Pipeline", "api_name": "Stage", "json_path": f"{path}.Stage"},
        )
    return out


@dataclass
class Outcome:
    contact: Record
    account: Record | None
    deal: Record | None
    contact_created: bool
    account_created: bool

    def details(self) -> dict[str, Any]:
        def ref(rec: Record | None, name_key: str) -> dict[str, Any] | None:
            return None if rec is None else {"name": rec.get(name_key), "id": rec["id"]}

        return {
            "Contacts": ref(self.contact, "Full_Name"),
            "Deals": ref(self.deal, "Deal_Name"),
            "Accounts": ref(self.account, "Account_Name"),
        }


def _duplicate(
    store: Store, org: dict[str, Any], module: str, rec: Record, root: str
) -> ApiError | None:
    """DUPLICATE_DATA when a new `module` record repeats a unique-field value."""
    for u in unique_fields(org, module):
        value = rec.get(u["api_name"])
        if not isinstance(value, str) or not value.strip():
            continue
        ids = store.find(module, u["api_name"], value, casesensitive=u["casesensitive"])
        if ids:
            existing = store.get(module, sorted(ids, key=int)[0]) or {}
            owner = existing.get("Owner") or {}
            return record_error(
                "DUPLICATE_DATA",
                {
                    "api_name": u["api_name"],
                    "json_path": root,
                    "duplicate_record": {
                        "module": module_ref(module),
                        "id": existing.get("id"),
                        "Owner": {"name": owner.get("name"), "id": owner.get("id")},
                    },
                },
            )
    return None


def _new_record(
    store: Store, org: dict[str, Any], module: str, lead: Record, owner: dict[str, str], ts: str
) -> Record:
    rec: Record = {"id": store.new_id()}
    for lf, tf in lead_mapping(org, module).items():
        v = lead.get(lf)
        if v is not None:
            rec[tf] = v
    rec["Owner"] = owner
    rec["Created_Time"] = ts
    rec["Modified_Time"] = ts
    rec["Tag"] = []
    rec["Locked__s"] = False
    rec["$approval_state"] = "approved"
    if module == "Contacts":
        rec["Full_Name"] = full_name(rec)
    if module == "Accounts":
        rec["Layout"] = layout_ref("Accounts", org["layouts"]["Accounts"][0])
    return rec


def _tags_for(lead: Record, names: list[str]) -> list[dict[str, str]]:
    by_name = {t["name"]: t for t in lead.get("Tag") or []}
    return [by_name[n] for n in names if n in by_name]


def _add_tags(rec: Record, tags: list[dict[str, str]]) -> None:
    have = {t["name"] for t in rec.get("Tag") or []}
    rec["Tag"] = list(rec.get("Tag") or []) + [t for t in tags if t["name"] not in have]


def convert_lead(
    store: Store,
    org: dict[str, Any],
    lead_id: str,
    req: ConvertRequest,
    outbox: list[dict[str, Any]],
    *,
    in_data: bool = True,
) -> Outcome:
    """Convert one lead per Zoho's rules; raises ApiError and changes nothing on any failure."""
    root = req.json_root
    with store.transaction():
        lead = lead_for_action(store, lead_id)
        if lead.get("Converted__s"):
            raise ApiError(400, "ID_ALREADY_CONVERTED", {"resource_path_index": 1})
        if removed_module(org, "Contacts"):
            raise ApiError(
                403,
                "NO_PERMISSION",
                {"permissions": ["Contacts"]},
                "permission denied: the Contacts module is not available in this org",
            )
        check_lead_state(lead)

        def err(code: str, details: dict[str, Any]) -> ApiError:
            return ApiError(400, code, details, in_data=in_data)

        owner_user = _user(org, (lead.get("Owner") or {}).get("id", "")) or org["users"][0]
        if req.assign_to is not None:
            assignee = _user(org, req.assign_to)
            if assignee is None:
                raise err(
                    "INVALID_DATA", {"api_name": "assign_to", "json_path": f"{root}.assign_to"}
                )
            owner_user = assignee
        options = match_lead(store, org, lead)
        contact: Record | None = None
        account: Record | None = None
        if req.contact_id is not None:
            if req.contact_id not in options.contact_ids:
                raise err("INVALID_DATA", {"api_name": "Contacts", "json_path": f"{root}.Contacts"})
            contact = store.get("Contacts", req.contact_id)
            assert contact is not None
            _check_target(contact, "Contacts", root, err)
        if req.account_id is not None:
            if removed_module(org, "Accounts") or req.account_id not in options.account_ids:
                raise err("INVALID_DATA", {"api_name": "Accounts", "json_path": f"{root}.Accounts"})
            account = store.get("Accounts", req.account_id)
            assert account is not None
            _check_target(account, "Accounts", root, err)
        if (
            contact is not None
            and account is not None
            and (contact.get("Account_Name") or {}).get("id") != account["id"]
        ):
            raise err("INVALID_DATA", {"api_name": "Accounts", "json_path": f"{root}.Accounts"})
        deal_fields = None
        if req.deal is not None:
            deal_fields = validate_deal(org, req.deal, root, in_data=in_data)

        company = lead.get("Company") if field_exists(org, "Leads", "Company") else None
        company = company if isinstance(company, str) and company.strip() else None
        create_account = False
        if removed_module(org, "Accounts"):
            account = None
        elif contact is not None and account is None:
            current = contact.get("Account_Name")
            differs = (
                current is not None
                and company is not None
                and (fold(str(current.get("name") or "")) != fold(company))
            )
            if current is not None and not (req.overwrite and differs):
                account = store.get("Accounts", current["id"])
            elif company is not None:
                create_account = True
        elif account is None and company is not None:
            create_account = True

        ts = now_iso()
        owner = _owner_ref(owner_user)
        new_contact = None
        if contact is None:
            new_contact = _new_record(store, org, "Contacts", lead, owner, ts)
            dup = _duplicate(store, org, "Contacts", new_contact, root)
            if dup is not None:
                dup.in_data = in_data
                raise dup
        new_account = None
        if create_account:
            new_account = _new_record(store, org, "Accounts", lead, owner, ts)
            new_account["Account_Name"] = company
            dup = _duplicate(store, org, "Accounts", new_account, root)
            if dup is not None:
                dup.in_data = in_data
                raise dup
            account = new_account
        # attachments and tags need their target to exist
        will_have = {
            "Contacts": True,
            "Accounts": account is not None,
            "Deals": deal_fields is not None,
        }
        if not will_have[req.move_attachments_to]:
            raise err(
                "INVALID_DATA",
                {"api_name": "move_attachments_to", "json_path": f"{root}.move_attachments_to"},
            )
        tag_plan: dict[str, list[dict[str, str]]] = {}
        lead_tags = {t["name"] for t in lead.get("Tag") or []}
        for module, names in (req.carry_over_tags or {}).items():
            if not will_have[module] or any(n not in lead_tags for n in names):
                raise err(
                    "INVALID_DATA",
                    {
                        "api_name": "carry_over_tags",
                        "json_path": f"{root}.carry_over_tags.{module}",
                    },
                )
            tag_plan[module] = _tags_for(lead, names)
        for module in req.carry_all_tags_to:
            if will_have.get(module):
                tag_plan[module] = list(lead.get("Tag") or [])

        # -- writes ------------------------------------------------------------------------------
        if new_account is not None:
            _add_tags(new_account, tag_plan.get("Accounts", []))
            store.put("Accounts", new_account)
        elif account is not None and tag_plan.get("Accounts"):
            _add_tags(account, tag_plan["Accounts"])
            account["Modified_Time"] = ts
            store.put("Accounts", account)
        acc_ref = (
            None if account is None else {"name": account["Account_Name"], "id": account["id"]}
        )
        if new_contact is not None:
            contact = new_contact
            if acc_ref is not None:
                contact["Account_Name"] = acc_ref
        else:
            assert contact is not None
            if (
                acc_ref is not None
                and (contact.get("Account_Name") or {}).get("id") != acc_ref["id"]
            ):
                contact["Account_Name"] = acc_ref
            contact["Modified_Time"] = ts
        _add_tags(contact, tag_plan.get("Contacts", []))
        store.put("Contacts", contact)
        deal = None
        if deal_fields is not None:
            deal = _new_record(store, org, "Deals", lead, owner, ts)
            deal.update({k: v for k, v in deal_fields.items() if k != "Contact_Role"})
            deal["Contact_Name"] = {"name": contact.get("Full_Name"), "id": contact["id"]}
            if acc_ref is not None:
                deal["Account_Name"] = acc_ref
            if "Contact_Role" in deal_fields:
                deal["$contact_role"] = deal_fields["Contact_Role"]
            _add_tags(deal, tag_plan.get("Deals", []))
            store.put("Deals", deal)
        outcome = Outcome(contact, account, deal, new_contact is not None, new_account is not None)
        target = {"Contacts": contact, "Accounts": account, "Deals": deal}[req.move_attachments_to]
        assert target is not None
        lead["Converted__s"] = True
        lead["Converted_Date_Time"] = ts
        lead["Modified_Time"] = ts
        lead["$converted_detail"] = {
            **outcome.details(),
            "converted_by": {"name": org["users"][0]["full_name"], "id": org["users"][0]["id"]},
            "convert_date_time": ts,
            "move_attachments_to": {"api_name": req.move_attachments_to, "id": target["id"]},
        }
        store.put("Leads", lead)
    _notify(org, lead, outcome, req, owner_user, outbox, ts)
    return outcome


def _check_target(rec: Record, module: str, root: str, err: Any) -> None:
    if rec.get("Locked__s"):
        raise err(
            "RECORD_LOCKED", {"api_name": module, "id": rec["id"], "json_path": f"{root}.{module}"}
        )
    if rec.get("$approval_state", "approved") != "approved":
        raise err(
            "NOT_APPROVED", {"api_name": module, "id": rec["id"], "json_path": f"{root}.{module}"}
        )


def _notify(
    org: dict[str, Any],
    lead: Record,
    outcome: Outcome,
    req: ConvertRequest,
    new_owner: dict[str, str],
    outbox: list[dict[str, Any]],
    ts: str,
) -> None:
    """Record the owner e-mails Zoho would send (the sandbox sends none)."""
    lead_owner = _user(org, (lead.get("Owner") or {}).get("id", "")) or org["users"][0]
    details = outcome.details()
    if req.notify_lead_owner:
        outbox.append(
            {
                "kind": "notify_lead_owner",
                "to": lead_owner["email"],
                "user_id": lead_owner["id"],
                "subject": f"Lead {lead.get('Full_Name')} has been converted",
                "lead_id": lead["id"],
                "records": details,
                "time": ts,
            }
        )
    if req.notify_new_entity_owner:
        created = {
            k: v
            for k, v in details.items()
            if v is not None
            and (
                (k == "Contacts" and outcome.contact_created)
                or (k == "Accounts" and outcome.account_created)
                or k == "Deals"
            )
        }
        if created:
            outbox.append(
                {
                    "kind": "notify_new_entity_owner",
                    "to": new_owner["email"],
                    "user_id": new_owner["id"],
                    "subject": f"New records from lead {lead.get('Full_Name')} are assigned to you",
                    "lead_id": lead["id"],
                    "records": created,
                    "time": ts,
                }
            )


# -- mass convert --------------------------------------------------------------------------------
def parse_mass_convert(org: dict[str, Any], body: Any) -> tuple[list[str], ConvertRequest]:
    """Validate a mass-convert body (no `data` wrapper; errors are bare)."""
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_DATA", {"json_path": "$"}, "body is not a JSON object")
    known = {
        "ids",
        "Deals",
        "assign_to",
        "carry_over_tags",
        "move_attachments_to",
        "related_modules",
        "portal_user_type",
        "apply_assignment_threshold",
    }
    for key in body:
        if key not in known:
            raise ApiError(400, "INVALID_DATA", {"api_name": key, "json_path": f"$.{key}"})
    ids = body.get("ids")
    if ids is None:
        raise ApiError(400, "MANDATORY_NOT_FOUND", {"api_name": "ids", "json_path": "$.ids"})
    if not isinstance(ids, list) or not ids:
        raise ApiError(400, "INVALID_DATA", {"api_name": "ids", "json_path": "$.ids"})
    if len(ids) > 50:
        raise ApiError(
            400, "LIMIT_EXCEEDED", {"api_name": "ids", "limit": 50, "json_path": "$.ids"}
        )
    norm = []
    for i, v in enumerate(ids):
        rid = norm_id(v)
        if rid is None:
            raise ApiError(400, "INVALID_DATA", {"api_name": "ids", "json_path": f"$.ids[{i}]"})
        norm.append(rid)
    req = ConvertRequest(json_root="$")
    if body.get("Deals") is not None:
        if not isinstance(body["Deals"], dict):
            raise ApiError(400, "INVALID_DATA", {"api_name": "Deals", "json_path": "$.Deals"})
        req.deal = validate_deal(org, body["Deals"], "$", in_data=False)
    at = body.get("assign_to")
    if at is not None:
        uid = norm_id(at.get("id")) if isinstance(at, dict) else None
        if uid is None or _user(org, uid) is None:
            raise ApiError(
                400, "INVALID_DATA", {"api_name": "assign_to", "json_path": "$.assign_to"}
            )
        req.assign_to = uid
    tags = body.get("carry_over_tags")
    if tags is not None:
        if not isinstance(tags, list) or not all(
            isinstance(t, dict) and t.get("api_name") in ("Contacts", "Accounts", "Deals")
            for t in tags
        ):
            raise ApiError(
                400,
                "INVALID_DATA",
                {"api_name": "carry_over_tags", "json_path": "$.carry_over_tags"},
            )
        req.carry_all_tags_to = [t["api_name"] for t in tags]
    mat = body.get("move_attachments_to")
    if mat is not None:
        if not isinstance(mat, dict) or mat.get("api_name") not in (
            "Contacts",
            "Accounts",
            "Deals",
        ):
            raise ApiError(
                400,
                "INVALID_DATA",
                {"api_name": "move_attachments_to", "json_path": "$.move_attachments_to"},
            )
        if mat["api_name"] == "Deals" and req.deal is None:
            raise ApiError(
                400,
                "INVALID_DATA",
                {"api_name": "move_attachments_to", "json_path": "$.move_attachments_to"},
            )
        req.move_attachments_to = mat["api_name"]
    if removed_module(org, "Contacts"):
        raise ApiError(
            403,
            "NO_PERMISSION",
            {"permissions": ["Contacts"]},
            "permission denied: the Contacts module is not available in this org",
        )
    return norm, req
