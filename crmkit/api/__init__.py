"""crmkit.api: the Zoho CRM client (the only part of crmkit that imports httpx).

`crmkit.connect()` (in `crmkit.connection`, one layer up) reads the configuration and returns a
`CRMClient`; `config.resolve_settings` and `config.build_client` are the steps it takes here.
"""

from crmkit.api.client import CRMClient
from crmkit.api.errors import (
    AlreadyConvertedError,
    AuthError,
    ConfigurationError,
    CreditsExhaustedError,
    CRMError,
    DuplicateDataError,
    InvalidDataError,
    InvalidIdError,
    MandatoryNotFoundError,
    MappingMismatchError,
    NetworkError,
    NoPermissionError,
    NotApprovedError,
    NotFoundError,
    OutcomeUnknownError,
    PaginationError,
    RateLimitError,
    RecordLockedError,
    RequestError,
    ScopeError,
    ServerError,
    StalledError,
    TokenEndpointError,
    UnexpectedAnswerError,
    UnexpectedWriteAnswerError,
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
from crmkit.api.target import ZOHO_CRM, Target
from crmkit.api.updates import UpdateOutcome

__all__ = [
    "ZOHO_CRM",
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
    "InvalidIdError",
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
    "PaginationError",
    "RateLimitError",
    "RecordLockedError",
    "RequestError",
    "ScopeError",
    "ServerError",
    "StalledError",
    "Target",
    "TokenEndpointError",
    "UnexpectedAnswerError",
    "UnexpectedWriteAnswerError",
    "UpdateOutcome",
    "Usage",
]
