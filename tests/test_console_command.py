"""`crmkit console`: the console page served by Voila on 127.0.0.1, behind a random token.

The command runs as a subprocess (as a user starts it) against a real sandbox reached through
the `ZOHO_*` environment, and once with nothing configured (it then starts the embedded sandbox
itself and stops it on exit). What the page shows in a browser: tests/browser/.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from console_process import run_console, start_console

from crmkit.cli.console import parse_port
from crmkit.cli.guard import UsageError
from crmkit.sandbox import Sandbox

pytestmark = pytest.mark.slow


def _get(port: int, path: str) -> tuple[int, str]:
    """Status and Location of one GET (redirects not followed)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        answer.read()
        return answer.status, answer.getheader("Location") or ""
    finally:
        conn.close()


def _listening(url: str) -> bool:
    host, _, port = url.removeprefix("http://").partition(":")
    with socket.socket() as s:
        return s.connect_ex((host, int(port.strip("/")))) == 0


@pytest.mark.parametrize("text", ["abc", "-1", "65536", "80.5", ""])
def test_parse_port_refuses_what_is_not_a_port(text: str) -> None:
    with pytest.raises(UsageError, match="give a port number from 1 to 65535"):
        parse_port(text)


def test_parse_port_takes_a_port_and_zero() -> None:
    assert parse_port("8866") == 8866
    assert parse_port("0") == 0


@pytest.fixture
def org_sb(small_sandbox: Callable[..., Sandbox]) -> Sandbox:
    leads = [
        {"id": "4000000000000000001", "Last_Name": "Alpha", "Company": "Alpha Ltd"},
        {"id": "4000000000000000002", "Last_Name": "Beta", "Company": "Beta Ltd"},
    ]
    return small_sandbox(leads=leads, org={"org": {"company_name": "Console Test Org"}})


def test_a_bad_port_is_one_line_and_exit_2(
    org_sb: Sandbox, sandbox_environ: Callable[[Sandbox], dict[str, str]], tmp_path: Path
) -> None:
    done = run_console(sandbox_environ(org_sb), tmp_path, "--port", "http")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "crmkit console: --port 'http': give a port number from 1 to 65535 (0: any free one)"
    ]


def test_a_port_in_use_is_one_line_and_exit_2(
    org_sb: Sandbox, sandbox_environ: Callable[[Sandbox], dict[str, str]], tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = run_console(sandbox_environ(org_sb), tmp_path, "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"crmkit console: port {port} is in use on 127.0.0.1: pass another --port N "
        "(0: any free one)"
    ]
    assert "http://" not in done.stdout  # nothing was served


def test_a_file_that_is_not_a_journal_is_one_line_and_exit_2(
    org_sb: Sandbox, sandbox_environ: Callable[[Sandbox], dict[str, str]], tmp_path: Path
) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_text("not a database\n" * 100)
    done = run_console(sandbox_environ(org_sb), tmp_path, "--journal", str(bad))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crmkit console: ")
    assert "notes.sqlite" in lines[0]


def test_refused_credentials_are_one_line_and_exit_2_before_serving(
    org_sb: Sandbox, sandbox_environ: Callable[[Sandbox], dict[str, str]], tmp_path: Path
) -> None:
    env = {**sandbox_environ(org_sb), "ZOHO_REFRESH_TOKEN": "not-the-token"}
    done = run_console(env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "not-the-token" not in done.stderr + done.stdout
    assert "open http" not in done.stdout


def test_serves_on_loopback_behind_a_token_and_stops_on_sigterm(
    org_sb: Sandbox, sandbox_environ: Callable[[Sandbox], dict[str, str]], tmp_path: Path
) -> None:
    env = sandbox_environ(org_sb)
    journal = tmp_path / "console-journal.sqlite"
    console = start_console(env, tmp_path, "--journal", str(journal))
    try:
        assert len(console.token) >= 32  # secrets.token_urlsafe(24)
        # without the token: a prompt for it, never the page; the API refuses outright
        status, location = _get(console.port, "/")
        assert status == 302 and location.startswith("/login"), (status, location)
        for path in ("/api/kernels", "/voila/api/shutdown/x", "/?token=wrong"):
            status, location = _get(console.port, path)
            assert status == 403 or (status == 302 and location.startswith("/login")), path
        assert _get(console.port, f"/?token={console.token}")[0] == 200
        with socket.socket() as s:  # bound to 127.0.0.1 only
            other = socket.gethostbyname(socket.gethostname())
            if not other.startswith("127."):
                assert s.connect_ex((other, console.port)) != 0
    finally:
        code = console.stop(signal.SIGTERM)
    out = console.output()
    assert code == 0, out
    assert out.count("crmkit console: stopped") == 1
    assert "REHEARSAL — sandbox, nothing reaches Zoho" in out  # a loopback sandbox, named so
    assert "Console Test Org" in out
    assert journal.is_file()  # opened (checked) before serving
    creds = org_sb.credentials
    for secret in (creds.client_secret, creds.refresh_token):
        assert secret not in out and secret not in console.url
    assert not _listening(console.base)


def test_with_nothing_configured_it_runs_and_stops_the_embedded_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOHO_")}
    env.update(
        CRMKIT_CONFIG=str(tmp_path / "absent.toml"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    console = start_console(env, tmp_path)
    try:
        out = console.output()
        assert "starting the embedded sandbox" in out
        assert "REHEARSAL — sandbox, nothing reaches Zoho" in out
        sandbox_url = next(
            word for word in out.split() if word.startswith("http://") and "token" not in word
        )
        assert _listening(sandbox_url)
        assert _get(console.port, f"/?token={console.token}")[0] == 200
    finally:
        code = console.stop(signal.SIGINT)  # Ctrl-C
    assert code == 0, console.output()
    assert not _listening(sandbox_url)  # the embedded sandbox stopped with the command
    assert not _listening(console.base)
