"""Running the console's plan: `execute` on a worker thread, its events back on the caller's.

Why a worker and a queue: `execute` blocks until every lead is settled (a Mass Convert job is
polled), while the console must move its progress bar and show each outcome as it is journaled,
and ipywidgets must be updated from the kernel's own thread. So the engine runs on one worker
thread and its events come back through a queue that this thread drains.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from crmkit.conversion import ClientLike, EventKind, ExecuteOptions, ExecutionReport, Mode, execute
from crmkit.conversion.journal import FINAL_OUTCOMES

__all__ = ["run_plan"]


def run_plan(
    client: ClientLike,
    plan: pd.DataFrame,
    *,
    journal: Path,
    mode: Mode,
    poll_interval: float,
    on_outcome: Callable[[str, str], None],
    progress: Callable[[int, int], None] | None = None,
) -> ExecutionReport:
    """Execute the plan; `on_outcome(lead_id, outcome)` and `progress(done, total)` are called on
    this thread as each step is journaled."""
    total = len(plan)
    events: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()

    def on_event(kind: EventKind, lead_id: str, outcome: str) -> None:  # engine threads
        events.put((lead_id, outcome))

    options = ExecuteOptions(
        mode=mode,
        progress=False,
        plan_name="conversion console",
        poll_interval=poll_interval,
        on_event=on_event,
    )
    latest: dict[str, str] = {}
    if progress is not None:
        progress(0, total)
    with ThreadPoolExecutor(1, thread_name_prefix="crmkit-console") as pool:
        future = pool.submit(execute, client, plan, journal=journal, options=options)
        future.add_done_callback(lambda _: events.put(None))
        last = 0
        while (event := events.get()) is not None:
            lead_id, outcome = event
            latest[lead_id] = outcome
            on_outcome(lead_id, outcome)
            done = sum(o in FINAL_OUTCOMES for o in latest.values())
            if progress is not None and done != last:
                progress(min(done, total), total)
                last = done
        report = future.result()
    if progress is not None:
        progress(total, total)
    return report
