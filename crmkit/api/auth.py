"""OAuth for Zoho CRM: refresh-token access tokens as an `httpx.Auth`, a 0600 token cache, secrets.

- `Secret` wraps a client secret or token so that repr/str/format/logging show `**********` and
  pickling refuses: the only way to the value is `.get()`, called where the wire needs it.
- `ZohoOAuth` adds `Authorization: Zoho-oauthtoken …` to every request, refreshes before expiry,
  and on a 401 `INVALID_TOKEN` refreshes once and replays the request. One refresh at a time
  across threads: a thread that hit 401 with a token someone already replaced just replays.
  Zoho lets a refresh token mint only 10 access tokens in 10 minutes, so this matters.
- The token answer's `api_domain` is remembered: the client sends its calls there.
- Zoho answers a bad refresh token or grant code with HTTP **200** `{"error": "invalid_code"}`;
  any `error` key in a token answer raises `AuthError`, whatever the status.
- A token endpoint that fails without refusing (5xx, an unreadable answer, no connection) raises
  `TokenEndpointError`, a `NetworkError`: the API call waiting for the token was never sent, so
  the send loop retries it under the client's `RetryPolicy`, writes included.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import httpx
import platformdirs

from crmkit.api.decode import (
    MAX_ERROR_BODY_BYTES,
    Unreadable,
    bounded_stream,
    parse_json,
    read_body,
)
from crmkit.api.errors import AuthError, TokenEndpointError

log = logging.getLogger("crmkit.api.auth")

REDACTED = "**********"
EXPIRY_LEEWAY_S = 60.0


class Secret:
    """A string that never shows itself: not in repr, str, f-strings, logs, errors or pickles."""

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.get()
        elif not isinstance(value, str):
            raise TypeError(f"a secret must be a string, got {type(value).__name__}")
        self._value = value

    def get(self) -> str:
        """The value itself; call it only where the wire needs it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", hashlib.sha256(self._value.encode()).hexdigest()))

    def __reduce__(self) -> NoReturn:
        raise TypeError("crmkit refuses to pickle a Secret (client secret or token)")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("crmkit refuses to pickle a Secret (client secret or token)")


@dataclass(frozen=True)
class Token:
    """An access token, when it stops working, and the API domain it was issued for."""

    access: Secret
    expires_at: float
    api_domain: str | None

    def fresh(self, now: float, leeway: float = EXPIRY_LEEWAY_S) -> bool:
        """Still usable for at least `leeway` seconds."""
        return now < self.expires_at - leeway


def default_cache_dir() -> Path:
    """Per-user cache folder for access tokens."""
    return Path(platformdirs.user_cache_dir("crmkit")) / "tokens"


def cache_key(token_url: str, client_id: str, refresh_token: Secret) -> str:
    """File name for one credential set: a hash, so nothing secret shows in the path."""
    material = "\n".join((token_url, client_id, refresh_token.get())).encode()
    return hashlib.sha256(material).hexdigest()[:32] + ".json"


class TokenCache:
    """One access token on disk, written 0600 (directory 0700), replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"TokenCache({str(self.path)!r})"

    def load(self) -> Token | None:
        """The cached token, or None when missing, unreadable or malformed."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Token(
                access=Secret(str(data["access_token"])),
                expires_at=float(data["expires_at"]),
                api_domain=data.get("api_domain"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, token: Token) -> None:
        """Write the token with permissions 0600; failures are logged, never raised."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tok-", suffix=".tmp")
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(
                        {
                            "access_token": token.access.get(),
                            "expires_at": token.expires_at,
                            "api_domain": token.api_domain,
                        },
                        fh,
                    )
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            log.warning("could not write the token cache %s: %s", self.path, exc.strerror)

    def clear(self) -> None:
        """Forget the cached token."""
        with contextlib.suppress(OSError):
            self.path.unlink()


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def _domain(value: object) -> str | None:
    """The token answer's `api_domain` when it is an http(s) URL; else None (the fallback)."""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        return None
    return value.rstrip("/")


def post_token_form(
    http: httpx.Client, token_url: str, form: dict[str, str], *, what: str
) -> dict[str, Any]:
    """POST a token grant and return its JSON answer.

    A refusal (an `error` key, a 4xx, no `access_token`) is an `AuthError`; a failure that says
    nothing about the credentials (unreachable, 5xx, an answer that is not a JSON object, read
    within `crmkit.api.decode`'s bounds) is a `TokenEndpointError`, which callers may retry.
    The form (holding secrets) is never logged nor put into an error, nor is the answer (it holds
    a token): errors carry only the token URL's path, the status, Zoho's `error` code and a
    description.
    """
    path = _path(token_url)
    try:
        # A no-op Auth: the token request must never go through ZohoOAuth (it would deadlock).
        request = http.build_request("POST", token_url, data=form)
        response = http.send(request, auth=httpx.Auth(), stream=True)
        try:
            body = read_body(response)
        finally:
            response.close()
    except httpx.TransportError as exc:
        raise TokenEndpointError(
            f"{what}: could not reach the token endpoint ({type(exc).__name__})",
            method="POST",
            path=path,
        ) from None
    status = response.status_code
    if not isinstance(body, dict) and (status >= 500 or status < 400):
        problem = body.problem if isinstance(body, Unreadable) else "not a JSON object"
        raise TokenEndpointError(
            f"{what}: the token endpoint answered HTTP {status}, {problem}",
            method="POST",
            path=path,
            status=status,
        )
    if not isinstance(body, dict):
        raise AuthError(
            f"{what}: the token endpoint refused with HTTP {status} and no readable reason",
            method="POST",
            path=path,
            status=status,
        )
    if status >= 500:
        code = body.get("error") or body.get("code")
        raise TokenEndpointError(
            f"{what}: the token endpoint failed with HTTP {status}",
            method="POST",
            path=path,
            status=status,
            code=None if code is None else str(code)[:80],
        )
    token = body.get("access_token")
    if "error" in body or status >= 400 or not isinstance(token, str) or not token:
        code = str(body.get("error") or body.get("code") or "no_access_token")
        raise AuthError(
            f"{what} refused: {body.get('error_description') or body.get('message') or code}",
            method="POST",
            path=path,
            status=status,
            code=code,
        )
    return body


class ZohoOAuth(httpx.Auth):
    """Access tokens from a refresh token, shared by every thread of one client."""

    # The 401 body is read here only (bounded); every other body is the send path's to read.
    requires_response_body = False

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: Secret,
        refresh_token: Secret,
        token_url: str,
        http: httpx.Client,
        cache: TokenCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.token_url = token_url
        self._http = http
        self._cache = cache
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Token | None = cache.load() if cache is not None else None
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"ZohoOAuth(client_id={self.client_id!r}, token_url={self.token_url!r})"

    @property
    def api_domain(self) -> str | None:
        """The API domain named by the current token answer (fetching a token if none yet)."""
        return self.token().api_domain

    def token(self) -> Token:
        """A token fresh for at least a minute, refreshing (once, under the lock) if needed."""
        with self._lock:
            token = self._token
            if token is None or not token.fresh(self._clock()):
                token = self._refresh_locked()
            return token

    def _replace(self, stale: Token) -> Token:
        """Refresh after a 401 unless another thread already replaced the stale token."""
        with self._lock:
            if self._token is not None and self._token is not stale:
                return self._token
            return self._refresh_locked()

    def _refresh_locked(self) -> Token:
        body = post_token_form(
            self._http,
            self.token_url,
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "client_secret": self._client_secret.get(),
                "refresh_token": self._refresh_token.get(),
            },
            what="access token refresh",
        )
        try:
            expires_in = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_in = 3600.0
        token = Token(
            access=Secret(str(body["access_token"])),
            expires_at=self._clock() + expires_in,
            api_domain=_domain(body.get("api_domain")),
        )
        self._token = token
        self.refreshes += 1
        log.debug("access token refreshed (expires in %.0f s)", expires_in)
        if self._cache is not None:
            self._cache.save(token)
        return token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.token()
        request.headers["Authorization"] = f"Zoho-oauthtoken {token.access.get()}"
        response = yield request
        if response.status_code == 401 and _zoho_code(response) == "INVALID_TOKEN":
            log.debug(
                "401 INVALID_TOKEN on %s %s: refreshing once", request.method, request.url.path
            )
            token = self._replace(token)
            request.headers["Authorization"] = f"Zoho-oauthtoken {token.access.get()}"
            yield request


def _zoho_code(response: httpx.Response) -> str | None:
    """The `code` of a 401 body, read whole but bounded (`read()` keeps it for the caller)."""
    bounded_stream(response, MAX_ERROR_BODY_BYTES)
    try:
        body = parse_json(response.read())
    except (httpx.DecodingError, httpx.StreamError):
        return None
    return str(body.get("code")) if isinstance(body, dict) and body.get("code") else None


@dataclass(frozen=True)
class Grant:
    """What a self-client grant code is exchanged for."""

    refresh_token: Secret
    access_token: Secret
    api_domain: str | None
    expires_in: float


def exchange_grant_code(
    code: Secret | str,
    *,
    client_id: str,
    client_secret: Secret | str,
    token_url: str,
    redirect_uri: str | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> Grant:
    """Exchange a self-client grant code (API console, valid minutes) for a refresh token."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": Secret(client_secret).get(),
        "code": Secret(code).get(),
    }
    if redirect_uri:
        form["redirect_uri"] = redirect_uri
    with httpx.Client(transport=transport, timeout=timeout) as http:
        body = post_token_form(http, token_url, form, what="grant code exchange")
    if not body.get("refresh_token"):
        raise AuthError(
            "grant code exchange answered without a refresh_token (was the code already used?)",
            method="POST",
            path=_path(token_url),
            code="no_refresh_token",
        )
    return Grant(
        refresh_token=Secret(str(body["refresh_token"])),
        access_token=Secret(str(body["access_token"])),
        api_domain=_domain(body.get("api_domain")),
        expires_in=float(body.get("expires_in", 3600)),
    )


__all__ = [
    "Grant",
    "Secret",
    "Token",
    "TokenCache",
    "ZohoOAuth",
    "exchange_grant_code",
]
