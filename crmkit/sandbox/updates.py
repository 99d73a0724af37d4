"""Update Records (`PUT /crm/v8/{module}`): up to 100 records a call, one answer per record.

Why each record is checked and written on its own: Zoho answers every record of the call apart
(`SUCCESS`, or an error naming the record's field), so one bad value refuses its record only. A
record is written whole or not at all; the call's HTTP status is 200 whatever the mix (record.json
documents 200 only for this operation); only a body that is not a list of 1-100 records is refused
as a whole (400). Rules, in order per record: an object with a known `id` (INVALID_DATA `{id}`),
not locked (RECORD_LOCKED), not a converted lead, then each field: known, writable (read-only
fields are refused: INVALID_DATA), of its type (INVALID_DATA with `expected_data_type`), a picklist
value among the field's `pick_list_values`, a mandatory field not emptied (MANDATORY_NOT_FOUND).
A success moves `Modified_Time`. Credits: 1 per 10 records (zoho-api.md §3), `update_credits`.
"""

from __future__ import annotations

import math
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.bodies import norm_id
from crmkit.sandbox.conversion import now_iso
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.exceptions import (
    IdAlreadyConverted,
    InvalidData,
    LimitExceeded,
    MandatoryNotFound,
    RecordLocked,
)
from crmkit.sandbox.loader import Record
from crmkit.sandbox.metadata import picklist_of
from crmkit.sandbox.org import Org
from crmkit.sandbox.store import Store
from crmkit.sandbox.views import check_module

__all__ = ["MAX_RECORDS", "TRIGGERS", "update_credits", "update_records"]

MAX_RECORDS = 100
RECORDS_PER_CREDIT = 10
TRIGGERS = ("approval", "workflow", "blueprint", "pathfinder", "orchestration")
UPDATABLE = ("Leads", "Contacts", "Accounts", "Deals")
# Zoho's json types of the values a field of each data type takes (fields.json `json_type`).
_EXPECTED = {"integer": "integer", "currency": "double", "boolean": "boolean"}
_LOOKUPS = ("lookup", "ownerlookup")


def update_credits(body: Any) -> int:
    """Credits the call costs: 1 per 10 records (at least 1, also for a body refused whole)."""
    data = body.get("data") if isinstance(body, dict) else None
    count = len(data) if isinstance(data, list) else 0
    return max(1, math.ceil(min(count, MAX_RECORDS) / RECORDS_PER_CREDIT))


def update_records(store: Store, org: Org, module: str, body: Any) -> dict[str, Any]:
    """`{"data": [one answer per record, in request order]}`; each record written or refused."""
    check_module(org, module)
    if module not in UPDATABLE:
        raise InvalidData({"api_name": "module"}, "the module does not take updates here")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not data:
        raise InvalidData({"api_name": "data", "json_path": "$.data"}, "body")
    if len(data) > MAX_RECORDS:
        raise LimitExceeded(
            {"api_name": "data", "json_path": "$.data", "limit": MAX_RECORDS},
            "Record count exceeded",
        )
    _check_trigger(body.get("trigger"))
    answers: list[dict[str, Any]] = []
    with store.transaction():
        for i, item in enumerate(data):
            try:
                answers.append(_update_one(store, org, module, item, f"$.data[{i}]"))
            except ApiError as err:
                answers.append(err.body())
    return {"data": answers}


def _check_trigger(trigger: Any) -> None:
    if trigger is None:
        return
    if not isinstance(trigger, list) or not all(t in TRIGGERS for t in trigger):
        raise InvalidData({"api_name": "trigger", "json_path": "$.trigger"})


def _update_one(store: Store, org: Org, module: str, item: Any, at: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise InvalidData({"json_path": at})
    if "id" not in item:
        raise MandatoryNotFound({"api_name": "id", "json_path": f"{at}.id"})
    rid = norm_id(item["id"])
    rec = store.get(module, rid) if rid else None
    if rid is None or rec is None:
        raise InvalidData({"id": str(item["id"])}, "the id given seems to be invalid")
    if rec.get("Locked__s") is True or str(rec.get("Locked__s")).lower() == "true":
        raise RecordLocked({"id": rid})
    if module == "Leads" and rec.get("Converted__s") is True:
        raise IdAlreadyConverted({"id": rid}, "can't update the converted record")
    changes = {k: v for k, v in item.items() if k != "id"}
    for name, value in changes.items():
        _check_field(org, module, name, value, f"{at}.{name}")
    ts = now_iso()
    updated: Record = {**rec, **changes, "Modified_Time": ts}
    if module in ("Contacts", "Leads") and ({"First_Name", "Last_Name"} & set(changes)):
        parts = [updated.get("First_Name"), updated.get("Last_Name")]
        updated["Full_Name"] = " ".join(str(p) for p in parts if p)
    store.put(module, updated)
    admin = {"name": org.admin.full_name, "id": org.admin.id}
    owner = rec.get("Owner") if isinstance(rec.get("Owner"), dict) else admin
    return {
        "code": "SUCCESS",
        "details": {
            "Modified_Time": ts,
            "Modified_By": admin,
            "Created_Time": rec.get("Created_Time"),
            "id": rid,
            "Created_By": rec.get("Created_By") or owner,
        },
        "message": "record updated",
        "status": "success",
    }


def _check_field(org: Org, module: str, name: str, value: Any, at: str) -> None:
    """One field of one record, as Zoho checks it before writing anything of the record."""
    details: dict[str, Any] = {"api_name": name, "json_path": at}
    if not org.has_field(module, name):
        raise InvalidData(details)
    fd = catalog.standard_field(module, name)
    dtype = fd.data_type if fd else "text"
    if fd is not None and fd.read_only:
        raise InvalidData(details, "the field is read only")
    if value is None or (isinstance(value, str) and not value.strip()):
        if fd is not None and fd.system_mandatory:
            raise MandatoryNotFound(details)
        return
    expected = _EXPECTED.get(dtype)
    if dtype in _LOOKUPS:
        ok = isinstance(value, dict) and norm_id(value.get("id")) is not None
        if not ok:
            raise InvalidData({**details, "expected_data_type": "jsonobject"})
        if dtype == "ownerlookup" and org.active_user(str(value["id"])) is None:
            raise InvalidData(details, "the id given seems to be invalid")
        return
    if expected is not None and not _of_type(value, expected):
        raise InvalidData({**details, "expected_data_type": expected})
    if dtype == "picklist":
        allowed = picklist_of(org, module, name)
        if not isinstance(value, str) or value not in allowed:
            raise InvalidData({**details, "expected_data_type": "picklist"})
        return
    if expected is None and name != "Tag" and not _scalar(value):
        raise InvalidData({**details, "expected_data_type": "string"})


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _of_type(value: Any, expected: str) -> bool:
    if expected == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return expected == "double" or float(value).is_integer()
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return False
        return expected == "double" or number.is_integer()
    return False
