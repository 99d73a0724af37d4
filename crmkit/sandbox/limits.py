"""Zoho's API limits: per-edition concurrency with the sub-concurrency pool, and credit ledger."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from crmkit.sandbox.exceptions import TooManyRequests

DAY_S = 24 * 3600


def too_many(message: str) -> TooManyRequests:
    return TooManyRequests({}, message)


@dataclass
class Limiter:
    """In-flight counters. `acquire` never waits: over the limit, Zoho answers 429 at once.

    A request counts from admission to its answer, whatever the latency: the work itself runs
    off the event loop (responses.run), so requests arriving meanwhile see it in flight.
    """

    in_flight: int = 0
    sub_in_flight: int = 0
    peak: int = 0
    sub_peak: int = 0
    rejected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, limit: int, sub: bool, sub_limit: int) -> None:
        with self.lock:
            if self.in_flight >= limit:
                self.rejected += 1
                raise too_many(f"concurrency limit of {limit} reached")
            if sub and self.sub_in_flight >= sub_limit:
                self.rejected += 1
                raise too_many(f"sub-concurrency limit of {sub_limit} reached")
            self.in_flight += 1
            self.sub_in_flight += sub
            self.peak = max(self.peak, self.in_flight)
            self.sub_peak = max(self.sub_peak, self.sub_in_flight)

    def release(self, sub: bool) -> None:
        with self.lock:
            self.in_flight -= 1
            self.sub_in_flight -= sub


@dataclass
class CreditLedger:
    """Credits spent in the rolling last 24 h."""

    spent: deque[tuple[float, int]] = field(default_factory=deque)
    total: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _trim(self, now: float) -> None:
        while self.spent and now - self.spent[0][0] >= DAY_S:
            self.total -= self.spent.popleft()[1]

    def spend(self, cost: int, daily: int | None, now: float | None = None) -> int | None:
        """Charge `cost`; return credits remaining (None when unlimited); 429 when exhausted."""
        now = time.monotonic() if now is None else now
        with self.lock:
            self._trim(now)
            if daily is None:
                self.spent.append((now, cost))
                self.total += cost
                return None
            if self.total + cost > daily:
                raise too_many(f"the org's {daily} API credits for 24 hours are used up")
            self.spent.append((now, cost))
            self.total += cost
            return daily - self.total

    def used(self, now: float | None = None) -> int:
        with self.lock:
            self._trim(time.monotonic() if now is None else now)
            return self.total

    def clear(self) -> None:
        with self.lock:
            self.spent.clear()
            self.total = 0
