"""Kill-and-resume with slow Mass Convert jobs: the job id never reaches the journal.

The sandbox drops the mass convert answer after creating the job (fault `drop_after`), and the
job converts slowly; `python -m crmkit convert` is SIGKILLed once that request went out, before
any job id was journaled. The rerun must wait for crmkit's own job, settle every lead as converted
by read-back (never `skipped`), keep them in the audit export, and exit 0. Seeds vary the job's
pace and how long after the lost answer the kill lands.
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

import pandas as pd
import pytest
from conversion_support import FRESH_MANY

from crmkit.cli import main
from crmkit.conversion import Journal, make_plan, save_plan
from crmkit.sandbox import Sandbox

MASS_PATH = "/crm/v8/Leads/actions/mass_convert"
LEADS = FRESH_MANY[20:32]


def _contacts(sb: Sandbox) -> int:
    return int(sb.control.state()["counts"]["Contacts"]["total"])


@pytest.mark.timeout(600)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_run_killed_before_its_mass_job_id_was_journaled_settles_every_lead(
    org_sb: Sandbox,
    sandbox_environ: Callable[[Sandbox], dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    seed: int,
) -> None:
    rng = random.Random(seed)
    contacts_before = _contacts(org_sb)
    org_sb.control.configure(
        mass_convert_progress="time", mass_convert_step_ms=rng.randint(2500, 4000)
    )
    rule = org_sb.control.add_fault("drop_after", MASS_PATH, method="POST", count=1)
    rows = [{"lead_id": i, "contact_action": "create", "account_action": "create"} for i in LEADS]
    plan = save_plan(make_plan(rows), tmp_path / "plan.csv")
    journal = tmp_path / "journal.sqlite"
    env = sandbox_environ(org_sb)
    cmd = [sys.executable, "-m", "crmkit", "convert", "--plan", str(plan), "--quiet"]
    cmd += ["--journal", str(journal), "--mode", "mass", "--no-snapshots"]

    def fired() -> bool:
        return not any(f["id"] == rule for f in org_sb.control.faults())  # spent: it fired

    with (tmp_path / "killed.log").open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while not fired():
            assert proc.poll() is None, (tmp_path / "killed.log").read_text()
            assert time.monotonic() < deadline, "the mass convert request was never sent"
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    with Journal(journal) as jr:
        att = jr.attempts()
        assert set(att["kind"]) == {"mass"} and att["job_id"].isna().all()
        assert (att["outcome"] == "unknown").all()  # killed before anything was settled
    converted = [org_sb.control.record("Leads", i)["Converted__s"] for i in LEADS]  # type: ignore[index]
    assert not any(converted)  # the job was still starting when the run died

    # Resume while the job is converting: some leads done, the rest still to come; requests
    # take a while (latency), so the job moves on during the resumed run's own reads.
    deadline = time.monotonic() + 60
    while not any(org_sb.control.record("Leads", i)["Converted__s"] for i in LEADS):  # type: ignore[index]
        assert time.monotonic() < deadline, "the mass job converted nothing"
        time.sleep(0.02)
    org_sb.control.configure(latency_ms=40)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main(["convert", "--plan", str(plan), "--journal", str(journal), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert all(org_sb.control.record("Leads", i)["Converted__s"] for i in LEADS)  # type: ignore[index]
    with Journal(journal) as jr:
        (run_id,) = jr.runs()["run_id"].tolist()
        last = jr.last_attempts(run_id)
        assert {a["outcome"] for a in last.values()} == {"converted"}
    export = tmp_path / "created.csv"
    assert (
        main(["history", "--journal", str(journal), "--run", str(run_id), "--export", str(export)])
        == 0
    )
    created = pd.read_csv(export, dtype=str)
    assert sorted(created["lead_id"]) == sorted(LEADS)
    # Exactly once: one new Contact per lead, no more.
    assert _contacts(org_sb) - contacts_before == len(LEADS)
