"""Reading records as Zoho serves them: rendering, the query parameters, listing, one record.

Search (`search.py`) and metadata (`metadata.py`) render records and check parameters with the
helpers here, so every read call answers a field, a bad `fields` or a bad `per_page` the same way.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.bodies import norm_id
from crmkit.sandbox.exceptions import (
    DiscretePaginationLimitExceeded,
    InvalidData,
    InvalidModule,
    LimitExceeded,
    PaginationLimitExceeded,
    RequiredParamMissing,
    TokenBoundDataMismatch,
)
from crmkit.sandbox.loader import Record
from crmkit.sandbox.org import Org
from crmkit.sandbox.store import Store

MAX_FIELDS = 50
MAX_PER_PAGE = 200
DISCRETE_LIMIT = 2_000
TOKEN_LIMIT = 100_000
TOKEN_TTL_S = 24 * 3600
SYSTEM_KEYS = ("$approval_state", "$converted_detail")


def data_type(module: str, api_name: str) -> str:
    fd = catalog.standard_field(module, api_name)
    return fd.data_type if fd else "text"


def render_value(module: str, api_name: str, value: Any) -> Any:
    """Stored value -> JSON value of the field's declared type (numbers as numbers)."""
    if value is None or not isinstance(value, str):
        return value
    dtype = data_type(module, api_name)
    try:
        if dtype == "integer":
            return int(value)
        if dtype == "currency":
            return float(value)
    except ValueError:
        return value
    return value


def render(org: Org, module: str, rec: Record, fields: list[str] | None) -> Record:
    """A record as the API answers it: `id` plus the requested (or all) fields."""
    names = org.fields(module) if fields is None else fields
    out: Record = {"id": rec["id"]}
    for name in names:
        if name == "id":
            continue
        v = rec.get(name)
        if name == "Tag" and v is None:
            v = []
        out[name] = render_value(module, name, v)
    if fields is None:
        for k in SYSTEM_KEYS:
            if k in rec:
                out[k] = rec[k]
    else:
        out.setdefault("$approval_state", rec.get("$approval_state", "approved"))
    return out


def check_module(org: Org, module: str) -> None:
    if module not in catalog.MODULES or org.removed(module):
        raise InvalidModule({"resource_path_index": 0})


def parse_fields(org: Org, module: str, raw: str | None, *, required: bool) -> list[str] | None:
    """The `fields` parameter: at most 50 known names, duplicates dropped (None: all fields)."""
    if raw is None or not raw.strip():
        if required:
            raise RequiredParamMissing({"param_name": "fields"})
        return None
    names = [f.strip() for f in raw.split(",") if f.strip()]
    if len(names) > MAX_FIELDS:
        raise LimitExceeded(
            {"param_name": "fields", "limit": MAX_FIELDS}, "Max field limit exceeded"
        )
    for n in names:
        if n != "id" and not org.has_field(module, n):
            raise InvalidData(
                {"api_name": n, "param_name": "fields"}, "the field name given seems to be invalid"
            )
    return list(dict.fromkeys(names))


def int_param(params: dict[str, str], name: str, default: int) -> int:
    """A positive integer parameter (`page`, `per_page`)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidData({"param_name": name, "expected_data_type": "integer"}) from None
    if value < 1:
        raise InvalidData({"param_name": name}, f"{name} must be >= 1")
    return value


def choice(params: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise InvalidData({"param_name": name, "supported_values": list(allowed)})
    return value


def visible(module: str, record: Record, params: dict[str, str]) -> bool:
    """Whether a record read by id is shown: a converted lead only with `converted=true|both`.

    **Decision:** reading one lead by id follows the listing's `converted` rule (default false),
    so a client settling a lost conversion must ask with `converted=both`.
    """
    converted = choice(params, "converted", "false", ("true", "false", "both"))
    if module != "Leads" or converted == "both":
        return True
    return bool(record.get("Converted__s")) == (converted == "true")


def get_record(
    store: Store, org: Org, module: str, record_id: str, params: dict[str, str]
) -> dict[str, Any] | None:
    """`GET /crm/v8/{module}/{id}`: the envelope, or None for 204 (unknown or hidden)."""
    check_module(org, module)
    fields = parse_fields(org, module, params.get("fields"), required=False)
    rid = norm_id(record_id)
    rec = store.get(module, rid) if rid else None
    if rec is None or not visible(module, rec, params):
        return None
    return {"data": [render(org, module, rec, fields)]}


def list_records(
    store: Store,
    org: Org,
    module: str,
    params: dict[str, str],
    page_tokens: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    """`GET /crm/v8/{module}`: the envelope, or None for 204."""
    check_module(org, module)
    fields = parse_fields(org, module, params.get("fields"), required=True)
    per_page = min(int_param(params, "per_page", MAX_PER_PAGE), MAX_PER_PAGE)
    converted = choice(params, "converted", "false", ("true", "false", "both"))
    if module != "Leads":
        converted = "both"
    sort_by = choice(params, "sort_by", "id", ("id", "Created_Time", "Modified_Time"))
    sort_order = choice(params, "sort_order", "desc", ("asc", "desc"))
    ids = None
    if params.get("ids"):
        ids = [i.strip() for i in params["ids"].split(",") if i.strip()]
        if len(ids) > 100:
            raise LimitExceeded({"param_name": "ids", "limit": 100}, "Record count exceeded")
    bound = {
        "module": module,
        "fields": params.get("fields"),
        "per_page": per_page,
        "converted": converted,
        "sort_by": sort_by,
        "sort_order": sort_order,
        "ids": ids,
    }
    token = params.get("page_token")
    if token:
        entry = page_tokens.get(token)
        if entry is None or entry["expires"] < time.time():
            raise InvalidData({"param_name": "page_token"}, "invalid page_token")
        if entry["bound"] != bound:
            raise TokenBoundDataMismatch({"param_name": "page_token"})
        offset = entry["offset"]
        if offset >= TOKEN_LIMIT:
            raise PaginationLimitExceeded({"limit": TOKEN_LIMIT})
        page = offset // per_page + 1
    else:
        page = int_param(params, "page", 1)
        if page * per_page > DISCRETE_LIMIT:
            raise DiscretePaginationLimitExceeded({"limit": DISCRETE_LIMIT})
        offset = (page - 1) * per_page
    limit = min(per_page, TOKEN_LIMIT - offset)
    rows = store.page(
        module,
        converted=converted,
        sort_by=sort_by,
        sort_order=sort_order,
        offset=offset,
        limit=limit + 1,
        ids=ids,
    )
    more = len(rows) > limit and offset + limit < TOKEN_LIMIT
    rows = rows[:limit]
    if not rows:
        return None

    def mint(at: int) -> tuple[str, str]:
        tok = secrets.token_hex(20)
        expires = time.time() + TOKEN_TTL_S
        page_tokens[tok] = {"bound": bound, "offset": at, "expires": expires}
        return tok, time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(expires))

    nxt, expiry = mint(offset + limit) if more else (None, None)
    prev = mint(offset - per_page)[0] if token and offset >= per_page else None
    return {
        "data": [render(org, module, r, fields) for r in rows],
        "info": {
            "call": False,  # listing rows carry no call/e-mail activity flags
            "per_page": per_page,
            "count": len(rows),
            "page": page,
            "sort_by": sort_by,
            "sort_order": sort_order,
            "more_records": more,
            "next_page_token": nxt,
            "previous_page_token": prev,
            "page_token_expiry": expiry,
            "email": False,
        },
    }
