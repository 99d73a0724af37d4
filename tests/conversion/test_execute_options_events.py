"""The engine's contracts: ExecuteOptions and Mode, the on_event hook (over a real sandbox), and
the ClientLike protocol CRMClient satisfies."""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest
from conversion_support import A_ACME, C_PAT, FRESH_MANY, L_FRESH, L_LOCKED, L_PAT

from crmkit.api import CRMClient
from crmkit.conversion import (
    MODES,
    ClientLike,
    ExecuteOptions,
    Journal,
    Mode,
    estimate,
    execute,
    make_plan,
)
from crmkit.conversion.events import EVENT_KINDS
from crmkit.conversion.execute_options import ExecuteChanges
from crmkit.sandbox import Sandbox

CONVERT_PATH = "/crm/v8/Leads/*/actions/convert"


def row(lead: str, contact: str = "create", account: str = "create", **kw: Any) -> dict[str, Any]:
    return {"lead_id": lead, "contact_action": contact, "account_action": account, **kw}


class Recorder:
    """An on_event hook that keeps every event and the thread it came from."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[str, str, str]] = []
        self.threads: set[str] = set()

    def __call__(self, kind: str, lead_id: str, outcome: str) -> None:
        with self.lock:
            self.events.append((kind, lead_id, outcome))
            self.threads.add(threading.current_thread().name)

    def of(self, lead_id: str) -> list[tuple[str, str]]:
        return [(k, o) for k, i, o in self.events if i == lead_id]


def journal_steps(path: Path, run_id: int, lead_id: str) -> list[tuple[str, str]]:
    """The (kind, outcome) events the journal's attempts at this lead imply, in journal order."""
    with Journal(path) as jr:
        attempts = jr.attempts(run_id=run_id, lead_id=lead_id)
    steps: list[tuple[str, str]] = []
    for att in attempts.to_dict("records"):
        if att["kind"] == "none":
            steps.append(("skipped", "skipped"))
            continue
        steps.append(("sent", "unknown"))
        steps.append(("settled" if att["state"] == "settled" else "answered", att["outcome"]))
    return steps


# ------------------------------------------------------------------ ExecuteOptions and Mode


def test_execute_options_defaults_are_the_documented_ones() -> None:
    assert dataclasses.asdict(ExecuteOptions()) == {
        "mode": "auto",
        "recheck": True,
        "snapshots": True,
        "progress": True,
        "plan_name": None,
        "new_run": False,
        "retry_failed": False,
        "workers": 10,
        "poll_interval": 1.0,
        "mass_timeout": 600.0,
        "mass_min": 2,
        "max_attempts": 3,
        "on_problems": None,
        "on_event": None,
        "claim_legacy_runs": False,
    }


def test_execute_options_are_frozen_and_replace_makes_a_copy() -> None:
    base = ExecuteOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.mode = "single"  # type: ignore[misc]
    changed = base.replace(mode="single", workers=3)
    assert (changed.mode, changed.workers) == ("single", 3)
    assert (base.mode, base.workers) == ("auto", 10)
    with pytest.raises(TypeError):
        ExecuteOptions("single")  # type: ignore[misc]  # keywords only


def test_the_keywords_execute_takes_are_exactly_the_option_fields() -> None:
    fields = get_type_hints(ExecuteOptions)
    assert get_type_hints(ExecuteChanges) == fields


def test_mode_is_one_literal_and_its_tuple() -> None:
    assert MODES == get_args(Mode) == ("auto", "single", "mass")
    with pytest.raises(ValueError, match="mode must be auto, single or mass"):
        ExecuteOptions(mode="bulk")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode must be auto, single or mass"):
        estimate(make_plan([row(L_FRESH)]), mode="bulk")  # type: ignore[arg-type]


def test_a_bad_mode_is_refused_before_anything_is_journaled(
    client: CRMClient, tmp_path: Path
) -> None:
    plan = make_plan([row(L_FRESH)])
    with pytest.raises(ValueError, match="mode must be auto, single or mass"):
        execute(client, plan, journal=tmp_path / "j.sqlite", mode="x")  # type: ignore[typeddict-item]
    assert not (tmp_path / "j.sqlite").exists()


def test_options_object_and_keywords_combine(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """`options=` is the base; a keyword given alongside it wins."""
    leads = FRESH_MANY[:2]
    plan = make_plan([row(lead) for lead in leads])
    opts = ExecuteOptions(
        mode="single", progress=False, recheck=False, snapshots=True, plan_name="from options"
    )
    report = execute(client, plan, journal=tmp_path / "j.sqlite", options=opts, snapshots=False)
    assert report.results["via"].tolist() == ["single", "single"]  # not a mass job: options' mode
    assert report.run.plan_name == "from options"
    with Journal(tmp_path / "j.sqlite") as jr:
        phases = set(jr.snapshots(run_id=report.run.run_id)["phase"])
    assert phases == {"before"}  # snapshots=False: only the lead copy taken before sending


# ------------------------------------------------------------------ on_event


def test_events_arrive_for_each_lead_in_journal_order(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """Skipped, converted by Convert Lead after a retry, and converted by a Mass Convert job."""
    org_sb.control.add_fault("500", CONVERT_PATH, method="POST", count=1)
    mass = FRESH_MANY[:3]
    plan = make_plan(
        [
            row(L_LOCKED),
            row(L_PAT, "merge", "merge", contact_id=C_PAT, account_id=A_ACME),
            *(row(lead) for lead in mass),
        ]
    )
    path = tmp_path / "j.sqlite"
    hook = Recorder()
    report = execute(client, plan, journal=path, progress=False, poll_interval=0.05, on_event=hook)
    run_id = report.run.run_id
    results = report.results.set_index("lead_id")
    assert {i for _, i, _ in hook.events} == {L_LOCKED, L_PAT, *mass}
    assert {k for k, _, _ in hook.events} <= set(EVENT_KINDS)
    for lead in [L_LOCKED, L_PAT, *mass]:
        assert hook.of(lead) == journal_steps(path, run_id, lead), lead
        assert hook.of(lead)[-1][1] == results.loc[lead, "outcome"], lead
    assert hook.of(L_LOCKED) == [("skipped", "skipped")]
    assert hook.of(L_PAT) == [
        ("sent", "unknown"),
        ("settled", "not_converted"),  # the 500: read back, not converted, so tried again
        ("sent", "unknown"),
        ("answered", "converted"),
    ]
    for lead in mass:
        assert hook.of(lead) == [("sent", "unknown"), ("settled", "converted")]
    assert any(name.startswith("crmkit-convert") for name in hook.threads)  # engine threads


def test_a_resumed_run_reports_what_it_already_holds(client: CRMClient, tmp_path: Path) -> None:
    plan = make_plan([row(L_FRESH), row(L_LOCKED)])
    path = tmp_path / "j.sqlite"
    execute(client, plan, journal=path, progress=False)
    hook = Recorder()
    again = execute(client, plan, journal=path, progress=False, on_event=hook)
    assert again.converted_now == 0
    assert sorted(hook.events) == [
        ("resumed", L_FRESH, "converted"),
        ("resumed", L_LOCKED, "skipped"),
    ]


def test_a_failing_hook_is_logged_and_the_run_goes_on(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(kind: str, lead_id: str, outcome: str) -> None:
        raise RuntimeError("display gone")

    leads = FRESH_MANY[:2]
    with caplog.at_level(logging.ERROR, logger="crmkit.conversion"):
        report = execute(
            client,
            make_plan([row(lead) for lead in leads]),
            journal=tmp_path / "j.sqlite",
            mode="single",
            progress=False,
            on_event=broken,
        )
    assert report.converted_now == 2
    assert report.results["outcome"].tolist() == ["converted", "converted"]
    assert any("on_event failed" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------ ClientLike


def test_crm_client_is_client_like(client: CRMClient) -> None:
    typed: ClientLike = client  # mypy checks the same in crmkit/conversion/client_like.py
    assert isinstance(typed, ClientLike)
    assert not isinstance(object(), ClientLike)
