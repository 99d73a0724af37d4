"""A running sandbox: the Zoho backend plus what serving it needs (limits, faults, admin key).

`ZohoBackend` is the org; this wraps it with the server's side — concurrency and credits (which
depend on the edition and the run-time settings), injected faults, the control surface's key — and
the control surface's three operations: `configure`, `reset`, `state`.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.auth import TokenBook
from crmkit.sandbox.backend import PageTokens, ZohoBackend
from crmkit.sandbox.faults import FaultBook
from crmkit.sandbox.limits import CreditLedger, Limiter
from crmkit.sandbox.loader import OrgData
from crmkit.sandbox.notify import Outbox
from crmkit.sandbox.org import DEFAULT_PIPELINES, Org
from crmkit.sandbox.settings import Settings
from crmkit.sandbox.store import Store

ORG_SETTINGS = (
    "edition",
    "unique_fields",
    "removed_modules",
    "removed_fields",
    "layouts",
    "pipelines",
    "convert_mapping",
    "layout_convert_mapping",
    "merge_overwrites",
    "org_name",
)


@dataclass
class Runtime:
    backend: ZohoBackend
    admin_key: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    base_settings: dict[str, Any] = field(default_factory=dict)
    limiter: Limiter = field(default_factory=Limiter)
    ledger: CreditLedger = field(default_factory=CreditLedger)
    faults: FaultBook = field(default_factory=FaultBook)
    url: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)
    calls: Counter[str] = field(default_factory=Counter)

    @classmethod
    def create(
        cls, data: OrgData, *, db: str | None = None, admin_key: str | None = None, **settings: Any
    ) -> Runtime:
        if not data.org["pipelines"]:
            data.org["pipelines"] = {k: list(v) for k, v in DEFAULT_PIPELINES.items()}
        store = Store(db)
        store.seed(data)
        rt = cls(backend=ZohoBackend(store))
        if admin_key:
            rt.admin_key = admin_key
        rt.settings.update({k: v for k, v in settings.items() if v is not None})
        rt.base_settings = asdict(rt.settings)
        return rt

    # -- the backend's parts, for the routes and the control surface -----------------------------
    @property
    def store(self) -> Store:
        return self.backend.store

    @property
    def settings(self) -> Settings:
        return self.backend.settings

    @property
    def tokens(self) -> TokenBook:
        return self.backend.tokens

    @property
    def outbox(self) -> Outbox:
        return self.backend.outbox

    @property
    def page_tokens(self) -> PageTokens:
        return self.backend.page_tokens

    def org(self) -> Org:
        return self.backend.org

    # -- limits ----------------------------------------------------------------------------------
    def concurrency(self) -> int:
        return self.settings.concurrency or catalog.CONCURRENCY[self.org().edition]

    def daily_credits(self) -> int | None:
        if self.settings.credits_per_day is not None:
            return self.settings.credits_per_day
        org = self.org()
        return catalog.daily_credits(org.edition, len(org.users))

    def count_call(self, method: str, path: str) -> None:
        """One charged call of a route (`state()["calls"]`: how often each was served)."""
        with self.lock:
            self.calls[f"{method} {path}"] += 1

    # -- the control surface ---------------------------------------------------------------------
    def configure(self, values: dict[str, Any]) -> None:
        """Apply control-surface settings; org settings are validated like org.json."""
        org_part = {k: v for k, v in values.items() if k in ORG_SETTINGS}
        rest = {k: v for k, v in values.items() if k not in ORG_SETTINGS}
        probe = Settings(**asdict(self.settings))
        probe.update(rest)  # validate before changing anything
        if org_part:
            self.backend.configure_org(org_part)
        self.backend.settings = probe

    def reset(self) -> None:
        """Seed records and org settings back; clear faults, outbox, jobs, ledger, grant codes."""
        with self.lock:
            self.backend.reset()
            self.backend.settings = Settings(**self.base_settings)
            self.faults.clear()
            self.ledger.clear()
            self.calls.clear()

    def state(self) -> dict[str, Any]:
        org = self.org()
        daily = self.daily_credits()
        used = self.ledger.used()
        settings = org.to_json()
        return {
            "url": self.url,
            "edition": org.edition,
            "settings": asdict(self.settings),
            "org": {k: settings[k] for k in ORG_SETTINGS},
            "users": settings["users"],
            "limits": {
                "concurrency": self.concurrency(),
                "sub_concurrency": self.settings.sub_concurrency,
                "in_flight": self.limiter.in_flight,
                "peak_in_flight": self.limiter.peak,
                "sub_in_flight": self.limiter.sub_in_flight,
                "peak_sub_in_flight": self.limiter.sub_peak,
                "rejected_429": self.limiter.rejected,
                "credits_per_day": daily,
                "credits_used": used,
                "credits_remaining": None if daily is None else daily - used,
            },
            "faults": self.faults.describe(),
            "calls": dict(self.calls),
            "counts": {m: self.store.count(m) for m in catalog.MODULES},
            "outbox": len(self.outbox),
            "jobs": self.backend.jobs.describe(),
            "bulk_jobs": self.backend.bulk.state(),
        }
