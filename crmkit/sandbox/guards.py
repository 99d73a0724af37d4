"""The outermost ASGI layer: who may talk to a sandbox on the user's machine, and how much it reads.

DNS rebinding: a web page whose own name is made to resolve to 127.0.0.1 talks to the sandbox as
its own origin, and with the well-known default credentials could mint tokens and read the org.
Its requests carry the page's name in `Host`, so only loopback names and addresses (and the host
the sandbox was started on) are served; anything else is a 400 before any route runs.

Bodies are read here, counted while they stream in and refused with 413 past the limit (a
declared `Content-Length` over it before one byte is read), so an unauthenticated 200 MB token
body costs a few kilobytes instead of a gigabyte. The limits are run-time settings
(`max_body_bytes`, `max_token_body_bytes`), read on every request.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.exceptions import BodyTooLarge, InvalidRequest
from crmkit.sandbox.urls import TOKEN_PATH

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]  # FaultMiddleware, Starlette

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_PORT = re.compile(r"^[0-9]{1,5}$")


class BodyLimits(Protocol):
    @property
    def max_body_bytes(self) -> int: ...

    @property
    def max_token_body_bytes(self) -> int: ...


class Served(Protocol):
    """What the guard reads from the running sandbox: its URL (the host it was started on) and
    its settings (the body limits)."""

    @property
    def url(self) -> str: ...

    @property
    def settings(self) -> BodyLimits: ...


def host_name(header: str) -> str | None:
    """The name or address of a `Host` header (port dropped, lower case); None when malformed."""
    value = header.strip().lower()
    if value.startswith("["):
        inside, bracket, port = value[1:].partition("]")
        if not bracket or (port and not (port[0] == ":" and _PORT.match(port[1:]))):
            return None
        return inside if _address(inside) is not None else None
    name, colon, port = value.partition(":")
    if colon and not _PORT.match(port):
        return None
    name = name[:-1] if name.endswith(".") else name
    return name if _NAME.match(name) else None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def host_allowed(header: str, started_on: str) -> bool:
    """True for `localhost`, 127.0.0.0/8, ::1 (any port) and the host the sandbox listens on."""
    name = host_name(header)
    if name is None:
        return False
    ip = _address(name)
    if name == "localhost" or (ip is not None and ip.is_loopback):
        return True
    bound = started_on.strip().lower().rstrip(".")
    if not bound:
        return False
    bound_ip = _address(bound)
    return name == bound if ip is None or bound_ip is None else ip == bound_ip


async def respond(send: Send, err: ApiError, *, close: bool = False) -> None:
    """Answer `err` as Zoho's JSON error body; `close` ends the connection (a body left unread)."""
    body = json.dumps(err.body()).encode()
    headers = [
        (b"content-type", b"application/json;charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": err.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge({"max_bytes": limit}, f"the request body is larger than {limit} bytes")


class LocalGuard:
    """Refuse foreign `Host` headers (400) and oversized bodies (413) before the app runs."""

    def __init__(self, app: ASGIApp, served: Served) -> None:
        self.app, self.served = app, served

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        hosts = [v.decode("latin-1") for k, v in headers if k == b"host"]
        started_on = urlsplit(self.served.url).hostname or ""
        if len(hosts) != 1 or not host_allowed(hosts[0], started_on):
            shown = hosts[0][:200] if hosts else None
            await respond(
                send,
                InvalidRequest(
                    {"header": "Host", "value": shown},
                    "this sandbox answers only to localhost, 127.0.0.0/8, [::1] or the host it "
                    "was started with (--host)",
                ),
            )
            return
        settings = self.served.settings
        is_token = scope["path"].rstrip("/") == TOKEN_PATH
        limit = settings.max_token_body_bytes if is_token else settings.max_body_bytes
        declared = [v for k, v in headers if k == b"content-length"]
        if declared and declared[0].isdigit() and int(declared[0]) > limit:
            await respond(send, _too_large(limit), close=True)
            return
        body = await _read_body(receive, limit)
        if body is None:  # the client went away mid-body
            return
        if isinstance(body, BodyTooLarge):
            await respond(send, body, close=True)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive, limit: int) -> bytes | BodyTooLarge | None:
    """The whole body, or the 413 to answer as soon as more than `limit` bytes arrived."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            return _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the client's own events."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
