"""After the live re-check: leads it could not read, and leads crmkit itself already converted.

Why apart: the re-check's facts decide what is *sent*; two of its findings must not become final
refusals. A lead whose facts a transient failure hid (5xx, spent credits, network) is left for the
next run (`not_converted`, with the reason), never `skipped`. A lead that reads back converted is
`skipped lead_converted` only when someone else converted it: when crmkit did (an earlier attempt
of this org's journal that may have converted it, such as a Mass Convert job whose id or answer
was lost; or, in a journal restored from a backup that lost its last commits, a conversion after
this run began that matches the plan row), the read-back settles it as converted, with the ids,
so it stays in the run's audit export.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crmkit.conversion.plan import deal_of
from crmkit.conversion.run_context import RunContext
from crmkit.conversion.settle import converted_ids, read_back

__all__ = ["defer_unavailable", "matches_plan", "settle_own_conversions"]

log = logging.getLogger("crmkit.conversion")


def defer_unavailable(ctx: RunContext, unavailable: Mapping[str, str]) -> set[str]:
    """Journal each lead the re-check could not read as `not_converted` (a rerun retries it)."""
    for lead_id, reason in unavailable.items():
        ctx.journal.defer(
            ctx.run.run_id,
            lead_id,
            code="RECHECK_UNAVAILABLE",
            message=f"the live re-check could not read the lead ({reason}); a rerun tries again",
        )
        ctx.bar.update(1)
    return set(unavailable)


def matches_plan(row: Mapping[str, Any], ids: Mapping[str, str | None]) -> bool:
    """True when the records a converted lead became are the ones its plan row asked for."""
    if ids.get("Contacts") is None:
        return False
    if row.get("contact_action") == "merge" and str(row.get("contact_id")) != ids["Contacts"]:
        return False
    if row.get("account_action") == "merge" and str(row.get("account_id")) != ids.get("Accounts"):
        return False
    return (deal_of(row) is not None) == (ids.get("Deals") is not None)


def _converted_at(record: Mapping[str, Any]) -> datetime | None:
    detail = record.get("$converted_detail")
    raw = (detail.get("convert_date_time") if isinstance(detail, Mapping) else None) or record.get(
        "Converted_Date_Time"
    )
    try:
        return datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _restored_loss(ctx: RunContext, row: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """A conversion this run made whose journal entries a restored backup lost: converted after
    the run began, into what the plan row asked for."""
    if not ctx.run.resumed:
        return False
    when = _converted_at(record)
    try:
        # Zoho's timestamps are to the second; the journal's to the millisecond.
        began = datetime.fromisoformat(ctx.run.started_at).replace(microsecond=0)
    except ValueError:
        return False
    if when is None or when.tzinfo is None or when < began:
        return False
    return matches_plan(row, converted_ids(record))


def settle_own_conversions(
    ctx: RunContext,
    rows: Mapping[str, Mapping[str, Any]],
    converted: set[str],
) -> set[str]:
    """Of these leads the re-check found converted, settle crmkit's own ones by read-back; the
    leads settled (the rest stay refused: someone else converted them)."""
    settled: set[str] = set()
    for lead_id in sorted(converted):
        earlier = ctx.journal.tried_before(lead_id, ctx.run.run_id)
        state, ids, record = read_back(ctx, lead_id)
        if state != "converted" or record is None:
            continue
        if earlier:
            why = "an earlier crmkit attempt of this org (its answer or job id lost) converted it"
        elif _restored_loss(ctx, rows[lead_id], record):
            why = (
                "converted after this run began, as its plan row asks: the journal lost the "
                "attempt (restored from a backup?)"
            )
        else:
            continue
        ctx.journal.settled(
            ctx.run.run_id,
            lead_id,
            contact_id=ids.get("Contacts"),
            account_id=ids.get("Accounts"),
            deal_id=ids.get("Deals"),
            code="SETTLED_BY_READ_BACK",
            message=f"the lead reads back converted; {why}",
            answer={"read_back": record},
            after=ctx.after(record, ids, lead_id),
        )
        log.info("lead %s settled by read-back: %s", lead_id, why)
        ctx.done(False)
        settled.add(lead_id)
    return settled
