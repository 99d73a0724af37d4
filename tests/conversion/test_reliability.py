"""Exactly-once under fire: a converting process SIGKILLed at random points, a flaky CRM.

The sandbox lives in this test process; `python -m crmkit convert` runs in a child process that
is killed at seeded random points of progress and restarted, round after round, while the sandbox
injects 429s, 500s, latency and connections dropped after the change is made. At the end, from
the sandbox's own state: every planned lead converted exactly once, nothing else changed, and the
journal agrees with the sandbox, and every injected fault really fired.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crmkit.conversion import Journal, make_plan, save_plan
from crmkit.sandbox import Sandbox

N_CREATE = 240
N_MERGE = 80
N_UNPLANNED = 30
KILL_ROUNDS = 5
OWNER = "1000000000000000901"


def _org() -> dict[str, Any]:
    leads, contacts = [], []
    for i in range(N_CREATE + N_MERGE + N_UNPLANNED):
        lead = {
            "id": f"5000000000000{i:06d}",
            "Last_Name": f"Rel{i}",
            "Company": f"Rel Co {i}",
            "Email": f"rel{i}@rel.com",
            "Owner": {"id": OWNER},
        }
        leads.append(lead)
        if N_CREATE <= i < N_CREATE + N_MERGE:
            contacts.append(
                {"id": f"6000000000000{i:06d}", "Last_Name": f"Rel{i}", "Email": f"rel{i}@rel.com"}
            )
    org = {
        "users": [{"id": OWNER, "full_name": "Ava", "email": "ava@x.com"}],
        "edition": "enterprise",
        "pipelines": {"Standard": ["Qualification", "Closed Won"]},
    }
    return {"leads": leads, "contacts": contacts, "accounts": [], "org": org}


def _plan_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(N_CREATE + N_MERGE):
        lead = f"5000000000000{i:06d}"
        if i < N_CREATE:
            row: dict[str, Any] = {
                "lead_id": lead,
                "contact_action": "create",
                "account_action": "create",
            }
            if i % 2 == 0:  # half with a Deal: two mass-convert groups
                row.update(
                    deal_name="Rel deal",
                    closing_date="2026-06-30",
                    pipeline="Standard",
                    stage="Qualification",
                )
        else:
            row = {
                "lead_id": lead,
                "contact_action": "merge",
                "contact_id": f"6000000000000{i:06d}",
                "account_action": "create",
            }
        rows.append(row)
    return rows


def _faults(sb: Sandbox) -> None:
    c = sb.control
    c.add_fault("latency", "*", count=None, latency_ms=15)
    c.add_fault("429", "/crm/v8/Leads/*/actions/convert", count=40, skip=5)
    c.add_fault("500", "/crm/v8/Leads/*/actions/convert", count=12, skip=20)
    c.add_fault("drop_after", "/crm/v8/Leads/*/actions/convert", count=15, skip=10)
    c.add_fault("drop_after", "/crm/v8/Leads/actions/mass_convert", method="POST", count=2)
    c.add_fault("500", "/crm/v8/Leads/*", method="GET", count=20, skip=30)
    c.add_fault("drop_before", "/crm/v8/Leads/*", method="GET", count=10, skip=50)


def _converted(sb: Sandbox) -> int:
    return int(sb.control.state()["counts"]["Leads"]["converted"])


def _kill_at(proc: subprocess.Popen[bytes], reached: Callable[[], bool]) -> bool:
    """SIGKILL `proc` once `reached()` holds; False if it exited first (polled, bounded)."""
    deadline = time.monotonic() + 600
    while proc.poll() is None:
        if reached():
            os.kill(proc.pid, signal.SIGKILL)
            return proc.wait() == -signal.SIGKILL
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError("the converter made no progress for 600 s")
        time.sleep(0.01)
    return False


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_killed_and_restarted_converts_every_lead_exactly_once(
    small_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = small_sandbox(**_org())
    before_contacts = sb.control.state()["counts"]["Contacts"]["total"]
    before_accounts = sb.control.state()["counts"]["Accounts"]["total"]
    rows = _plan_rows()
    plan_path = save_plan(make_plan(rows), tmp_path / "plan.csv")
    journal = tmp_path / "journal.sqlite"
    _faults(sb)
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
        sys.executable,
        "-m",
        "crmkit",
        "convert",
        "--plan",
        str(plan_path),
        "--journal",
        str(journal),
        "--quiet",
        "--no-snapshots",
    ]
    rng = random.Random(20240611)
    kills = 0
    logs: list[str] = []
    for round_no in range(12):
        log_path = tmp_path / f"round{round_no}.log"
        with log_path.open("w") as log:
            start = _converted(sb)
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
            if round_no < KILL_ROUNDS:
                # Kill at a seeded point of progress (not of wall-clock time, which a fast
                # machine outruns): once the sandbox has converted `target` leads, other
                # requests are in flight and their answers are lost with the process.
                left = N_CREATE + N_MERGE - start
                target = start + rng.randint(1, max(1, left // 4))
                if _kill_at(proc, lambda target=target: _converted(sb) >= target):
                    kills += 1
                    logs.append(f"round {round_no}: killed at {_converted(sb)} converted")
                    continue
            else:
                proc.wait(timeout=600)
        logs.append(f"round {round_no}: exit {proc.returncode}")
        if proc.returncode == 0:
            break
    assert proc.returncode == 0, "\n".join(logs) + "\n" + log_path.read_text()
    assert kills == KILL_ROUNDS, logs  # the converter was really killed mid-run

    live = sb.control.faults()  # spent rules are gone; no live one may have been shadowed
    assert all(f["fired"] > 0 for f in live), live

    # -- the sandbox's own state
    planned = {r["lead_id"]: r for r in rows}
    detail: dict[str, dict[str, Any]] = {}
    for i in range(N_CREATE + N_MERGE + N_UNPLANNED):
        lead_id = f"5000000000000{i:06d}"
        rec = sb.control.record("Leads", lead_id)
        assert rec is not None
        if lead_id in planned:
            assert rec["Converted__s"] is True, lead_id
            detail[lead_id] = rec["$converted_detail"]
        else:
            assert rec["Converted__s"] is False, f"unplanned lead {lead_id} was converted"
    counts = sb.control.state()["counts"]
    # exactly once: one new Contact per create row, one new Account per lead (each has a Company)
    assert counts["Contacts"]["total"] == before_contacts + N_CREATE
    assert counts["Accounts"]["total"] == before_accounts + N_CREATE + N_MERGE
    assert counts["Deals"]["total"] == N_CREATE // 2
    assert counts["Leads"]["converted"] == N_CREATE + N_MERGE
    for i in range(N_CREATE, N_CREATE + N_MERGE):
        lead_id = f"5000000000000{i:06d}"
        assert detail[lead_id]["Contacts"]["id"] == planned[lead_id]["contact_id"]

    # -- the journal agrees
    with Journal(journal) as jr:
        runs = jr.runs()
        assert len(runs) == 1 and runs["status"].iloc[0] == "done"
        last = jr.last_attempts(int(runs["run_id"].iloc[0]))
        assert set(last) == set(planned)
        for lead_id, att in last.items():
            assert att["outcome"] == "converted", (lead_id, att)
            assert att["contact_id"] == detail[lead_id]["Contacts"]["id"]
            assert att["account_id"] == (detail[lead_id]["Accounts"] or {}).get("id")
            assert att["deal_id"] == (detail[lead_id]["Deals"] or {}).get("id")
        attempts = jr.attempts()
        converted_rows = attempts[attempts["outcome"] == "converted"]
        assert converted_rows["lead_id"].is_unique  # one converting attempt per lead
        assert not (attempts["outcome"] == "unknown").any()
        # the faults and kills did bite: some answers were lost and settled by reading back
        assert (attempts["code"] == "SETTLED_BY_READ_BACK").any()
        assert (attempts["state"] == "settled").sum() > 0
