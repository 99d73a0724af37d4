"""The console's org header: names the org and says rehearsal (yellow) or live (red).

The decision (`banner_for`) is plain and tested case by case; `org_banner` reads the facts from a
real client on a real sandbox, reached both as a sandbox and through `ZOHO_*` settings (as
`crmkit console` and `crmkit sandbox` users reach it); the console shows the header first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crmkit.api.errors import CRMError
from crmkit.api.target import ZOHO_CRM, Target
from crmkit.connection import connect
from crmkit.sandbox import Sandbox
from crmkit.widgets import ConversionConsole
from crmkit.widgets.console_header import OrgHeader, banner_for, is_loopback_url, org_banner

ZOHO_ORG = {"id": "4876876000000017001", "company_name": "Zylker Corp", "type": "Production"}
ZOHO_API = "https://www.zohoapis.eu"


def test_a_zoho_org_is_live_in_red_and_named() -> None:
    banner = banner_for(ZOHO_CRM, ZOHO_ORG, ZOHO_API)
    assert banner.mode == "live"
    assert banner.title == "LIVE — Zoho org Zylker Corp: conversions are real"
    assert "Zylker Corp (4876876000000017001)" in banner.detail
    assert "Zoho CRM at https://www.zohoapis.eu" in banner.detail
    page = banner.html()
    assert "crmkit-live" in page and "#b3261e" in page  # red
    assert "REHEARSAL" not in page


def test_a_crmkit_sandbox_target_is_a_rehearsal_in_yellow() -> None:
    org = {"id": "90000000000000000001", "company_name": "Zylker Sandbox", "type": "sandbox"}
    banner = banner_for(Target("sandbox", "embedded sandbox"), org, "http://127.0.0.1:5000")
    assert banner.mode == "rehearsal"
    assert banner.title == "REHEARSAL — sandbox, nothing reaches Zoho"
    assert banner.org_label == "Zylker Sandbox (90000000000000000001)"
    assert "crmkit embedded sandbox" in banner.detail
    assert "#fff4c2" in banner.html() and "LIVE" not in banner.html()


def test_a_loopback_server_answering_as_a_sandbox_is_a_rehearsal() -> None:
    org = {"id": "90000000000000000001", "company_name": "Demo", "type": "sandbox"}
    banner = banner_for(ZOHO_CRM, org, "http://127.0.0.1:5000")
    assert banner.mode == "rehearsal"
    assert "crmkit sandbox at http://127.0.0.1:5000" in banner.detail


@pytest.mark.parametrize(
    ("org", "api_domain"),
    [
        # Zoho's own Sandbox orgs are Zoho: conversions there are real
        ({"id": "1", "company_name": "Z", "type": "Sandbox"}, "https://sandbox.zohoapis.com"),
        # a sandbox-typed answer from a non-loopback host could be anything: say real
        ({"id": "1", "company_name": "Z", "type": "sandbox"}, "https://crm.example.com"),
        # a loopback server that does not call itself a sandbox (a proxy to Zoho, say)
        ({"id": "1", "company_name": "Z", "type": "Production"}, "http://127.0.0.1:8080"),
        ({"id": "1", "company_name": "Z"}, "http://localhost:8080"),
    ],
)
def test_anything_crmkit_cannot_prove_a_sandbox_is_live(
    org: dict[str, Any], api_domain: str
) -> None:
    assert banner_for(ZOHO_CRM, org, api_domain).mode == "live"


def test_a_zoho_sandbox_org_says_it_is_not_production() -> None:
    org = {"id": "1", "company_name": "Zylker QA", "type": "Sandbox"}
    banner = banner_for(ZOHO_CRM, org, "https://sandbox.zohoapis.com")
    assert "a Zoho Sandbox org: real conversions there, not in your production org" in banner.text


def test_an_org_that_cannot_be_read_is_live_and_says_why() -> None:
    banner = banner_for(ZOHO_CRM, None, ZOHO_API, error="INVALID_TOKEN")
    assert banner.mode == "live"
    assert banner.title == "LIVE — Zoho: conversions are real"
    assert banner.org_label == "org unknown"
    assert "could not read the org: INVALID_TOKEN" in banner.detail


def test_html_is_escaped() -> None:
    org = {"id": "1", "company_name": "<script>x</script>", "type": "Production"}
    page = banner_for(ZOHO_CRM, org, ZOHO_API).html()
    assert "<script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:1", True),
        ("http://127.9.9.9", True),
        ("http://[::1]:80", True),
        ("http://localhost:9", True),
        ("https://www.zohoapis.com", False),
        ("http://10.0.0.1", False),
        (None, False),
        ("", False),
    ],
)
def test_is_loopback_url(url: str | None, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_org_banner_reads_a_real_sandbox_reached_as_a_sandbox(client: Any) -> None:
    banner = org_banner(client)
    assert banner.mode == "rehearsal"
    assert banner.org_id == str(client.org()["id"])
    assert banner.org_name == client.org()["company_name"]


def test_org_banner_reads_a_sandbox_reached_through_zoho_settings(
    org_sb: Sandbox, use_sandbox_environ: Callable[[Sandbox], None]
) -> None:
    use_sandbox_environ(org_sb)
    client = connect(progress=False, token_cache=False)
    try:
        assert client.target == ZOHO_CRM  # crmkit.connect() cannot tell from the settings
        banner = org_banner(client)
    finally:
        client.close()
    assert banner.mode == "rehearsal"
    assert f"crmkit sandbox at {org_sb.url}" in banner.detail


def test_the_header_relabels_a_sandbox_reached_through_zoho_settings(
    org_sb: Sandbox, use_sandbox_environ: Callable[[Sandbox], None]
) -> None:
    use_sandbox_environ(org_sb)
    client = connect(progress=False, token_cache=False)
    try:
        OrgHeader.for_client(client)
        assert client.target == Target("sandbox", f"sandbox at {org_sb.url}")
        assert client.description == f"sandbox at {org_sb.url}"  # the console's lines, the journal
    finally:
        client.close()


def test_the_header_never_relabels_what_it_cannot_prove_a_sandbox() -> None:
    client = _RefusingClient()
    OrgHeader.for_client(client)
    assert client.target == ZOHO_CRM


class _RefusingClient:
    target = ZOHO_CRM
    api_domain = ZOHO_API

    def org(self) -> dict[str, Any]:
        raise CRMError("OAUTH_SCOPE_MISMATCH: invalid oauth scope to access this URL")


def test_org_banner_of_an_org_that_refuses_is_live() -> None:
    banner = org_banner(_RefusingClient())
    assert banner.mode == "live"
    assert "OAUTH_SCOPE_MISMATCH" in banner.detail


def test_the_console_shows_the_header_first(client: Any) -> None:
    console = ConversionConsole.load(client, limit=5)
    first = console.widget.children[0]
    assert first is console.org_header.widget
    assert "REHEARSAL — sandbox, nothing reaches Zoho" in first.value
    assert str(client.org()["company_name"]) in first.value


def test_org_header_for_client(client: Any) -> None:
    header = OrgHeader.for_client(client)
    assert header.banner == org_banner(client)
    assert header.widget.value == header.banner.html()
