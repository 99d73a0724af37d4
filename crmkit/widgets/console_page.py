"""The page `crmkit console` serves: connect as `crmkit.connect()` does, then the console.

Voila runs `console_page()` in a fresh kernel for each page load. The kernel inherits the
command's environment: the `ZOHO_*` settings of the org the user configured, or those of the
sandbox `crmkit console` started for every page to share, and `CRMKIT_JOURNAL` when `--journal`
was given. A sandbox reached through `ZOHO_*` settings looks like Zoho to `connect()`; the
console's header recognises it (`console_header.OrgHeader.for_client`) and names it a sandbox.

Nothing secret is shown: the page names the org and the API domain, never a credential, and a
failure to connect or load is one line under the header (Voila hides tracebacks).
"""

from __future__ import annotations

import html
import os
from typing import Any

import ipywidgets as w

from crmkit.connection import connect
from crmkit.errors import CrmkitError
from crmkit.widgets.console import ConversionConsole
from crmkit.widgets.console_header import OrgHeader, org_banner

__all__ = ["LEADS_ENV", "console_page"]

LEADS_ENV = "CRMKIT_CONSOLE_LEADS"  # how many leads the console loads (as notebook 02 reads it)


def console_page() -> Any:
    """The console widget for the org the environment names (a line saying why, on failure)."""
    try:
        client = connect(progress=False)
    except CrmkitError as exc:
        return w.HTML(_error(f"Could not connect: {exc}"))
    kwargs: dict[str, Any] = {}
    leads = os.environ.get(LEADS_ENV, "").strip()
    if leads.isdigit() and int(leads) > 0:
        kwargs["limit"] = int(leads)
    try:
        return ConversionConsole.load(client, **kwargs).widget
    except (CrmkitError, OSError) as exc:
        return w.VBox([OrgHeader(org_banner(client)).widget, w.HTML(_error(f"Not loaded: {exc}"))])


def _error(text: str) -> str:
    return f'<div class="crmkit-page-error" style="color:#b3261e">{html.escape(text)}</div>'
