"""`connect()`: a `CRMClient` for the org the user configured, else for the embedded sandbox.

The one module that knows both the client (`crmkit.api`) and the sandbox (`crmkit.sandbox`), which
never import each other and meet only over HTTP. Settings come from arguments, then the `ZOHO_*`
environment, then the config file (`crmkit.api.config`); with none anywhere, this module starts
the sandbox on the bundled sample org, says so once, and ties the sandbox's lifetime to the
client's (closing the client stops it).

Named `connection`, not `connect`: a submodule sets itself as an attribute of its package when
first imported, and a `crmkit/connect.py` would then hide the function `crmkit.connect`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from crmkit.api.auth import Secret
from crmkit.api.client import CRMClient
from crmkit.api.config import (
    Settings,
    Transport,
    build_client,
    default_config_path,
    resolve_settings,
)
from crmkit.api.limits import RetryPolicy
from crmkit.api.target import ZOHO_CRM, Target
from crmkit.sandbox import Sandbox

__all__ = ["EMBEDDED_SANDBOX", "configured", "connect"]

log = logging.getLogger("crmkit.connection")

EMBEDDED_SANDBOX = Target("sandbox", "embedded sandbox")
_sandbox_announced = False


def connect(
    *,
    client_id: str | None = None,
    client_secret: str | Secret | None = None,
    refresh_token: str | Secret | None = None,
    dc: str | None = None,
    api_domain: str | None = None,
    token_url: str | None = None,
    edition: str | None = None,
    concurrency: int | None = None,
    config_file: str | Path | None = None,
    token_cache: str | Path | bool | None = None,
    progress: bool = True,
    retry: RetryPolicy | None = None,
    transport: Transport | None = None,
    timeout: float = 60.0,
    sandbox: Sandbox | None = None,
) -> CRMClient:
    """Connect to Zoho CRM (or the embedded sandbox when nothing is configured).

    - `sandbox`: a running `crmkit.Sandbox` to connect to instead; its credentials fill the ones
      not given.

    - `edition` sets the concurrency ceiling (free 5 … ultimate 25); read from the org when absent.
    - `concurrency` overrides that ceiling (e.g. to leave room for another app).
    - `token_cache`: a file path, `True`/`None` for the per-user cache dir, `False` for none.
    - `transport`: an httpx transport (tests use `httpx.MockTransport`).
    """
    target = ZOHO_CRM
    if sandbox is not None:
        creds = sandbox.credentials
        client_id = client_id or creds.client_id
        client_secret = client_secret or Secret(creds.client_secret)
        refresh_token = refresh_token or Secret(creds.refresh_token)
        token_url = token_url or sandbox.token_url  # the token answer names the API domain
        if token_cache is None:
            token_cache = False
        target = Target("sandbox", f"sandbox at {sandbox.url}")
    settings = resolve_settings(
        {
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
            "dc": dc,
            "api_domain": api_domain,
            "token_url": token_url,
            "edition": edition,
        },
        config_file=Path(config_file) if config_file is not None else None,
    )
    closers: list[Callable[[], None]] = []
    if not settings.configured:
        embedded = _start_embedded_sandbox(settings.edition)
        closers.append(embedded.stop)
        settings = _sandbox_settings(embedded, edition=settings.edition)
        target = EMBEDDED_SANDBOX
        if token_cache is None:
            token_cache = False
    try:
        return build_client(
            settings,
            concurrency=concurrency,
            token_cache=token_cache,
            progress=progress,
            retry=retry,
            transport=transport,
            timeout=timeout,
            target=target,
            closers=closers,
        )
    except BaseException:
        for closer in closers:  # the client would have owned the sandbox: stop it here instead
            closer()
        raise


def configured(*, config_file: str | Path | None = None) -> bool:
    """Whether `connect()` (without arguments) would talk to a configured org, read from the
    `ZOHO_*` environment and the config file; False means it would start the embedded sandbox.

    For front ends that serve other processes (`crmkit console`): they start the one sandbox
    every page shares, instead of each kernel starting its own. Incomplete settings raise
    `ConfigurationError`, as `connect()` would.
    """
    path = Path(config_file) if config_file is not None else None
    return resolve_settings({}, config_file=path).configured


def _start_embedded_sandbox(edition: str | None) -> Sandbox:
    """Start the sandbox on the bundled sample org; the first time, say so (once per process)."""
    global _sandbox_announced
    sandbox = Sandbox(edition=edition).start()
    if not _sandbox_announced:
        _sandbox_announced = True
        log.warning(
            "crmkit: no Zoho credentials configured (arguments, ZOHO_* environment, %s); "
            "using the embedded sandbox on the bundled sample data at %s",
            default_config_path(),
            sandbox.url,
        )
    return sandbox


def _sandbox_settings(sandbox: Sandbox, *, edition: str | None) -> Settings:
    """Settings pointing at a running sandbox (its token answer names the API domain)."""
    creds = sandbox.credentials
    return Settings(
        client_id=creds.client_id,
        client_secret=Secret(creds.client_secret),
        refresh_token=Secret(creds.refresh_token),
        token_url=sandbox.token_url,
        edition=edition,
        sources={"client_id": "embedded sandbox"},
    )
