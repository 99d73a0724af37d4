"""Progress as events: `on_event(kind, lead_id, outcome)`, called after each journaled step.

Why a hook and not polling: whoever shows a run's progress (the console, a notebook cell) learns of
each step the moment the journal holds it, without re-reading the journal on a timer (the shape of
httpx's `event_hooks` and stamina's instrumentation hooks).

Kinds (each but `resumed` follows one journal write about the lead):
- `sent`: an attempt is journaled, about to be sent (`outcome` is `unknown`);
- `answered`: its answer is journaled (`converted`, `failed` or `not_converted`);
- `settled`: an attempt whose answer was lost, or a Mass Convert job's lead, is settled by reading
  the lead back (`converted`, `failed` or `not_converted`);
- `skipped`: the lead is journaled as not sent (validation refused it, or another run of this
  journal converted it; `outcome` is `skipped`);
- `resumed`: the run being resumed already holds the lead's final outcome (perhaps just settled
  above); nothing more is journaled or sent for it (`outcome` is that outcome).
A lead whose latest event has an outcome in `FINAL_OUTCOMES` (converted, failed, skipped) is
done; `not_converted` is followed by another attempt or left for a rerun.

Threads: the hook is called from the engine's worker threads (Convert Lead workers, Mass Convert
jobs, read-backs) and from the thread that called `execute`, several at once, each time after the
journal committed the step. One lead's events never overlap and arrive in journal order. The hook
must be thread-safe and quick (its worker waits for it): hand the event to a queue to act on it
elsewhere. An exception from the hook is logged and the run goes on: a conversion half-way through
a batch is not stopped by a display.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, get_args

from crmkit.conversion.journal import Journal

__all__ = ["EVENT_KINDS", "EventHook", "EventJournal", "EventKind"]

log = logging.getLogger("crmkit.conversion")

EventKind = Literal["sent", "answered", "settled", "skipped", "resumed"]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)

EventHook = Callable[[EventKind, str, str], None]
"""`on_event(kind, lead_id, outcome)`; see the module docstring for threads and kinds."""

Records = Sequence[tuple[str, str, Mapping[str, Any] | None]]


class EventJournal:
    """The journal writes one execution makes, each followed by its event.

    Workers write through this instead of the `Journal` itself, so no step can be journaled
    without its event, nor announced before it is journaled.
    """

    def __init__(self, journal: Journal, hook: EventHook | None) -> None:
        self.journal = journal
        self._hook = hook
        self._lock = threading.Lock()
        self._lead_of: dict[int, str] = {}

    def emit(self, kind: EventKind, lead_id: str, outcome: str) -> None:
        """Call the hook (if any); its failure is logged, never raised into the run."""
        if self._hook is None:
            return
        try:
            self._hook(kind, lead_id, outcome)
        except Exception:
            log.exception("on_event failed on %s of lead %s; the run goes on", kind, lead_id)

    def begin(
        self,
        run_id: int,
        lead_id: str,
        *,
        kind: str,
        request: Any,
        before: Records = (),
        job_id: str | None = None,
    ) -> int:
        """`Journal.begin`, then a `sent` event."""
        attempt_id = self.journal.begin(
            run_id, lead_id, kind=kind, request=request, before=before, job_id=job_id
        )
        with self._lock:
            self._lead_of[attempt_id] = str(lead_id)
        self.emit("sent", str(lead_id), "unknown")
        return attempt_id

    def begin_many(
        self, run_id: int, lead_ids: Sequence[str], *, kind: str, request: Any
    ) -> dict[str, int]:
        """`Journal.begin_many`, then a `sent` event per lead."""
        attempts = self.journal.begin_many(run_id, lead_ids, kind=kind, request=request)
        with self._lock:
            self._lead_of.update({aid: lead for lead, aid in attempts.items()})
        for lead_id in attempts:
            self.emit("sent", lead_id, "unknown")
        return attempts

    def answer(
        self,
        attempt_id: int,
        *,
        outcome: str,
        lead_id: str | None = None,
        state: str = "answered",
        contact_id: str | None = None,
        account_id: str | None = None,
        deal_id: str | None = None,
        code: str | None = None,
        message: str | None = None,
        answer: Any = None,
        after: Records = (),
    ) -> None:
        """`Journal.answer`, then an `answered` or `settled` event.

        `lead_id` is needed only for an attempt begun by an earlier execution (one being settled).
        """
        self.journal.answer(
            attempt_id,
            outcome=outcome,
            state=state,
            contact_id=contact_id,
            account_id=account_id,
            deal_id=deal_id,
            code=code,
            message=message,
            answer=answer,
            after=after,
        )
        if lead_id is None:
            with self._lock:
                lead_id = self._lead_of[attempt_id]
        self.emit("settled" if state == "settled" else "answered", str(lead_id), outcome)

    def skip(self, run_id: int, lead_id: str, *, code: str, message: str) -> int:
        """`Journal.skip`, then a `skipped` event."""
        attempt_id = self.journal.skip(run_id, lead_id, code=code, message=message)
        self.emit("skipped", str(lead_id), "skipped")
        return attempt_id

    def defer(self, run_id: int, lead_id: str, *, code: str, message: str) -> int:
        """`Journal.defer`, then an `answered` event (`not_converted`)."""
        attempt_id = self.journal.defer(run_id, lead_id, code=code, message=message)
        self.emit("answered", str(lead_id), "not_converted")
        return attempt_id

    def settled(
        self,
        run_id: int,
        lead_id: str,
        *,
        contact_id: str | None,
        account_id: str | None,
        deal_id: str | None,
        code: str,
        message: str,
        answer: Any = None,
        after: Records = (),
    ) -> int:
        """`Journal.settled`, then a `settled` event (`converted`)."""
        attempt_id = self.journal.settled(
            run_id,
            lead_id,
            contact_id=contact_id,
            account_id=account_id,
            deal_id=deal_id,
            code=code,
            message=message,
            answer=answer,
            after=after,
        )
        self.emit("settled", str(lead_id), "converted")
        return attempt_id

    def add_snapshots(self, attempt_id: int, phase: str, records: Records) -> None:
        """`Journal.add_snapshots` (copies only: no outcome changes, no event)."""
        self.journal.add_snapshots(attempt_id, phase, records)

    def set_job(self, attempt_ids: Sequence[int], job_id: str) -> None:
        """`Journal.set_job` (no outcome changes, no event)."""
        self.journal.set_job(attempt_ids, job_id)

    def tried_before(self, lead_id: str, run_id: int) -> bool:
        """`Journal.tried_before`."""
        return self.journal.tried_before(lead_id, run_id)
