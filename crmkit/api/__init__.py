"""crmkit.api: the Zoho CRM client (the only part of crmkit that imports httpx).

`connect()` reads configuration (arguments, environment, config file; the embedded sandbox when
nothing is configured) and returns a `CRMClient`.
"""

from crmkit.api.client import CRMClient
from crmkit.api.config import connect
from crmkit.api.errors import (
    AlreadyConvertedError,
    AuthError,
    ConfigurationError,
    CreditsExhaustedError,
    CRMError,
    DuplicateDataError,
    InvalidDataError,
    MandatoryNotFoundError,
    MappingMismatchError,
    NetworkError,
    NoPermissionError,
    NotApprovedError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    RecordLockedError,
    RequestError,
    ScopeError,
    ServerError,
    StalledError,
)
from crmkit.api.limits import Usage
from crmkit.api.models import (
    ConversionOptions,
    ConvertRequest,
    ConvertResult,
    MassConvertRequest,
    MassConvertStatus,
    MatchedField,
)

__all__ = [
    "AlreadyConvertedError",
    "AuthError",
    "CRMClient",
    "CRMError",
    "ConfigurationError",
    "ConversionOptions",
    "ConvertRequest",
    "ConvertResult",
    "CreditsExhaustedError",
    "DuplicateDataError",
    "InvalidDataError",
    "MandatoryNotFoundError",
    "MappingMismatchError",
    "MassConvertRequest",
    "MassConvertStatus",
    "MatchedField",
    "NetworkError",
    "NoPermissionError",
    "NotApprovedError",
    "NotFoundError",
    "OutcomeUnknownError",
    "RateLimitError",
    "RecordLockedError",
    "RequestError",
    "ScopeError",
    "ServerError",
    "StalledError",
    "Usage",
    "connect",
]
