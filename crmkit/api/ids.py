"""Zoho record ids, checked before the client puts one into a URL path or a request body.

Zoho's ids are strings of up to 19 ASCII digits (a 64-bit number; zoho-api.md §2). Anything else —
a sign (`-4876…`), digits of another script (`٤٨٧٦`, which `str.isdigit` accepts), or a path
(`…009/../../org?x=`) — is refused with `InvalidIdError` naming the value, so no request is built
from it. Paths are percent-encoded as well (`path_segment`), so even a value that slipped past
could not add a segment or a query.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from crmkit.api.errors import InvalidIdError

MAX_ID_DIGITS = 19
_ZOHO_ID = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")


def is_zoho_id(value: object) -> bool:
    """True for a str or int that is 1 to 19 ASCII digits (surrounding spaces allowed)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False
    return _ZOHO_ID.fullmatch(str(value).strip()) is not None


def zoho_id(value: object, what: str) -> str:
    """`value` as a Zoho id string; `InvalidIdError` (a ValueError) naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidIdError(
            f"{what} must be a Zoho id (a string or int of digits), got {type(value).__name__}"
        )
    text = str(value).strip()
    if not text:
        raise InvalidIdError(f"{what} must not be empty")
    if _ZOHO_ID.fullmatch(text) is None:
        raise InvalidIdError(
            f"{what} {text[:60]!r} is not a Zoho id: Zoho ids are 1 to {MAX_ID_DIGITS} ASCII "
            "digits (0-9), nothing else"
        )
    return text


def path_segment(text: str) -> str:
    """One URL path segment, percent-encoded: `/`, `?`, `#`, `..` cannot change the URL."""
    return quote(text, safe="")
