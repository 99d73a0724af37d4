"""The console's org header: which org it converts in, and whether that is a rehearsal or real.

Why a header of its own: an admin with two tabs open (a sandbox rehearsal and the real org) must
never confuse them. The header names the org (its name and id, as `GET /org` answers) and says, in
colour and in words, whether conversions reach Zoho:

- REHEARSAL (yellow): the client talks to a crmkit sandbox (`client.target.is_sandbox`), or to a
  server on this machine's loopback address whose org answers `type: "sandbox"` (a sandbox started
  with `crmkit sandbox` or by `crmkit console` and reached through `ZOHO_*` settings). Zoho never
  serves its API on a loopback address, so such a server is not Zoho.
- LIVE (red): anything else, including an org whose details cannot be read. When crmkit cannot
  tell, it says "real": a false alarm costs a second look, a false "rehearsal" costs a lead.

`org_banner(client)` reads the facts (one `GET /org`); `banner_for(...)` decides from them and is
plain, so every case is tested without a server; `OrgHeader` is the widget the console shows.
"""

from __future__ import annotations

import html
import ipaddress
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import ipywidgets as w

from crmkit.api.target import Target
from crmkit.errors import CrmkitError

__all__ = ["OrgBanner", "OrgHeader", "banner_for", "is_loopback_url", "org_banner"]

Mode = Literal["rehearsal", "live"]

# Background, text and border per mode: yellow for a rehearsal, red for real conversions.
_STYLES: dict[Mode, tuple[str, str, str]] = {
    "rehearsal": ("#fff4c2", "#4d3b00", "#e0b000"),
    "live": ("#b3261e", "#ffffff", "#7a1712"),
}


@dataclass(frozen=True)
class OrgBanner:
    """What the header says: the mode, the org (name and id when known) and where calls go."""

    mode: Mode
    org_name: str | None
    org_id: str | None
    where: str
    note: str | None = None

    @property
    def org_label(self) -> str:
        """`Zylker Corp (4876876000000017001)`, the id alone, or why the org is unknown."""
        if self.org_id is None:
            return "org unknown"
        return f"{self.org_name} ({self.org_id})" if self.org_name else self.org_id

    @property
    def title(self) -> str:
        """The banner's first line, the words that must not be missed."""
        if self.mode == "rehearsal":
            return "REHEARSAL — sandbox, nothing reaches Zoho"
        if self.org_name:
            return f"LIVE — Zoho org {self.org_name}: conversions are real"
        return "LIVE — Zoho: conversions are real"

    @property
    def detail(self) -> str:
        """The second line: org, id and where the calls go, then the note if any."""
        text = f"Org: {self.org_label} · {self.where}"
        if self.mode == "live":
            text += " · a converted lead cannot be unconverted"
        return f"{text} · {self.note}" if self.note else text

    @property
    def text(self) -> str:
        """Both lines as plain text (logs, tests, the page's title)."""
        return f"{self.title}. {self.detail}"

    def html(self) -> str:
        """The banner as one coloured block."""
        background, colour, border = _STYLES[self.mode]
        return (
            f'<div class="crmkit-org-header crmkit-{self.mode}" role="banner" '
            f'style="background:{background};color:{colour};border:2px solid {border};'
            f'padding:8px 12px;border-radius:4px;margin-bottom:8px">'
            f'<div style="font-size:1.25em;font-weight:bold">{html.escape(self.title)}</div>'
            f"<div>{html.escape(self.detail)}</div></div>"
        )


def is_loopback_url(url: str | None) -> bool:
    """Whether `url` names this machine (127.0.0.0/8, ::1 or localhost): never a Zoho API."""
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def banner_for(
    target: Target | None,
    org: dict[str, Any] | None,
    api_domain: str | None,
    *,
    error: str | None = None,
) -> OrgBanner:
    """Decide the banner from the facts: the client's target, its `GET /org` answer (None when it
    could not be read; `error` says why) and the API domain its calls go to."""
    org_id = _text(org, "id")
    name = _text(org, "company_name") or _text(org, "name")
    org_type = _text(org, "type")
    note = f"could not read the org: {error}" if error else None
    if target is not None and target.is_sandbox:
        return OrgBanner("rehearsal", name, org_id, f"crmkit {target.label}", note)
    if org_type == "sandbox" and is_loopback_url(api_domain):
        return OrgBanner("rehearsal", name, org_id, f"crmkit sandbox at {api_domain}", note)
    where = target.label if target is not None else "Zoho CRM"
    if api_domain:
        where = f"{where} at {api_domain}"
    if org_type and org_type.lower() in ("sandbox", "developer"):
        kind = "Zoho Sandbox" if org_type.lower() == "sandbox" else "Zoho Developer"
        extra = f"a {kind} org: real conversions there, not in your production org"
        note = f"{extra} · {note}" if note else extra
    return OrgBanner("live", name, org_id, where, note)


def org_banner(client: Any) -> OrgBanner:
    """The banner for a client (one `GET /org`; an org that cannot be read is shown as LIVE)."""
    target = getattr(client, "target", None)
    target = target if isinstance(target, Target) else None
    org: dict[str, Any] | None = None
    error: str | None = None
    try:
        org = dict(client.org())
    except CrmkitError as exc:
        error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    try:
        api_domain: str | None = str(client.api_domain)
    except CrmkitError:
        api_domain = None
    return banner_for(target, org, api_domain, error=error)


def _text(org: dict[str, Any] | None, key: str) -> str | None:
    value = (org or {}).get(key)
    text = str(value).strip() if value is not None else ""
    return text or None


class OrgHeader:
    """The header widget: the banner for one client, shown above everything else."""

    def __init__(self, banner: OrgBanner) -> None:
        self.banner = banner
        self.widget = w.HTML(banner.html())
        self.widget.add_class("crmkit-org-header-box")

    @classmethod
    def for_client(cls, client: Any) -> OrgHeader:
        """The header for the org `client` converts in.

        A client that `connect()` labelled "Zoho CRM" (a sandbox reached through `ZOHO_*`
        settings) but whose facts prove a crmkit sandbox is relabelled a sandbox, so that the
        console's other lines and the journal's record of a run say what the header says.
        """
        banner = org_banner(client)
        target = getattr(client, "target", None)
        if banner.mode == "rehearsal" and isinstance(target, Target) and not target.is_sandbox:
            client.target = Target("sandbox", banner.where.removeprefix("crmkit "))
        return cls(banner)
