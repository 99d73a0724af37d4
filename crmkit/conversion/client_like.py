"""`ClientLike`: the calls the conversion engine makes on a client, and nothing more.

Why a protocol: the engine (live re-check, Convert Lead, Mass Convert, read-backs) needs a dozen
calls of `crmkit.api.CRMClient`, not the class. Writing them down once lets mypy check every use
instead of probing attributes at run time, and shows what a wrapper around the client (a recorder,
a rate meter) has to offer to drive a conversion. `CRMClient` satisfies it as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from crmkit.api.errors import CRMError
from crmkit.api.limits import RetryPolicy, Usage
from crmkit.api.models import (
    ConversionOptions,
    ConvertRequest,
    ConvertResult,
    MassConvertRequest,
    MassConvertStatus,
)
from crmkit.api.updates import UpdateOutcome

__all__ = ["ClientLike"]


@runtime_checkable
class ClientLike(Protocol):
    """A connection to one CRM org, as `execute`, `live_facts` and `recheck` use it."""

    @property
    def description(self) -> str:
        """Which org this is, as the journal records a run's target."""
        ...

    @property
    def api_domain(self) -> str:
        """The API domain calls go to (recorded with a run's org)."""
        ...

    @property
    def retry(self) -> RetryPolicy:
        """Whether a refused or unsent call may be tried again now, and after how long."""
        ...

    @property
    def concurrency(self) -> int:
        """Most requests kept in flight (workers never go above it)."""
        ...

    @property
    def usage(self) -> Usage:
        """Calls and credits spent so far (handed back in the execution report)."""
        ...

    def modules(self) -> list[dict[str, Any]]:
        """The org's modules (`settings/modules`)."""
        ...

    def fields(self, module: str) -> list[dict[str, Any]]:
        """Field metadata of one module (`settings/fields`)."""
        ...

    def layouts(self, module: str) -> list[dict[str, Any]]:
        """Layouts of one module (`settings/layouts`: the Leads layouts' conversion mapping)."""
        ...

    def users(self, kind: str = "ActiveUsers") -> list[dict[str, Any]]:
        """The org's users of one kind."""
        ...

    def contact_roles(self) -> list[dict[str, Any]]:
        """The org's Contact Roles (`Contacts/roles`): what a Deal's `Contact_Role` may name."""
        ...

    def org(self) -> dict[str, Any]:
        """The org's details (`GET /org`): its id binds a run's journal entries to the org."""
        ...

    def get_record(
        self, module: str, record_id: str, *, converted: str | None = None
    ) -> dict[str, Any] | None:
        """One record, None when there is none (`converted="both"` also finds converted leads)."""
        ...

    def conversion_options_many(
        self, ids: Sequence[str], *, progress: bool | None = None
    ) -> list[ConversionOptions | CRMError]:
        """Each lead's conversion options, in input order, failures as their error."""
        ...

    def convert_lead(self, lead_id: str, request: ConvertRequest) -> ConvertResult:
        """Convert one lead (`OutcomeUnknownError` when the answer was lost)."""
        ...

    def update_records(
        self, module: str, records: Sequence[Mapping[str, Any]], trigger: Sequence[str] = ()
    ) -> list[UpdateOutcome]:
        """Update Records (<= 100 records): one outcome per record (`OutcomeUnknownError` when
        the answer was lost) — how a merge policy is applied after the convert."""
        ...

    def mass_convert(self, request: MassConvertRequest) -> str:
        """Schedule a Mass Convert job of <= 50 leads; its job id."""
        ...

    def wait_mass_convert(
        self, job_id: str, *, poll_interval: float = ..., timeout: float = ...
    ) -> MassConvertStatus:
        """Poll a Mass Convert job to its end (`TimeoutError` after `timeout` seconds)."""
        ...


if TYPE_CHECKING:
    from crmkit.api.client import CRMClient

    def _crm_client_is_client_like(client: CRMClient) -> ClientLike:
        return client  # mypy proves here that CRMClient satisfies ClientLike
