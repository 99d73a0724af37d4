"""`crmkit console` as a subprocess for tests: start it, read its URL from stdout, stop it.

Used by tests/test_console_command.py and tests/browser/test_console_page_browser.py (this folder
is on sys.path through tests/conftest.py). Jupyter's config and runtime folders are fresh per test.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

URL_LINE = re.compile(r"^crmkit console: open (http://127\.0\.0\.1:(\d+)/\?token=(\S+))", re.M)


@dataclass
class ConsoleProcess:
    """A running `crmkit console`: its process, the URL it printed, and its output files."""

    proc: subprocess.Popen[bytes]
    url: str
    port: int
    token: str
    out: Path
    err: Path

    @property
    def base(self) -> str:
        """The URL without the token."""
        return f"http://127.0.0.1:{self.port}/"

    def output(self) -> str:
        return self.out.read_text(encoding="utf-8") + self.err.read_text(encoding="utf-8")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Send `sig` and wait; kill the whole group if it does not stop (the test then fails)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
                pytest.fail(f"crmkit console did not stop on {sig}:\n{self.output()[-3000:]}")
        return int(self.proc.returncode)


def jupyter_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """`env` with fresh Jupyter folders (no developer's config, no stale runtime files)."""
    return {
        **env,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")) if p
        ),
    }


def run_console(
    env: dict[str, str], tmp_path: Path, *args: str, seconds: float = 240
) -> subprocess.CompletedProcess[str]:
    """`crmkit console ARGS` to completion (for the commands that must refuse at once)."""
    return subprocess.run(
        [sys.executable, "-m", "crmkit", "console", "--no-browser", *args],
        env=jupyter_env(env, tmp_path),
        capture_output=True,
        text=True,
        timeout=seconds,
    )


def start_console(
    env: dict[str, str], tmp_path: Path, *args: str, seconds: float = 240
) -> ConsoleProcess:
    """Start `crmkit console --no-browser ARGS` and wait for the URL it prints once it listens."""
    out, err = tmp_path / "console.out", tmp_path / "console.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crmkit", "console", "--no-browser", *args],
            env=jupyter_env(env, tmp_path),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its kernels too, for the kill of last resort
        )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = URL_LINE.search(out.read_text(encoding="utf-8"))
        if found:
            url, port, token = found.group(1), int(found.group(2)), found.group(3)
            return ConsoleProcess(proc, url, port, token, out, err)
        if proc.poll() is not None:
            break
        time.sleep(0.25)
    text = out.read_text(encoding="utf-8") + err.read_text(encoding="utf-8")
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    pytest.fail(f"crmkit console printed no URL (exit {proc.returncode}):\n{text[-3000:]}")
