"""Sending a plan in dependency order: anchors first, then the rows that reference them.

Why waves: a row whose `contact_id` / `account_id` is `lead:<id>` merges into the record that
lead's conversion gives, which exists only once that lead is converted — and Zoho accepts the
merge only when its options list the new record, which they do only after the anchor converted.
So each wave is sent only when the previous one is journaled; the references of the next wave are
replaced by the ids its anchors' attempts recorded (`Journal.converted_records`), and the live
re-check of those rows runs then, against the org as the anchors left it.

A dependant whose anchor is still open (answer lost, read-back failed) waits: it is not sent and
not journaled, so a rerun — which settles the anchor first — sends it. A dependant whose anchor
was refused or failed is skipped with that reason. Create-new rows of wave 0 may go by Mass
Convert; dependants always merge, so they go by Convert Lead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd

from crmkit.api.errors import CRMError
from crmkit.conversion.contact_roles import plan_has_roles, resolve_roles, role_map
from crmkit.conversion.convert_lead import ConvertLeadWorker
from crmkit.conversion.estimate import MASS_CHUNK, MASS_JOBS_IN_FLIGHT, mass_groups
from crmkit.conversion.facts import Facts, live_facts, transient
from crmkit.conversion.journal import FINAL_OUTCOMES, Journal
from crmkit.conversion.mass_convert import convert_mass
from crmkit.conversion.own_conversions import defer_unavailable
from crmkit.conversion.plan import make_plan
from crmkit.conversion.references import referenced, waves
from crmkit.conversion.run_context import RunContext
from crmkit.conversion.validate import PROBLEMS_SCHEMA, blocked_leads, validate

__all__ = ["Ordered", "place_references", "send", "send_in_order"]

Row = Mapping[str, Any]
_MODULE = {"contact_id": "Contacts", "account_id": "Accounts"}


@dataclass
class Ordered:
    """What a run in dependency order did besides converting: its problems, the rows waiting."""

    problems: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in PROBLEMS_SCHEMA.items()}
        )
    )
    waiting: dict[str, str] = field(default_factory=dict)  # lead -> the anchor it waits for


def send(ctx: RunContext, rows: Sequence[Row]) -> None:
    """Send these rows (none referencing another): Mass Convert for like create-new rows, the
    rest (and what a job did not convert) by Convert Lead."""
    opts = ctx.options
    single: list[Row] = []
    if opts.mode == "single" or not rows:
        single = list(rows)
    else:
        by_id = {str(r["lead_id"]): r for r in rows}
        groups = mass_groups(
            make_plan(list(rows)), min_size=1 if opts.mode == "mass" else opts.mass_min
        )
        in_mass = {i for ids in groups.values() for i in ids}
        single = [r for r in rows if str(r["lead_id"]) not in in_mass]
        chunks = [
            [by_id[i] for i in ids[start : start + MASS_CHUNK]]
            for ids in groups.values()
            for start in range(0, len(ids), MASS_CHUNK)
        ]
        # Jobs run on Zoho's side: keep a few in flight instead of waiting on each in turn.
        with ThreadPoolExecutor(max_workers=MASS_JOBS_IN_FLIGHT) as pool:
            for left in pool.map(partial(convert_mass, ctx), chunks):
                single.extend(left)
    ConvertLeadWorker(ctx).convert_all(single)


def _check(ctx: RunContext, rows: Sequence[Row]) -> tuple[list[Row], pd.DataFrame]:
    """Re-check a later wave (live when the run re-checks); journal refused rows as skipped and
    rows whose facts could not be read as deferred; the rows to send, and the problems."""
    plan = make_plan(list(rows))
    roles = None
    if ctx.options.recheck:
        try:
            facts = live_facts(ctx.client, plan)
        except CRMError as exc:
            if not transient(exc):
                raise
            facts = Facts(unavailable={str(r["lead_id"]): str(exc) for r in rows})
        deferred = defer_unavailable(ctx, facts.unavailable)
        rows = [r for r in rows if str(r["lead_id"]) not in deferred]
        plan = make_plan(list(rows))
        ctx.leads_before.update(dict(facts.leads or {}))
        problems = validate(plan, facts) if rows else validate(make_plan([]))
        roles = facts.org.contact_roles if facts.org else None
    else:
        problems = validate(plan, Facts())
    refused = blocked_leads(problems)
    for lead_id in refused:
        mine = problems[(problems["lead_id"] == lead_id) & (problems["severity"] == "error")]
        ctx.journal.skip(
            ctx.run.run_id,
            lead_id,
            code=";".join(dict.fromkeys(mine["rule"].tolist())),
            message="; ".join(mine["reason"].tolist()),
        )
        ctx.bar.update(1)
    sendable: list[Row] = [r for r in rows if str(r["lead_id"]) not in set(refused)]
    if plan_has_roles(sendable):  # roles picked by name go out as their ids
        roles = roles if roles is not None else role_map(ctx.client.contact_roles())
        sendable = resolve_roles(sendable, roles)
    return sendable, problems


class _Anchors:
    """What the journal says of the anchors: converted (with ids), open, or refused."""

    def __init__(self, jr: Journal, run_id: int, open_: set[str]) -> None:
        self.jr, self.run_id, self.open = jr, run_id, open_

    def place(self, row: Row, later: set[str]) -> tuple[str, dict[str, Any] | str]:
        """("ready", the row with settled anchors' ids) | ("wait", anchor) | ("skip", reason).

        `later`: leads converting in this call after now (their references stay for later).
        """
        refs = referenced(row)
        anchors = sorted(set(refs.values()) - later)
        converted = self.jr.converted_records(anchors, self.run_id) if anchors else {}
        last = self.jr.last_attempts(self.run_id) if anchors else {}
        out = dict(row)
        for column, anchor in refs.items():
            if anchor in later:
                continue
            ids = converted.get(anchor)
            if ids is not None:
                value = ids.get(_MODULE[column])
                if value is None:
                    return "skip", (
                        f"{column}=lead:{anchor}, but lead {anchor}'s conversion gave no "
                        f"{_MODULE[column][:-1]}"
                    )
                out[column] = str(value)
                continue
            att = last.get(anchor)
            if anchor in self.open or (att is not None and att["outcome"] not in FINAL_OUTCOMES):
                return "wait", anchor  # open, or deferred (not_converted): a rerun tries it
            if att is not None:
                why = "; ".join(str(x) for x in (att["code"], att["message"]) if x)
                return "skip", (
                    f"{column}=lead:{anchor}, and lead {anchor} (the anchor) was not converted "
                    f"({att['outcome']}{': ' + why if why else ''})"
                )
            # Not in the plan, or not tried: validation names it (reference_unknown).
        return "ready", out


def place_references(
    ctx: RunContext, jr: Journal, todo: Sequence[Row], open_: set[str], ordered: Ordered
) -> list[Row]:
    """Before the live re-check: references to anchors settled earlier (this run or another of
    the org) resolved; rows behind an open anchor set aside in `ordered.waiting`; rows behind
    a refused one skipped. The rows to check and send."""
    anchors = _Anchors(jr, ctx.run.run_id, open_)
    todo_ids = {str(r["lead_id"]) for r in todo}
    ready: list[Row] = list(_place(ctx, anchors, todo, todo_ids, ordered))
    while True:  # a row behind a waiting row waits too
        waiting = set(ordered.waiting)
        behind = [r for r in ready if set(referenced(r).values()) & waiting]
        if not behind:
            return ready
        for r in behind:
            ordered.waiting[str(r["lead_id"])] = sorted(set(referenced(r).values()) & waiting)[0]
        ready = [r for r in ready if r not in behind]


def send_in_order(ctx: RunContext, jr: Journal, sendable: Sequence[Row], ordered: Ordered) -> None:
    """Send checked rows wave by wave: wave 0 now, each later wave once its anchors are journaled,
    with their ids substituted and the wave re-checked live (problems into `ordered`)."""
    anchors = _Anchors(jr, ctx.run.run_id, set())
    frames = [ordered.problems]
    plan_waves = waves(sendable)
    for depth, planned in enumerate(plan_waves):
        wave: Sequence[Row] = planned
        if depth:
            later = {str(r["lead_id"]) for w in plan_waves[depth + 1 :] for r in w}
            placed = _place(ctx, anchors, planned, later, ordered)
            if not placed:
                continue
            wave, checked = _check(ctx, placed)
            frames.append(checked)
        send(ctx, wave)
    ordered.problems = pd.concat(frames, ignore_index=True).astype(PROBLEMS_SCHEMA)


def _place(
    ctx: RunContext, anchors: _Anchors, rows: Sequence[Row], later: set[str], result: Ordered
) -> list[Row]:
    ready: list[Row] = []
    for row in rows:
        state, value = anchors.place(row, later)
        lead_id = str(row["lead_id"])
        if state == "ready" and isinstance(value, dict):
            ready.append(value)
        elif state == "wait":
            result.waiting[lead_id] = str(value)
        else:
            ctx.journal.skip(
                ctx.run.run_id, lead_id, code="ANCHOR_NOT_CONVERTED", message=str(value)
            )
            ctx.bar.update(1)
    return ready
