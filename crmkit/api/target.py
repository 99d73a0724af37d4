"""`Target`: what a client talks to — a Zoho CRM org or a crmkit sandbox — and how messages name it.

The client never needs to know more about where its calls go than this value says: the sandbox
speaks Zoho's API over HTTP like any org. Whoever builds the client (`crmkit.connect`) knows, and
hands in the value; the client's repr, the CLI, the console and the conversion journal show its
label ("Connected to Zoho CRM.", "against the embedded sandbox").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ZOHO_CRM", "Target"]


@dataclass(frozen=True)
class Target:
    """Where a client's calls go: `kind` ("zoho" or "sandbox") and a `label` for messages."""

    kind: Literal["zoho", "sandbox"]
    label: str

    @property
    def is_sandbox(self) -> bool:
        """A crmkit sandbox (the embedded one or one passed to `connect(sandbox=...)`)."""
        return self.kind == "sandbox"

    def __str__(self) -> str:
        return self.label


# A client configured with credentials (arguments, environment, config file) talks to Zoho as far
# as crmkit can tell, even when those credentials point at a sandbox started elsewhere.
ZOHO_CRM = Target("zoho", "Zoho CRM")
