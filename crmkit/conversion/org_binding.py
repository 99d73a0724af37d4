"""`OrgIdentity`: which org a run converts in, read once per run from `GET /crm/v8/org`.

Why: a journal found runs by plan hash alone, so a plan rehearsed on a sandbox looked "already
converted" against the real org. Every run now records the org's id (with its name and API
domain, for people), and only runs of the same org id are resumed, skipped from or settled
against. The id is the one thing compared; the name and domain are for `crmkit history`.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from crmkit.conversion.client_like import ClientLike
from crmkit.errors import CrmkitError

__all__ = ["OrgIdentity", "OrgUnknownError", "org_identity"]


class OrgUnknownError(CrmkitError, RuntimeError):
    """The org a conversion would run in could not be identified (nothing was sent)."""


@dataclass(frozen=True)
class OrgIdentity:
    """An org as a journal records it: `org_id` decides, `name` and `api_domain` inform."""

    org_id: str
    name: str | None = None
    api_domain: str | None = None

    @property
    def label(self) -> str:
        """`Zylker Corp (4876876000000017001)`, or the id alone."""
        return f"{self.name} ({self.org_id})" if self.name else self.org_id


# A client talks to one org for its whole life (its credentials are fixed), so its org is read
# once: a rerun of a finished plan still costs no call at all.
_KNOWN: weakref.WeakKeyDictionary[Any, OrgIdentity] = weakref.WeakKeyDictionary()
_KNOWN_LOCK = threading.Lock()


def org_identity(client: ClientLike) -> OrgIdentity:
    """The client's org (read once per client); `OrgUnknownError` when the answer names no id.

    A run must not start without knowing its org: resuming or skipping from a run of another org
    is exactly what binding prevents.
    """
    with _KNOWN_LOCK:
        known = _KNOWN.get(client)
    if known is not None:
        return known
    found = _read(client)
    with _KNOWN_LOCK:
        _KNOWN[client] = found
    return found


def _read(client: ClientLike) -> OrgIdentity:
    info: dict[str, Any] = client.org()
    org_id = info.get("id")
    if org_id is None or not str(org_id).strip():
        raise OrgUnknownError("GET /crm/v8/org named no org id: cannot bind the journal to an org")
    name = info.get("company_name") or info.get("name")
    try:
        domain: str | None = client.api_domain
    except CrmkitError:
        domain = None
    return OrgIdentity(str(org_id).strip(), str(name) if name else None, domain)
