"""Everything a running sandbox holds: the store, org settings, limits, faults, tokens, outbox."""

from __future__ import annotations

import secrets
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.auth import TokenBook
from crmkit.sandbox.faults import FaultBook
from crmkit.sandbox.limits import CreditLedger, Limiter
from crmkit.sandbox.loader import DataDirError, OrgData, normalize_org
from crmkit.sandbox.store import Store

ORG_SETTINGS = (
    "edition",
    "unique_fields",
    "removed_modules",
    "removed_fields",
    "layouts",
    "pipelines",
    "convert_mapping",
    "org_name",
)
DEFAULT_PIPELINES = {"Standard (Sales)": list(catalog.DEFAULT_STAGES)}


@dataclass
class Settings:
    """Run-time knobs (not org data): reset to these defaults by `reset()` unless set at start."""

    latency_ms: int = 0
    credits_per_day: int | None = None  # None: the edition's allowance
    concurrency: int | None = None  # None: the edition's limit
    sub_concurrency: int = catalog.SUB_CONCURRENCY
    mass_convert_progress: str = "time"  # "time" or "poll" (one stage per status call)
    mass_convert_step_ms: int = 200
    token_ttl_s: int = 3600
    refresh_limit: int | None = None  # Zoho: 10 per 10 min; off by default for test suites

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise DataDirError("config", 0, key, f"unknown setting {key!r}")
            if key == "mass_convert_progress":
                if value not in ("time", "poll"):
                    raise DataDirError("config", 0, key, "mass_convert_progress: time or poll")
            elif value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise DataDirError("config", 0, key, f"{key} must be an integer")
            elif value is None and key not in ("credits_per_day", "concurrency", "refresh_limit"):
                raise DataDirError("config", 0, key, f"{key} cannot be null")
            elif value is not None and value < 0:
                raise DataDirError("config", 0, key, f"{key} must be >= 0")
            setattr(self, key, value)


@dataclass
class Job:
    id: str
    lead_ids: list[str]
    request: Any
    status: str = "SCHEDULED"
    converted: int = 0
    failed: int = 0
    done: int = 0
    polls: int = 0


@dataclass
class Runtime:
    store: Store
    admin_key: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    settings: Settings = field(default_factory=Settings)
    base_settings: dict[str, Any] = field(default_factory=dict)
    limiter: Limiter = field(default_factory=Limiter)
    ledger: CreditLedger = field(default_factory=CreditLedger)
    faults: FaultBook = field(default_factory=FaultBook)
    tokens: TokenBook = field(default_factory=TokenBook)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    page_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    url: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)
    _org_cache: tuple[str, dict[str, Any]] | None = None

    @classmethod
    def create(
        cls, data: OrgData, *, db: str | None = None, admin_key: str | None = None, **settings: Any
    ) -> Runtime:
        if not data.org["pipelines"]:
            data.org["pipelines"] = {k: list(v) for k, v in DEFAULT_PIPELINES.items()}
        store = Store(db)
        store.seed(data)
        rt = cls(store=store)
        if admin_key:
            rt.admin_key = admin_key
        rt.settings.update({k: v for k, v in settings.items() if v is not None})
        rt.base_settings = asdict(rt.settings)
        return rt

    # -- org view --------------------------------------------------------------------------------
    def org(self) -> dict[str, Any]:
        with self.store.lock:
            raw = self.store.conn.execute("SELECT value FROM meta WHERE key = 'org'").fetchone()[0]
        cache = self._org_cache
        if cache is not None and cache[0] == raw:
            return cache[1]
        import json

        org: dict[str, Any] = json.loads(raw)
        org["custom_fields"] = self.store.meta("custom_fields", {})
        self._org_cache = (raw, org)
        return org

    def edition(self) -> str:
        return str(self.org()["edition"])

    def concurrency(self) -> int:
        return self.settings.concurrency or catalog.CONCURRENCY[self.edition()]

    def daily_credits(self) -> int | None:
        if self.settings.credits_per_day is not None:
            return self.settings.credits_per_day
        return catalog.daily_credits(self.edition(), len(self.org()["users"]))

    def configure(self, values: dict[str, Any]) -> None:
        """Apply control-surface settings; org settings are validated like org.json."""
        org_part = {k: v for k, v in values.items() if k in ORG_SETTINGS}
        rest = {k: v for k, v in values.items() if k not in ORG_SETTINGS}
        probe = Settings(**asdict(self.settings))
        probe.update(rest)  # validate before changing anything
        if org_part:
            with self.store.lock:
                current = dict(self.org())
                custom = current.pop("custom_fields")
                current.update(org_part)
                users = current.pop("users")
                org = normalize_org(current, "config", "", users=users)
                if not org["pipelines"]:
                    org["pipelines"] = {k: list(v) for k, v in DEFAULT_PIPELINES.items()}
                from crmkit.sandbox.loader import check_org_fields

                check_org_fields(org, custom, "config", "")
                self.store.set_meta("org", org)
        self.settings = probe

    def reset(self) -> None:
        """Seed records and org settings back; clear faults, outbox, jobs, ledger, grant codes."""
        with self.lock:
            self.store.reset()
            self.settings = Settings(**self.base_settings)
            self.faults.clear()
            self.outbox.clear()
            self.jobs.clear()
            self.page_tokens.clear()
            self.ledger.clear()
            with self.tokens.lock:
                self.tokens.used_codes.clear()
                self.tokens.mints.clear()

    def state(self) -> dict[str, Any]:
        org = self.org()
        daily = self.daily_credits()
        used = self.ledger.used()
        return {
            "url": self.url,
            "edition": org["edition"],
            "settings": asdict(self.settings),
            "org": {k: org[k] for k in ORG_SETTINGS},
            "users": org["users"],
            "limits": {
                "concurrency": self.concurrency(),
                "sub_concurrency": self.settings.sub_concurrency,
                "in_flight": self.limiter.in_flight,
                "peak_in_flight": self.limiter.peak,
                "rejected_429": self.limiter.rejected,
                "credits_per_day": daily,
                "credits_used": used,
                "credits_remaining": None if daily is None else daily - used,
            },
            "faults": self.faults.describe(),
            "counts": {m: self.store.count(m) for m in catalog.MODULES},
            "outbox": len(self.outbox),
            "jobs": {
                j.id: {"Status": j.status, "converted": j.converted, "failed": j.failed}
                for j in self.jobs.values()
            },
        }
