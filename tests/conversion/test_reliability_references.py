"""A converting process SIGKILLed between an anchor and its dependants, then run again.

`python -m crmkit convert` runs in a child process on a plan with clusters resolved (lead:<id>
references). It is killed as soon as its journal records the first anchor converted, while the
rest of that wave is in flight and before any dependant is sent; then the same command is run
again. At the end, from the sandbox's own records: no duplicate Contact or Account, every planned
lead converted by exactly one attempt, each twin in its anchor's Contact.
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
from cluster_org import ALL, K1, K2, K3, M1, M2, P1, P2, T1, T2, assert_no_batch_duplicates
from cluster_org import cluster_org as org_with_clusters
from conversion_support import client_for

from crmkit.conversion import Journal, save_plan
from crmkit.conversion.plan import plan_from_options
from crmkit.sandbox import Sandbox
from crmkit.snapshot import fetch_snapshot

ANCHORS = (T1, P1, K1, M1)
DEPENDANTS = (T2, P2, K2, K3, M2)


def _journaled(journal: Path) -> set[str]:
    """Leads the child's journal already records converted (read-only; WAL lets us read)."""
    if not journal.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1) as db:
            rows = db.execute("SELECT lead_id FROM attempts WHERE outcome = 'converted'")
            return {str(r[0]) for r in rows}
    except sqlite3.OperationalError:  # the child is still creating its tables
        return set()


def _converted(sb: Sandbox, lead: str) -> bool:
    rec = sb.control.record("Leads", lead)
    return bool(rec and rec["Converted__s"])


@pytest.mark.timeout(600)
def test_killed_between_anchor_and_dependant_then_rerun(
    small_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = small_sandbox(**org_with_clusters())
    with client_for(sb) as client:
        snap = fetch_snapshot(client)
    plan = plan_from_options(
        snap.options, snap.matches, leads=snap.leads, config=snap.org_config
    ).plan
    plan_path = save_plan(plan, tmp_path / "plan.csv")
    journal = tmp_path / "journal.sqlite"
    # Every conversion takes a while, so the kill lands while the anchors' wave is under way.
    sb.control.add_fault("latency", "/crm/v8/Leads/*/actions/convert", count=None, latency_ms=300)
    env = {
        **os.environ,
        "ZOHO_CLIENT_ID": sb.credentials.client_id,
        "ZOHO_CLIENT_SECRET": sb.credentials.client_secret,
        "ZOHO_REFRESH_TOKEN": sb.credentials.refresh_token,
        "ZOHO_TOKEN_URL": sb.token_url,
        "CRMKIT_CONFIG": str(tmp_path / "absent.toml"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable, "-m", "crmkit", "convert", "--plan", str(plan_path),
        "--journal", str(journal), "--quiet", "--mode", "single",
    ]  # fmt: skip
    with (tmp_path / "killed.log").open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while not set(ANCHORS) & _journaled(journal):
            assert proc.poll() is None, (tmp_path / "killed.log").read_text()
            assert time.monotonic() < deadline, "no anchor converted in 300 s"
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    # Killed between anchor and dependant: an anchor is journaled converted, the other
    # conversions of its wave are in flight, no dependant has been sent.
    assert not [d for d in DEPENDANTS if _converted(sb, d)]

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr

    assert_no_batch_duplicates(sb, ALL)
    with Journal(journal) as jr:
        attempts = jr.attempts()
        done = attempts[attempts["outcome"] == "converted"]
        assert sorted(done["lead_id"]) == sorted(ALL)  # one converting attempt per lead
        assert not (attempts["outcome"] == "unknown").any()
        # The kill lost the answers in flight: the rerun settled them by reading back.
        assert (attempts["state"] == "settled").any(), attempts[["lead_id", "outcome", "state"]]
        ids = done.set_index("lead_id")
    detail = {lead: sb.control.record("Leads", lead)["$converted_detail"] for lead in ALL}
    for anchor, twin in ((T1, T2), (P1, P2), (M1, M2)):
        assert detail[twin]["Contacts"]["id"] == detail[anchor]["Contacts"]["id"]
        assert ids.loc[twin, "contact_id"] == detail[anchor]["Contacts"]["id"]
    assert detail[K2]["Accounts"]["id"] == detail[K1]["Accounts"]["id"]
    assert detail[K3]["Accounts"]["id"] == detail[K1]["Accounts"]["id"]
