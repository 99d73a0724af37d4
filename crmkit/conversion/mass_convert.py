"""The Mass Convert path: one Zoho job per <= 50 create-new rows sharing the same options.

Why every lead is read back: the job's status reports counts only, never which lead it converted
(nor, for a FAILED job, which it got to), so each lead's own record settles its attempt. Leads
the job did not convert (or a job Zoho refused as a whole) go back to Convert Lead, whose answer
says why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from crmkit.api.errors import CRMError, OutcomeUnknownError
from crmkit.api.models import MassConvertRequest
from crmkit.conversion.plan import deal_of
from crmkit.conversion.run_context import RunContext
from crmkit.conversion.settle import lost_answer_note, settle

__all__ = ["convert_mass"]


def convert_mass(ctx: RunContext, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Jobs for these rows (same options, <= 50); the rows left for Convert Lead.

    Zoho requires `assign_to` for Mass Convert (v7 docs). A row that leaves it empty means "the
    lead's owner keeps the records" (what Convert Lead does), so such rows go in one job per lead
    owner, each naming that owner; a lead whose owner cannot be read goes to Convert Lead.
    """
    left: list[Mapping[str, Any]] = []
    by_owner: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        owner = _assignee(ctx, row)
        if owner is None:
            left.append(row)
        else:
            by_owner.setdefault(owner, []).append(row)
    for owner, group in by_owner.items():
        left.extend(_one_job(ctx, group, owner))
    return left


def _assignee(ctx: RunContext, row: Mapping[str, Any]) -> str | None:
    """The user a job names for this row: its `assign_to`, else its lead's owner."""
    if row["assign_to"] is not None:
        return str(row["assign_to"])
    lead_id = str(row["lead_id"])
    lead = ctx.leads_before.get(lead_id)
    if lead is None:
        try:
            snap = ctx.read("Leads", lead_id)
        except CRMError:
            return None
        lead = snap[2] if snap else None
        ctx.leads_before[lead_id] = lead
    owner = (lead or {}).get("Owner")
    owner_id = owner.get("id") if isinstance(owner, Mapping) else None
    return None if owner_id is None else str(owner_id)


def _one_job(
    ctx: RunContext, rows: Sequence[Mapping[str, Any]], assign_to: str
) -> list[Mapping[str, Any]]:
    """One Zoho job for rows sharing every option and the owner; the rows left for Convert Lead."""
    lead_ids = [str(r["lead_id"]) for r in rows]
    first = rows[0]
    request = MassConvertRequest(
        ids=lead_ids,
        deal=deal_of(first),
        assign_to=assign_to,
        move_attachments_to=first["move_attachments_to"],
    )
    attempts = ctx.journal.begin_many(
        ctx.run.run_id, lead_ids, kind="mass", request=request.to_payload()
    )
    for lead_id in lead_ids:
        ctx.journal.add_snapshots(
            attempts[lead_id], "before", [("Leads", lead_id, ctx.leads_before.get(lead_id))]
        )
    poll_interval, timeout = ctx.options.poll_interval, ctx.options.mass_timeout
    note = "mass convert"
    try:
        job_id = ctx.client.mass_convert(request)
    except OutcomeUnknownError as exc:
        note = f"mass convert {lost_answer_note(exc)}"
        time.sleep(poll_interval)  # let a job that did start make progress
    except CRMError as exc:
        for lead_id in lead_ids:  # refused as a whole: nothing was scheduled
            ctx.journal.answer(
                attempts[lead_id],
                outcome="not_converted",
                code=exc.code,
                message=f"mass convert refused: {exc.message}",
            )
        return list(rows)
    else:
        ctx.journal.set_job(list(attempts.values()), job_id)
        note = f"mass convert job {job_id}"
        try:
            status = ctx.client.wait_mass_convert(
                job_id, poll_interval=poll_interval, timeout=timeout
            )
            note += f" {status.status} ({status.converted} converted, {status.failed} failed)"
        except (CRMError, TimeoutError) as exc:
            note += f" not followed to its end ({exc})"
    left: list[Mapping[str, Any]] = []
    left_lock = threading.Lock()
    by_id = {str(r["lead_id"]): r for r in rows}

    def one(lead_id: str) -> None:
        outcome = settle(ctx, attempts[lead_id], lead_id, note=note, code="MASS_CONVERT")
        if outcome == "not_converted":
            with left_lock:
                left.append(by_id[lead_id])
        else:
            ctx.done(outcome == "converted")

    with ThreadPoolExecutor(max_workers=ctx.workers) as pool:
        list(pool.map(one, lead_ids))
    return left
