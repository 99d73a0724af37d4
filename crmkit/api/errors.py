"""Exceptions of the Zoho CRM client, one class per family of Zoho error codes.

```
CRMError                         every error: .method .path .status .code .message .details
├── ConfigurationError           nothing usable configured (names what is missing, where looked)
├── AuthError                    token exchange refused (invalid_code, even with HTTP 200), 401
│   └── ScopeError               401 OAUTH_SCOPE_MISMATCH
├── RateLimitError               429 TOO_MANY_REQUESTS after every retry (.retry_after is None: Zoho
│   │                            sends no Retry-After)
│   └── CreditsExhaustedError    429 with X-API-CREDITS-REMAINING 0: the org's credits for the
│                                rolling 24 h are spent; raised at once, retrying cannot help
├── RequestError                 4xx about the request or the record
│   ├── InvalidDataError         INVALID_DATA, REQUIRED_PARAM_MISSING, LIMIT_EXCEEDED, paging
│   │   ├── MandatoryNotFoundError  MANDATORY_NOT_FOUND, EXPECTED_FIELD_MISSING
│   │   └── MappingMismatchError    MAPPING_MISMATCH (Pipeline doesn't contain the Stage)
│   ├── DuplicateDataError       DUPLICATE_DATA; .existing = the record that already holds the value
│   ├── AlreadyConvertedError    ID_ALREADY_CONVERTED
│   ├── RecordLockedError        RECORD_LOCKED
│   ├── NotApprovedError         NOT_APPROVED
│   ├── NoPermissionError        403 NO_PERMISSION
│   └── NotFoundError            404, INVALID_URL_PATTERN, INVALID_MODULE
├── ServerError                  5xx INTERNAL_ERROR (reads: after every retry)
├── NetworkError                 connection failed or dropped on a read, after every retry
│   ├── StalledError             no request slot came free for the client's stall bound: the
│   │                            requests in flight are not finishing (nothing was sent)
│   ├── TokenEndpointError       the token endpoint failed (5xx, unreadable, unreachable) after
│   │                            every retry: no access token, so the call was never sent
│   └── ConnectionDroppedError   dropped after the request may have reached Zoho (reads only)
├── UnexpectedAnswerError        a read answered with a body that is not the documented shape
│   │                            (not JSON, broken gzip, too large or deep, 3xx, a string where
│   │                            a list is documented…); .problem says what, details.json_path where
│   ├── PaginationError          (also an InvalidDataError) paging that does not advance: a
│   │                            repeated page token or page, more_records with nothing new
│   └── UnexpectedWriteAnswerError  (also an OutcomeUnknownError) the same for a write
├── OutcomeUnknownError          a write (convert, mass convert) may or may not have happened:
│                                connection dropped after the request was sent, 5xx, or an
│                                answer that does not say. Never retried blindly: read the lead
│                                back (converted=both) to learn.
└── InvalidIdError               (also a ValueError) an id that is not a Zoho id (1-19 ASCII
                                 digits), refused before any URL or body is built from it
```

Every error's `str()` names method, path, HTTP status, Zoho code, message and details — and never a
secret: the client never puts request headers or token form fields into an error. Errors pickle
(the conversion engine may journal or ship them across processes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from crmkit.errors import CrmkitError

UNKNOWN_OUTCOME_HINT = "it may or may not have taken effect; read the record back before retrying"


class CRMError(CrmkitError):
    """Base of every crmkit.api error."""

    codes: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
        lead_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.details: dict[str, Any] = dict(details or {})
        self.lead_id = lead_id

    def _kwargs(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "code": self.code,
            "details": self.details,
            "lead_id": self.lead_id,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self._kwargs()))

    def __str__(self) -> str:
        if self.method is None and self.path is None and self.status is None:
            # Raised before any call (configuration, a refused id): there is no call to name.
            text = self.message if self.code is None else f"{self.code}: {self.message}"
        else:
            where = " ".join(p for p in (self.method, self.path) if p) or "crmkit.api"
            status = f"HTTP {self.status}" if self.status is not None else "no HTTP answer"
            text = f"{where} -> {status} {self.code or '-'}: {self.message}"
        if self.lead_id is not None:
            text += f" (lead {self.lead_id})"
        if self.details:
            text += f"; details={json.dumps(self.details, sort_keys=True, default=str)}"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


def _rebuild(cls: type[CRMError], message: str, kwargs: dict[str, Any]) -> CRMError:
    err = cls.__new__(cls)
    CRMError.__init__(err, message, **kwargs)
    return err


class ConfigurationError(CRMError):
    """No usable configuration: says which setting is missing and which sources were read."""


class AuthError(CRMError):
    """Token endpoint refused (e.g. `invalid_code`, which Zoho sends with HTTP 200) or a 401."""

    codes = frozenset({"AUTHENTICATION_FAILURE", "INVALID_TOKEN", "invalid_code", "invalid_client"})


class ScopeError(AuthError):
    """The token lacks the OAuth scope this URL needs."""

    codes = frozenset({"OAUTH_SCOPE_MISMATCH"})


class RateLimitError(CRMError):
    """429 TOO_MANY_REQUESTS (concurrency or credits) still answered after every retry."""

    codes = frozenset({"TOO_MANY_REQUESTS"})
    retry_after: float | None = None


class CreditsExhaustedError(RateLimitError):
    """The org's API credits for the rolling 24 hours are used up (429, credits remaining 0).

    Raised at once rather than retried: backing off for seconds cannot help when credits free up
    only as the day's earlier calls age out of Zoho's 24-hour window.
    """


class RequestError(CRMError):
    """A 4xx about the request or the record; retrying the same request gives the same answer."""


class InvalidDataError(RequestError):
    """Bad id, bad value, bad parameter, or a merge target Zoho does not accept."""

    codes = frozenset(
        {
            "INVALID_DATA",
            "REQUIRED_PARAM_MISSING",
            "LIMIT_EXCEEDED",
            "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
            "TOKEN_BOUND_DATA_MISMATCH",
            "PAGINATION_LIMIT_EXCEEDED",
            "INVALID_REQUEST",
            "INVALID_QUERY",
        }
    )


class MandatoryNotFoundError(InvalidDataError):
    """A required field (e.g. `Deal_Name` of the Deal) is missing."""

    codes = frozenset({"MANDATORY_NOT_FOUND", "EXPECTED_FIELD_MISSING"})


class MappingMismatchError(InvalidDataError):
    """The Deal's Stage does not belong to its Pipeline."""

    codes = frozenset({"MAPPING_MISMATCH"})


class DuplicateDataError(RequestError):
    """A record with this unique value already exists; `.existing` is Zoho's `duplicate_record`."""

    codes = frozenset({"DUPLICATE_DATA"})

    @property
    def existing(self) -> dict[str, Any] | None:
        """`{"module": {"api_name", "id"}, "id", "Owner": {...}}` of the record holding it."""
        record = self.details.get("duplicate_record")
        return dict(record) if isinstance(record, Mapping) else None

    @property
    def existing_id(self) -> str | None:
        """Id of the existing record, as a string."""
        record = self.existing
        return None if record is None or record.get("id") is None else str(record["id"])

    @property
    def existing_module(self) -> str | None:
        """Module api_name of the existing record."""
        record = self.existing
        module = (record or {}).get("module")
        return str(module.get("api_name")) if isinstance(module, Mapping) else None


class AlreadyConvertedError(RequestError):
    """The lead was converted before."""

    codes = frozenset({"ID_ALREADY_CONVERTED"})


class RecordLockedError(RequestError):
    """The lead, or the Contact/Account it would merge into, is locked."""

    codes = frozenset({"RECORD_LOCKED"})


class NotApprovedError(RequestError):
    """The lead awaits approval."""

    codes = frozenset({"NOT_APPROVED"})


class NoPermissionError(RequestError):
    """403: the user may not do this."""

    codes = frozenset({"NO_PERMISSION"})


class NotFoundError(RequestError):
    """404: unknown URL or module."""

    codes = frozenset({"INVALID_URL_PATTERN", "INVALID_MODULE", "NOT_FOUND"})


class ServerError(CRMError):
    """5xx answered by Zoho."""

    codes = frozenset({"INTERNAL_ERROR"})


class NetworkError(CRMError):
    """The connection failed or dropped and a read could not be completed after every retry."""


class StalledError(NetworkError):
    """No request slot came free within the client's bound: nothing was sent (safe to retry)."""


class OutcomeUnknownError(CRMError):
    """A write may or may not have taken effect: read the record back before doing anything else."""


class TokenEndpointError(NetworkError):
    """The token endpoint answered 5xx or garbage, or could not be reached, after every retry.

    A `NetworkError` because the API call it was fetching a token for never left: nothing
    happened in Zoho, a later run may try again. The send loop does not retry it once more (the
    token request was already retried with the same policy).
    """


class UnexpectedAnswerError(CRMError):
    """Zoho answered, but not with the documented shape: the call's result cannot be read.

    `problem` says what was wrong (not JSON, broken gzip, too large, nested too deep, a redirect,
    `data` a string where a list of records is documented…); `details["json_path"]` says where
    in the body. The body itself is never quoted (a token answer holds a token).
    """

    codes: ClassVar[frozenset[str]] = frozenset()

    @property
    def problem(self) -> str:
        """What was wrong with the answer, in a few words."""
        return self.message


class PaginationError(UnexpectedAnswerError, InvalidDataError):
    """Paging that does not advance: a page token or a page that repeats, `more_records` with
    nothing new, or no `next_page_token` where one is needed. Raised instead of looping forever.
    """


class UnexpectedWriteAnswerError(UnexpectedAnswerError, OutcomeUnknownError):
    """A write (convert, mass convert) answered something that does not say what happened.

    An `OutcomeUnknownError`: the write may have happened, so the conversion engine settles it by
    reading the lead back, never by recording it failed. The message ends with that advice;
    `problem` is what was wrong with the answer alone.
    """

    @property
    def problem(self) -> str:
        """What was wrong with the answer, without the advice to read the record back."""
        return self.message.removesuffix(f": {UNKNOWN_OUTCOME_HINT}")


class InvalidIdError(CRMError, ValueError):
    """An id that is not a Zoho id (1 to 19 ASCII digits), refused before a URL is built from it.

    Also a `ValueError`, which callers that check their arguments already catch.
    """


_BY_CODE: dict[str, type[CRMError]] = {
    code: cls
    for cls in (
        AuthError,
        ScopeError,
        RateLimitError,
        InvalidDataError,
        MandatoryNotFoundError,
        MappingMismatchError,
        DuplicateDataError,
        AlreadyConvertedError,
        RecordLockedError,
        NotApprovedError,
        NoPermissionError,
        NotFoundError,
        ServerError,
    )
    for code in cls.codes
}


def error_class(status: int | None, code: str | None) -> type[CRMError]:
    """The exception class for a Zoho code, falling back on the HTTP status."""
    if code and code in _BY_CODE:
        return _BY_CODE[code]
    if status is None:
        return CRMError
    if status == 401:
        return AuthError
    if status == 403:
        return NoPermissionError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    if status >= 400:
        return RequestError
    return CRMError


def from_body(
    body: Mapping[str, Any] | None,
    *,
    method: str,
    path: str,
    status: int,
    lead_id: str | None = None,
    fallback_message: str = "",
) -> CRMError:
    """Turn a Zoho error object (`{"code","details","message","status"}`) into an exception."""
    body = body or {}
    code = body.get("code")
    code = None if code is None else str(code)
    message = str(body.get("message") or fallback_message or "no message")
    details = body.get("details")
    cls = error_class(status, code)
    return cls(
        message,
        method=method,
        path=path,
        status=status,
        code=code,
        details=details if isinstance(details, Mapping) else {},
        lead_id=lead_id,
    )


class ConnectionDroppedError(NetworkError):
    """The connection broke after the request may have reached Zoho (reset, read timeout…).

    A read is retried and raises this after every retry; a write never surfaces it: the client
    raises `OutcomeUnknownError` instead, since the write may have happened.
    """
