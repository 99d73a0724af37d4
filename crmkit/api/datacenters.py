"""Zoho data centres: where each one's accounts server (OAuth) and API live.

Zoho hosts every org in one data centre; the token must come from that centre's accounts server and
API calls go to the `api_domain` the token answer names (these defaults are used until it does).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataCentre:
    """One data centre: its short code, OAuth token URL and default API domain."""

    code: str
    accounts_url: str
    api_domain: str

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint (refresh and code grants)."""
        return f"{self.accounts_url}/oauth/v2/token"

    def variant_api_domain(self, kind: str) -> str:
        """API domain of a Zoho sandbox (`kind="sandbox"`) or developer org on this centre."""
        if kind not in ("sandbox", "developer"):
            raise ValueError(f"unknown org kind {kind!r} (sandbox or developer)")
        return self.api_domain.replace("://www.", f"://{kind}.", 1)


DATA_CENTRES: dict[str, DataCentre] = {
    dc.code: dc
    for dc in (
        DataCentre("us", "https://accounts.zoho.com", "https://www.zohoapis.com"),
        DataCentre("eu", "https://accounts.zoho.eu", "https://www.zohoapis.eu"),
        DataCentre("in", "https://accounts.zoho.in", "https://www.zohoapis.in"),
        DataCentre("au", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
        DataCentre("jp", "https://accounts.zoho.jp", "https://www.zohoapis.jp"),
        DataCentre("ca", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
        DataCentre("sa", "https://accounts.zoho.sa", "https://www.zohoapis.sa"),
        DataCentre("cn", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    )
}


def data_centre(code: str) -> DataCentre:
    """Look a data centre up by code (case-insensitive; `com` is accepted for `us`)."""
    key = code.strip().lower()
    key = {"com": "us"}.get(key, key)
    try:
        return DATA_CENTRES[key]
    except KeyError:
        known = "|".join(DATA_CENTRES)
        raise ValueError(f"unknown Zoho data centre {code!r}; expected one of {known}") from None
