"""A converting process SIGKILLed between the convert and the merge policy's update, then rerun.

`python -m crmkit convert` runs in a child process on a plan whose row merges into Contact Pat with
`Contacts=keep`. The update is slowed in the sandbox, and the child is killed while it waits:
- after the update was made (`slow_answer`: the change is in, the answer not yet sent), or
- before it reached Zoho (`stall_before`: held, then dropped unprocessed; nothing changed).
The same command is run again. From the sandbox's own counts: the lead was converted by one call,
and exactly one update was served; the record holds the policy's values; the journal settled the
update by reading back (first case) or sent it once more (second).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from merge_org import C_PAT, L_PAT, records

from crmkit.conversion import Journal, make_plan, save_plan
from crmkit.conversion.journal_updates import UpdateJournal
from crmkit.sandbox import Sandbox
from crmkit.sandbox.loader import write_data_dir

PUT = "PUT /crm/v8/{module}"
CONVERT = "POST /crm/v8/Leads/{lead_id}/actions/convert"


def _sent(journal: Path) -> bool:
    """The child journaled the update as sent (read-only; WAL lets us read meanwhile)."""
    if not journal.exists():
        return False
    try:
        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1) as db:
            rows = db.execute("SELECT 1 FROM record_updates WHERE state = 'sent'").fetchall()
            return bool(rows)
    except sqlite3.OperationalError:  # the child is still creating its tables
        return False


@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    ("fault", "applied_before_kill"), [("slow_answer", True), ("stall_before", False)]
)
def test_killed_between_convert_and_update_then_rerun(
    tmp_path: Path,
    sandbox_environ: Callable[[Sandbox], dict[str, str]],
    fault: str,
    applied_before_kill: bool,
) -> None:
    data = write_data_dir(tmp_path / "org", **records())
    with Sandbox(data) as sb:
        plan = make_plan(
            [
                {
                    "lead_id": L_PAT,
                    "contact_action": "merge",
                    "contact_id": C_PAT,
                    "account_action": "merge",
                    "account_id": records()["accounts"][0]["id"],
                    "merge_policy": "Contacts=keep",
                }
            ]
        )
        plan_path = save_plan(plan, tmp_path / "plan.csv")
        journal = tmp_path / "journal.sqlite"
        sb.control.add_fault(fault, "/crm/v8/Contacts", method="PUT", latency_ms=60_000)
        env = {**sandbox_environ(sb), "PYTHONUNBUFFERED": "1"}
        cmd = [
            sys.executable, "-m", "crmkit", "convert", "--plan", str(plan_path),
            "--journal", str(journal), "--quiet", "--mode", "single",
        ]  # fmt: skip
        with (tmp_path / "killed.log").open("w") as log:
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 300
            while not _sent(journal) or (
                applied_before_kill and sb.control.record("Contacts", C_PAT)["Phone"] != "555-0100"
            ):
                assert proc.poll() is None, (tmp_path / "killed.log").read_text()
                assert time.monotonic() < deadline, "the update was not sent in 300 s"
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait() == -signal.SIGKILL
        contact = sb.control.record("Contacts", C_PAT)
        assert (contact["Phone"] == "555-0100") is applied_before_kill
        sb.control.clear_faults()

        rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr

        calls = sb.control.state()["calls"]
        assert calls[CONVERT] == 1  # the convert was not repeated
        assert calls[PUT] == 1  # and the update was served exactly once
        contact = sb.control.record("Contacts", C_PAT)
        assert (contact["Phone"], contact["Lead_Source"]) == ("555-0100", "Partner")
        assert sb.control.record("Leads", L_PAT)["Converted__s"] is True
    with Journal(journal) as jr:
        attempts = jr.attempts()
        assert list(attempts["outcome"]) == ["converted"]
        [update] = UpdateJournal(jr).latest(int(attempts["run_id"].iloc[0])).values()
        rows = jr._query("SELECT state, code FROM record_updates")
    assert update.outcome == "applied"
    if applied_before_kill:  # settled by reading back, never resent
        assert update.tries == 1
        assert [(r["state"], r["code"]) for r in rows] == [("settled", "SETTLED_BY_READ_BACK")]
    else:  # read back without the values: sent once more, answered
        assert update.tries == 2
        assert [(r["state"], r["code"]) for r in rows] == [("answered", "SUCCESS")]
