"""Run the sandbox: `Sandbox` (uvicorn in a background thread, free port) and its control client.

`SandboxControl` speaks to `/__sandbox__/` with the standard library only, so tests and notebooks
can drive the sandbox without crmkit's API client (the two meet only over HTTP).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from crmkit.errors import CrmkitError
from crmkit.sandbox.app import create_app
from crmkit.sandbox.loader import load_data_dir
from crmkit.sandbox.runtime import Runtime


def bundled_data_path() -> Path:
    """The bundled sample org."""
    from crmkit.sampledata import bundled_path

    return bundled_path()


@dataclass(frozen=True)
class Credentials:
    """OAuth client credentials for the sandbox; the repr hides the secret and refresh token."""

    client_id: str
    client_secret: str
    refresh_token: str

    def __repr__(self) -> str:
        return (
            f"Credentials(client_id={self.client_id!r}, client_secret='***', refresh_token='***')"
        )


class SandboxError(CrmkitError, RuntimeError):
    """A control-surface call the sandbox refused."""


class SandboxControl:
    """Client of the control surface (`X-Sandbox-Admin-Key` authenticated, urllib only)."""

    def __init__(self, url: str, admin_key: str) -> None:
        self.url = url.rstrip("/") + "/__sandbox__"
        self._key = admin_key

    def __repr__(self) -> str:
        return f"SandboxControl({self.url!r})"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("X-Sandbox-Admin-Key", self._key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            detail = exc.read().decode("utf-8", "replace")
            raise SandboxError(f"{method} {path}: HTTP {exc.code}: {detail}") from None
        return json.loads(raw) if raw else None

    def reset(self) -> None:
        """Back to the seed state: records, org settings, run-time settings; faults cleared."""
        self._call("POST", "/reset")

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/state")
        return result

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change org settings (`unique_fields`, `removed_modules`, `removed_fields`, `layouts`,
        `pipelines`, `edition`, `convert_mapping`) or run-time ones (`latency_ms`,
        `credits_per_day`, `concurrency`, `sub_concurrency`, `mass_convert_progress`,
        `mass_convert_step_ms`, `token_ttl_s`, `refresh_limit`, and Bulk Read's `bulk_page_size`,
        `bulk_max_jobs`, `bulk_downloads_per_min`, `bulk_download_window_s`, `bulk_progress`,
        `bulk_step_ms`). Returns the new state."""
        result: dict[str, Any] = self._call("POST", "/config", settings)
        return result

    def add_fault(
        self,
        kind: str,
        path: str = "*",
        *,
        method: str = "*",
        count: int | None = 1,
        skip: int = 0,
        latency_ms: int = 0,
    ) -> int:
        """Inject a fault (`429`, `500`, `drop_before`, `drop_after`, `drop_midway` — half the
        body, then the connection closes —, `expired_token`, `latency`, `mass_convert_failed`,
        `bulk_read_failed`, `slow_answer` — the answer held `latency_ms` after the change —,
        `stall_before` — held `latency_ms`, then dropped unprocessed) on requests whose path
        matches the fnmatch `path`; returns its id."""
        spec = {
            "kind": kind,
            "path": path,
            "method": method,
            "count": count,
            "skip": skip,
            "latency_ms": latency_ms,
        }
        return int(self._call("POST", "/faults", spec)["id"])

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def expire_tokens(self) -> None:
        """Expire every access token issued so far (clients must refresh)."""
        self._call("POST", "/tokens/expire")

    def outbox(self) -> list[dict[str, Any]]:
        """Owner notifications recorded by conversions (notify_lead_owner / new entity owner)."""
        result: list[dict[str, Any]] = self._call("GET", "/outbox")["outbox"]
        return result

    def record(self, module: str, record_id: str | int) -> dict[str, Any] | None:
        """A record as stored (converted leads included), or None."""
        result = self._call("GET", f"/records/{module}/{record_id}")
        return None if result is None else dict(result["record"])


class Sandbox:
    """A local Zoho CRM on 127.0.0.1 (or `host`), served from a background thread.

    `data=None` serves the bundled sample org. Use as a context manager or `start()`/`stop()`.
    """

    def __init__(
        self,
        data: str | Path | None = None,
        *,
        edition: str | None = None,
        db: str | Path | None = None,
        latency_ms: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_key: str | None = None,
    ) -> None:
        self.data = Path(data) if data is not None else bundled_data_path()
        self.host = host
        self._port = port
        self._db = str(db) if db is not None else None
        self._edition = edition
        self._latency_ms = latency_ms
        self._admin_key = admin_key
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.runtime: Runtime | None = None
        self.url = ""

    def __repr__(self) -> str:
        return f"Sandbox(url={self.url!r}, data={str(self.data)!r})"

    # -- lifecycle -------------------------------------------------------------------------------
    def build(self) -> Runtime:
        """Load and validate the data directory (raises `DataDirError`) and seed the store."""
        org_data = load_data_dir(self.data)
        if self._edition is not None:
            if self._edition not in ("free", "standard", "professional", "enterprise", "ultimate"):
                raise ValueError(f"unknown edition {self._edition!r}")
            org_data.org["edition"] = self._edition
        return Runtime.create(
            org_data, db=self._db, admin_key=self._admin_key, latency_ms=self._latency_ms
        )

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        rt = self.build()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (no 40 ms stalls)
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._port))
        sock.listen(1024)
        port = sock.getsockname()[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{port}"
        rt.url = self.url
        self.runtime = rt
        config = uvicorn.Config(
            create_app(rt),
            http="h11",
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=30,
            backlog=1024,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="crmkit-sandbox", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        self._server, self._thread, self._sock = server, thread, sock
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        if self.runtime is not None:
            self.runtime.backend.close()
            self.runtime.store.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what clients need -----------------------------------------------------------------------
    def _rt(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("the sandbox is not started")
        return self.runtime

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1]) if self.url else 0

    @property
    def token_url(self) -> str:
        return self.url + "/oauth/v2/token"

    @property
    def credentials(self) -> Credentials:
        c = self._rt().org().credentials
        return Credentials(c.client_id, c.client_secret, c.refresh_token)

    @property
    def grant_code(self) -> str:
        """The self-client grant code the sandbox accepts once (until reset)."""
        return self._rt().org().credentials.code

    def environ(self) -> dict[str, str]:
        """The ``ZOHO_*`` environment that points ``crmkit.connect()`` at this sandbox.

        For a notebook kernel, a subprocess or a shell: the same variables a real org is
        configured with, so the code under test takes the production path.
        """
        creds = self.credentials
        return {
            "ZOHO_CLIENT_ID": creds.client_id,
            "ZOHO_CLIENT_SECRET": creds.client_secret,
            "ZOHO_REFRESH_TOKEN": creds.refresh_token,
            "ZOHO_TOKEN_URL": self.token_url,
            "ZOHO_API_DOMAIN": self.url,
        }

    @property
    def admin_key(self) -> str:
        return self._rt().admin_key

    @property
    def control(self) -> SandboxControl:
        return SandboxControl(self.url, self.admin_key)
