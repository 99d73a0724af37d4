"""Injected faults: rules matched by method and path pattern, applied by an outer ASGI layer.

The layer sits outside Starlette so it can do what a handler cannot: drop the connection without
answering — before the request reaches the rules (nothing changes) or after (the change is made,
the answer is lost), which is the case a safe client must resolve by reading back.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.exceptions import InternalError, InvalidToken, TooManyRequests
from crmkit.sandbox.loader import DataDirError

KINDS = (
    "429",
    "500",
    "drop_before",
    "drop_after",
    "drop_midway",
    "expired_token",
    "latency",
    "mass_convert_failed",
    "bulk_read_failed",
    "slow_answer",
    "stall_before",
)
METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MAX_INT = {"count": 10**9, "skip": 10**9, "latency_ms": 600_000}
# Kinds the routes act on (the request goes through, marked): the key they read in the scope.
FAULT_KEY = "crmkit.sandbox.fault"
_MARKING = frozenset({"mass_convert_failed", "bulk_read_failed"})
ASGIApp = Callable[..., Any]


@dataclass
class FaultRule:
    """Fire `kind` on up to `count` requests (None: forever) whose method and path match.

    `path` is an fnmatch pattern over the URL path (`/crm/v8/Leads/*/actions/convert`); `skip`
    lets that many matching requests through first. `latency_ms` is used by kind `latency`, which
    composes: its delay is added and the request still meets the other rules.
    `mass_convert_failed` (path `/crm/v8/Leads/actions/mass_convert`, method POST) lets the request
    through marked: the job it schedules converts half of its leads, then ends FAILED.
    `slow_answer` runs the request to the end, then holds its answer `latency_ms` before sending
    it: the change is made while the client still waits, so a client killed meanwhile (a crash
    test) has lost the answer of a write that happened. `stall_before` holds the request
    `latency_ms` and then drops the connection without processing it: a write that never reached
    Zoho while the client waited. Both stop waiting as soon as the client hangs up.
    """

    kind: str
    path: str = "*"
    method: str = "*"
    count: int | None = 1
    skip: int = 0
    latency_ms: int = 0
    id: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        """Refuse a bad field now: stored, it would break every matching request later."""
        if self.kind not in KINDS:
            _refuse("kind", f"fault kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not isinstance(self.path, str) or not self.path or len(self.path) > 2000:
            _refuse("path", "path must be an fnmatch pattern of 1 to 2000 characters")
        if not isinstance(self.method, str) or self.method.upper() not in METHODS:
            _refuse("method", f"method must be one of {', '.join(METHODS)}")
        self.method = self.method.upper()
        if self.count is not None:
            _integer("count", self.count, 1, "(or null for every matching request)")
        _integer("skip", self.skip, 0)
        _integer("latency_ms", self.latency_ms, 0)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)


@dataclass
class FaultBook:
    rules: list[FaultRule] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **spec: Any) -> FaultRule:
        allowed = {"kind", "path", "method", "count", "skip", "latency_ms"}
        unknown = sorted(set(spec) - allowed)
        if unknown:
            _refuse(unknown[0], f"unknown fault keys: {', '.join(unknown)}")
        if "kind" not in spec:
            _refuse("kind", f"fault kind is required (one of {', '.join(KINDS)})")
        rule = FaultRule(**spec)
        with self.lock:
            rule.id = next(self._ids)
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def take(self, method: str, path: str) -> tuple[int, FaultRule | None]:
        """Latency to add and the first live non-latency rule matching the request.

        Latency rules compose with the others (a slow server still answers 429 or drops), so
        every matching latency rule adds its delay and the search goes on past it. Each rule
        taken is counted as fired; exhausted rules drop.
        """
        delay_ms = 0
        with self.lock:
            for rule in list(self.rules):
                if not rule.matches(method, path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.fired += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count == 0:
                        self.rules.remove(rule)
                if rule.kind == "latency":
                    delay_ms += rule.latency_ms
                    continue
                return delay_ms, rule
        return delay_ms, None

    def describe(self) -> list[dict[str, Any]]:
        with self.lock:
            return [asdict(r) for r in self.rules]


def _refuse(name: str, reason: str) -> NoReturn:
    raise DataDirError("faults", 0, name, reason)


def _integer(name: str, value: object, low: int, note: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_INT[name]:
        _refuse(name, f"{name} must be an integer from {low} to {MAX_INT[name]} {note}".strip())


class FaultMiddleware:
    """ASGI layer applying faults to every path outside the control surface."""

    def __init__(
        self, app: ASGIApp, book: FaultBook, expire_token: Callable[[str | None], None]
    ) -> None:
        self.app, self.book, self.expire_token = app, book, expire_token

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__sandbox__"):
            await self.app(scope, receive, send)
            return
        delay_ms, rule = self.book.take(scope["method"], scope["path"])
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if rule is not None and rule.kind in _MARKING:
            # mass_convert_failed, bulk_read_failed: the job this request creates fails
            await self.app({**scope, FAULT_KEY: rule.kind}, receive, send)
        elif rule is None:
            await self.app(scope, receive, send)
        elif rule.kind == "429":
            await _answer(send, TooManyRequests({}, "injected fault"))
        elif rule.kind == "500":
            await _answer(send, InternalError())
        elif rule.kind == "expired_token":
            headers = dict(scope.get("headers", []))
            auth = headers.get(b"authorization")
            self.expire_token(auth.decode("latin-1") if auth else None)
            await _answer(send, InvalidToken())
        elif rule.kind == "drop_before":
            await _drop(send)
        elif rule.kind == "slow_answer":
            held: list[dict[str, Any]] = []

            async def hold(message: dict[str, Any]) -> None:
                held.append(message)

            await self.app(scope, receive, hold)
            if await _wait_unless_gone(send, rule.latency_ms):
                for message in held:
                    await send(message)
        elif rule.kind == "stall_before":
            await _wait_unless_gone(send, rule.latency_ms)
            await _drop(send)
        elif rule.kind == "drop_midway":
            await self.app(scope, receive, _half_then_close(send))
        else:  # drop_after: let the request run to the end, then lose its answer

            async def swallow(message: dict[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)
            await _drop(send)


async def _answer(send: Any, err: ApiError) -> None:
    body = json.dumps(err.body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": err.status,
            "headers": [
                (b"content-type", b"application/json;charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _half_then_close(send: Any) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """A `send` that passes the headers and half of the first body chunk, then closes the
    connection: the client holds an incomplete answer (a download broken off midway)."""
    closed = False

    async def half(message: dict[str, Any]) -> None:
        nonlocal closed
        if closed:
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        body = message.get("body", b"")
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        closed = True
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is None:
            raise ConnectionAbortedError("fault: connection dropped midway")
        transport.close()  # flushes what was written, then closes: the body stays incomplete
        cycle.disconnected = True  # type: ignore[union-attr]

    return half


async def _wait_unless_gone(send: Any, ms: int) -> bool:
    """Sleep `ms`, ending early when the client hung up; True when it is still there."""
    cycle = getattr(send, "__self__", None)
    deadline = asyncio.get_running_loop().time() + ms / 1000
    while asyncio.get_running_loop().time() < deadline:
        if getattr(cycle, "disconnected", False):
            return False
        await asyncio.sleep(min(0.05, max(0.0, deadline - asyncio.get_running_loop().time())))
    return not getattr(cycle, "disconnected", False)


async def _drop(send: Any) -> None:
    """Close the TCP connection without a response (uvicorn's cycle object owns the transport)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:  # not served by uvicorn: the best we can do is an empty 500
        raise ConnectionAbortedError("fault: connection dropped")
    transport.abort()
    cycle.disconnected = True  # type: ignore[union-attr]
    await asyncio.sleep(0)
