"""Zoho-shaped errors raised by the rules and turned into JSON bodies by the routes.

`exceptions.py` has one subclass per code (with its status); this keeps the body and messages.
The messages are Zoho's wording wherever its documentation quotes one (zoho-api.md, the OpenAPI
files' `message` enums: record.json, convert_lead.json, …); tests/sandbox pin them.
"""

from __future__ import annotations

from typing import Any

from crmkit.errors import CrmkitError

MESSAGES = {
    "INVALID_DATA": "invalid data",
    "ID_ALREADY_CONVERTED": "id already converted",
    "MANDATORY_NOT_FOUND": "required field not found",
    "MAPPING_MISMATCH": "Pipeline doesn`t contain the Stage",
    "DUPLICATE_DATA": "duplicate data",
    "RECORD_LOCKED": "You cannot perform this operation as the record is locked.",  # Zoho's words
    "NOT_APPROVED": "record not approved",  # as Zoho's OpenAPI (record.json) words it
    "NO_PERMISSION": "permission denied",
    "INVALID_URL_PATTERN": "Please check if the URL trying to access is a correct one",
    "INVALID_MODULE": "The module name given seems to be invalid",
    "REQUIRED_PARAM_MISSING": "One of the expected parameter is missing",
    "LIMIT_EXCEEDED": "limit exceeded",
    "INVALID_QUERY": "invalid query formed",
    "INTERNAL_ERROR": "Internal server error occurred.",
    "TOO_MANY_REQUESTS": "You have reached the limit of concurrent API calls",
    "AUTHENTICATION_FAILURE": "Authentication failed",
    "INVALID_TOKEN": "invalid oauth token",
    "OAUTH_SCOPE_MISMATCH": "invalid oauth scope to access this URL",
    "INVALID_REQUEST_METHOD": "The http request method type is not a valid one",
    "DISCRETE_PAGINATION_LIMIT_EXCEEDED": (
        "you cannot fetch more than 2000 records without page_token; use page_token"
    ),
    "TOKEN_BOUND_DATA_MISMATCH": "the page_token is bound to other parameters",
    "PAGINATION_LIMIT_EXCEEDED": "you cannot fetch more than 100000 records",
}


class ApiError(CrmkitError):
    """An error answer: HTTP `status`, Zoho `code`, `details`.

    `in_data=True` wraps the body in `{"data":[…]}` — Zoho's shape for per-record problems.
    """

    def __init__(
        self,
        status: int,
        code: str,
        details: dict[str, Any] | None = None,
        message: str | None = None,
        *,
        in_data: bool = False,
    ) -> None:
        self.status = status
        self.code = code
        self.details = details or {}
        self.message = message or MESSAGES.get(code, code.lower().replace("_", " "))
        self.in_data = in_data
        super().__init__(f"{status} {code}: {self.message}")

    def body(self) -> dict[str, Any]:
        inner = {
            "code": self.code,
            "details": self.details,
            "message": self.message,
            "status": "error",
        }
        return {"data": [inner]} if self.in_data else inner
