"""What the workers of one execution share: the client, the journal, the run, the options, the bar.

Why one object: the Convert Lead workers, the Mass Convert jobs and the settling of lost answers
all journal into the same run, copy records the same way and count the same progress. Handing them
one context keeps each worker module about its own path, and the count of conversions safe across
their threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crmkit.api.errors import CRMError
from crmkit.conversion.client_like import ClientLike
from crmkit.conversion.events import EventJournal
from crmkit.conversion.execute_options import ExecuteOptions
from crmkit.conversion.journal import RunInfo

__all__ = ["RunContext", "Snapshot"]

log = logging.getLogger("crmkit.conversion")

Snapshot = tuple[str, str, Mapping[str, Any] | None]
"""(module, record id, the record or None): one before/after copy for the journal."""


@dataclass
class RunContext:
    """One execution's shared parts; `workers` is the Convert Lead pool size actually used.

    Workers write to the journal through `journal` (an `EventJournal`), so each step they journal
    reaches `options.on_event`.
    """

    client: ClientLike
    journal: EventJournal
    run: RunInfo
    options: ExecuteOptions
    workers: int
    bar: Any
    leads_before: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)
    converted_now: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, module: str, record_id: str | None) -> Snapshot | None:
        """A copy of one record (a lead also when converted); None without an id."""
        if record_id is None:
            return None
        converted = "both" if module == "Leads" else None
        return (module, record_id, self.client.get_record(module, record_id, converted=converted))

    def after(
        self,
        lead_record: Mapping[str, Any] | None,
        ids: Mapping[str, str | None],
        lead_id: str,
        *,
        copies: bool | None = None,
    ) -> list[Snapshot]:
        """After-copies: the lead as read, and (with snapshots, or `copies`) the records it became
        (a merge policy compares them with the record right before its update)."""
        out: list[Snapshot] = [("Leads", lead_id, lead_record)]
        if not (self.options.snapshots if copies is None else copies):
            return out
        for module in ("Contacts", "Accounts", "Deals"):
            try:
                snap = self.read(module, ids.get(module))
            except CRMError as exc:  # a copy is nice to have; the outcome is already known
                log.warning("after-copy of %s %s failed: %s", module, ids.get(module), exc)
                continue
            if snap is not None:
                out.append(snap)
        return out

    def done(self, converted: bool) -> None:
        """One lead is through (converted or not): count it and move the bar."""
        with self.lock:
            if converted:
                self.converted_now += 1
        self.bar.update(1)
