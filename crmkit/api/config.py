"""Where the client's settings come from, and a client built from them.

Each setting is taken from the first source that has it: `connect()` arguments, then the
environment (`ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET`, `ZOHO_REFRESH_TOKEN`, `ZOHO_DC`,
`ZOHO_API_DOMAIN`, `ZOHO_TOKEN_URL`, `ZOHO_EDITION`), then the config file
(`$CRMKIT_CONFIG`, else `config.toml` in platformdirs' user config dir for "crmkit"):

```toml
[zoho]
client_id = "1000.XXXX"
client_secret = "…"
refresh_token = "1000.…"
dc = "eu"                 # us|eu|in|au|jp|ca|sa|cn
# api_domain = "https://sandbox.zohoapis.eu"   # custom hosts only
# token_url = "https://accounts.zoho.eu/oauth/v2/token"
# edition = "enterprise"
```

Setting some but not all credentials is an error naming what is missing. With none of these
anywhere `resolve_settings` says so (`Settings.configured` is false) and `crmkit.connect`, one layer
up, starts the embedded sandbox: this module knows nothing of the sandbox.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import httpx
import platformdirs

from crmkit.api.auth import Secret, TokenCache, ZohoOAuth, cache_key, default_cache_dir
from crmkit.api.client import CRMClient
from crmkit.api.datacenters import data_centre
from crmkit.api.errors import ConfigurationError
from crmkit.api.limits import SUB_CONCURRENCY, RetryPolicy, edition_concurrency
from crmkit.api.target import ZOHO_CRM, Target

ENV = {
    "client_id": "ZOHO_CLIENT_ID",
    "client_secret": "ZOHO_CLIENT_SECRET",
    "refresh_token": "ZOHO_REFRESH_TOKEN",
    "dc": "ZOHO_DC",
    "api_domain": "ZOHO_API_DOMAIN",
    "token_url": "ZOHO_TOKEN_URL",
    "edition": "ZOHO_EDITION",
}
SECRET_KEYS = frozenset({"client_secret", "refresh_token"})
# What `connect(transport=...)` takes, named here so callers above crmkit.api need no httpx import.
Transport: TypeAlias = httpx.BaseTransport
CREDENTIAL_KEYS = ("client_id", "client_secret", "refresh_token")


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """`$CRMKIT_CONFIG`, else `config.toml` in the user's config dir."""
    env = os.environ if env is None else env
    if env.get("CRMKIT_CONFIG"):
        return Path(env["CRMKIT_CONFIG"])
    return Path(platformdirs.user_config_dir("crmkit")) / "config.toml"


@dataclass(frozen=True)
class Settings:
    """Resolved settings; `sources` says where each came from (never the value of a secret)."""

    client_id: str | None = None
    client_secret: Secret | None = None
    refresh_token: Secret | None = None
    dc: str | None = None
    api_domain: str | None = None
    token_url: str | None = None
    edition: str | None = None
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        """Anything at all pointing at a Zoho org."""
        return any(getattr(self, k) for k in (*CREDENTIAL_KEYS, "dc", "api_domain", "token_url"))

    def resolved_token_url(self) -> str:
        """The token URL: explicit, else the data centre's (US when none is named)."""
        if self.token_url:
            return self.token_url
        return data_centre(self.dc or "us").token_url

    def default_api_domain(self) -> str | None:
        """Fallback API domain when the token answer names none."""
        if self.api_domain:
            return self.api_domain
        if self.token_url and not self.dc:
            return None
        return data_centre(self.dc or "us").api_domain


def read_config_file(path: Path) -> dict[str, str]:
    """The `[zoho]` table of a TOML config file (empty when the file does not exist)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigurationError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # The decoder's message names line and column; it never quotes the secret values.
        raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from None
    table = data.get("zoho", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"config file {path}: [zoho] must be a table")
    out: dict[str, str] = {}
    for key, value in table.items():
        if key not in ENV:
            raise ConfigurationError(
                f"config file {path}: unknown key zoho.{key} (known: {', '.join(ENV)})"
            )
        if not isinstance(value, str):
            raise ConfigurationError(f"config file {path}: zoho.{key} must be a string")
        out[key] = value
    return out


def resolve_settings(
    arguments: Mapping[str, str | Secret | None],
    *,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Merge arguments, environment and config file, first source wins per setting."""
    env = os.environ if env is None else env
    path = config_file if config_file is not None else default_config_path(env)
    from_file = read_config_file(path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, var in ENV.items():
        arg = arguments.get(key)
        if arg is not None and (arg if isinstance(arg, str) else arg.get()):
            values[key], sources[key] = arg, "argument"
        elif env.get(var):
            values[key], sources[key] = env[var], f"environment {var}"
        elif from_file.get(key):
            values[key], sources[key] = from_file[key], f"config file {path}"
    for key in SECRET_KEYS:
        if key in values:
            values[key] = Secret(values[key])
    if "dc" in values:
        data_centre(values["dc"])  # validate early, with the list of known codes
    if "edition" in values:
        edition_concurrency(values["edition"])
    settings = Settings(**values, sources=sources)
    missing = [k for k in CREDENTIAL_KEYS if getattr(settings, k) is None]
    if settings.configured and missing:
        raise ConfigurationError(_incomplete(missing, sources, path, file_exists=path.is_file()))
    return settings


def _incomplete(
    missing: list[str], sources: Mapping[str, str], path: Path, *, file_exists: bool
) -> str:
    """Which credentials are missing, every place they were looked for, and what was found."""
    variables = ", ".join(ENV[k] for k in missing)
    state = "has no value for them" if file_exists else "does not exist"
    given = "; ".join(f"{k} from {v}" for k, v in sorted(sources.items()))
    return (
        f"incomplete Zoho configuration: missing {', '.join(missing)}. Looked in connect() "
        f"arguments, the environment ({variables}) and the config file {path} ({state}). "
        f"Found {given}. Set the missing ones in any of these places, or unset the others to "
        "use the embedded sandbox."
    )


def build_client(
    settings: Settings,
    *,
    concurrency: int | None = None,
    token_cache: str | Path | bool | None = None,
    progress: bool = True,
    retry: RetryPolicy | None = None,
    transport: Transport | None = None,
    timeout: float = 60.0,
    target: Target = ZOHO_CRM,
    closers: Sequence[Callable[[], None]] = (),
) -> CRMClient:
    """A `CRMClient` for complete settings: the HTTP pool, the OAuth refresh, the token cache.

    Pure assembly: it reads no environment and starts nothing (`crmkit.connect` decides where
    the settings come from, and starts the embedded sandbox when there are none).
    - `token_cache`: a file path, `True`/`None` for the per-user cache dir, `False` for none.
    - `target` names what the client talks to; `closers` run when it closes.
    """
    client_id, secret, refresh = settings.client_id, settings.client_secret, settings.refresh_token
    if not client_id or secret is None or refresh is None:
        missing = ", ".join(k for k in CREDENTIAL_KEYS if not getattr(settings, k))
        raise ConfigurationError(f"cannot build a client without {missing}")
    token_url = settings.resolved_token_url()
    cache: TokenCache | None = None
    if token_cache is None or token_cache is True:
        cache = TokenCache(default_cache_dir() / cache_key(token_url, client_id, refresh))
    elif token_cache is not False:
        cache = TokenCache(Path(token_cache))
    ceiling = concurrency or (edition_concurrency(settings.edition) if settings.edition else 25)
    http = httpx.Client(
        transport=transport,
        timeout=timeout,
        limits=httpx.Limits(
            max_connections=ceiling + SUB_CONCURRENCY, max_keepalive_connections=ceiling
        ),
    )
    auth = ZohoOAuth(
        client_id=client_id,
        client_secret=secret,
        refresh_token=refresh,
        token_url=token_url,
        http=http,
        cache=cache,
    )
    http.auth = auth
    return CRMClient(
        auth=auth,
        http=http,
        api_domain=settings.api_domain,
        fallback_api_domain=settings.default_api_domain(),
        edition=settings.edition,
        concurrency=concurrency,
        retry=retry,
        progress=progress,
        target=target,
        closers=closers,
    )
