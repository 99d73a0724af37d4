"""Bulk Read criteria (`query.criteria`): parsed once when a job is created, then tested per record.

The JSON form is Zoho's (bulk_read.json `Criteria`): a condition `{"field": {"api_name": …},
"comparator": …, "value": …}` (the older `"api_name"` key is accepted too), or a group
`{"group_operator": "and"|"or", "group": [criteria, …]}`. Parsing checks the field, the
comparator against the field's type and the value's shape, so a bad query fails at create time
with one of Zoho's codes, never halfway through an export.

Comparison: text ignores case and surrounding whitespace; datetimes compare as instants (an
offset is required, since stored times carry their own); numbers numerically; lookups by id;
the value `${EMPTY}` with `equal` / `not_equal` tests for an empty field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from crmkit.sandbox.errors import ApiError

EMPTY = "${EMPTY}"
TEXT_OPS = (
    "equal",
    "not_equal",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
)
ORDER_OPS = (
    "equal",
    "not_equal",
    "in",
    "not_in",
    "greater_than",
    "greater_equal",
    "less_than",
    "less_equal",
    "between",
    "not_between",
)
COMPARATORS: dict[str, tuple[str, ...]] = {
    "text": TEXT_OPS,
    "number": ORDER_OPS,
    "datetime": ORDER_OPS,
    "date": ORDER_OPS,
    "boolean": ("equal", "not_equal"),
    "lookup": ("equal", "not_equal", "in", "not_in"),
    "id": ORDER_OPS,
}
_KIND_OF_TYPE = {
    "integer": "number",
    "bigint": "number",
    "currency": "number",
    "double": "number",
    "decimal": "number",
    "percent": "number",
    "datetime": "datetime",
    "date": "date",
    "boolean": "boolean",
    "lookup": "lookup",
    "ownerlookup": "lookup",
}
_LIST_OPS = frozenset({"in", "not_in"})
_RANGE_OPS = frozenset({"between", "not_between"})

Record = Mapping[str, Any]


def kind_of(data_type: str) -> str:
    """How a Zoho data type compares: text, number, datetime, date, boolean or lookup."""
    return _KIND_OF_TYPE.get(data_type, "text")


def _error(code: str, message: str, **details: Any) -> ApiError:
    return ApiError(400, code, details, message)


@dataclass(frozen=True)
class Condition:
    """One parsed condition; `values` are already converted to the field's comparable form."""

    field: str
    comparator: str
    kind: str
    values: tuple[Any, ...]
    empty: bool = False  # the `${EMPTY}` value

    def test(self, record: Record) -> bool:
        have = _comparable(self.kind, self.field, record)
        if self.empty:
            is_empty = have is None
            return is_empty if self.comparator == "equal" else not is_empty
        if have is None:
            return False
        op = self.comparator
        negate = op.startswith("not_")
        if negate:
            op = op[4:]
        return self._holds(op, have) != negate

    def _holds(self, op: str, have: Any) -> bool:
        if op in ("equal", "in"):
            return any(have == v for v in self.values)
        if op == "contains":
            return any(str(v) in str(have) for v in self.values)
        if op == "starts_with":
            return str(have).startswith(str(self.values[0]))
        if op == "ends_with":
            return str(have).endswith(str(self.values[0]))
        if op == "between":
            low, high = self.values
            return bool(low <= have <= high)
        limit = self.values[0]
        return bool(
            (op == "greater_than" and have > limit)
            or (op == "greater_equal" and have >= limit)
            or (op == "less_than" and have < limit)
            or (op == "less_equal" and have <= limit)
        )


@dataclass(frozen=True)
class Group:
    operator: str  # and | or
    items: tuple[Condition | Group, ...]

    def test(self, record: Record) -> bool:
        if self.operator == "and":
            return all(item.test(record) for item in self.items)
        return any(item.test(record) for item in self.items)


Criteria = Condition | Group


def _comparable(kind: str, field: str, record: Record) -> Any:
    """The record's value of `field` in comparable form, None when empty."""
    value = record.get(field)
    if value is None or value == "" or value == []:
        return None
    if kind == "lookup":
        return str(value.get("id")) if isinstance(value, Mapping) else str(value)
    if kind == "id":
        return int(value)
    if isinstance(value, Mapping):
        value = value.get("name")
    elif isinstance(value, list):
        names = [str(v.get("name") if isinstance(v, Mapping) else v) for v in value]
        value = ";".join(names)
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).strip().lower() == "true"
    text = str(value).strip()
    try:
        if kind == "number":
            return float(text)
        if kind == "datetime":
            return datetime.fromisoformat(text)
        if kind == "date":
            return date.fromisoformat(text[:10])
    except ValueError:
        return None
    return text.casefold()


def _convert(kind: str, field: str, raw: Any) -> Any:
    """A criteria value in the field's comparable form (raises Zoho's value error)."""

    def bad(expected: str) -> ApiError:
        return _error(
            "FIELD_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
            f"the value {raw!r} does not suit field {field}",
            api_name=field,
            expected_data_type=expected,
        )

    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise bad("boolean")
    if raw is None or isinstance(raw, bool | Mapping | list):
        raise bad(kind)
    if kind == "id":
        text = str(raw).strip()
        if not text.isdigit():
            raise bad("id (digits)")
        return int(text)
    if kind == "number":
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise bad("number") from None
        if math.isnan(number):
            raise bad("number")
        return number
    text = str(raw).strip()
    if kind == "datetime":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise bad("datetime (ISO 8601 with offset)") from None
        if moment.tzinfo is None:
            raise bad("datetime (ISO 8601 with offset)")
        return moment
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise bad("date (YYYY-MM-DD)") from None
    if kind == "lookup":
        return text
    return text.casefold()


def parse_criteria(
    raw: Any,
    *,
    kind_of_field: Callable[[str], str | None],
    max_conditions: int = 25,
) -> Criteria:
    """Parse `query.criteria`; `kind_of_field(api_name)` is None for a field the module lacks."""
    count = 0

    def node(item: Any, path: str) -> Criteria:
        nonlocal count
        if not isinstance(item, Mapping):
            raise _error("INVALID_CRITERIA", f"{path} must be an object", json_path=path)
        if "group" in item:
            group = item["group"]
            if not isinstance(group, Sequence) or isinstance(group, str) or not group:
                raise _error("INVALID_CRITERIA", f"{path}.group must be a non-empty list")
            operator = item.get("group_operator")
            if operator is None and len(group) > 1:
                raise _error(
                    "AMBIGUOUS_GROUP_IN_CRITERIA",
                    f"{path} groups several criteria without a group_operator",
                    json_path=path,
                )
            op = str(operator or "and").lower()
            if op not in ("and", "or"):
                raise _error(
                    "GROUP_OPERATOR_NOT_SUPPORTED",
                    f"group_operator {operator!r} is not and/or",
                    json_path=f"{path}.group_operator",
                )
            items = tuple(node(sub, f"{path}.group[{i}]") for i, sub in enumerate(group))
            return Group(op, items)
        return condition(item, path)

    def condition(item: Mapping[str, Any], path: str) -> Condition:
        nonlocal count
        ref = item.get("field")
        name = ref.get("api_name") if isinstance(ref, Mapping) else item.get("api_name")
        if not isinstance(name, str) or not name.strip():
            raise _error("INVALID_CRITERIA", f"{path} names no field api_name", json_path=path)
        name = name.strip()
        kind = "id" if name == "id" else kind_of_field(name)
        if kind is None:
            raise _error(
                "FIELD_IN_CRITERIA_NOT_AVAILABLE",
                f"field {name} is not available in criteria",
                api_name=name,
            )
        comparator = item.get("comparator")
        supported = COMPARATORS[kind]
        if not isinstance(comparator, str):
            raise _error("INVALID_CRITERIA", f"{path} has no comparator", json_path=path)
        if comparator not in supported:
            raise _error(
                "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
                f"comparator {comparator} does not apply to field {name}",
                api_name=name,
                comparator=comparator,
                supported=list(supported),
            )
        if "value" not in item:
            raise _error("INVALID_CRITERIA", f"{path} has no value", json_path=f"{path}.value")
        raw = item["value"]
        count += 1
        if count > max_conditions:
            raise _error(
                "CRITERIA_LIMIT_EXCEEDED",
                f"at most {max_conditions} conditions are allowed",
                limit=max_conditions,
            )
        if raw == EMPTY:
            if comparator not in ("equal", "not_equal"):
                raise _value_shape(name, comparator, "only equal/not_equal take ${EMPTY}")
            return Condition(name, comparator, kind, (), empty=True)
        if comparator in _LIST_OPS or comparator in _RANGE_OPS:
            if not isinstance(raw, list) or not raw:
                raise _value_shape(name, comparator, "a non-empty list")
            if comparator in _RANGE_OPS and len(raw) != 2:
                raise _value_shape(name, comparator, "a list of two values [from, to]")
            values = tuple(_convert(kind, name, v) for v in raw)
        elif isinstance(raw, list):
            raise _value_shape(name, comparator, "one value, not a list")
        else:
            values = (_convert(kind, name, raw),)
        return Condition(name, comparator, kind, values)

    return node(raw, "$.query.criteria")


def _value_shape(name: str, comparator: str, expected: str) -> ApiError:
    return _error(
        "COMPARATOR_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
        f"comparator {comparator} on {name} needs {expected}",
        api_name=name,
        comparator=comparator,
    )
