"""Concurrency limiter, retry policy and credit accounting."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Usage:
    """Snapshot of what a client spent: calls and credits per call type, credits remaining."""

    calls: dict[str, int] = field(default_factory=dict)
    credits: dict[str, int] = field(default_factory=dict)
    remaining: int | None = None

    @property
    def credits_used(self) -> int:
        """Credits spent by this client in total."""
        return sum(self.credits.values())
