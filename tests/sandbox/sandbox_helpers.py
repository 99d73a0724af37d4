"""Helpers for sandbox tests: an HTTP caller with a token, and builders for hand-made orgs."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from crmkit.sandbox import Sandbox

ADMIN = {"id": "4876876000000225001", "full_name": "Ava Raman", "email": "ava@zylker.test"}
REP = {"id": "4876876000000225018", "full_name": "Ben Okafor", "email": "ben@zylker.test"}
USERS = [ADMIN, REP]
OWNER = {"id": ADMIN["id"], "name": ADMIN["full_name"]}
REP_OWNER = {"id": REP["id"], "name": REP["full_name"]}

PAT_LEAD = "4876876000007445001"
PAT_EMAIL_CONTACT = "4876876000007437017"
PAT_PHONE_CONTACT = "4876876000007421001"
ZYLKER = "4876876000007421010"


class Api:
    """Talks to a sandbox over real HTTP with a token from the refresh grant.

    Every instance is closed after its test by tests/sandbox/conftest.py (`close_all`), so no
    connection is left for the garbage collector to close in some later test.
    """

    open: ClassVar[list[Api]] = []

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.http = httpx.Client(base_url=sb.url, timeout=30)
        Api.open.append(self)
        self.token = self.fresh_token()

    @classmethod
    def close_all(cls) -> None:
        while cls.open:
            cls.open.pop().http.close()

    def fresh_token(self) -> str:
        c = self.sb.credentials
        r = self.http.post(
            "/oauth/v2/token",
            data={
                "grant_type": "refresh_token",
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "refresh_token": c.refresh_token,
            },
        )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Zoho-oauthtoken {self.token}"}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"/crm/v8/{path}", params=params, headers=self.auth)

    def post(self, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return self.http.post(f"/crm/v8/{path}", json=body, headers=self.auth, **kw)

    def options(self, lead_id: str) -> httpx.Response:
        return self.get(f"Leads/{lead_id}/__conversion_options")

    def convert(self, lead_id: str, **item: Any) -> httpx.Response:
        return self.post(f"Leads/{lead_id}/actions/convert", {"data": [item]})

    def close(self) -> None:
        self.http.close()


def lead(id: str, first: str | None, last: str, **kw: Any) -> dict[str, Any]:
    return {"id": id, "First_Name": first, "Last_Name": last, "Owner": OWNER, **kw}


def contact(id: str, first: str | None, last: str, **kw: Any) -> dict[str, Any]:
    return {"id": id, "First_Name": first, "Last_Name": last, "Owner": OWNER, **kw}


def account(id: str, name: str, **kw: Any) -> dict[str, Any]:
    return {"id": id, "Account_Name": name, "Owner": OWNER, **kw}


def acc_ref(id: str, name: str) -> dict[str, str]:
    return {"id": id, "name": name}


def org_of(
    leads: list[dict[str, Any]],
    contacts: list[dict[str, Any]] | None = None,
    accounts: list[dict[str, Any]] | None = None,
    **org: Any,
) -> dict[str, Any]:
    """`make_org` / `small_sandbox` keyword arguments for a small org with the usual users."""
    return {
        "leads": leads,
        "contacts": contacts or [],
        "accounts": accounts or [],
        "org": {"users": USERS, **org},
    }


def zylker_org(**org: Any) -> dict[str, Any]:
    """Zoho's documented example: Pat Boyle, Zylker Biotech, Phone unique in Contacts."""
    settings = {
        "users": USERS,
        "unique_fields": {"Contacts": [{"api_name": "Phone", "casesensitive": False}]},
        "layouts": {"Accounts": ["Standard", "Partner"]},
        **org,
    }
    return {
        "leads": [
            lead(
                PAT_LEAD,
                "Pat",
                "Boyle",
                Email="pat.boyle@zylker.com",
                Phone="9844444444",
                Company="Zylker Biotech",
                Tag=["Trade Show", "VIP"],
            ),
        ],
        "contacts": [
            contact(PAT_EMAIL_CONTACT, None, "Boyle", Email="pat.boyle@zylker.com"),
            contact(
                PAT_PHONE_CONTACT,
                "Pat",
                "Boyle",
                Phone="9844444444",
                Account_Name=acc_ref(ZYLKER, "Zylker Biotech"),
            ),
        ],
        "accounts": [account(ZYLKER, "Zylker Biotech")],
        "org": settings,
    }
