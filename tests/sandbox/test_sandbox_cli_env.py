"""`crmkit sandbox` says what it loads at once, then the exact lines pointing crmkit at it."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sandbox_helpers import USERS, account, contact, lead

L1 = "4876876000100000001"
VARIABLES = {
    "ZOHO_API_DOMAIN",
    "ZOHO_CLIENT_ID",
    "ZOHO_CLIENT_SECRET",
    "ZOHO_REFRESH_TOKEN",
    "ZOHO_TOKEN_URL",
}


def _org(make_org: Callable[..., Path]) -> Path:
    return make_org(
        leads=[lead(L1, "A", "B", Email="a@b.test")],
        contacts=[contact("4876876000200000001", "C", "D")],
        accounts=[account("4876876000300000001", "Acme")],
        org={"users": USERS, "org_name": "Env Test Org"},
    )


def _start(data: Path, *flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crmkit", "sandbox", "--data", str(data), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _exports(lines: list[str]) -> dict[str, str]:
    env = {}
    for line in lines:
        word, assignment = shlex.split(line)
        assert word == "export"
        name, _, value = assignment.partition("=")
        env[name] = value
    return env


def test_print_env_lines_point_crmkit_at_the_sandbox(
    make_org: Callable[..., Path], tmp_path: Path
) -> None:
    data = _org(make_org)
    proc = _start(data, "--print-env")
    try:
        assert proc.stdout is not None and proc.stderr is not None
        # said at once, before the load: the first thing on stderr, before the URL
        assert proc.stderr.readline().strip() == f"crmkit sandbox: loading the data in {data}..."
        assert proc.stderr.readline().startswith("crmkit sandbox listening on http://127.0.0.1:")
        lines = [proc.stdout.readline().strip() for _ in VARIABLES]
        env = _exports(lines)
        assert set(env) == VARIABLES
        assert all(line.startswith("export ZOHO_") for line in lines)
        # the lines work: a fresh process with only them configured reaches this org
        child = {k: v for k, v in os.environ.items() if not k.startswith("ZOHO_")}
        child.update(env, CRMKIT_CONFIG=str(tmp_path / "absent.toml"))
        child["XDG_CACHE_HOME"] = str(tmp_path / "cache")
        script = "import crmkit; c = crmkit.connect(); print(c.org()['company_name']); c.close()"
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=child,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "Env Test Org"
        assert "embedded sandbox" not in done.stderr  # it did not start one of its own
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_without_print_env_the_lines_follow_the_url(make_org: Callable[..., Path]) -> None:
    proc = _start(_org(make_org))
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("crmkit sandbox listening on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1]
        printed = [proc.stdout.readline().rstrip("\n") for _ in range(3 + len(VARIABLES))]
        assert printed[2] == "To point crmkit at this sandbox, run in another shell:"
        env = _exports([line.strip() for line in printed[3:]])
        assert env["ZOHO_API_DOMAIN"] == url
        assert env["ZOHO_TOKEN_URL"] == url + "/oauth/v2/token"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
