"""A whole session at DEBUG, every logger captured: no secret in anything crmkit produces."""

from __future__ import annotations

import io
import logging
import pickle
import stat
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api_support import FAST_RETRY, USERS, clear_zoho_env, lead, org

import crmkit.api.auth as auth_module
from crmkit import connect
from crmkit.api import (
    AuthError,
    ConvertRequest,
    CRMError,
    DuplicateDataError,
    MassConvertRequest,
    OutcomeUnknownError,
)
from crmkit.api.auth import Token
from crmkit.sandbox import Sandbox

pytestmark = pytest.mark.timeout(120)
CLIENT_SECRET = "zz-client-secret-7f3a9c1d"
REFRESH_TOKEN = "zz-refresh-token-51c2e8b0"
L = [f"48768760001000000{i:02d}" for i in range(40)]


def test_no_secret_in_logs_errors_tracebacks_warnings_pickles_or_files(
    small_sandbox: Callable[..., Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    leads = [
        lead(L[i], "N", f"Lee{i}", Email=f"l{i}@x.test", Phone=f"55501{i:02d}") for i in range(40)
    ]
    contacts = [
        {
            "id": "4876876000200000001",
            "Last_Name": "Old",
            "Phone": "5550101",
            "Owner": {"id": USERS[0]["id"], "name": USERS[0]["full_name"]},
        }
    ]
    sb = small_sandbox(
        **org(
            leads,
            contacts,
            credentials={"client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN},
            unique_fields={"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
        )
    )
    clear_zoho_env(monkeypatch)
    monkeypatch.setenv("CRMKIT_CONFIG", str(tmp_path / "none.toml"))

    issued: list[str] = []
    real_refresh = auth_module.ZohoOAuth._refresh_locked

    def spy(self: auth_module.ZohoOAuth) -> Token:
        token = real_refresh(self)
        issued.append(token.access.get())
        return token

    monkeypatch.setattr(auth_module.ZohoOAuth, "_refresh_locked", spy)

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in ("httpx", "httpcore", "crmkit", "urllib3", "asyncio", "uvicorn"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.captureWarnings(True)
    produced: list[str] = []
    pickles: list[bytes] = []
    errors: list[BaseException] = []
    produced_dir = tmp_path / "crmkit"  # everything crmkit writes goes here (the org data does not)
    cache_file = produced_dir / "tokens" / "cache.json"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            client = connect(
                client_id=sb.credentials.client_id,
                client_secret=CLIENT_SECRET,
                refresh_token=REFRESH_TOKEN,
                token_url=sb.token_url,
                token_cache=cache_file,
                progress=True,
                retry=FAST_RETRY,
            )
            produced += [repr(client), str(client), repr(client._auth), repr(vars(client))]
            produced.append(repr(client.records("Leads", ["Email"])))
            records = list(client.records("Leads", ["Email", "Phone"]))
            produced.append(repr(records))
            options = client.conversion_options_many(L[:20])
            sb.control.expire_tokens()
            options += client.conversion_options_many(L[20:])
            produced.append(repr(options))
            pickles.append(pickle.dumps(options))
            sb.control.add_fault("drop_after", "/crm/v8/Leads/*/actions/convert", count=1)
            results: list[Any] = client.convert_many([(L[0], ConvertRequest())])
            results += client.convert_many([(L[1], ConvertRequest()), (L[2], ConvertRequest())])
            assert any(isinstance(r, OutcomeUnknownError) for r in results)
            assert any(isinstance(r, DuplicateDataError) for r in results)  # L[1]'s phone
            produced.append(repr(results))
            pickles.append(pickle.dumps(results))
            errors += [r for r in results if isinstance(r, CRMError)]
            job = client.mass_convert(MassConvertRequest(ids=L[10:20], assign_to=USERS[0]["id"]))
            produced.append(repr(client.mass_convert_status(job)))
            sb.control.configure(credits_per_day=100)
            client.conversion_options_many(L[20:40])
            assert client.usage.remaining is not None
            produced.append(repr(client.convert_many([(i, ConvertRequest()) for i in L[30:35]])))
            produced.append(repr(client.usage))
            with pytest.raises(TypeError):
                pickle.dumps(client)
            client.close()

            bad = connect(
                client_id=sb.credentials.client_id,
                client_secret=CLIENT_SECRET,
                refresh_token=REFRESH_TOKEN + "-revoked",
                token_url=sb.token_url,
                token_cache=False,
                progress=False,
            )
            with pytest.raises(AuthError) as info:
                bad.org()
            errors.append(info.value)
            bad.close()
            for err in errors:
                produced += [str(err), repr(err), "".join(traceback.format_exception(err))]
                pickles.append(pickle.dumps(err))
                assert str(pickle.loads(pickle.dumps(err))) == str(err)
        produced += [str(w.message) for w in caught]
        assert any("credits" in str(w.message) for w in caught)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        logging.captureWarnings(False)

    log_text = buffer.getvalue()
    assert "HTTP Request: GET" in log_text  # httpx did log at DEBUG/INFO
    assert "send_request_headers" in log_text  # and httpcore its trace
    assert len(issued) >= 2  # first token + the refresh after expiry
    secrets = [CLIENT_SECRET, REFRESH_TOKEN, *issued]
    haystacks: dict[str, str | bytes] = {"log": log_text, "produced": "\n".join(produced)}
    for i, blob in enumerate(pickles):
        haystacks[f"pickle{i}"] = blob
    for path in produced_dir.rglob("*"):
        if path.is_file() and path != cache_file:
            haystacks[str(path)] = path.read_bytes()
    for name, hay in haystacks.items():
        for secret in secrets:
            needle: Any = secret.encode() if isinstance(hay, bytes) else secret
            if needle in hay:  # no `assert x not in y`: its report would print the secret
                pytest.fail(f"a secret leaked into {name}")
    # The token cache is the one file allowed to hold an access token, and it is 0600.
    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600
    assert issued[-1] in cache_file.read_text()
    assert CLIENT_SECRET not in cache_file.read_text()
    assert REFRESH_TOKEN not in cache_file.read_text()
