"""`GET /crm/v8/{module}/search`: criteria (`and`/`or`, parentheses, operators), email, phone, word.

Search scans the module's records and tests each (the store's value index serves exact matching,
not Zoho's "contains" on text fields); at most 2,000 results, as in Zoho.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

from crmkit.sandbox.bounds import check_criteria
from crmkit.sandbox.exceptions import InvalidQuery, LimitExceeded, RequiredParamMissing
from crmkit.sandbox.loader import Record
from crmkit.sandbox.org import Org
from crmkit.sandbox.store import Store, fold
from crmkit.sandbox.views import (
    DISCRETE_LIMIT,
    MAX_PER_PAGE,
    check_module,
    choice,
    data_type,
    int_param,
    parse_fields,
    render,
)

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


def _bad_query(reason: str, api_name: str | None = None) -> InvalidQuery:
    details: dict[str, Any] = {"reason": reason}
    if api_name:
        details["api_name"] = api_name
    return InvalidQuery(details)


Cond = tuple[str, str, list[str]]


def parse_criteria(org: Org, module: str, criteria: str) -> Any:
    """Criteria -> nested tuples ("and"|"or", [...]) / ("cond", field, op, values)."""
    check_criteria(criteria)  # bounded first: the parser below recurses
    tokens = _tokenize(criteria)
    pos = 0
    n_conds = 0

    def cond(raw: str) -> Any:
        nonlocal n_conds
        parts = re.split(r"(?<!\\):", raw, maxsplit=2)
        if len(parts) != 3:
            raise _bad_query(f"condition {raw!r} is not field:operator:value")
        name, op, value = parts[0].strip(), parts[1].strip(), parts[2]
        if name != "id" and not org.has_field(module, name):
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
_WORD_TYPES = ("text", "textarea", "email", "phone", "website")


def _matcher(org: Org, module: str, key: str, value: str) -> Callable[[Record], bool]:
    """The test a record must pass for one of `criteria`, `email`, `phone` or `word`."""
    if key == "criteria":
        tree = parse_criteria(org, module, value)
        return lambda rec: _eval(module, tree, rec)
    if len(value.strip()) < 2:
        raise _bad_query("search value must have at least 2 characters", key)
    if key == "email":
        names = [f for f in _EMAIL_FIELDS if org.has_field(module, f)]
        return lambda rec: any(fold(value) == fold(x) for f in names for x in _values_of(rec, f))
    if key == "phone":
        digits = re.sub(r"\D", "", value)
        names = [f for f in _PHONE_FIELDS if org.has_field(module, f)]
        return lambda rec: (
            bool(digits)
            and any(
                _phone_hit(re.sub(r"\D", "", x), digits) for f in names for x in _values_of(rec, f)
            )
        )
    names = [f for f in org.fields(module) if data_type(module, f) in _WORD_TYPES]
    return lambda rec: any(fold(value) in fold(x) for f in names for x in _values_of(rec, f))


def search_records(
    store: Store, org: Org, module: str, params: dict[str, str]
) -> dict[str, Any] | None:
    """`GET /crm/v8/{module}/search`: criteria, email, phone or word; None for 204."""
    check_module(org, module)
    fields = parse_fields(org, module, params.get("fields"), required=False)
    per_page = min(int_param(params, "per_page", MAX_PER_PAGE), MAX_PER_PAGE)
    page = int_param(params, "page", 1)
    if page * per_page > DISCRETE_LIMIT:
        raise LimitExceeded({"limit": DISCRETE_LIMIT}, "search returns at most 2000 records")
    converted = choice(params, "converted", "false", ("true", "false", "both"))
    given = [k for k in ("criteria", "email", "phone", "word") if params.get(k)]
    if not given:
        raise RequiredParamMissing({"param_name": "criteria|email|phone|word"})
    if len(given) > 1:
        raise InvalidQuery({"reason": "give one of criteria, email, phone, word"})
    test = _matcher(org, module, given[0], params[given[0]])
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
