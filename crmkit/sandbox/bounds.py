"""Bounds on what the rules parse: JSON nesting and search criteria (length, parenthesis depth).

The JSON decoder and the criteria parser recurse; 100,000 nested brackets or 3,000 nested
parentheses would end in RecursionError, an answer 500 that says the sandbox broke when the
request was at fault. Both are refused here with Zoho's 400 body. Real bodies nest a handful of
levels and real criteria (at most 10 conditions) a few parentheses, so the bounds are generous.
"""

from __future__ import annotations

import json
import re
from typing import Any

from crmkit.sandbox.exceptions import InvalidData, InvalidQuery

MAX_JSON_DEPTH = 64
MAX_CRITERIA_LENGTH = 4096
MAX_CRITERIA_DEPTH = 32

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")


def _nests_deeper(raw: bytes, limit: int) -> bool:
    """True when balanced brackets in `raw` nest deeper than `limit`, found without recursion.

    Strings are cut out, everything but brackets deleted, then innermost empty pairs are removed
    once per level: brackets left after `limit` rounds nest deeper. Unbalanced input answers False
    and is left to the decoder (which refuses it, or runs out of stack: caught as too deep).
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    for _ in range(limit):
        brackets, removed = _EMPTY_PAIR.subn(b"", brackets)
        if not brackets or not removed:
            return False
    return bool(brackets)


def _too_deep() -> InvalidData:
    return InvalidData(
        {"max_depth": MAX_JSON_DEPTH}, f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels"
    )


def parse_json(raw: bytes) -> Any:
    """A request body as JSON; Zoho's 400 `INVALID_DATA` when it is not JSON or nests too deep."""
    if _nests_deeper(raw, MAX_JSON_DEPTH):
        raise _too_deep()
    try:
        return json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # UnicodeDecodeError included
        raise InvalidData({}, "body is not in JSON format") from None


def check_criteria(criteria: str) -> None:
    """Refuse criteria longer than MAX_CRITERIA_LENGTH or nesting deeper than MAX_CRITERIA_DEPTH."""
    depth = deepest = 0
    escaped = False
    for c in criteria:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif c == ")":
            depth -= 1
    if deepest > MAX_CRITERIA_DEPTH:
        raise _bad_query(f"criteria nest deeper than {MAX_CRITERIA_DEPTH} parentheses")
    if len(criteria) > MAX_CRITERIA_LENGTH:
        raise _bad_query(f"criteria longer than {MAX_CRITERIA_LENGTH} characters")


def _bad_query(reason: str) -> InvalidQuery:
    return InvalidQuery({"reason": reason})
