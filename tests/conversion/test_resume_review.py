"""Resume edge cases of the exactly-once path: read-backs that fail, other runs' open attempts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conversion_support import L_FRESH

from crmkit.api import CRMClient
from crmkit.conversion import Journal, execute, make_plan, plan_hash, request_for
from crmkit.conversion.org_binding import org_identity
from crmkit.sandbox import Sandbox


def row(lead: str, **kw: Any) -> dict[str, Any]:
    return {"lead_id": lead, "contact_action": "create", "account_action": "create", **kw}


def outcome(report: Any, lead: str) -> dict[str, Any]:
    res = report.results
    return dict(res.loc[res["lead_id"] == lead].iloc[0])


def _open_attempt(client: CRMClient, path: Path, plan: Any) -> int:
    """Journal an attempt at the plan's first lead, send it, and 'die' before the answer."""
    with Journal(path) as jr:
        rows = [dict(r) for r in plan.to_dict("records")]
        run = jr.open_run(plan_hash(plan), rows, org=org_identity(client))
        req = request_for(rows[0])
        jr.begin(run.run_id, str(rows[0]["lead_id"]), kind="single", request=req.to_payload())
    client.convert_lead(str(rows[0]["lead_id"]), req)  # it did go out and convert
    return run.run_id


@pytest.mark.parametrize("recheck", [True, False])
def test_an_open_attempt_whose_read_back_fails_is_neither_resent_nor_skipped(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path, recheck: bool
) -> None:
    """The settling read-back fails every retry: the lead stays open for a rerun to settle.

    Before, the live re-check (which read the lead once the fault was spent) journaled the lead
    crmkit had converted as `skipped: already converted`; without the re-check it was sent again.
    """
    plan = make_plan([row(L_FRESH)])
    path = tmp_path / "j.sqlite"
    run_id = _open_attempt(client, path, plan)
    # every retry of the settling read-back answers 500; the next read of the lead succeeds
    org_sb.control.add_fault(
        "500", f"/crm/v8/Leads/{L_FRESH}", method="GET", count=client.retry.max_attempts
    )
    sent = client.usage.calls.get("convert", 0)
    report = execute(client, plan, journal=path, recheck=recheck, progress=False)
    assert client.usage.calls.get("convert", 0) == sent  # not sent again
    res = outcome(report, L_FRESH)
    assert res["outcome"] == "unknown", res
    assert not report.finished and "run the same plan again" in report.message
    again = execute(client, plan, journal=path, recheck=recheck, progress=False)
    res = outcome(again, L_FRESH)
    assert (res["outcome"], res["code"]) == ("converted", "SETTLED_BY_READ_BACK")
    assert client.usage.calls.get("convert", 0) == sent
    with Journal(path) as jr:
        att = jr.attempts(run_id=run_id)
    assert att["outcome"].tolist() == ["converted"]  # one attempt, settled; nothing skipped


def test_a_changed_plan_settles_the_old_runs_open_attempt_and_refuses_the_lead(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """Run 1 sent the lead and died; the plan is then edited (a new run): the new run must
    learn that crmkit converted the lead in run 1, and say so, instead of calling it a lead
    someone else converted and leaving run 1's attempt open forever."""
    path = tmp_path / "j.sqlite"
    first = _open_attempt(client, path, make_plan([row(L_FRESH)]))
    sent = client.usage.calls.get("convert", 0)
    changed = make_plan([row(L_FRESH, notify_lead_owner=True)])
    report = execute(client, changed, journal=path, progress=False)
    res = outcome(report, L_FRESH)
    assert report.run.run_id != first
    assert (res["outcome"], res["code"]) == ("skipped", "CONVERTED_BY_CRMKIT")
    assert f"run {first}" in res["message"]
    assert client.usage.calls.get("convert", 0) == sent
    with Journal(path) as jr:
        old = jr.last_attempts(first)[L_FRESH]
    assert (old["outcome"], old["code"]) == ("converted", "SETTLED_BY_READ_BACK")


def test_a_lead_converted_by_someone_else_after_a_known_miss_is_not_claimed(
    org_sb: Sandbox, client: CRMClient, tmp_path: Path
) -> None:
    """crmkit's earlier attempt is known not to have converted the lead (read back unconverted);
    someone else converts it; crmkit's next try gets ID_ALREADY_CONVERTED. That conversion is not
    crmkit's: the journal must not record it (and its records) as converted by this run."""
    plan = make_plan([row(L_FRESH)])
    path = tmp_path / "j.sqlite"
    options: dict[str, Any] = {"journal": path, "progress": False, "recheck": False}
    org_sb.control.add_fault("drop_before", "/crm/v8/Leads/*/actions/convert", method="POST")
    first = execute(client, plan, max_attempts=1, **options)
    assert outcome(first, L_FRESH)["outcome"] == "not_converted"  # read back: not converted
    other = client.convert_lead(L_FRESH, request_for(row(L_FRESH, account_action="none")))
    again = execute(client, plan, **options)
    res = outcome(again, L_FRESH)
    assert (res["outcome"], res["code"]) == ("failed", "ID_ALREADY_CONVERTED"), res
    assert again.converted_now == 0
    with Journal(path) as jr:
        assert jr.created(again.run.run_id).empty
        assert not (jr.attempts()["contact_id"] == other.contact_id).any()
