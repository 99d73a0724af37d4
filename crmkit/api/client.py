"""CRMClient: the Zoho CRM v8 calls crmkit makes, synchronous, thread-pooled for batches.

Synchronous on purpose: notebooks cannot `asyncio.run` inside a running kernel. Batches
(`conversion_options_many`, `convert_many`) run on a thread pool at the org's concurrency ceiling,
show a `tqdm.auto` bar, and return one result per input, in input order, errors included as data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from crmkit.api.errors import CRMError
from crmkit.api.limits import Usage
from crmkit.api.models import (
    ConversionOptions,
    ConvertRequest,
    ConvertResult,
    MassConvertRequest,
    MassConvertStatus,
)


class CRMClient:
    """A connection to one Zoho CRM org (or the sandbox). Build it with `crmkit.connect()`."""

    edition: str
    concurrency: int

    def iter_pages(
        self,
        module: str,
        fields: Sequence[str],
        *,
        converted: str = "false",
        sort_by: str | None = None,
        sort_order: str | None = None,
        per_page: int = 200,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the module's records page by page (`page` up to 2,000 records, `page_token` after).

        `converted` is `"false"` (Zoho's default: converted leads hidden), `"true"` or `"both"`.
        An empty module (204) yields nothing.
        """
        raise NotImplementedError

    def records(
        self,
        module: str,
        fields: Sequence[str],
        *,
        converted: str = "false",
        sort_by: str | None = None,
        sort_order: str | None = None,
        per_page: int = 200,
    ) -> Iterator[dict[str, Any]]:
        """The records of `iter_pages`, one at a time."""
        raise NotImplementedError

    def get_record(self, module: str, record_id: str) -> dict[str, Any] | None:
        """One record, or `None` when Zoho answers 204 (unknown id)."""
        raise NotImplementedError

    def search(
        self,
        module: str,
        *,
        criteria: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        word: str | None = None,
    ) -> list[dict[str, Any]]:
        """`GET {module}/search` with one of criteria/email/phone/word (<= 2,000 results)."""
        raise NotImplementedError

    def fields(self, module: str) -> list[dict[str, Any]]:
        """Field metadata of a module (cached per client)."""
        raise NotImplementedError

    def layouts(self, module: str) -> list[dict[str, Any]]:
        """Layouts of a module (cached per client)."""
        raise NotImplementedError

    def modules(self) -> list[dict[str, Any]]:
        """Modules of the org (cached per client)."""
        raise NotImplementedError

    def current_user(self) -> dict[str, Any]:
        """The user the token belongs to."""
        raise NotImplementedError

    def org(self) -> dict[str, Any]:
        """The org's details."""
        raise NotImplementedError

    def conversion_options(self, lead_id: str) -> ConversionOptions:
        """What Zoho would offer when converting this lead (204 -> `matched=False, raw=None`)."""
        raise NotImplementedError

    def conversion_options_many(
        self, ids: Sequence[str], *, progress: bool = True
    ) -> list[ConversionOptions | CRMError]:
        """Conversion options for many leads at the concurrency ceiling, in input order."""
        raise NotImplementedError

    def convert_lead(self, lead_id: str, request: ConvertRequest) -> ConvertResult:
        """Convert one lead. Raises `OutcomeUnknownError` when the answer was lost."""
        raise NotImplementedError

    def convert_many(
        self, items: Sequence[tuple[str, ConvertRequest]], *, progress: bool = True
    ) -> list[ConvertResult | CRMError]:
        """Convert many leads inside the sub-concurrency pool, in input order, errors as data."""
        raise NotImplementedError

    def mass_convert(self, request: MassConvertRequest) -> str:
        """Schedule a mass-convert job (<= 50 leads); returns its job id."""
        raise NotImplementedError

    def mass_convert_status(self, job_id: str) -> MassConvertStatus:
        """One poll of a mass-convert job."""
        raise NotImplementedError

    def wait_mass_convert(
        self, job_id: str, *, poll_interval: float = 2.0, timeout: float | None = None
    ) -> MassConvertStatus:
        """Poll until the job is COMPLETED or FAILED."""
        raise NotImplementedError

    @property
    def usage(self) -> Usage:
        """Calls and credits spent per call type, and the last `X-API-CREDITS-REMAINING` seen."""
        raise NotImplementedError

    def close(self) -> None:
        """Close connections (and the embedded sandbox, when this client started one)."""
        raise NotImplementedError

    def __enter__(self) -> CRMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
