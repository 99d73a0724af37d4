"""Shared fixtures: real sandbox servers on 127.0.0.1 (free ports), and hand-built orgs.

- `sandbox` (session): a `crmkit.Sandbox` serving the bundled sample data (`sample_data/`).
  Tests that change it must use `clean_sandbox` instead.
- `clean_sandbox` (function): the same server, `control.reset()` to the seed state first
  (records, org settings, run-time settings; faults, outbox, jobs, credit ledger cleared).
- `make_org` (function): `make_org(leads=[…], contacts=[…], accounts=[…], deals=None, org=None,
  name="org")` writes a data directory under `tmp_path` from API-shaped dicts
  (`crmkit.sandbox.loader.write_data_dir`: lookups as `{"id","name"}`, tags as lists) and
  returns its path.
- `small_sandbox` (function): `small_sandbox(path=None, *, edition=None, latency_ms=0, db=None,
  **make_org_kwargs)` starts a `Sandbox` on `path` (or on a fresh `make_org(**kwargs)`) and
  stops it after the test.
- `sandbox_environ` (function): `sandbox_environ(sb)` is this process's environment pointed at
  `sb` through the `ZOHO_*` variables `crmkit.connect()` reads, with fresh config, cache and
  data folders (no developer's config file, token cache or journal leaks in): for a
  subprocess, a notebook kernel or Voila.
- `chromium` (function): a headless Debian Chromium driven by Playwright (the flags the closed
  network needs); fails, never skips, when /usr/bin/chromium is missing. `ARTIFACTS` is where
  browser tests save their screenshots.
- `use_sandbox_environ` (function): `use_sandbox_environ(sb)` applies that environment to this
  process for the test (monkeypatch).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crmkit.sandbox import Sandbox
from crmkit.sandbox.loader import write_data_dir


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Sandbox:
    sandbox.control.reset()
    return sandbox


@pytest.fixture
def make_org(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def make(
        *,
        leads: list[dict[str, Any]],
        contacts: list[dict[str, Any]] | None = None,
        accounts: list[dict[str, Any]] | None = None,
        deals: list[dict[str, Any]] | None = None,
        org: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> Path:
        target = tmp_path / (name or f"org{next(counter)}")
        return write_data_dir(
            target, leads=leads, contacts=contacts, accounts=accounts, deals=deals, org=org
        )

    return make


@pytest.fixture
def small_sandbox(make_org: Callable[..., Path]) -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def start(
        path: Path | None = None,
        *,
        edition: str | None = None,
        latency_ms: int = 0,
        db: str | Path | None = None,
        **org: Any,
    ) -> Sandbox:
        data = path if path is not None else make_org(**org)
        sb = Sandbox(data, edition=edition, latency_ms=latency_ms, db=db).start()
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.stop()


@pytest.fixture
def sandbox_environ(tmp_path: Path) -> Callable[[Sandbox], dict[str, str]]:
    def environ(sb: Sandbox) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("ZOHO_DC", "ZOHO_EDITION")}
        env.update(sb.environ())
        env.update(
            CRMKIT_CONFIG=str(tmp_path / "absent.toml"),
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_CACHE_HOME=str(tmp_path / "cache"),
            XDG_DATA_HOME=str(tmp_path / "data"),
        )
        return env

    return environ


@pytest.fixture
def use_sandbox_environ(
    sandbox_environ: Callable[[Sandbox], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> Callable[[Sandbox], None]:
    def use(sb: Sandbox) -> None:
        env = sandbox_environ(sb)
        for name in set(os.environ) - set(env):
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)

    return use


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling the closed network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
