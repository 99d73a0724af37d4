"""One class per Zoho error code the sandbox answers, so a rule reads `raise RecordLocked(…)`.

Each class fixes the HTTP status Zoho pairs with its code; the body and the default message come
from `ApiError` (errors.py), so a raise here answers exactly what `ApiError(status, code)` would.
`in_data=True` puts the body inside `{"data":[…]}`, Zoho's shape for per-record problems.
"""

from __future__ import annotations

from typing import Any, ClassVar

from crmkit.sandbox.errors import ApiError


class ZohoError(ApiError):
    """An `ApiError` whose status and code are fixed by its class."""

    STATUS: ClassVar[int] = 400
    CODE: ClassVar[str] = "INVALID_DATA"

    def __init__(
        self,
        details: dict[str, Any] | None = None,
        message: str | None = None,
        *,
        in_data: bool = False,
    ) -> None:
        super().__init__(self.STATUS, self.CODE, details, message, in_data=in_data)


# -- 400: the request -----------------------------------------------------------------------------
class InvalidData(ZohoError):
    """A value, parameter, id or body part Zoho cannot use."""

    CODE = "INVALID_DATA"


class MandatoryNotFound(ZohoError):
    """A field the call requires is missing (mass convert `ids`, a deal's mandatory fields)."""

    CODE = "MANDATORY_NOT_FOUND"


class MappingMismatch(ZohoError):
    """A deal's Stage is not a stage of its Pipeline."""

    CODE = "MAPPING_MISMATCH"


class RequiredParamMissing(ZohoError):
    """A query parameter the call needs (`fields`, `module`, `job_id`, …) is absent."""

    CODE = "REQUIRED_PARAM_MISSING"


class LimitExceeded(ZohoError):
    """Too many ids, fields or search results asked for at once."""

    CODE = "LIMIT_EXCEEDED"


class InvalidQuery(ZohoError):
    """Search criteria or values Zoho refuses."""

    CODE = "INVALID_QUERY"


class InvalidRequest(ZohoError):
    """A request the sandbox will not serve at all (a `Host` that is not its own: guards.py)."""

    CODE = "INVALID_REQUEST"


class BodyTooLarge(LimitExceeded):
    """A request body over the sandbox's size limit (guards.py): 413, Zoho's status for it."""

    STATUS = 413


class InvalidModule(ZohoError):
    """A module the org does not have (unknown, or removed)."""

    CODE = "INVALID_MODULE"


class DiscretePaginationLimitExceeded(ZohoError):
    """`page` beyond 2,000 records: the client must switch to `page_token`."""

    CODE = "DISCRETE_PAGINATION_LIMIT_EXCEEDED"


class TokenBoundDataMismatch(ZohoError):
    """A `page_token` sent with other parameters than the ones it was minted for."""

    CODE = "TOKEN_BOUND_DATA_MISMATCH"


class PaginationLimitExceeded(ZohoError):
    """Beyond 100,000 records even with `page_token`."""

    CODE = "PAGINATION_LIMIT_EXCEEDED"


# -- 400: the records -----------------------------------------------------------------------------
class IdAlreadyConverted(ZohoError):
    """The lead was converted before."""

    CODE = "ID_ALREADY_CONVERTED"


class NotApproved(ZohoError):
    """The lead, or a merge target, waits for (or failed) approval."""

    CODE = "NOT_APPROVED"


class RecordLocked(ZohoError):
    """The lead, or a merge target, is locked."""

    CODE = "RECORD_LOCKED"


class DuplicateData(ZohoError):
    """A record the conversion would create repeats a unique-field value."""

    CODE = "DUPLICATE_DATA"


# -- 401 / 403: who asks --------------------------------------------------------------------------
class AuthenticationFailure(ZohoError):
    """No usable `Authorization` header (or, on the control surface, no admin key)."""

    STATUS = 401
    CODE = "AUTHENTICATION_FAILURE"


class InvalidToken(ZohoError):
    """An unknown or expired access token."""

    STATUS = 401
    CODE = "INVALID_TOKEN"


class OauthScopeMismatch(ZohoError):
    """A live token whose scopes do not cover the call."""

    STATUS = 401
    CODE = "OAUTH_SCOPE_MISMATCH"


class NoPermission(ZohoError):
    """The org lacks what the call needs (the Contacts module, for a conversion)."""

    STATUS = 403
    CODE = "NO_PERMISSION"


# -- 404 / 405 / 429 / 500: the server ------------------------------------------------------------
class InvalidUrlPattern(ZohoError):
    """No route has this path."""

    STATUS = 404
    CODE = "INVALID_URL_PATTERN"


class InvalidRequestMethod(ZohoError):
    """The path exists, not with this method."""

    STATUS = 405
    CODE = "INVALID_REQUEST_METHOD"


class TooManyRequests(ZohoError):
    """Concurrency, sub-concurrency or the day's credits are used up (or an injected fault)."""

    STATUS = 429
    CODE = "TOO_MANY_REQUESTS"


class InternalError(ZohoError):
    """The server failed (a crash, or an injected fault)."""

    STATUS = 500
    CODE = "INTERNAL_ERROR"


def contacts_unavailable() -> NoPermission:
    """The 403 a conversion meets in an org whose Contacts module is removed."""
    return NoPermission({"permissions": ["Contacts"]}, "permission denied")
