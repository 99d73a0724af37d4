"""OAuth for the sandbox: refresh/code grants minting access tokens, and token checks per call."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from crmkit.sandbox.exceptions import AuthenticationFailure, InvalidToken, OauthScopeMismatch
from crmkit.sandbox.org import OrgCredentials

DEFAULT_SCOPES = (
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.ALL",
    "ZohoCRM.org.ALL",
    "ZohoCRM.mass_convert.leads.CREATE",
    "ZohoCRM.mass_convert.leads.READ",
    "ZohoCRM.coql.READ",
    "ZohoCRM.bulk.read",
)


@dataclass
class Token:
    expires_at: float
    scopes: tuple[str, ...]


@dataclass
class TokenBook:
    """Issued access tokens (kept across `reset()`), spent grant codes and refresh history."""

    tokens: dict[str, Token] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    mints: deque[float] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def grant(
        self, form: dict[str, str], creds: OrgCredentials, *, ttl_s: int, refresh_limit: int | None
    ) -> tuple[int, dict[str, Any]]:
        """Answer a token request: (HTTP status, JSON body). Zoho answers bad grants with 200."""
        grant_type = form.get("grant_type", "")
        if grant_type not in ("refresh_token", "authorization_code"):
            return 200, {"error": "unsupported_grant_type"}
        if form.get("client_id") != creds.client_id:
            return 200, {"error": "invalid_client"}
        if form.get("client_secret") != creds.client_secret:
            return 200, {"error": "invalid_client_secret"}
        with self.lock:
            if grant_type == "refresh_token":
                if form.get("refresh_token") != creds.refresh_token:
                    return 200, {"error": "invalid_code"}
                now = time.monotonic()
                while self.mints and now - self.mints[0] > 600:
                    self.mints.popleft()
                if refresh_limit is not None and len(self.mints) >= refresh_limit:
                    return 400, {
                        "error_description": "You have made too many requests continuously. "
                        "Please try again after some time.",
                        "error": "Access Denied",
                        "status": "failure",
                    }
                self.mints.append(now)
            else:
                code = form.get("code", "")
                if code != creds.code or code in self.used_codes:
                    return 200, {"error": "invalid_code"}
                self.used_codes.add(code)
            token = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
            granted = tuple(s.strip() for s in creds.scopes.split(",") if s.strip())
            scopes = granted or DEFAULT_SCOPES
            self.tokens[token] = Token(time.monotonic() + ttl_s, scopes)
        body: dict[str, Any] = {
            "access_token": token,
            "scope": " ".join(scopes),
            "api_domain": "",  # filled by the route with the server's own URL
            "token_type": "Bearer",
            "expires_in": ttl_s,
        }
        if grant_type == "authorization_code":
            body["refresh_token"] = creds.refresh_token
        return 200, body

    def check(self, header: str | None, scope: str) -> None:
        """Raise the documented 401 unless `header` carries a live token granting `scope`."""
        if not header:
            raise AuthenticationFailure()
        kind, _, token = header.partition(" ")
        if kind not in ("Zoho-oauthtoken", "Bearer") or not token:
            raise AuthenticationFailure()
        with self.lock:
            tok = self.tokens.get(token.strip())
        if tok is None or tok.expires_at <= time.monotonic():
            raise InvalidToken()
        if not any(covers(granted, scope) for granted in tok.scopes):
            raise OauthScopeMismatch()

    def expire(self, header: str | None) -> None:
        """Expire the token a request presents (the `expired_token` fault)."""
        if not header:
            return
        token = header.partition(" ")[2].strip()
        with self.lock:
            if token in self.tokens:
                self.tokens[token].expires_at = 0.0

    def forget_grants(self) -> None:
        """Make grant codes usable again and forget refresh history (tokens stay valid)."""
        with self.lock:
            self.used_codes.clear()
            self.mints.clear()

    def expire_all(self) -> None:
        with self.lock:
            for tok in self.tokens.values():
                tok.expires_at = 0.0


def covers(granted: str, needed: str) -> bool:
    """`ZohoCRM.modules.ALL` covers `ZohoCRM.modules.leads.READ`; case-insensitive like Zoho."""
    g, n = granted.lower().split("."), needed.lower().split(".")
    for i, part in enumerate(g):
        if part == "all":
            return n[:i] == g[:i]
        if i >= len(n) or n[i] != part:
            return False
    return len(g) == len(n)
