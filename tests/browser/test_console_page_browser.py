"""The `crmkit console` page in a real browser (Debian Chromium driven by Playwright).

The command runs as a subprocess pointed at a sandbox started here (through the `ZOHO_*`
environment, as a user points crmkit at an org), and prints its URL. Chromium:
- opens the page without the token: a token prompt, no console (refused);
- opens the printed URL: the header names the org (name and id) as a REHEARSAL; the lead sought
  is not on the first page of the list but on page 3 (the browse bar's Next page, twice); a
  search finds it, it is converted, and its result shows. The sandbox confirms that lead, and
  only it, converted.

Screenshots: artifacts/console_page_refused.png, artifacts/console_page.png.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from console_process import ConsoleProcess, start_console
from playwright.sync_api import expect

from crmkit.connection import connect
from crmkit.sandbox import Sandbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"  # as tests/conftest.py
TIMEOUT_MS = 120_000  # each step, on 2 busy cores
STARTUP_MS = 300_000  # a kernel starts and loads the leads and their options
ORG_NAME = "Console Browser Org"
USER = "1000000000000000901"
N_LEADS = 80  # more than three pages of 25
SOUGHT = 19  # the sandbox lists newest first (as Zoho): the 20th lead is row 61, on page 3
LEAD_IDS = [f"4000000000000000{n:03d}" for n in range(1, N_LEADS + 1)]


def _org() -> dict[str, Any]:
    leads = [
        {
            "id": lead_id,
            "First_Name": "Ann",
            "Last_Name": f"Lead{n:03d}",
            "Company": f"Company {n:03d}",
            "Email": f"ann{n:03d}@leads.example",
            "Owner": {"id": USER},
        }
        for n, lead_id in enumerate(LEAD_IDS, start=1)
    ]
    leads[SOUGHT].update(First_Name="Quinn", Last_Name="Zephyr", Company="Zephyr Ltd")
    leads[SOUGHT]["Email"] = "quinn@zephyr.example"
    return {
        "leads": leads,
        "contacts": [],
        "accounts": [],
        "org": {
            "org": {"company_name": ORG_NAME},
            "users": [
                {"id": USER, "full_name": "Ava Active", "email": "ava@x.com", "status": "active"}
            ],
            "edition": "enterprise",
        },
    }


@pytest.fixture
def org_sb(small_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return small_sandbox(**_org())


@pytest.fixture
def console(
    org_sb: Sandbox, tmp_path: Path, sandbox_environ: Callable[[Sandbox], dict[str, str]]
) -> Iterator[ConsoleProcess]:
    env = sandbox_environ(org_sb)  # the console lists every open lead: no CRMKIT_CONSOLE_LEADS
    started = start_console(env, tmp_path, "--journal", str(tmp_path / "journal.sqlite"))
    yield started
    assert started.stop(signal.SIGTERM) == 0, started.output()


def _converted(sb: Sandbox, lead_id: str) -> bool:
    rec = sb.control.record("Leads", lead_id)
    assert rec is not None, lead_id
    return str(rec.get("Converted__s")).lower() == "true"


def test_console_page_refuses_without_the_token(console: ConsoleProcess, chromium: Any) -> None:
    page = chromium.new_page(viewport={"width": 1200, "height": 800})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(console.base)
    expect(page.locator("input[type=password]")).to_have_count(1)  # a token prompt, no more
    expect(page.locator("input[type=password]")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "console_page_refused.png"), full_page=True)
    assert page.locator(".crmkit-console").count() == 0
    assert page.locator(".crmkit-org-header").count() == 0
    assert console.token not in page.content()


def test_console_page_search_a_lead_on_page_3_convert_it_and_see_the_header(
    console: ConsoleProcess, org_sb: Sandbox, chromium: Any
) -> None:
    sought = LEAD_IDS[SOUGHT]
    with connect(sandbox=org_sb, progress=False) as client:
        org_id = str(client.org()["id"])
        listed = [str(r["id"]) for p in client.iter_pages("Leads", ["Last_Name"]) for r in p]
    assert 50 <= listed.index(sought) < 75  # rows 51-75 of the list: its page 3 of 25
    errors: list[str] = []
    shot = ARTIFACTS / "console_page.png"
    page = chromium.new_page(viewport={"width": 1400, "height": 1800})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(console.url, wait_until="commit", timeout=STARTUP_MS)

    header = page.locator(".crmkit-org-header")
    header.wait_for(timeout=STARTUP_MS)
    expect(header).to_contain_text("REHEARSAL — sandbox, nothing reaches Zoho")
    expect(header).to_contain_text(f"{ORG_NAME} ({org_id})")
    expect(header).to_contain_text(f"crmkit sandbox at {org_sb.url}")

    console_box = page.locator(".crmkit-console")
    table = console_box.locator("table.dataTable").first
    rows = table.locator("tbody tr")
    counts = console_box.locator(".crmkit-counts")
    rows.filter(has_text=listed[0]).wait_for(timeout=STARTUP_MS)
    expect(counts).to_contain_text(f"Leads 1–25 of {N_LEADS}")  # the whole org, paged
    expect(rows.filter(has_text=sought)).to_have_count(0)  # not on page 1
    next_page = console_box.get_by_role("button", name="Next page")
    next_page.click()
    expect(counts).to_contain_text("page 2 of 4")
    next_page.click()
    expect(counts).to_contain_text(f"Leads 51–75 of {N_LEADS} · page 3 of 4")
    expect(rows.filter(has_text=sought)).to_have_count(1)  # page 3 of the list

    search = console_box.get_by_placeholder("name, email or company")
    search.fill("Zephyr")
    search.press("Enter")
    expect(counts).to_contain_text(f"Lead 1–1 of 1 (filtered from {N_LEADS} open leads)")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(sought)
    rows.first.click()
    choices = page.locator(".crmkit-choices select")
    expect(choices).to_have_count(1)
    button = page.get_by_role("button", name="Convert")
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)
    button.click()

    results = page.locator(".crmkit-results table.dataTable tbody tr")
    expect(results.filter(has_text=sought)).to_contain_text("converted", timeout=TIMEOUT_MS)
    expect(results).to_have_count(1)
    expect(header).to_contain_text(ORG_NAME)  # still named after the run
    page.screenshot(path=str(shot), full_page=True)
    assert errors == [], errors
    assert shot.stat().st_size > 0
    assert _converted(org_sb, sought)
    assert not any(_converted(org_sb, lead_id) for lead_id in LEAD_IDS if lead_id != sought)
