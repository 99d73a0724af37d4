"""Reading records as Zoho serves them: rendering, listing with pagination, search, metadata."""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.loader import Record, module_fields
from crmkit.sandbox.rules import field_exists, field_ref, layout_ref, lead_mapping, module_ref
from crmkit.sandbox.store import Store, fold

MAX_FIELDS = 50
MAX_PER_PAGE = 200
DISCRETE_LIMIT = 2_000
TOKEN_LIMIT = 100_000
TOKEN_TTL_S = 24 * 3600
SYSTEM_KEYS = ("$approval_state", "$converted_detail", "$contact_role")


def visible_fields(org: dict[str, Any], module: str) -> list[str]:
    return [
        f
        for f in module_fields(module, org["custom_fields"].get(module, []))
        if field_exists(org, module, f)
    ]


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


def render(org: dict[str, Any], module: str, rec: Record, fields: list[str] | None) -> Record:
    """A record as the API answers it: `id` plus the requested (or all) fields."""
    names = visible_fields(org, module) if fields is None else fields
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


def check_module(org: dict[str, Any], module: str) -> None:
    if module not in catalog.MODULES or module in org["removed_modules"]:
        raise ApiError(400, "INVALID_MODULE", {"resource_path_index": 0})


def parse_fields(
    org: dict[str, Any], module: str, raw: str | None, *, required: bool
) -> list[str] | None:
    if raw is None or not raw.strip():
        if required:
            raise ApiError(400, "REQUIRED_PARAM_MISSING", {"param_name": "fields"})
        return None
    names = [f.strip() for f in raw.split(",") if f.strip()]
    if len(names) > MAX_FIELDS:
        raise ApiError(400, "LIMIT_EXCEEDED", {"param_name": "fields", "limit": MAX_FIELDS})
    known = set(visible_fields(org, module)) | {"id"}
    for n in names:
        if n not in known:
            raise ApiError(
                400,
                "INVALID_DATA",
                {"api_name": n, "param_name": "fields"},
                "the field name given seems to be invalid",
            )
    return list(dict.fromkeys(names))


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400, "INVALID_DATA", {"param_name": name, "expected_data_type": "integer"}
        ) from None
    if value < 1:
        raise ApiError(400, "INVALID_DATA", {"param_name": name}, f"{name} must be >= 1")
    return value


def _choice(params: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise ApiError(400, "INVALID_DATA", {"param_name": name, "supported_values": list(allowed)})
    return value


def visible(module: str, record: Record, params: dict[str, str]) -> bool:
    """Whether a record read by id is shown: a converted lead only with `converted=true|both`.

    **Decision:** reading one lead by id follows the listing's `converted` rule (default false),
    so a client settling a lost conversion must ask with `converted=both`.
    """
    converted = _choice(params, "converted", "false", ("true", "false", "both"))
    if module != "Leads" or converted == "both":
        return True
    return bool(record.get("Converted__s")) == (converted == "true")


def list_records(
    store: Store,
    org: dict[str, Any],
    module: str,
    params: dict[str, str],
    page_tokens: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    """`GET /crm/v8/{module}`: the envelope, or None for 204."""
    check_module(org, module)
    fields = parse_fields(org, module, params.get("fields"), required=True)
    per_page = min(_int_param(params, "per_page", MAX_PER_PAGE), MAX_PER_PAGE)
    converted = _choice(params, "converted", "false", ("true", "false", "both"))
    if module != "Leads":
        converted = "both"
    sort_by = _choice(params, "sort_by", "id", ("id", "Created_Time", "Modified_Time"))
    sort_order = _choice(params, "sort_order", "desc", ("asc", "desc"))
    ids = None
    if params.get("ids"):
        ids = [i.strip() for i in params["ids"].split(",") if i.strip()]
        if len(ids) > 100:
            raise ApiError(400, "LIMIT_EXCEEDED", {"param_name": "ids", "limit": 100})
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
            raise ApiError(400, "INVALID_DATA", {"param_name": "page_token"}, "invalid page_token")
        if entry["bound"] != bound:
            raise ApiError(400, "TOKEN_BOUND_DATA_MISMATCH", {"param_name": "page_token"})
        offset = entry["offset"]
        if offset >= TOKEN_LIMIT:
            raise ApiError(400, "PAGINATION_LIMIT_EXCEEDED", {"limit": TOKEN_LIMIT})
        page = offset // per_page + 1
    else:
        page = _int_param(params, "page", 1)
        if page * per_page > DISCRETE_LIMIT:
            raise ApiError(400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED", {"limit": DISCRETE_LIMIT})
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


# -- search --------------------------------------------------------------------------------------
_OPS = (
    "equals",
    "not_equal",
    "starts_with",
    "in",
    "greater_than",
    "greater_equal",
    "less_than",
    "less_equal",
)
_CONTAINS_TYPES = ("text", "textarea")


def _tokenize(criteria: str) -> list[str]:
    """Split `((A:equals:x)and(B:in:y,z))` into parens, `and`/`or` and raw conditions."""
    out: list[str] = []
    i = 0
    while i < len(criteria):
        c = criteria[i]
        if c.isspace():
            i += 1
        elif c in "()":
            # a condition starts after "(" when the next char is not "("
            if c == "(" and i + 1 < len(criteria) and criteria[i + 1] != "(":
                j, buf = i + 1, []
                while j < len(criteria):
                    if criteria[j] == "\\" and j + 1 < len(criteria):
                        buf.append(criteria[j : j + 2])
                        j += 2
                        continue
                    if criteria[j] == ")":
                        break
                    buf.append(criteria[j])
                    j += 1
                if j >= len(criteria):
                    raise _bad_query("unbalanced parentheses")
                out.append("COND:" + "".join(buf))
                i = j + 1
            else:
                out.append(c)
                i += 1
        else:
            m = re.match(r"(and|or)\b", criteria[i:], re.IGNORECASE)
            if not m:
                raise _bad_query(f"unexpected text at position {i}")
            out.append(m.group(1).lower())
            i += len(m.group(1))
    return out


def _bad_query(reason: str, api_name: str | None = None) -> ApiError:
    details: dict[str, Any] = {"reason": reason}
    if api_name:
        details["api_name"] = api_name
    return ApiError(400, "INVALID_QUERY", details)


Cond = tuple[str, str, list[str]]


def parse_criteria(org: dict[str, Any], module: str, criteria: str) -> Any:
    """Criteria -> nested tuples ("and"|"or", [...]) / ("cond", field, op, values)."""
    tokens = _tokenize(criteria)
    pos = 0
    n_conds = 0

    def cond(raw: str) -> Any:
        nonlocal n_conds
        parts = re.split(r"(?<!\\):", raw, maxsplit=2)
        if len(parts) != 3:
            raise _bad_query(f"condition {raw!r} is not field:operator:value")
        name, op, value = parts[0].strip(), parts[1].strip(), parts[2]
        if name != "id" and not field_exists(org, module, name):
            raise _bad_query("invalid field", name)
        if op not in _OPS:
            raise _bad_query(f"unsupported operator {op!r}", name)
        values = (
            [re.sub(r"\\(.)", r"\1", v) for v in re.split(r"(?<!\\),", value)]
            if op == "in"
            else [re.sub(r"\\(.)", r"\1", value)]
        )
        if any(len(v.strip()) < 2 for v in values) and data_type(module, name) in _CONTAINS_TYPES:
            raise _bad_query("search value must have at least 2 characters", name)
        n_conds += 1
        return ("cond", name, op, values)

    def expr() -> Any:
        nonlocal pos
        items = [term()]
        ops = []
        while pos < len(tokens) and tokens[pos] in ("and", "or"):
            ops.append(tokens[pos])
            pos += 1
            items.append(term())
        if not ops:
            return items[0]
        if len(set(ops)) > 1:
            raise _bad_query("mix of and/or needs parentheses")
        return (ops[0], items)

    def term() -> Any:
        nonlocal pos
        if pos >= len(tokens):
            raise _bad_query("criteria ends too early")
        tok = tokens[pos]
        pos += 1
        if tok.startswith("COND:"):
            return cond(tok[5:])
        if tok == "(":
            inner = expr()
            if pos >= len(tokens) or tokens[pos] != ")":
                raise _bad_query("unbalanced parentheses")
            pos += 1
            return inner
        raise _bad_query(f"unexpected {tok!r}")

    tree = expr()
    if pos != len(tokens):
        raise _bad_query("unexpected text after criteria")
    if n_conds > 10:
        raise _bad_query("at most 10 conditions are allowed")
    return tree


def _values_of(rec: Record, name: str) -> list[str]:
    v = rec.get(name)
    if v is None:
        return []
    if isinstance(v, bool):
        return ["true" if v else "false"]
    if isinstance(v, dict):
        return [str(x) for x in (v.get("name"), v.get("id")) if x]
    if isinstance(v, list):
        return [str(t.get("name")) for t in v if isinstance(t, dict)]
    return [str(v)]


def _eval(module: str, tree: Any, rec: Record) -> bool:
    kind = tree[0]
    if kind == "and":
        return all(_eval(module, t, rec) for t in tree[1])
    if kind == "or":
        return any(_eval(module, t, rec) for t in tree[1])
    _, name, op, values = tree
    have = [rec["id"]] if name == "id" else _values_of(rec, name)
    dtype = "bigint" if name == "id" else data_type(module, name)
    if op == "not_equal":
        return not _eval(module, ("cond", name, "equals", values), rec)
    for h in have:
        for v in values:
            if op in ("equals", "in"):
                if dtype in _CONTAINS_TYPES and op == "equals":
                    if fold(v) in fold(h):
                        return True
                elif fold(v) == fold(h):
                    return True
            elif op == "starts_with":
                if fold(h).startswith(fold(v)):
                    return True
            else:
                a: Any = h
                b: Any = v
                if dtype in ("integer", "currency", "bigint"):
                    with contextlib.suppress(ValueError):
                        a, b = float(h), float(v)
                if (
                    (op == "greater_than" and a > b)
                    or (op == "greater_equal" and a >= b)
                    or (op == "less_than" and a < b)
                    or (op == "less_equal" and a <= b)
                ):
                    return True
    return False


_EMAIL_FIELDS = ("Email", "Secondary_Email")


def _phone_hit(have: str, wanted: str) -> bool:
    """Digits equal, or one ends with the other (a national number finds its +CC form)."""
    if not have or len(wanted) < 7 or len(have) < 7:
        return have == wanted and bool(have)
    return have.endswith(wanted) or wanted.endswith(have)


_PHONE_FIELDS = ("Phone", "Mobile", "Fax", "Home_Phone", "Other_Phone")


def search_records(
    store: Store, org: dict[str, Any], module: str, params: dict[str, str]
) -> dict[str, Any] | None:
    """`GET /crm/v8/{module}/search`: criteria, email, phone or word; None for 204."""
    check_module(org, module)
    fields = parse_fields(org, module, params.get("fields"), required=False)
    per_page = min(_int_param(params, "per_page", MAX_PER_PAGE), MAX_PER_PAGE)
    page = _int_param(params, "page", 1)
    if page * per_page > DISCRETE_LIMIT:
        raise ApiError(
            400, "LIMIT_EXCEEDED", {"limit": DISCRETE_LIMIT}, "search returns at most 2000 records"
        )
    converted = _choice(params, "converted", "false", ("true", "false", "both"))
    given = [k for k in ("criteria", "email", "phone", "word") if params.get(k)]
    if not given:
        raise ApiError(400, "REQUIRED_PARAM_MISSING", {"param_name": "criteria|email|phone|word"})
    if len(given) > 1:
        raise ApiError(400, "INVALID_QUERY", {"reason": "give one of criteria, email, phone, word"})
    key = given[0]
    value = params[key]
    if key == "criteria":
        tree = parse_criteria(org, module, value)

        def test(rec: Record) -> bool:
            return _eval(module, tree, rec)
    else:
        if len(value.strip()) < 2:
            raise _bad_query("search value must have at least 2 characters", key)
        if key == "email":
            names = [f for f in _EMAIL_FIELDS if field_exists(org, module, f)]

            def test(rec: Record) -> bool:
                return any(fold(value) == fold(x) for f in names for x in _values_of(rec, f))
        elif key == "phone":
            digits = re.sub(r"\D", "", value)
            names = [f for f in _PHONE_FIELDS if field_exists(org, module, f)]

            def test(rec: Record) -> bool:
                return bool(digits) and any(
                    _phone_hit(re.sub(r"\D", "", x), digits)
                    for f in names
                    for x in _values_of(rec, f)
                )
        else:
            names = [
                f
                for f in visible_fields(org, module)
                if data_type(module, f) in ("text", "textarea", "email", "phone", "website")
            ]

            def test(rec: Record) -> bool:
                return any(fold(value) in fold(x) for f in names for x in _values_of(rec, f))

    hits: list[Record] = []
    offset = 0
    while True:
        batch = store.page(
            module, converted=converted if module == "Leads" else "both", offset=offset, limit=1000
        )
        hits.extend(r for r in batch if test(r))
        if len(batch) < 1000 or len(hits) >= DISCRETE_LIMIT:
            break
        offset += 1000
    hits = hits[:DISCRETE_LIMIT]
    start = (page - 1) * per_page
    chunk = hits[start : start + per_page]
    if not chunk:
        return None
    return {
        "data": [render(org, module, r, fields) for r in chunk],
        "info": {
            "per_page": per_page,
            "count": len(chunk),
            "page": page,
            "more_records": start + per_page < len(hits),
        },
    }


# -- metadata ------------------------------------------------------------------------------------
def fields_meta(org: dict[str, Any], module: str) -> dict[str, Any]:
    check_module(org, module)
    unique = {u["api_name"]: u["casesensitive"] for u in org["unique_fields"].get(module, [])}
    mappings = {t: lead_mapping(org, t) for t in ("Contacts", "Accounts", "Deals")}
    pipelines_on = bool(org["pipelines"])
    out = []
    for name in visible_fields(org, module):
        fd = catalog.standard_field(module, name)
        dtype = fd.data_type if fd else "text"
        meta: dict[str, Any] = {
            "api_name": name,
            "id": field_ref(module, name)["id"],
            "field_label": name.replace("__s", "").replace("_", " "),
            "display_label": name.replace("__s", "").replace("_", " "),
            "data_type": dtype,
            "json_type": _json_type(dtype, name),
            "length": fd.length if fd else 255,
            "system_mandatory": bool(fd and fd.system_mandatory)
            or (module == "Deals" and name == "Pipeline" and pipelines_on),
            "read_only": bool(fd and fd.read_only),
            "custom_field": fd is None,
            "visible": True,
            "unique": {"casesensitive": "true" if unique[name] else "false"}
            if name in unique
            else {},
        }
        # Zoho sends the key on every field: an empty list when it is not a picklist
        meta["pick_list_values"] = [
            {
                "display_value": v,
                "actual_value": v,
                "id": catalog.stable_id("pick", v),
                "sequence_number": i,
                "type": "used",
            }
            for i, v in enumerate(_picklist(org, module, name) if dtype == "picklist" else [], 1)
        ]
        if fd is not None and fd.lookup in catalog.MODULES:
            meta["lookup"] = {"module": module_ref(fd.lookup)}
        if module == "Leads":
            meta["convert_mapping"] = {
                t: mappings[t].get(name) for t in ("Contacts", "Accounts", "Deals")
            }
        out.append(meta)
    return {"fields": out}


def _json_type(dtype: str, name: str) -> str:
    if name == "Tag":
        return "jsonarray"
    return {
        "integer": "integer",
        "currency": "double",
        "boolean": "boolean",
        "lookup": "jsonobject",
        "ownerlookup": "jsonobject",
    }.get(dtype, "string")


def _picklist(org: dict[str, Any], module: str, name: str) -> list[str]:
    if module == "Deals" and name == "Stage":
        stages: list[str] = []
        for s in org["pipelines"].values():
            stages += [x for x in s if x not in stages]
        return stages
    if module == "Deals" and name == "Pipeline":
        return list(org["pipelines"])
    return list(catalog.PICKLISTS.get(name, ()))


def layouts_meta(org: dict[str, Any], module: str) -> dict[str, Any]:
    check_module(org, module)
    out = []
    for name in org["layouts"][module]:
        lay: dict[str, Any] = {**layout_ref(module, name), "status": "active", "visible": True}
        if module == "Leads":
            conv: dict[str, Any] = {}
            for target in ("Contacts", "Accounts", "Deals"):
                if target in org["removed_modules"]:
                    conv[target] = None
                    continue
                entry: dict[str, Any] = {
                    "id": layout_ref(target, org["layouts"][target][0])["id"],
                    "name": org["layouts"][target][0],
                }
                if target == "Deals":
                    required = ["Deal_Name", "Closing_Date", "Stage"] + (
                        ["Pipeline"] if org["pipelines"] else []
                    )
                    entry["fields"] = [
                        {**field_ref("Deals", f), "required": True} for f in required
                    ]
                conv[target] = entry
            lay["convert_mapping"] = conv
        out.append(lay)
    return {"layouts": out}


def modules_meta(org: dict[str, Any]) -> dict[str, Any]:
    out = []
    for m in catalog.MODULES:
        hidden = m in org["removed_modules"]
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
