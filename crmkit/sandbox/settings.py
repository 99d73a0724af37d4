"""Run-time knobs of a running sandbox (not org data): latency, limits, mass-convert pacing, tokens.

Kept apart from the org so `reset()` can put them back to their start values while the org's
settings go back to the seed, and so the control surface validates them before changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.bulk import BulkLimits
from crmkit.sandbox.loader import DataDirError

NULLABLE = ("credits_per_day", "concurrency", "refresh_limit")
# Accepted range of each integer setting: values past these broke every later request (a float
# overflow on `latency_ms / 1000`, an endless sleep), so the control surface refuses them at once.
RANGES = {
    "latency_ms": (0, 600_000),
    "credits_per_day": (0, 10**12),
    "concurrency": (0, 10_000),
    "sub_concurrency": (0, 10_000),
    "mass_convert_step_ms": (0, 600_000),
    "token_ttl_s": (0, 10 * 365 * 24 * 3600),
    "refresh_limit": (0, 1_000_000),
    "max_body_bytes": (1024, 1024**3),
    "max_token_body_bytes": (1024, 1024**3),
    "bulk_page_size": (1, 10_000_000),
    "bulk_max_jobs": (1, 10_000),
    "bulk_downloads_per_min": (1, 1_000_000),
    "bulk_download_window_s": (1, 24 * 3600),
    "bulk_step_ms": (0, 600_000),
}
PROGRESS_KEYS = ("mass_convert_progress", "bulk_progress")


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
    max_body_bytes: int = 4 * 1024 * 1024  # larger request bodies answer 413 (guards.py)
    max_token_body_bytes: int = 16 * 1024  # the token endpoint is unauthenticated: much smaller
    bulk_page_size: int = 200_000  # Zoho's records per Bulk Read job (tests set a few)
    bulk_max_jobs: int = 3  # jobs ADDED or IN PROGRESS at once (decision: Zoho names none)
    bulk_downloads_per_min: int = 10  # Zoho's download limit, per `bulk_download_window_s`
    bulk_download_window_s: int = 60
    bulk_progress: str = "time"  # "time" or "poll" (one state per status call)
    bulk_step_ms: int = 200

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise DataDirError("config", 0, key, f"unknown setting {key!r}")
            if key in PROGRESS_KEYS:
                if value not in ("time", "poll"):
                    raise DataDirError("config", 0, key, f"{key}: time or poll")
            elif value is None and key not in NULLABLE:
                raise DataDirError("config", 0, key, f"{key} cannot be null")
            elif value is not None:
                low, high = RANGES[key]
                if not isinstance(value, int) or isinstance(value, bool):
                    raise DataDirError("config", 0, key, f"{key} must be an integer")
                if not low <= value <= high:
                    raise DataDirError("config", 0, key, f"{key} must be from {low} to {high}")
            setattr(self, key, value)

    def bulk_limits(self) -> BulkLimits:
        """The Bulk Read limits these settings make."""
        return BulkLimits(
            page_size=self.bulk_page_size,
            max_jobs=self.bulk_max_jobs,
            downloads_per_window=self.bulk_downloads_per_min,
            download_window_s=float(self.bulk_download_window_s),
            step_ms=self.bulk_step_ms,
            progress=self.bulk_progress,
        )
