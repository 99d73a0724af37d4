"""Words the commands share: what they talk to (sandbox or Zoho, and the org), estimates and
validation problems in plain counts, and spreadsheet line numbers.

One place, so `crmkit convert` and `crmkit fetch` name their org the same way, "1 lead" reads
"1 lead" in every command (`crmkit.wording.plural`), and a plan row is named by the line a
spreadsheet shows, as loading the plan names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

__all__ = [
    "estimate_text",
    "is_sandbox",
    "place",
    "plan_lines",
    "problem_line",
    "talking_to",
]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _org_name(client: Any) -> str:
    from crmkit.conversion.org_binding import org_identity  # read once per client

    org = org_identity(client)
    return org.name or f"id {org.org_id}"


def is_sandbox(client: Any) -> bool:
    """A crmkit sandbox: started by crmkit, or configured at a loopback address (`crmkit
    sandbox` prints such a configuration); Zoho's API domains are never on this machine."""
    if client.target.is_sandbox:
        return True
    try:
        host = urlsplit(str(client.api_domain)).hostname or ""
    except Exception:  # no domain known yet: only Zoho's own are configured without one
        return False
    return host in _LOOPBACK or host.startswith("127.")


def place(client: Any) -> str:
    """What the client talks to: Zoho CRM, the embedded sandbox or the sandbox at its URL."""
    if not is_sandbox(client):
        return "Zoho CRM"
    if client.target.is_sandbox and "embedded" in client.target.label:
        return "the embedded sandbox"
    return f"the sandbox at {client.api_domain}"


def talking_to(client: Any) -> str:
    """`place` and the org's name: "the sandbox at http://127.0.0.1:8000 (org Zylker Corp)"."""
    return f"{place(client)} (org {_org_name(client)})"


def estimate_text(est: Any) -> str:
    """`crmkit.conversion.estimate.Estimate` in words (its own text: counts in the singular when
    they are 1, so the console and the command line say the same)."""
    return str(est)


def plan_lines(path: Path, rows: int) -> list[int]:
    """The spreadsheet line of each plan row (the header is line 1), read from the plan file;
    row + 2 when the file cannot say (a plan that is not a CSV on disk)."""
    from crmkit.frames.csvfile import read_csv_file

    try:
        lines = list(read_csv_file(path).row_numbers)
    except Exception:  # the plan loaded already: any doubt falls back to the plain count
        lines = []
    if len(lines) != rows:
        return [row + 2 for row in range(rows)]
    return [int(line) for line in lines]


def problem_line(problem: Mapping[Any, Any], lines: Sequence[int]) -> str:
    """One validation problem as `crmkit convert` prints it: the lead, its line, the rule."""
    row = problem["row"]
    known = row is not None and row is not pd.NA and 0 <= int(row) < len(lines)
    where = f"line {lines[int(row)]}" if known else "the plan"
    return (
        f"  [{problem['severity']}] lead {problem['lead_id']} ({where}, {problem['column']}): "
        f"{problem['rule']}: {problem['reason']}"
    )
