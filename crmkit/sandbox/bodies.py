"""Request bodies of the conversion calls: shape checks into a `ConvertRequest`, Zoho's errors.

Parsing is apart from the conversion rules so each reads top to bottom: this module says which
bodies Zoho accepts and which `json_path` it blames; `conversion.py` says what a valid request does.
A single convert puts body errors inside `data[]`; mass convert answers them bare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.exceptions import (
    InvalidData,
    LimitExceeded,
    MandatoryNotFound,
    MappingMismatch,
    contacts_unavailable,
)
from crmkit.sandbox.org import Org
from crmkit.sandbox.roles import role_by_id

_DIGITS = re.compile(r"^[0-9]{1,19}$")
TARGETS = ("Contacts", "Accounts", "Deals")
MASS_CONVERT_LIMIT = 50
_CONVERT_KEYS = frozenset(
    {
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
)
_MASS_CONVERT_KEYS = frozenset(
    {
        "ids",
        "Deals",
        "assign_to",
        "carry_over_tags",
        "move_attachments_to",
        "related_modules",
        "portal_user_type",
        "apply_assignment_threshold",
    }
)
_DEAL_MANDATORY = ("Deal_Name", "Closing_Date", "Stage", "Pipeline")


def norm_id(value: Any) -> str | None:
    """Ids arrive as JSON strings or numbers; answer the digits as a string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        return value.strip()
    return None


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
    related_modules: list[str] = field(default_factory=list)  # mass convert: moved with the lead
    json_root: str = "$.data[0]"


def _blame(api_name: str, path: str, *, in_data: bool = True, **extra: Any) -> InvalidData:
    return InvalidData({"api_name": api_name, "json_path": path, **extra}, in_data=in_data)


def _is_target_ref(value: Any) -> bool:
    return isinstance(value, dict) and value.get("api_name") in TARGETS


# -- Convert Lead ---------------------------------------------------------------------------------
def parse_convert_body(body: Any) -> ConvertRequest:
    """Shape checks of a Convert Lead body (`{"data":[{…}]}`; an empty body means defaults)."""
    if body is None or body == {}:
        return ConvertRequest()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
        # one object; Zoho's message for a bad body is the plain "invalid data"
        raise InvalidData({"api_name": "data", "json_path": "$.data"})
    item: dict[str, Any] = data[0]
    root = "$.data[0]"
    req = ConvertRequest()
    for key in item:
        if key not in _CONVERT_KEYS:
            raise _blame(key, f"{root}.{key}")
    for key in ("overwrite", "notify_lead_owner", "notify_new_entity_owner"):
        if key in item:
            if not isinstance(item[key], bool):
                raise _blame(key, f"{root}.{key}", expected_data_type="boolean")
            setattr(req, key, item[key])
    for key, attr in (("Contacts", "contact_id"), ("Accounts", "account_id")):
        setattr(req, attr, _ref_id(item, key, root))
    req.assign_to = _ref_id(item, "assign_to", root)
    if item.get("Deals") is not None:
        if not isinstance(item["Deals"], dict):
            raise _blame("Deals", f"{root}.Deals")
        req.deal = dict(item["Deals"])
    moved = item.get("move_attachments_to")
    if moved is not None:
        if not _is_target_ref(moved):
            raise _blame("move_attachments_to", f"{root}.move_attachments_to")
        req.move_attachments_to = moved["api_name"]
    tags = item.get("carry_over_tags")
    if tags is not None:
        if not _is_tags_by_module(tags):
            raise _blame("carry_over_tags", f"{root}.carry_over_tags")
        req.carry_over_tags = {k: list(v) for k, v in tags.items()}
    return req


def _ref_id(item: dict[str, Any], key: str, root: str) -> str | None:
    """The id of `{"id": …}` at `key` (None when absent or null)."""
    value = item.get(key)
    if value is None:
        return None
    rid = norm_id(value.get("id")) if isinstance(value, dict) else None
    if rid is None:
        raise _blame(key, f"{root}.{key}")
    return rid


def _is_tags_by_module(tags: Any) -> bool:
    """`{"Contacts": ["tag", …], …}`: tag names per target module."""
    return isinstance(tags, dict) and all(
        k in TARGETS and isinstance(v, list) and all(isinstance(t, str) for t in v)
        for k, v in tags.items()
    )


# -- the Deals part (both calls) ------------------------------------------------------------------
def validate_deal(
    org: Org, deal: dict[str, Any], root: str, *, in_data: bool = True
) -> dict[str, Any]:
    """Check a Deals record for conversion; return it with ids normalised."""
    path = f"{root}.Deals"
    if org.removed("Deals"):
        raise _blame("Deals", path, in_data=in_data)
    for key in _DEAL_MANDATORY:
        v = deal.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            raise MandatoryNotFound(
                {"api_name": key, "json_path": f"{path}.{key}"}, in_data=in_data
            )
    out = {key: _deal_value(org, key, v, f"{path}.{key}", in_data) for key, v in deal.items()}
    if out["Stage"] not in org.pipelines[out["Pipeline"]]:
        raise MappingMismatch(
            {"mapped_field": "Pipeline", "api_name": "Stage", "json_path": f"{path}.Stage"},
            in_data=in_data,
        )
    return out


def _deal_value(org: Org, key: str, v: Any, path: str, in_data: bool) -> Any:
    """One Deals field checked against its type: the value to store, or Zoho's error."""
    if key == "Contact_Role":  # an id of the org's Contact Roles (GET /Contacts/roles)
        rid = norm_id(v.get("id") if isinstance(v, dict) else v)
        if rid is None or role_by_id(org.contact_roles, rid) is None:
            raise _blame(key, path, in_data=in_data)
        return rid
    if not org.has_field("Deals", key):
        raise _blame(key, path, in_data=in_data)
    fd = catalog.standard_field("Deals", key)
    dtype = fd.data_type if fd else "text"
    if key == "Pipeline":
        name = v.get("name") if isinstance(v, dict) else v
        if not isinstance(name, str) or name not in org.pipelines:
            raise _blame(key, path, in_data=in_data)
        return name
    if key == "Closing_Date":
        try:
            datetime.strptime(str(v), "%Y-%m-%d")
        except ValueError:
            raise _blame(key, path, in_data=in_data, expected_data_type="date") from None
    elif dtype in ("currency", "integer"):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _blame(key, path, in_data=in_data, expected_data_type=dtype)
    elif dtype in ("lookup", "ownerlookup"):
        raise _blame(key, path, in_data=in_data)
    elif not isinstance(v, str):
        raise _blame(key, path, in_data=in_data, expected_data_type=dtype)
    return v


# -- Mass Convert ---------------------------------------------------------------------------------
def parse_mass_convert(org: Org, body: Any) -> tuple[list[str], ConvertRequest]:
    """Validate a mass-convert body (no `data` wrapper; errors are bare)."""
    if not isinstance(body, dict):
        raise InvalidData({"json_path": "$"}, "body is not a JSON object")
    for key in body:
        if key not in _MASS_CONVERT_KEYS:
            raise _blame(key, f"$.{key}", in_data=False)
    ids = _lead_ids(body.get("ids"))
    req = ConvertRequest(json_root="$")
    if body.get("Deals") is not None:
        if not isinstance(body["Deals"], dict):
            raise _blame("Deals", "$.Deals", in_data=False)
        req.deal = validate_deal(org, body["Deals"], "$", in_data=False)
    assignee = body.get("assign_to")
    if assignee is None:  # mandatory for Mass Convert (Zoho's v7 docs; decision in sandbox.md)
        raise MandatoryNotFound({"api_name": "assign_to", "json_path": "$.assign_to"})
    uid = norm_id(assignee.get("id")) if isinstance(assignee, dict) else None
    if uid is None or org.active_user(uid) is None:
        raise _blame("assign_to", "$.assign_to", in_data=False)
    req.assign_to = uid
    tags = body.get("carry_over_tags")
    if tags is not None:
        if not isinstance(tags, list) or not all(_is_target_ref(t) for t in tags):
            raise _blame("carry_over_tags", "$.carry_over_tags", in_data=False)
        for i, t in enumerate(tags):
            if t["api_name"] == "Deals" and req.deal is None:  # no Deal to carry tags to
                raise _blame("carry_over_tags", f"$.carry_over_tags[{i}]", in_data=False)
        req.carry_all_tags_to = [t["api_name"] for t in tags]
    req.related_modules = _related_modules(body.get("related_modules"))
    if body.get("portal_user_type") is not None:
        # the sandbox org has no client portal, so there is no portal user type to give
        raise _blame("portal_user_type", "$.portal_user_type", in_data=False)
    threshold = body.get("apply_assignment_threshold")
    if threshold is not None and not isinstance(threshold, bool):
        raise _blame(
            "apply_assignment_threshold",
            "$.apply_assignment_threshold",
            in_data=False,
            expected_data_type="boolean",
        )
    moved = body.get("move_attachments_to")
    if moved is not None:
        if not _is_target_ref(moved) or (moved["api_name"] == "Deals" and req.deal is None):
            raise _blame("move_attachments_to", "$.move_attachments_to", in_data=False)
        req.move_attachments_to = moved["api_name"]
    if org.removed("Contacts"):
        raise contacts_unavailable()
    return ids, req


RELATED_MODULES = ("Tasks", "Events", "Calls", "Notes", "Attachments")


def _related_modules(value: Any) -> list[str]:
    """`related_modules: [{"api_name": "Tasks", "id": …}]`: the lead's related lists to move."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _blame("related_modules", "$.related_modules", in_data=False)
    out = []
    for i, item in enumerate(value):
        ok = isinstance(item, dict) and item.get("api_name") in RELATED_MODULES
        if ok and item.get("id") is not None and norm_id(item["id"]) is None:
            ok = False
        if not ok:
            raise _blame("related_modules", f"$.related_modules[{i}]", in_data=False)
        out.append(str(item["api_name"]))
    return out


def _lead_ids(ids: Any) -> list[str]:
    """The `ids` of a mass convert: 1 to 50 lead ids, each as digits."""
    if ids is None:
        raise MandatoryNotFound({"api_name": "ids", "json_path": "$.ids"})
    if not isinstance(ids, list) or not ids:
        raise _blame("ids", "$.ids", in_data=False)
    if len(ids) > MASS_CONVERT_LIMIT:
        raise LimitExceeded(
            {"api_name": "ids", "limit": MASS_CONVERT_LIMIT, "json_path": "$.ids"},
            "Record count exceeded",
        )
    out = []
    for i, v in enumerate(ids):
        rid = norm_id(v)
        if rid is None:
            raise _blame("ids", f"$.ids[{i}]", in_data=False)
        out.append(rid)
    return out
