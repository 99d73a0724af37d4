"""The conversion console in a real browser: Voila serves notebooks/02_convert.ipynb against a
sandbox started here, headless Chromium (Debian's, driven by Playwright) selects two leads in the
table, converts them and sees their results; the sandbox confirms exactly those two converted.

Needs /usr/bin/chromium (`make chromium`); fails with the reason when it is missing. A
screenshot of the page after converting is saved to artifacts/convert_console.png.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from crmkit.conversion import converted_ids
from crmkit.sandbox import Sandbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "02_convert.ipynb"
ARTIFACTS = ROOT / "artifacts"  # as tests/conftest.py
TIMEOUT_MS = 120_000  # each step, on 2 busy cores
STARTUP_MS = 240_000  # Voila starts a kernel and runs every cell before the table appears

USER = "1000000000000000901"
C_PAT = "3000000000000000001"
LEADS = [f"40000000000000000{n:02d}" for n in range(1, 7)]
PICKED = [LEADS[1], LEADS[3]]  # not neighbours: a range selection would catch LEADS[2]


def _org() -> dict[str, Any]:
    """Six convertible leads; the second merges into Contact Pat (same Email)."""
    names = ["Ada Alpha", "Pat Boyle", "Cy Gamma", "Di Delta", "Ed Epsilon", "Flo Zeta"]
    leads = []
    for lead_id, name in zip(LEADS, names, strict=True):
        first, last = name.split()
        leads.append(
            {
                "id": lead_id,
                "First_Name": first,
                "Last_Name": last,
                "Company": f"{last} Ltd",
                "Email": f"{first.lower()}@{last.lower()}.example",
                "Owner": {"id": USER},
            }
        )
    leads[1]["Email"] = "pat@acme.example"
    return {
        "leads": leads,
        "contacts": [
            {"id": C_PAT, "First_Name": "Pat", "Last_Name": "Boyle", "Email": "pat@acme.example"}
        ],
        "accounts": [],
        "org": {
            "users": [
                {"id": USER, "full_name": "Ava Active", "email": "ava@x.com", "status": "active"}
            ],
            "edition": "enterprise",
        },
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"voila exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.25)
    pytest.fail(f"voila did not listen on {port} within {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def org_sb(small_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return small_sandbox(**_org())


@pytest.fixture
def voila_url(
    org_sb: Sandbox, tmp_path: Path, sandbox_environ: Callable[[Sandbox], dict[str, str]]
) -> Iterator[str]:
    """Voila serving a copy of the notebook, pointed at `org_sb` through the environment."""
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    env = {
        **sandbox_environ(org_sb),
        "CRMKIT_JOURNAL": str(tmp_path / "journal.sqlite"),
        "CRMKIT_CONSOLE_LEADS": "50",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
    }
    port = _free_port()
    log = tmp_path / "voila.log"
    voila = Path(sys.executable).parent / "voila"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(voila),
                NOTEBOOK.name,
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
                "--NotebookClient.timeout=300",
            ],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_port(port, proc, log, 90)
        yield f"http://127.0.0.1:{port}/"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # voila and the kernel it started
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _converted(sb: Sandbox, lead_id: str) -> bool:
    rec = sb.control.record("Leads", lead_id)
    assert rec is not None, lead_id
    return str(rec.get("Converted__s")).lower() == "true"


def test_select_two_leads_convert_and_see_results(
    org_sb: Sandbox, voila_url: str, chromium: Any
) -> None:
    errors: list[str] = []
    shot = ARTIFACTS / "convert_console.png"
    page = chromium.new_page(viewport={"width": 1400, "height": 1800})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(voila_url, wait_until="commit", timeout=STARTUP_MS)
    leads_table = page.locator(".crmkit-console table.dataTable").first
    rows = leads_table.locator("tbody tr")
    rows.filter(has_text=LEADS[-1]).wait_for(timeout=STARTUP_MS)
    assert rows.count() == len(LEADS)
    button = page.get_by_role("button", name="Convert")
    expect(button).to_be_disabled()
    for lead_id in PICKED:
        rows.filter(has_text=lead_id).click()
    choices = page.locator(".crmkit-choices select")
    expect(choices).to_have_count(len(PICKED), timeout=TIMEOUT_MS)
    expect(page.get_by_text("Estimate:")).to_be_visible(timeout=TIMEOUT_MS)
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)
    button.click()
    results = page.locator(".crmkit-results table.dataTable tbody tr")
    for lead_id in PICKED:
        expect(results.filter(has_text=lead_id)).to_contain_text("converted", timeout=TIMEOUT_MS)
    expect(results).to_have_count(len(PICKED))
    expect(page.get_by_text("converted 2 now")).to_be_visible()
    # after the run the selection is cleared: nothing to convert until leads are picked
    expect(page.get_by_text("Select one or more leads")).to_be_visible()
    expect(button).to_be_disabled()
    expect(page.get_by_text("Estimate:")).to_have_count(0)
    page.screenshot(path=str(shot), full_page=True)
    assert errors == [], errors
    assert shot.stat().st_size > 0
    for lead_id in LEADS:
        assert _converted(org_sb, lead_id) == (lead_id in PICKED), lead_id
    pat = org_sb.control.record("Leads", PICKED[0])
    assert pat is not None
    assert converted_ids(pat)["Contacts"] == C_PAT  # merged into the Contact Zoho offered
