"""The conversion console in JupyterLab, in a real browser (Debian Chromium driven by Playwright).

JupyterLab serves a copy of notebooks/02_convert.ipynb pointed at a sandbox started here; Chromium
runs every cell, and in the console picks a lead, sets the new records' owner (the selection's
default), the lead's own tag to carry over to the Contact, and a Deal (name, closing date, pipeline,
stage), converts, and sees the result with its Deal. The sandbox confirms the records made carry
that owner, that tag and that Deal, and that no other lead converted.

Screenshot: artifacts/console_lab.png.
"""

from __future__ import annotations

import json
import os
import re
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
from playwright.sync_api import Locator, Page, expect

from crmkit.conversion import converted_ids
from crmkit.sandbox import Sandbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "02_convert.ipynb"
ARTIFACTS = ROOT / "artifacts"  # as tests/conftest.py
TIMEOUT_MS = 120_000
STARTUP_MS = 300_000

USER = "1000000000000000901"
USER_2 = "1000000000000000902"
LEAD = "4000000000000000002"  # no match: creates a Contact, an Account and the Deal
OTHERS = ["4000000000000000001", "4000000000000000003"]


def _org() -> dict[str, Any]:
    def lead(lead_id: str, first: str, last: str, company: str, **more: Any) -> dict[str, Any]:
        email = f"{first.lower()}@{company.lower()}.example"
        return {
            "id": lead_id,
            "First_Name": first,
            "Last_Name": last,
            "Company": company,
            "Email": email,
            "Owner": {"id": USER},
            **more,
        }

    return {
        "leads": [
            lead(OTHERS[0], "Ada", "Alpha", "Alphaco"),
            lead(LEAD, "Fay", "Fresh", "Newco", Tag="hot;expo"),
            lead(OTHERS[1], "Cy", "Gamma", "Gammaco"),
        ],
        "contacts": [],
        "accounts": [],
        "org": {
            "org": {"company_name": "Lab Browser Org"},
            "users": [
                {"id": USER, "full_name": "Ava Active", "email": "ava@x.com", "status": "active"},
                {"id": USER_2, "full_name": "Bea Busy", "email": "bea@x.com", "status": "active"},
            ],
            "pipelines": {"Partner": ["Registration", "Commit", "Closed Won"]},
            "edition": "enterprise",
        },
    }


@pytest.fixture
def org_sb(small_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return small_sandbox(**_org())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def lab_url(
    org_sb: Sandbox, tmp_path: Path, sandbox_environ: Callable[[Sandbox], dict[str, str]]
) -> Iterator[str]:
    """JupyterLab serving a copy of notebook 02 (Lab autosaves outputs into what it serves)."""
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    config = tmp_path / "jupyter-config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(  # no news toast over the page
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    env = {
        **sandbox_environ(org_sb),
        "CRMKIT_JOURNAL": str(tmp_path / "journal.sqlite"),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
    }
    port = _free_port()
    log = tmp_path / "lab.log"
    lab = Path(sys.executable).parent / "jupyter"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(lab),
                "lab",
                "--no-browser",
                f"--port={port}",
                "--ServerApp.ip=127.0.0.1",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                "--ServerApp.disable_check_xsrf=True",
                "--LabApp.expose_app_in_browser=True",
                f"--ServerApp.root_dir={work}",
                "--allow-root",  # CI runs as root
            ],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
                )
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not listen:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK.name}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # lab and its kernel
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


_KERNEL_IDLE = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}"""


def _control(scope: Locator, kind: str, label: str) -> Locator:
    """The ipywidget of class `widget-KIND` labelled `label` (with " *" when mandatory)."""
    exact = re.compile(rf"^\s*{re.escape(label)}( \*)?\s*$")
    return scope.locator(f".widget-{kind}").filter(has=scope.page.locator("label", has_text=exact))


def _select(page: Page, scope: Locator, label: str, option: str) -> None:
    _control(scope, "dropdown", label).locator("select").select_option(label=option)


def test_lab_console_converts_a_lead_with_a_deal_an_owner_and_tags(
    org_sb: Sandbox, lab_url: str, chromium: Any
) -> None:
    errors: list[str] = []
    shot = ARTIFACTS / "console_lab.png"
    page = chromium.new_page(viewport={"width": 1400, "height": 2400})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(lab_url, timeout=STARTUP_MS)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.started", timeout=STARTUP_MS
    )
    page.wait_for_function(_KERNEL_IDLE, timeout=STARTUP_MS)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

    console = page.locator(".crmkit-console")
    header = console.locator(".crmkit-org-header")
    header.wait_for(timeout=STARTUP_MS)
    expect(header).to_contain_text("REHEARSAL — sandbox, nothing reaches Zoho")
    expect(header).to_contain_text("Lab Browser Org")
    rows = console.locator("table.dataTable").first.locator("tbody tr")
    rows.filter(has_text=LEAD).wait_for(timeout=STARTUP_MS)
    rows.filter(has_text=LEAD).click()
    expect(console.locator(".crmkit-choices select")).to_have_count(1, timeout=TIMEOUT_MS)

    defaults = console.locator(".crmkit-default-options")
    _select(page, defaults, "Owner of the new records", "Bea Busy")
    _control(defaults, "select-multiple", "Carry tags to").locator("select").select_option(
        label="Contacts"
    )
    console.locator(".crmkit-lead-options").get_by_text("Options for Fay Fresh").click()
    own = console.locator(".crmkit-lead-options .crmkit-options")
    _control(own, "select-multiple", "Tags").locator("select").select_option(label="expo")

    button = console.get_by_role("button", name="Convert")
    console.get_by_label("Create a Deal with each lead").check()
    # each step waits for the kernel's answer to the one before (widgets sync asynchronously)
    expect(button).to_be_disabled(timeout=TIMEOUT_MS)  # the Deal's mandatory fields are empty
    _control(console, "text", "Deal name").locator("input").fill("{Company} first order")
    _control(console, "datepicker", "Closing date").locator("input").fill("2031-04-01")
    _select(page, console, "Pipeline", "Partner")
    stage = _control(console, "dropdown", "Stage").locator("select")
    expect(stage.locator("option")).to_have_count(4, timeout=TIMEOUT_MS)  # "" + Partner's 3
    stage.select_option(label="Registration")
    expect(console.get_by_text("Estimate:")).to_be_visible(timeout=TIMEOUT_MS)
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)
    page.wait_for_function(_KERNEL_IDLE, timeout=TIMEOUT_MS)  # every change above handled
    expect(button).to_be_enabled()
    button.click()
    results = console.locator(".crmkit-results table.dataTable tbody tr")
    try:
        expect(results.filter(has_text=LEAD)).to_contain_text("converted", timeout=TIMEOUT_MS)
        expect(results).to_have_count(1)
        expect(console.get_by_text("converted 1 now")).to_be_visible()
    finally:
        page.screenshot(path=str(shot), full_page=True)  # the artifact, also when it failed
    assert errors == [], errors

    lead = org_sb.control.record("Leads", LEAD)
    assert lead is not None and str(lead.get("Converted__s")).lower() == "true"
    ids = converted_ids(lead)
    expect(results.filter(has_text=LEAD)).to_contain_text(str(ids["Deals"]))  # the Deal shown
    contact = org_sb.control.record("Contacts", str(ids["Contacts"]))
    deal = org_sb.control.record("Deals", str(ids["Deals"]))
    assert contact is not None and deal is not None
    assert contact["Owner"]["id"] == USER_2 and deal["Owner"]["id"] == USER_2
    assert {t["name"] for t in contact.get("Tag") or []} == {"expo"}
    assert (deal["Deal_Name"], deal["Stage"]) == ("Newco first order", "Registration")
    assert deal["Closing_Date"] == "2031-04-01"
    for other in OTHERS:
        rec = org_sb.control.record("Leads", other)
        assert rec is not None and str(rec.get("Converted__s")).lower() != "true", other
