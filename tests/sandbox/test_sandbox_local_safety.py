"""The sandbox is a server on the user's machine: what a web page or a stray client may not do.

Each case was an attack or a crash against a real sandbox (uvicorn on 127.0.0.1): DNS rebinding
with the well-known default credentials (Host check), an unauthenticated 200 MB token body
(streamed size limit), nested criteria and deep JSON (400, not 500), control-surface values that
broke every later request, and the `--db` file holding the org's secrets readable by everyone.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from sandbox_helpers import USERS, Api, lead

from crmkit.sandbox import DataDirError, Sandbox
from crmkit.sandbox.guards import host_allowed

Start = Callable[..., Sandbox]
ROOT = Path(__file__).resolve().parents[2]
L1 = "4876876000100000001"
MB = 1024 * 1024


def _small(small_sandbox: Start, **kw: Any) -> Sandbox:
    return small_sandbox(leads=[lead(L1, "A", "B", Email="a@b.test")], org={"users": USERS}, **kw)


def _grant(sb: Sandbox) -> dict[str, str]:
    c = sb.credentials
    return {
        "grant_type": "refresh_token",
        "client_id": c.client_id,
        "client_secret": c.client_secret,
        "refresh_token": c.refresh_token,
    }


def _raw(url: str, request: bytes, *, timeout: float = 10) -> tuple[int, dict[str, str], Any]:
    """Send `request` bytes as they are; (status, headers, JSON body) of the answer."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as s:
        s.sendall(request)
        buf = b""
        while b"\r\n\r\n" not in buf or len(buf.partition(b"\r\n\r\n")[2]) < _length(buf):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def _length(buf: bytes) -> int:
    head = buf.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
    for line in head.split("\r\n"):
        if line.startswith("content-length:"):
            return int(line.split(":", 1)[1])
    return 0


def _token_request(sb: Sandbox, host: str) -> bytes:
    form = urlencode(_grant(sb)).encode()
    return (
        f"POST /oauth/v2/token HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(form)}\r\nConnection: close\r\n\r\n"
    ).encode() + form


def _is_zoho_error(body: Any, code: str) -> None:
    assert isinstance(body, dict) and set(body) == {"code", "details", "message", "status"}, body
    assert body["code"] == code and body["status"] == "error", body
    assert isinstance(body["details"], dict) and body["message"], body


# -- Host header (DNS rebinding) -----------------------------------------------------------------
@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example:{port}",
        "localhost.evil.example",
        "10.0.0.1:{port}",
        "[::2]:{port}",
        "localhost:abc",
        "",
    ],
)
def test_a_foreign_host_header_mints_no_token(sandbox: Sandbox, host: str) -> None:
    status, _, body = _raw(sandbox.url, _token_request(sandbox, host.format(port=sandbox.port)))
    assert status == 400
    _is_zoho_error(body, "INVALID_REQUEST")
    assert body["details"]["header"] == "Host" and "access_token" not in body


def test_a_foreign_host_is_refused_on_every_surface(sandbox: Sandbox) -> None:
    api = Api(sandbox)
    evil = {"Host": "evil.example"}
    crm = api.http.get("/crm/v8/org", headers={**api.auth, **evil})
    control = api.http.get(
        "/__sandbox__/state", headers={"X-Sandbox-Admin-Key": sandbox.admin_key, **evil}
    )
    for r in (crm, control):
        assert r.status_code == 400
        _is_zoho_error(r.json(), "INVALID_REQUEST")
    assert api.get("org").status_code == 200  # the same client, with its own Host, still works


def test_a_request_without_host_is_refused(sandbox: Sandbox) -> None:
    form = urlencode(_grant(sandbox)).encode()
    request = (
        b"POST /oauth/v2/token HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(form)}\r\n\r\n".encode()
        + form
    )
    status, _, body = _raw(sandbox.url, request)
    assert status == 400
    _is_zoho_error(body, "INVALID_REQUEST")


@pytest.mark.parametrize(
    "host",
    [
        "localhost:{port}",
        "127.0.0.1:{port}",
        "LOCALHOST",
        "localhost",
        "127.4.5.6:80",
        "[::1]:{port}",
        "[::ffff:127.0.0.1]",
    ],
)
def test_loopback_host_names_are_served(sandbox: Sandbox, host: str) -> None:
    status, _, body = _raw(sandbox.url, _token_request(sandbox, host.format(port=sandbox.port)))
    assert status == 200 and body["access_token"].startswith("1000.")


def test_the_host_the_sandbox_was_started_with_is_served(make_org: Callable[..., Path]) -> None:
    data = make_org(leads=[lead(L1, "A", "B")], org={"users": USERS})
    sb = Sandbox(data, host="0.0.0.0").start()
    try:
        assert sb.url.startswith("http://0.0.0.0:")
        ok = _raw(sb.url, _token_request(sb, f"0.0.0.0:{sb.port}"))
        assert ok[0] == 200 and ok[2]["access_token"]
        bad = _raw(sb.url, _token_request(sb, f"evil.example:{sb.port}"))
        assert bad[0] == 400 and bad[2]["code"] == "INVALID_REQUEST"
    finally:
        sb.stop()


@pytest.mark.parametrize(
    ("header", "started_on", "served"),
    [
        ("crm.lan:8080", "crm.lan", True),
        ("CRM.LAN.", "crm.lan", True),
        ("192.168.1.5:80", "192.168.1.5", True),
        ("[::2]:80", "::2", True),
        ("evil.example", "crm.lan", False),
        ("crm.lan.evil.example", "crm.lan", False),
        ("192.168.1.6", "192.168.1.5", False),
        ("crm.lan:80:80", "crm.lan", False),
        ("crm lan", "crm lan", False),
    ],
)
def test_the_host_check_compares_names_and_addresses(
    header: str, started_on: str, served: bool
) -> None:
    assert host_allowed(header, started_on) is served


# -- body size -----------------------------------------------------------------------------------
def _vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


@pytest.fixture
def sandbox_process(make_org: Callable[..., Path]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`crmkit sandbox` in its own process, so its peak memory is its own."""
    data = make_org(leads=[lead(L1, "A", "B")], org={"users": USERS})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmkit", "sandbox", "--data", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("crmkit sandbox listening on "), first
        yield proc, first.rsplit(" ", 1)[1].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_200_mb_token_body_is_refused_while_streaming(
    sandbox_process: tuple[subprocess.Popen[str], str],
) -> None:
    proc, url = sandbox_process
    with httpx.Client(base_url=url, timeout=60) as http:
        warm = http.post("/oauth/v2/token", data={"grant_type": "refresh_token"})
        assert warm.status_code == 200
        before = _vm_hwm_kb(proc.pid)
        sent = 0

        def body() -> Iterator[bytes]:  # chunked: no Content-Length to refuse up front
            nonlocal sent
            yield b"grant_type=refresh_token&pad="
            chunk = b"a" * (64 * 1024)
            while sent < 200 * MB:
                sent += len(chunk)
                yield chunk

        r = http.post(
            "/oauth/v2/token",
            content=body(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    grown_kb = _vm_hwm_kb(proc.pid) - before
    assert r.status_code == 413
    _is_zoho_error(r.json(), "LIMIT_EXCEEDED")
    assert sent < 64 * MB, f"the server read {sent} bytes before refusing"
    assert grown_kb < 8 * 1024, f"peak RSS grew by {grown_kb} kB"


def test_a_declared_200_mb_body_is_refused_before_it_is_sent(sandbox: Sandbox) -> None:
    head = (
        f"POST /oauth/v2/token HTTP/1.1\r\nHost: 127.0.0.1:{sandbox.port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {200 * MB}\r\n\r\n"
    ).encode()
    status, headers, body = _raw(sandbox.url, head)  # not one byte of the body follows
    assert status == 413 and headers.get("connection") == "close"
    _is_zoho_error(body, "LIMIT_EXCEEDED")


def test_api_and_control_bodies_are_bounded(sandbox: Sandbox) -> None:
    api = Api(sandbox)
    big = json.dumps({"data": [{"overwrite": True, "pad": "x" * (5 * MB)}]}).encode()
    convert = api.http.post(
        f"/crm/v8/Leads/{L1}/actions/convert",
        content=big,
        headers={**api.auth, "Content-Type": "application/json"},
    )
    config = api.http.post(
        "/__sandbox__/config",
        content=json.dumps({"org_name": "x" * (5 * MB)}).encode(),
        headers={"X-Sandbox-Admin-Key": sandbox.admin_key},
    )
    for r in (convert, config):
        assert r.status_code == 413
        _is_zoho_error(r.json(), "LIMIT_EXCEEDED")
        assert r.json()["details"]["max_bytes"] == 4 * MB
    assert sandbox.control.state()["org"]["org_name"] != "x" * (5 * MB)


def test_the_body_limit_is_a_setting(small_sandbox: Start) -> None:
    sb = _small(small_sandbox)
    api = Api(sb)
    body = {"data": [{"overwrite": True, "pad": "x" * 3000}]}

    def read_by_the_rules() -> bool:  # the rules name the unknown key: the body got through
        r = api.post(f"Leads/{L1}/actions/convert", body)
        return r.status_code == 400 and r.json()["data"][0]["details"]["api_name"] == "pad"

    assert read_by_the_rules()
    assert sb.control.configure(max_body_bytes=2048)["settings"]["max_body_bytes"] == 2048
    refused = api.post(f"Leads/{L1}/actions/convert", body)
    assert refused.status_code == 413 and refused.json()["details"] == {"max_bytes": 2048}
    sb.control.reset()
    assert read_by_the_rules()


# -- criteria and JSON depth ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("criteria", "reason"),
    [
        ("(" * 3000 + "Email:equals:a@b.test" + ")" * 3000, "nest"),
        ("(" * 40 + "Email:equals:a@b.test" + ")" * 40, "nest"),
        ("(Company:equals:" + "z" * 5000 + ")", "characters"),
    ],
    ids=["3000-parentheses", "40-parentheses", "5000-characters"],
)
def test_criteria_are_bounded(sandbox: Sandbox, criteria: str, reason: str) -> None:
    r = Api(sandbox).get("Leads/search", criteria=criteria)
    assert r.status_code == 400, r.text
    _is_zoho_error(r.json(), "INVALID_QUERY")
    assert reason in r.json()["details"]["reason"]


def test_nested_criteria_within_bounds_still_search(sandbox: Sandbox) -> None:
    email = "pat.boyle@zylker.com"
    r = Api(sandbox).get("Contacts/search", criteria="(" * 8 + f"Email:equals:{email}" + ")" * 8)
    assert r.status_code == 200 and r.json()["data"][0]["Email"] == email


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    "body",
    [DEEP, b"[" * 100_000, b'{"data":' * 65 + b"1" + b"}" * 65],
    ids=["100k-deep", "100k-open", "65-deep"],
)
@pytest.mark.parametrize(
    "path", [f"/crm/v8/Leads/{L1}/actions/convert", "/crm/v8/Leads/actions/mass_convert"]
)
def test_deep_json_is_a_400(sandbox: Sandbox, path: str, body: bytes) -> None:
    api = Api(sandbox)
    r = api.http.post(path, content=body, headers=api.auth)
    assert r.status_code == 400, r.text
    _is_zoho_error(r.json(), "INVALID_DATA")
    assert r.json()["message"] == "the JSON body nests deeper than 64 levels"


@pytest.mark.parametrize("path", ["/__sandbox__/config", "/__sandbox__/faults"])
def test_deep_json_is_a_400_on_the_control_surface(sandbox: Sandbox, path: str) -> None:
    r = httpx.post(
        sandbox.url + path, content=DEEP, headers={"X-Sandbox-Admin-Key": sandbox.admin_key}
    )
    assert r.status_code == 400, r.text
    _is_zoho_error(r.json(), "INVALID_DATA")
    assert r.json()["details"] == {"max_depth": 64}


def test_a_deep_org_json_is_a_data_directory_error(make_org: Callable[..., Path]) -> None:
    data = make_org(leads=[lead(L1, "A", "B")], org={"users": USERS})
    (data / "org.json").write_bytes(DEEP)
    with pytest.raises(DataDirError, match=r"org\.json:1:1: invalid JSON: nested too deeply"):
        Sandbox(data).build()


# -- control-surface input -----------------------------------------------------------------------
BAD_FAULTS = [
    ({"kind": "latency", "latency_ms": "abc"}, "latency_ms"),
    ({"kind": "latency", "latency_ms": -1}, "latency_ms"),
    ({"kind": "latency", "latency_ms": True}, "latency_ms"),
    ({"kind": "latency", "latency_ms": 10**400}, "latency_ms"),
    ({"kind": "500", "path": 5}, "path"),
    ({"kind": "500", "path": ""}, "path"),
    ({"kind": "500", "method": 5}, "method"),
    ({"kind": "500", "method": "FETCH"}, "method"),
    ({"kind": "500", "count": "x"}, "count"),
    ({"kind": "500", "count": 0}, "count"),
    ({"kind": "500", "count": 1.5}, "count"),
    ({"kind": "500", "skip": "x"}, "skip"),
    ({"kind": "500", "skip": -1}, "skip"),
    ({"kind": "nope"}, "kind"),
    ({"kind": 5}, "kind"),
    ({"path": "*"}, "kind"),
    ({"kind": "500", "when": "now"}, "when"),
]
BAD_SETTINGS = [
    ({"latency_ms": "abc"}, "latency_ms"),
    ({"latency_ms": 10**400}, "latency_ms"),
    ({"credits_per_day": 10**400}, "credits_per_day"),
    ({"token_ttl_s": 10**400}, "token_ttl_s"),
    ({"mass_convert_step_ms": 10**400}, "mass_convert_step_ms"),
    ({"concurrency": -1}, "concurrency"),
    ({"sub_concurrency": 10**9}, "sub_concurrency"),
    ({"refresh_limit": "ten"}, "refresh_limit"),
    ({"mass_convert_progress": 5}, "mass_convert_progress"),
    ({"max_body_bytes": 0}, "max_body_bytes"),
    ({"max_token_body_bytes": 10**12}, "max_token_body_bytes"),
    ({"edition": 5}, "edition"),
    ({"unique_fields": "x"}, "unique_fields"),
    ({"layouts": {"Leads": [5]}}, "layouts"),
    ({"speed": 3}, "speed"),
]


def _assert_still_serving(sb: Sandbox) -> None:
    api = Api(sb)  # mints a token: the token endpoint works
    assert api.get("org").status_code == 200
    assert api.get("Leads", fields="Email").status_code == 200
    assert api.options(L1).status_code in (200, 204)


@pytest.mark.parametrize(("spec", "field"), BAD_FAULTS, ids=[f for _, f in BAD_FAULTS])
def test_a_bad_fault_is_refused_at_once(
    small_sandbox: Start, spec: dict[str, Any], field: str
) -> None:
    sb = _small(small_sandbox)
    r = httpx.post(
        sb.url + "/__sandbox__/faults",
        content=json.dumps(spec).encode(),
        headers={"X-Sandbox-Admin-Key": sb.admin_key},
    )
    assert r.status_code == 400, r.text
    _is_zoho_error(r.json(), "INVALID_DATA")
    assert r.json()["details"] == {"api_name": field} and field in r.json()["message"]
    assert sb.control.faults() == []
    _assert_still_serving(sb)


@pytest.mark.parametrize(("values", "field"), BAD_SETTINGS, ids=[f for _, f in BAD_SETTINGS])
def test_a_bad_setting_is_refused_at_once(
    small_sandbox: Start, values: dict[str, Any], field: str
) -> None:
    sb = _small(small_sandbox)
    before = sb.control.state()
    r = httpx.post(
        sb.url + "/__sandbox__/config",
        content=json.dumps(values).encode(),
        headers={"X-Sandbox-Admin-Key": sb.admin_key},
    )
    assert r.status_code == 400, r.text
    _is_zoho_error(r.json(), "INVALID_DATA")
    assert r.json()["details"] == {"api_name": field} and field in r.json()["message"]
    after = sb.control.state()
    assert (after["settings"], after["org"]) == (before["settings"], before["org"])
    _assert_still_serving(sb)


def test_good_faults_and_settings_still_apply(small_sandbox: Start) -> None:
    sb = _small(small_sandbox)
    rule = sb.control.add_fault("latency", "/crm/v8/org", method="get", count=2, latency_ms=30)
    assert sb.control.faults()[0] == {
        "kind": "latency",
        "path": "/crm/v8/org",
        "method": "GET",
        "count": 2,
        "skip": 0,
        "latency_ms": 30,
        "id": rule,
        "fired": 0,
    }
    sb.control.add_fault("500", count=None, skip=1_000)
    state = sb.control.configure(
        latency_ms=1, credits_per_day=None, max_body_bytes=MB, max_token_body_bytes=4096
    )
    assert state["settings"]["max_body_bytes"] == MB
    assert state["settings"]["max_token_body_bytes"] == 4096
    assert Api(sb).get("org").status_code == 200
    latency, server_error = sb.control.faults()
    assert (latency["fired"], latency["count"]) == (1, 1)
    assert (server_error["fired"], server_error["skip"]) == (0, 998)  # token + org let through


# -- file modes ----------------------------------------------------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default umask, so 0600 comes from crmkit and not from the test's umask."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("open_umask")
def test_the_db_file_and_its_siblings_are_private(small_sandbox: Start, tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    sb = _small(small_sandbox, db=db)
    assert Api(sb).convert(L1, overwrite=True).status_code == 200  # a write: WAL in use
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        assert path.exists() and _mode(path) == 0o600, (path, oct(_mode(path)))


@pytest.mark.usefixtures("open_umask")
def test_an_existing_db_file_is_tightened(small_sandbox: Start, tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.touch(mode=0o644)
        os.chmod(path, 0o644)
    sb = _small(small_sandbox, db=db)
    assert Api(sb).get("org").status_code == 200
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        assert _mode(path) == 0o600, (path, oct(_mode(path)))
