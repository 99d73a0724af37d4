"""Fixtures for crmkit.api tests: a scripted Zoho behind httpx.MockTransport, for edge cases only.

Everything a real server can produce is tested against the sandbox over HTTP; this fake exists for
what a server cannot do on cue (exact retry timing, a connection dropped at a chosen moment).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from crmkit import connect
from crmkit.api import CRMClient
from crmkit.api import config as config_module
from crmkit.api.limits import RetryPolicy

CLIENT_ID = "1000.TESTCLIENT"
CLIENT_SECRET = "cs-0123456789-very-secret"
REFRESH_TOKEN = "1000.rt-abcdef-also-secret"

Responder = Callable[[httpx.Request], httpx.Response]


def zoho_error(status: int, code: str, message: str, **details: Any) -> httpx.Response:
    """A bare Zoho error body."""
    return httpx.Response(
        status, json={"code": code, "details": details, "message": message, "status": "error"}
    )


@dataclass
class FakeZoho:
    """Token endpoint plus scripted API answers; records every request."""

    api_domain: str | None = "https://api.fake.test"
    token_host: str = "accounts.fake.test"
    routes: dict[tuple[str, str], list[Responder | httpx.Response | Exception]] = field(
        default_factory=dict
    )
    requests: list[httpx.Request] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_answer: Callable[[int], httpx.Response] | None = None
    valid_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, method: str, path: str, *answers: Responder | httpx.Response | Exception) -> None:
        """Queue answers for a route; the last one repeats."""
        self.routes[(method, path)] = list(answers)

    def calls(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/v2/token":
            form = dict(httpx.QueryParams(request.content.decode()))
            with self.lock:
                self.token_requests.append(form)
                n = len(self.token_requests)
            if self.token_answer is not None:
                return self.token_answer(n)
            token = f"at-{n}-secret-access"
            self.valid_tokens.add(token)
            body: dict[str, Any] = {
                "access_token": token,
                "expires_in": 3600,
                "token_type": "Bearer",
            }
            if self.api_domain:
                body["api_domain"] = self.api_domain
            return httpx.Response(200, json=body)
        with self.lock:
            self.requests.append(request)
        header = request.headers.get("Authorization", "")
        if self.valid_tokens and header.removeprefix("Zoho-oauthtoken ") not in self.valid_tokens:
            return zoho_error(401, "INVALID_TOKEN", "invalid oauth token")
        key = (request.method, request.url.path)
        with self.lock:
            queue = self.routes.get(key)
            if queue is None:
                return zoho_error(404, "INVALID_URL_PATTERN", "Please check if the URL is correct")
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return httpx.Response(
                answer.status_code, headers=answer.headers, content=answer.content
            )
        return answer(request)


@dataclass
class Sleeps:
    """Injected sleep: records the waits instead of sleeping."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def clear_zoho_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every variable `connect()` reads, so no developer's org leaks into a test."""
    for var in config_module.ENV.values():
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def fake() -> FakeZoho:
    return FakeZoho()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(
    fake: FakeZoho, sleeps: Sleeps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., CRMClient]]:
    """Build clients on the fake; environment and config file isolated."""
    clear_zoho_env(monkeypatch)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "absent.toml"))
    clients: list[CRMClient] = []

    def build(**kwargs: Any) -> CRMClient:
        options: dict[str, Any] = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
            "token_url": f"https://{fake.token_host}/oauth/v2/token",
            "edition": "enterprise",
            "token_cache": False,
            "progress": False,
            "retry": RetryPolicy(sleep=sleeps, random=lambda: 0.5),
            "transport": httpx.MockTransport(fake.handler),
        }
        options.update(kwargs)
        client = connect(**options)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


# ---------------------------------------------------------------- the real sandbox, over HTTP
FAST_RETRY = RetryPolicy(base_delay=0.01, max_delay=0.2, max_attempts=12)
USERS = [
    {"id": "4876876000000225001", "full_name": "Ava Raman", "email": "ava@zylker.test"},
    {"id": "4876876000000225018", "full_name": "Ben Okafor", "email": "ben@zylker.test"},
]
OWNER = {"id": USERS[0]["id"], "name": USERS[0]["full_name"]}


def lead(id: str, first: str | None, last: str, **kw: Any) -> dict[str, Any]:
    return {"id": id, "First_Name": first, "Last_Name": last, "Owner": OWNER, **kw}


def contact(id: str, first: str | None, last: str, **kw: Any) -> dict[str, Any]:
    return {"id": id, "First_Name": first, "Last_Name": last, "Owner": OWNER, **kw}


def account(id: str, name: str, **kw: Any) -> dict[str, Any]:
    return {"id": id, "Account_Name": name, "Owner": OWNER, **kw}


def org(
    leads: list[dict[str, Any]],
    contacts: list[dict[str, Any]] | None = None,
    accounts: list[dict[str, Any]] | None = None,
    **settings: Any,
) -> dict[str, Any]:
    return {
        "leads": leads,
        "contacts": contacts or [],
        "accounts": accounts or [],
        "org": {"users": USERS, **settings},
    }


@pytest.fixture
def client_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., CRMClient]]:
    """`client_for(sb, **connect_kwargs)`: a CRMClient on a running sandbox (token_url only, so
    the API domain comes from the token answer)."""
    clear_zoho_env(monkeypatch)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "absent.toml"))
    clients: list[CRMClient] = []

    def build(sb: Any, **kwargs: Any) -> CRMClient:
        options: dict[str, Any] = {"progress": False, "retry": FAST_RETRY, **kwargs}
        client = connect(sandbox=sb, **options)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()
