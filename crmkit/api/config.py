"""Where the client's settings come from: arguments, then environment, then the config file.

With nothing configured, `connect()` starts the embedded sandbox on the bundled sample data.
"""

from __future__ import annotations

from pathlib import Path

from crmkit.api.client import CRMClient


def connect(
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    refresh_token: str | None = None,
    dc: str | None = None,
    api_domain: str | None = None,
    token_url: str | None = None,
    edition: str | None = None,
    concurrency: int | None = None,
    config_file: str | Path | None = None,
    token_cache: str | Path | bool | None = None,
    progress: bool = True,
) -> CRMClient:
    """Connect to Zoho CRM (or the embedded sandbox when nothing is configured)."""
    raise NotImplementedError
