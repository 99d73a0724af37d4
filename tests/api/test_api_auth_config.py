"""Auth, data centres, configuration order, token cache and the `crmkit auth` command."""

from __future__ import annotations

import logging
import pickle
import socket
import stat
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import FakeZoho, clear_zoho_env, json_response, zoho_error

from crmkit import connect
from crmkit import connection as connection_module
from crmkit.api import ZOHO_CRM, AuthError, ConfigurationError, CRMClient, CRMError, Target
from crmkit.api.auth import Secret, TokenCache, exchange_grant_code
from crmkit.api.config import resolve_settings
from crmkit.api.datacenters import DATA_CENTRES, data_centre
from crmkit.cli.auth import run as auth_run
from crmkit.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)
OPTIONS = "/crm/v8/Leads/111/__conversion_options"

EXPECTED_DC = {
    "us": ("accounts.zoho.com", "www.zohoapis.com"),
    "eu": ("accounts.zoho.eu", "www.zohoapis.eu"),
    "in": ("accounts.zoho.in", "www.zohoapis.in"),
    "au": ("accounts.zoho.com.au", "www.zohoapis.com.au"),
    "jp": ("accounts.zoho.jp", "www.zohoapis.jp"),
    "ca": ("accounts.zohocloud.ca", "www.zohoapis.ca"),
    "sa": ("accounts.zoho.sa", "www.zohoapis.sa"),
    "cn": ("accounts.zoho.com.cn", "www.zohoapis.com.cn"),
}


@pytest.mark.parametrize("dc", sorted(EXPECTED_DC))
def test_every_data_centre_token_and_api_urls(
    dc: str, make_client: Callable[..., CRMClient]
) -> None:
    accounts, api = EXPECTED_DC[dc]
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url}")
        if request.url.path == "/oauth/v2/token":
            # The token answer names the DC's domain in upper case: the client must use it as sent.
            return json_response(
                200,
                {"access_token": "at", "expires_in": 3600, "api_domain": f"https://{api.upper()}"},
            )
        return httpx.Response(204)

    client = make_client(dc=dc, token_url=None, transport=httpx.MockTransport(handler))
    client.conversion_options("111")
    assert seen[0] == f"POST https://{accounts}/oauth/v2/token"
    assert seen[1] == f"GET https://{api}/crm/v8/Leads/111/__conversion_options"
    assert (
        data_centre(dc).variant_api_domain("sandbox")
        == f"https://{api.replace('www.', 'sandbox.')}"
    )


def test_data_centre_default_domain_when_the_token_names_none(fake: FakeZoho, make_client) -> None:
    fake.api_domain = None
    seen: list[str] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return fake.handler(request)

    fake.on("GET", OPTIONS, httpx.Response(204))
    client = make_client(dc="eu", token_url=None, transport=httpx.MockTransport(spy))
    client.conversion_options("111")
    assert seen == [
        "https://accounts.zoho.eu/oauth/v2/token",
        "https://www.zohoapis.eu/crm/v8/Leads/111/__conversion_options",
    ]


def test_explicit_api_domain_wins_for_custom_hosts(fake: FakeZoho, make_client) -> None:
    seen: list[str] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        return fake.handler(request)

    fake.on("GET", OPTIONS, httpx.Response(204))
    client = make_client(
        api_domain="https://sandbox.zohoapis.com", transport=httpx.MockTransport(spy)
    )
    client.conversion_options("111")
    assert seen == ["accounts.fake.test", "sandbox.zohoapis.com"]


def test_api_domain_property_names_the_domain_calls_go_to(fake: FakeZoho, make_client) -> None:
    fake.api_domain = "https://www.zohoapis.eu/"
    fake.on("GET", OPTIONS, httpx.Response(204))
    client = make_client(dc="us")
    assert fake.token_requests == []
    # Asking fetches the token whose answer names the domain (the DC default is only a fallback).
    assert client.api_domain == "https://www.zohoapis.eu"
    assert len(fake.token_requests) == 1
    seen: list[str] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return fake.handler(request)

    override = make_client(
        api_domain="https://sandbox.zohoapis.com/", transport=httpx.MockTransport(spy)
    )
    assert override.api_domain == "https://sandbox.zohoapis.com"
    override.conversion_options("111")
    assert seen[-1] == "https://sandbox.zohoapis.com" + OPTIONS


def test_api_domain_falls_back_to_the_data_centre_or_says_none_is_known(
    fake: FakeZoho, make_client
) -> None:
    fake.api_domain = None
    assert make_client(dc="jp").api_domain == "https://www.zohoapis.jp"
    client = make_client()  # a custom token URL: no data centre default either
    with pytest.raises(CRMError, match="no API domain: the token answer named none"):
        _ = client.api_domain


def test_unknown_data_centre_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown Zoho data centre 'xx'; expected one of us\|eu"):
        data_centre("xx")
    assert set(DATA_CENTRES) == set(EXPECTED_DC)


def test_invalid_code_with_http_200_is_an_auth_error(fake: FakeZoho, make_client) -> None:
    fake.token_answer = lambda n: json_response(200, {"error": "invalid_code"})
    client = make_client()
    with pytest.raises(AuthError) as info:
        client.conversion_options("111")
    assert info.value.code == "invalid_code" and info.value.status == 200
    assert "POST /oauth/v2/token -> HTTP 200 invalid_code" in str(info.value)
    assert fake.requests == []


def test_401_invalid_token_refreshes_once_and_replays(fake: FakeZoho, make_client) -> None:
    fake.on("GET", OPTIONS, httpx.Response(204))
    client = make_client()
    client.conversion_options("111")
    fake.valid_tokens.clear()
    fake.valid_tokens.add("never-issued")  # every issued token is now invalid
    client.conversion_options("111")
    assert len(fake.token_requests) == 2
    # A token that keeps failing is refreshed once, then reported.
    fake.token_answer = lambda n: json_response(
        200, {"access_token": "dud", "expires_in": 3600, "api_domain": "https://api.fake.test"}
    )
    fake.valid_tokens.clear()
    fake.valid_tokens.add("never-issued")
    with pytest.raises(AuthError) as info:
        client.conversion_options("111")
    assert info.value.code == "INVALID_TOKEN" and info.value.status == 401
    assert len(fake.token_requests) == 3


def test_one_refresh_at_a_time_across_threads(fake: FakeZoho, make_client) -> None:
    gate = threading.Barrier(10)
    fake.on("GET", OPTIONS, httpx.Response(204))
    client = make_client()
    client.conversion_options("111")
    fake.valid_tokens.clear()
    fake.valid_tokens.add("never-issued")
    errors: list[BaseException] = []

    def worker() -> None:
        gate.wait()
        try:
            client.conversion_options("111")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(fake.token_requests) == 2  # the first token, then exactly one refresh
    assert {f["grant_type"] for f in fake.token_requests} == {"refresh_token"}


def test_scope_and_auth_failures_map_to_auth_errors(fake: FakeZoho, make_client) -> None:
    from crmkit.api import ScopeError

    fake.on(
        "GET",
        OPTIONS,
        zoho_error(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL"),
    )
    client = make_client()
    with pytest.raises(ScopeError):
        client.conversion_options("111")
    assert len(fake.token_requests) == 1  # a scope problem is not fixed by refreshing


def test_token_cache_is_0600_and_reused(fake: FakeZoho, make_client, tmp_path: Path) -> None:
    fake.on("GET", OPTIONS, httpx.Response(204))
    cache = tmp_path / "cache" / "token.json"
    make_client(token_cache=cache).conversion_options("111")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    make_client(token_cache=cache).conversion_options("111")
    assert len(fake.token_requests) == 1  # the second client used the cached token
    loaded = TokenCache(cache).load()
    assert loaded is not None and loaded.api_domain == "https://api.fake.test"
    assert "secret-access" not in repr(loaded)


def test_secret_never_shows_itself() -> None:
    s = Secret("hunter2-value")
    assert "hunter2" not in repr(s) + str(s) + f"{s}" + f"{s!r}" + "{}".format(s)  # noqa: UP032
    assert s.get() == "hunter2-value" and s == Secret("hunter2-value")
    with pytest.raises(TypeError, match="refuses to pickle"):
        pickle.dumps(s)


# ---------------------------------------------------------------- configuration order
def test_arguments_then_environment_then_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_zoho_env(monkeypatch)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[zoho]\nclient_id = "file-id"\nclient_secret = "file-secret"\n'
        'refresh_token = "file-rt"\ndc = "jp"\nedition = "professional"\n'
    )
    monkeypatch.setenv("ZOHO_CLIENT_ID", "env-id")
    monkeypatch.setenv("ZOHO_DC", "eu")
    s = resolve_settings({"dc": "in"}, config_file=cfg)
    assert (s.client_id, s.dc, s.edition) == ("env-id", "in", "professional")
    assert s.client_secret == Secret("file-secret")
    assert s.sources["dc"] == "argument" and s.sources["client_id"] == "environment ZOHO_CLIENT_ID"
    assert s.sources["refresh_token"] == f"config file {cfg}"
    assert s.resolved_token_url() == "https://accounts.zoho.in/oauth/v2/token"
    assert "file-secret" not in repr(s) and "file-rt" not in repr(s)


def test_incomplete_configuration_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_zoho_env(monkeypatch)
    monkeypatch.setenv("ZOHO_CLIENT_ID", "env-id")
    monkeypatch.setenv("ZOHO_CLIENT_SECRET", "top-secret-value")
    with pytest.raises(ConfigurationError) as info:
        resolve_settings({}, config_file=tmp_path / "none.toml")
    text = str(info.value)
    assert "missing refresh_token" in text and "ZOHO_REFRESH_TOKEN" in text
    assert "top-secret-value" not in text


@pytest.mark.parametrize("file_exists", [False, True])
def test_a_partial_configuration_says_what_is_missing_and_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, file_exists: bool
) -> None:
    clear_zoho_env(monkeypatch)
    cfg = tmp_path / "config.toml"
    if file_exists:
        cfg.write_text('[zoho]\ndc = "eu"\n', encoding="utf-8")
    monkeypatch.setenv("CRMKIT_CONFIG", str(cfg))
    monkeypatch.setenv("ZOHO_CLIENT_ID", "1000.ONLYTHEID")
    with pytest.raises(ConfigurationError) as info:
        connect()
    text = str(info.value)
    assert text.startswith("incomplete Zoho configuration: missing client_secret, refresh_token.")
    assert "crmkit.api ->" not in text and "no HTTP answer" not in text
    assert "environment (ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN)" in text
    state = "has no value for them" if file_exists else "does not exist"
    assert f"config file {cfg} ({state})" in text
    assert "client_id from environment ZOHO_CLIENT_ID" in text


def test_bad_config_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_zoho_env(monkeypatch)
    cfg = tmp_path / "config.toml"
    cfg.write_text('[zoho]\nclient_id = "x"\ncolour = "blue"\n')
    with pytest.raises(ConfigurationError, match=r"unknown key zoho.colour"):
        resolve_settings({}, config_file=cfg)
    cfg.write_text('[zoho\nclient_id = "x"\n')
    with pytest.raises(ConfigurationError, match=r"not valid TOML.*line 1"):
        resolve_settings({}, config_file=cfg)


def test_nothing_configured_starts_the_embedded_sandbox_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clear_zoho_env(monkeypatch)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setattr(connection_module, "_sandbox_announced", False)
    caplog.set_level(logging.WARNING, logger="crmkit.connection")
    with connect(progress=False) as client:
        assert client.description == "embedded sandbox"
        assert client.get_record("Leads", "4876876000007445001")["Last_Name"] == "Boyle"  # type: ignore[index]
        assert client.edition == "enterprise"
    with connect(progress=False) as again:
        assert again.org()["id"]
    notes = [r for r in caplog.records if "embedded sandbox" in r.getMessage()]
    assert len(notes) == 1
    with pytest.raises(Exception, match="closed"):
        client.org()


def test_a_running_sandbox_connects_by_argument_or_by_its_environment(
    small_sandbox: Any, use_sandbox_environ: Any
) -> None:
    sb = small_sandbox(leads=[{"id": "900000000000000001", "Last_Name": "Solo"}])
    with connect(sandbox=sb, progress=False) as client:
        assert client.get_record("Leads", "900000000000000001")["Last_Name"] == "Solo"  # type: ignore[index]
        assert client._base_url() == sb.url + "/crm/v8"  # the domain the token answer named
    use_sandbox_environ(sb)
    with connect(progress=False) as client:
        assert client.description == "Zoho CRM"  # configured like any org, not the embedded one
        assert client.get_record("Leads", "900000000000000001")["Last_Name"] == "Solo"  # type: ignore[index]


def test_the_client_says_what_it_talks_to(
    small_sandbox: Any,
    use_sandbox_environ: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sb = small_sandbox(leads=[{"id": "900000000000000001", "Last_Name": "Solo"}])
    with connect(sandbox=sb, progress=False) as client:
        assert client.target == Target("sandbox", f"sandbox at {sb.url}")
        assert client.description == f"sandbox at {sb.url}"
        assert repr(client).startswith(f"CRMClient(sandbox at {sb.url}, token_url=")
    use_sandbox_environ(sb)
    with connect(progress=False) as client:
        assert client.target == ZOHO_CRM and not client.target.is_sandbox
        assert repr(client).startswith("CRMClient(Zoho CRM, token_url=")
    clear_zoho_env(monkeypatch)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "none.toml"))
    with connect(progress=False) as client:
        assert client.target.is_sandbox and str(client.target) == "embedded sandbox"


def test_closing_the_client_stops_the_embedded_sandbox(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_zoho_env(monkeypatch)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "none.toml"))
    with connect(progress=False) as client:
        address = urllib.parse.urlsplit(client.api_domain)
        socket.create_connection((address.hostname, address.port), timeout=10).close()  # up
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address.hostname, address.port), timeout=10)


def test_a_client_that_cannot_be_built_does_not_leave_the_embedded_sandbox_running(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_zoho_env(monkeypatch)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "none.toml"))
    stopped: list[str] = []
    real_stop = Sandbox.stop

    def stop(self: Sandbox) -> None:
        stopped.append(self.url)
        real_stop(self)

    monkeypatch.setattr(Sandbox, "stop", stop)
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        connect(progress=False, concurrency=-1)
    assert len(stopped) == 1


# ---------------------------------------------------------------- `crmkit auth`
def test_auth_command_exchanges_a_grant_code_into_a_0600_config(
    small_sandbox: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sb = small_sandbox(leads=[{"id": "4876876000100000001", "Last_Name": "Lee"}])
    clear_zoho_env(monkeypatch)
    creds = sb.credentials
    monkeypatch.setenv("ZOHO_CLIENT_SECRET", creds.client_secret)
    cfg = tmp_path / "conf" / "config.toml"
    import argparse

    from crmkit.cli.auth import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(
        [
            "auth",
            "--client-id",
            creds.client_id,
            "--code",
            sb.grant_code,
            "--token-url",
            sb.token_url,
            "--config",
            str(cfg),
        ]
    )
    assert args.handler(args) == 0
    out = capsys.readouterr()
    assert creds.refresh_token not in out.out + out.err
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    text = cfg.read_text()
    assert f'refresh_token = "{creds.refresh_token}"' in text
    with connect(config_file=cfg, token_cache=False, progress=False) as client:
        assert client.get_record("Leads", "4876876000100000001")["Last_Name"] == "Lee"  # type: ignore[index]
    # A code works once: the second exchange is refused (Zoho says invalid_code with HTTP 200).
    assert auth_run(args) == 1
    assert "invalid_code" in capsys.readouterr().err
    with pytest.raises(AuthError):
        exchange_grant_code(
            sb.grant_code,
            client_id=creds.client_id,
            client_secret=creds.client_secret,
            token_url=sb.token_url,
        )
