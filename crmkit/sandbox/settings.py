"""Run-time knobs of a running sandbox (not org data): latency, limits, mass-convert pacing, tokens.

Kept apart from the org so `reset()` can put them back to their start values while the org's
settings go back to the seed, and so the control surface validates them before changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.loader import DataDirError

NULLABLE = ("credits_per_day", "concurrency", "refresh_limit")


@dataclass
class Settings:
    """Run-time knobs: reset to these defaults by `reset()` unless set at start."""

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
            elif value is None and key not in NULLABLE:
                raise DataDirError("config", 0, key, f"{key} cannot be null")
            elif value is not None and value < 0:
                raise DataDirError("config", 0, key, f"{key} must be >= 0")
            setattr(self, key, value)
