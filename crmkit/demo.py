"""`crmkit demo`: crmkit's main job end to end on the embedded sandbox, timed.

Starts the sandbox on the bundled sample org, connects the client to it exactly as to Zoho (OAuth
refresh, API domain from the token answer), lists every lead and asks for every lead's conversion
options (the snapshot also lists the Contacts and Accounts), saves the snapshot, writes the HTML
report — near-duplicates and the prediction check come from the snapshot alone — and prints the
headline figures. No network host is contacted and nothing needs configuring.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmkit.conversion.journal_path import journal_path
from crmkit.report import Report, compute_report, write_report
from crmkit.report.answer_errors import error_breakdown
from crmkit.wording import plural

__all__ = ["DemoResult", "run_demo", "summary_lines"]


@dataclass
class DemoResult:
    """Where the demo wrote its snapshot and report, what it found, and how long each step took."""

    snapshot_dir: Path
    report_path: Path
    report: Report
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def run_demo(
    out: str | Path = "out",
    *,
    data: str | Path | None = None,
    progress: bool = True,
    echo: Callable[[str], Any] = print,
) -> DemoResult:
    """Run the demo, writing `out/snapshot/` and `out/report.html`; prints as it goes."""
    from crmkit.connection import connect
    from crmkit.sandbox import Sandbox
    from crmkit.snapshot import fetch_snapshot, save_snapshot

    out = Path(out)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = now - clock
        clock = now

    what = "the bundled sample org" if data is None else f"the data in {Path(data)}"
    echo(f"Starting the embedded sandbox ({what})...")
    with Sandbox(data) as sandbox:
        lap("start sandbox")
        with connect(sandbox=sandbox, progress=progress) as client:
            echo(
                f"Fetching every lead and its conversion options, the Contacts and the "
                f"Accounts from the embedded sandbox at {client.api_domain} ..."
            )
            snapshot = fetch_snapshot(client)
        lap("fetch snapshot")
    snapshot_dir = save_snapshot(snapshot, out / "snapshot")
    # The conversions rehearsed on this org ($CRMKIT_JOURNAL, else its own journal), if any.
    report = compute_report(snapshot, journal_path(org_id=snapshot.meta.org_id))
    lap("compute report (near-duplicates, prediction check)")
    report_path = write_report(report, out / "report.html")
    lap("write report")
    result = DemoResult(snapshot_dir, report_path, report, timings)
    for line in summary_lines(result):
        echo(line)
    return result


def summary_lines(result: DemoResult) -> list[str]:
    """The headline figures, the report's path and the timings, as printed."""
    h = result.report.headline
    table = result.report.rates_by_field.sort_values("leads_first", ascending=False)
    table = table.loc[table["leads_first"] > 0].head(3)
    meta = result.report.meta
    lines = [
        "",
        f"Org: {meta.get('org_name', '?')} ({meta.get('api_domain', '?')}), "
        f"{meta.get('credits_spent', '?')} API credits spent",
        f"Leads: {h.leads:,} ({h.answered:,} answered, {h.errors:,} answered with an error"
        + (f": {error_breakdown(result.report.errors)})" if h.errors else ")"),
        f"Already existing: {h.matched:,} ({h.rate:.1%}) — as a Contact {h.contacts:,} "
        f"({h.contact_rate:.1%}), as an Account {h.accounts:,} ({h.account_rate:.1%})",
        "Top matching fields (first attribution):",
    ]
    top_lines = []
    for module, name, leads, rate in zip(
        table["module"], table["field"], table["leads_first"], table["rate_first"], strict=True
    ):
        top_lines.append(f"  {name} ({module}): {plural(int(leads), 'lead')} ({float(rate):.1%})")
    lines.extend(top_lines)
    lines.append(f"Near-duplicates: {result.report.notes['near_duplicates']}")
    lines.append(f"Zoho vs crmkit's prediction: {result.report.notes['agreement']}")
    lines.append(f"Snapshot: {result.snapshot_dir.resolve()}")
    lines.append(f"Report:   {result.report_path.resolve()}")
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.timings.items())
    lines.append(f"Took {result.seconds:.1f} s ({steps})")
    return lines
