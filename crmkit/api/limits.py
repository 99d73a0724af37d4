"""Zoho's limits on the client side: concurrency, retries with backoff, credit accounting.

- Concurrency: Zoho caps requests in flight per org by edition and runs Convert Lead, Search and
  COQL in a sub-concurrency pool of 10; going over gets 429. `Limiter` keeps the client under both,
  and lowers its own ceiling when 429s show the org allows fewer (another app sharing the org, or a
  lower plan), then probes back up one step at a time (additive increase, fast decrease).
- Retries: Zoho sends no Retry-After, so `RetryPolicy` backs off exponentially with jitter. The
  sleep function and the random source are injectable so tests check timing without sleeping.
  Whether to retry is a value, `Decision`, so the client's send loop and the conversion engine
  follow one rule (`RetryPolicy.after_error`) instead of each sleeping on its own.
- Credits: a rolling 24 h budget; Convert Lead costs 5, a Bulk Read job 50, every other call 1.
  `CreditLedger` counts per call type and remembers the last `X-API-CREDITS-REMAINING` (Zoho
  sends it once half is spent).

These tables are crmkit's one copy of Zoho's limits (the estimate and the prediction import them);
the sandbox keeps its own on purpose, as an emulator independent of the client it tests.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from crmkit.api.errors import (
    AuthError,
    CreditsExhaustedError,
    CRMError,
    NetworkError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    StalledError,
)

log = logging.getLogger("crmkit.api.limits")

EDITION_CONCURRENCY: dict[str, int] = {
    "free": 5,
    "standard": 10,
    "professional": 15,
    "enterprise": 20,
    "ultimate": 25,
}
SUB_CONCURRENCY = 10
SUB_POOL_KINDS = frozenset({"convert", "search", "coql"})
# Convert Lead 5 (zoho-api.md §5); a Bulk Read job's initialize 50 (§3, Zoho's credit table).
CALL_CREDITS: dict[str, int] = {"convert": 5, "bulk_create": 50}
# Credits per rolling 24 h (zoho-api.md §7): (base, per user, cap); Ultimate is unlimited (None).
EDITION_DAILY_CREDITS: dict[str, tuple[int, int, int] | None] = {
    "free": (5_000, 0, 5_000),
    "standard": (50_000, 250, 100_000),
    "professional": (50_000, 500, 3_000_000),
    "enterprise": (50_000, 1_000, 5_000_000),
    "ultimate": None,
}
DEFAULT_STALL_TIMEOUT_S = 600.0


def edition_concurrency(edition: str) -> int:
    """Requests in flight Zoho allows an org of this edition."""
    try:
        return EDITION_CONCURRENCY[edition.strip().lower()]
    except KeyError:
        known = "|".join(EDITION_CONCURRENCY)
        raise ValueError(f"unknown Zoho edition {edition!r}; expected one of {known}") from None


def call_credits(kind: str) -> int:
    """Credits one call of this type costs."""
    return CALL_CREDITS.get(kind, 1)


def daily_credits(edition: str, users: int = 1) -> int | None:
    """Credits an org of this edition gets per rolling 24 h (None: unlimited)."""
    rule = EDITION_DAILY_CREDITS[edition.strip().lower()]
    if rule is None:
        return None
    base, per_user, cap = rule
    return min(base + per_user * max(users, 1), cap)


class CreditWarning(UserWarning):
    """A batch is about to spend more credits than Zoho says remain."""


@dataclass(frozen=True)
class Decision:
    """What to do with one answer or failure: `retry` after `wait` seconds, `raise`, or use the
    `body`. A value, not a sleep, so it can be tested from a table and followed by any loop."""

    action: Literal["retry", "raise", "body"]
    reason: str
    wait: float = 0.0


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff, equal jitter: attempt n waits between d/2 and d, d = base * 2**(n-1).

    `max_attempts` counts the first try. Equal (not full) jitter keeps a floor under each wait so
    a crowd of 429'd threads cannot come straight back at once.
    """

    max_attempts: int = 10
    base_delay: float = 0.25
    max_delay: float = 16.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("RetryPolicy delays must not be negative")

    def delay(self, attempt: int) -> float:
        """Wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return float(ceiling / 2 + ceiling / 2 * self.random())

    def wait(self, attempt: int) -> float:
        """Sleep the backoff for `attempt` and return how long."""
        seconds = self.delay(attempt)
        self.sleep(seconds)
        return seconds

    def backoff(self, attempt: int, reason: str) -> Decision:
        """Retry after the backoff of `attempt`, unless that was the last attempt allowed."""
        if attempt >= self.max_attempts:
            return Decision("raise", f"{reason}; gave up after {attempt} attempt(s)")
        return Decision("retry", reason, self.delay(attempt))

    def after_error(self, error: CRMError, attempt: int) -> Decision:
        """May the call that raised `error` (tried `attempt` times) be sent again, and when?

        Only when Zoho cannot have acted on it: a 429 (nothing processed), a 5xx answered to a
        read, a connection that failed before the request left. Never for spent credits (they
        come back only as the day's calls age out), a stalled pool (waiting again stalls again),
        refused credentials (the same ones are refused again) or a write whose outcome is unknown.
        """
        if isinstance(error, OutcomeUnknownError):
            return Decision("raise", "a write whose outcome is unknown: read the record back")
        if isinstance(error, CreditsExhaustedError):
            return Decision("raise", "the org's API credits for the rolling 24 h are spent")
        if isinstance(error, StalledError):
            return Decision("raise", "no request slot came free: the requests in flight are stuck")
        if isinstance(error, RateLimitError):
            return self.backoff(attempt, "429 TOO_MANY_REQUESTS")
        if isinstance(error, NetworkError):
            return self.backoff(attempt, error.message)
        if isinstance(error, ServerError) and (error.status or 0) >= 500:
            return self.backoff(attempt, f"HTTP {error.status}")
        if isinstance(error, AuthError):
            return Decision("raise", "credentials refused: retrying sends the same ones")
        return Decision("raise", f"{type(error).__name__}: retrying gets the same answer")


class Limiter:
    """Caps requests in flight: a total that adapts to 429s, and a fixed sub-pool for some kinds.

    A wait for a slot is bounded: when no slot comes free (a request finishing, or the ceiling
    rising) for `stall_timeout` seconds, `slot` raises `StalledError` instead of waiting forever
    behind requests that never end. `clock` is injectable for tests.
    """

    def __init__(
        self,
        total: int,
        sub: int = SUB_CONCURRENCY,
        *,
        stall_timeout: float = DEFAULT_STALL_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if total < 1 or sub < 1:
            raise ValueError("concurrency limits must be at least 1")
        if stall_timeout <= 0:
            raise ValueError("stall_timeout must be positive")
        self.max_total = total
        self.limit = total
        self.stall_timeout = stall_timeout
        self._clock = clock
        self._sub_max = min(sub, total)
        self._in_flight = 0
        self._sub_in_flight = 0
        self._successes = 0
        self._freed_at = clock()
        self._cond = threading.Condition()
        self.peak = 0
        self.waiting = 0  # threads waiting for a slot now (diagnostics, tests)

    @property
    def in_flight(self) -> int:
        """Requests currently holding a slot."""
        return self._in_flight

    def _full(self, sub: bool) -> bool:
        return self._in_flight >= self.limit or (sub and self._sub_in_flight >= self._sub_max)

    @contextmanager
    def slot(self, kind: str) -> Iterator[None]:
        """Hold one slot (and a sub-pool slot for convert/search/COQL) for one request."""
        sub = kind in SUB_POOL_KINDS
        with self._cond:
            started = self._clock()
            while self._full(sub):
                # Bounded by the last time a slot came free (or this wait began): a busy but
                # moving pool keeps waiters waiting; a pool where nothing finishes does not.
                left = max(started, self._freed_at) + self.stall_timeout - self._clock()
                if left <= 0:
                    raise StalledError(
                        f"no request slot came free for {self.stall_timeout:.0f} s "
                        f"({self._in_flight} request(s) in flight, ceiling {self.limit}): "
                        "the connection or the server is stalled; this request was not sent"
                    )
                self.waiting += 1
                try:
                    self._cond.wait(left)
                finally:
                    self.waiting -= 1
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            if sub:
                self._sub_in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                if sub:
                    self._sub_in_flight -= 1
                self._freed_at = self._clock()
                self._cond.notify_all()

    def throttled(self) -> None:
        """A 429 came back: the org allows about as many as the others still in flight.

        Never more than halves at once, so a lone 429 (credits, another app) does not collapse it.
        The ceiling never goes below 1, so a waiter always gets a slot once the pool drains.
        """
        with self._cond:
            others = self._in_flight - 1
            new = max(1, min(self.limit - 1, max(others, self.limit // 2)))
            if new < self.limit:
                log.debug("429: lowering the concurrency ceiling %d -> %d", self.limit, new)
                self.limit = new
            self._successes = 0

    def succeeded(self) -> None:
        """A request passed: after a full window of successes, allow one more in flight."""
        with self._cond:
            if self.limit >= self.max_total:
                return
            self._successes += 1
            if self._successes >= self.limit:
                self._successes = 0
                self.limit += 1
                self._freed_at = self._clock()
                self._cond.notify_all()


@dataclass(frozen=True)
class Usage:
    """Snapshot of what a client spent: calls and credits per call type, credits remaining.

    `remaining` is the last `X-API-CREDITS-REMAINING` seen (None until Zoho sends it, which it does
    once half of the day's credits are used).
    """

    calls: dict[str, int] = field(default_factory=dict)
    credits: dict[str, int] = field(default_factory=dict)
    remaining: int | None = None
    throttled: int = 0
    retries: int = 0

    @property
    def credits_used(self) -> int:
        """Credits spent by this client in total."""
        return sum(self.credits.values())


class CreditLedger:
    """Thread-safe counts of calls and credits per call type.

    Concurrent answers arrive out of order, so a higher `X-API-CREDITS-REMAINING` is believed
    only once `settle_s` passed since the last reading (the rolling window gives credits back
    slowly); within that, the lowest reading wins.
    """

    def __init__(
        self, *, settle_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settle_s = settle_s
        self._clock = clock
        self._seen_at = 0.0
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._credits: Counter[str] = Counter()
        self._remaining: int | None = None
        self._throttled = 0
        self._retries = 0

    def charge(self, kind: str, remaining_header: str | None, credits: int | None = None) -> None:
        """Count one answered call (Zoho charges those, not 429 or 401 rejections); `credits`
        when its price depends on the call (Update Records: per 10 records)."""
        with self._lock:
            self._calls[kind] += 1
            self._credits[kind] += call_credits(kind) if credits is None else credits
            self._see_remaining(remaining_header)

    def observe(self, remaining_header: str | None, *, throttled: bool = False) -> None:
        """Note an uncharged answer: its remaining-credits header, and whether it was a 429."""
        with self._lock:
            self._see_remaining(remaining_header)
            if throttled:
                self._throttled += 1

    def retried(self) -> None:
        """Count one retry."""
        with self._lock:
            self._retries += 1

    def _see_remaining(self, header: str | None) -> None:
        if header is None:
            return
        try:
            value = int(header.strip())
        except ValueError:
            log.debug("ignoring unreadable X-API-CREDITS-REMAINING %r", header)
            return
        now = self._clock()
        stale = now - self._seen_at >= self._settle_s
        if self._remaining is None or value <= self._remaining or stale:
            self._remaining = value
        self._seen_at = now

    def snapshot(self) -> Usage:
        """The counts so far."""
        with self._lock:
            return Usage(
                calls=dict(self._calls),
                credits=dict(self._credits),
                remaining=self._remaining,
                throttled=self._throttled,
                retries=self._retries,
            )

    def check_batch(self, kind: str, count: int) -> int:
        """Warn (CreditWarning) when `count` calls of `kind` would cost more than remains."""
        cost = call_credits(kind) * count
        with self._lock:
            remaining = self._remaining
        if remaining is not None and cost > remaining:
            warnings.warn(
                f"this batch of {count} {kind} calls costs {cost} credits but Zoho reports "
                f"{remaining} remaining in the rolling 24 h window; calls past that get 429",
                CreditWarning,
                stacklevel=3,
            )
        return cost
