"""Settling: an attempt whose answer was lost is decided by reading the lead back, never resent.

Why: a conversion cannot be undone and an answer can be lost (a dropped connection, a 5xx after
the change, a killed kernel, a Mass Convert job that reports counts only). The lead's own record
says what happened: `Converted__s` and `$converted_detail` (the Contact, Account and Deal it
became). Read back converted, the result is recorded; read back unconverted, a new attempt is
safe; unread (the read failed), the attempt stays open for a later run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from crmkit.api.errors import CRMError, OutcomeUnknownError, UnexpectedAnswerError
from crmkit.conversion.run_context import RunContext

__all__ = [
    "converted_ids",
    "job_deadline",
    "lost_answer_note",
    "read_back",
    "settle",
    "settle_open",
]

log = logging.getLogger("crmkit.conversion")


def lost_answer_note(exc: OutcomeUnknownError) -> str:
    """How the journal names a write whose outcome is unknown: an answer lost, or one that came
    but does not say what happened (not JSON, no result, a redirect…) — both settled alike."""
    if isinstance(exc, UnexpectedAnswerError):
        return f"answer unreadable (HTTP {exc.status}: {exc.problem})"
    return f"answer lost: {exc.code or exc.message}"


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value) if value is not None else False


def converted_ids(record: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The Contact/Account/Deal ids a converted lead's `$converted_detail` names."""
    out: dict[str, str | None] = {"Contacts": None, "Accounts": None, "Deals": None}
    detail = (record or {}).get("$converted_detail")
    if not isinstance(detail, Mapping):
        return out
    aliases = {
        "Contacts": ("Contacts", "Contact", "contact"),
        "Accounts": ("Accounts", "Account", "account"),
        "Deals": ("Deals", "Deal", "deal"),
    }
    for module, keys in aliases.items():
        for key in keys:
            value = detail.get(key)
            if isinstance(value, Mapping) and value.get("id") is not None:
                out[module] = str(value["id"])
            elif isinstance(value, str | int) and not isinstance(value, bool):
                out[module] = str(value)
            if out[module] is not None:
                break
    return out


def read_back(ctx: RunContext, lead_id: str) -> tuple[str, dict[str, str | None], Any]:
    """`converted` / `not_converted` / `gone` from the lead's record, or `unknown` if unread."""
    try:
        record = ctx.client.get_record("Leads", lead_id, converted="both")
    except CRMError as exc:
        log.warning("read-back of lead %s failed: %s", lead_id, exc)
        return "unknown", {}, None
    if record is None:
        return "gone", {}, None
    if _truthy(record.get("Converted__s")):
        return "converted", converted_ids(record), record
    return "not_converted", {}, record


def settle(
    ctx: RunContext,
    attempt_id: int,
    lead_id: str,
    *,
    note: str,
    code: str = "SETTLED_BY_READ_BACK",
    wait_until: float | None = None,
) -> str:
    """Settle an attempt whose answer was lost by reading the lead back; the outcome.

    `wait_until` (epoch seconds): a Mass Convert job that may still be running can convert the
    lead after it read back unconverted, so it is read again every `poll_interval` until it reads
    converted or that time has passed; only then is "not converted" believed.
    """
    state, ids, record = read_back(ctx, lead_id)
    while state == "not_converted" and wait_until is not None and time.time() < wait_until:
        time.sleep(min(ctx.options.poll_interval, max(0.0, wait_until - time.time())))
        state, ids, record = read_back(ctx, lead_id)
    if state == "unknown":
        return "unknown"
    if state == "converted":
        ctx.journal.answer(
            attempt_id,
            lead_id=lead_id,
            outcome="converted",
            state="settled",
            contact_id=ids.get("Contacts"),
            account_id=ids.get("Accounts"),
            deal_id=ids.get("Deals"),
            code=code,
            message=f"{note}; the lead reads back converted",
            answer={"read_back": record},
            after=ctx.after(record, ids, lead_id),
        )
        return "converted"
    if state == "gone":
        ctx.journal.answer(
            attempt_id,
            lead_id=lead_id,
            outcome="failed",
            state="settled",
            code="LEAD_NOT_FOUND",
            message=f"{note}; the lead no longer exists",
        )
        return "failed"
    ctx.journal.answer(
        attempt_id,
        lead_id=lead_id,
        outcome="not_converted",
        state="settled",
        code=code,
        message=f"{note}; the lead reads back unconverted, so it was not converted",
        answer={"read_back": record},
    )
    return "not_converted"


def job_deadline(ctx: RunContext, attempt: Mapping[str, Any]) -> float | None:
    """Until when the Mass Convert job of this attempt may still convert its lead: `mass_timeout`
    seconds after the request was sent (the bound crmkit waits for any job); None for a Convert
    Lead attempt (its answer, lost or not, came after the change)."""
    if attempt["kind"] != "mass":
        return None
    try:
        sent = datetime.fromisoformat(str(attempt["sent_at"])).timestamp()
    except ValueError:
        sent = time.time()
    return sent + ctx.options.mass_timeout


def settle_open(ctx: RunContext, open_: Sequence[Mapping[str, Any]]) -> None:
    """Resume: finish mass jobs still running, then read back every unanswered attempt.

    A lead's attempts (one per run that left it open) are settled in turn, oldest first, so its
    journal entries keep their order; different leads are read back in parallel.
    """
    if not open_:
        return
    jobs = {str(a["job_id"]) for a in open_ if a["kind"] == "mass" and a["job_id"]}
    finished: set[str] = set()
    for job_id in sorted(jobs):
        try:
            ctx.client.wait_mass_convert(
                job_id, poll_interval=ctx.options.poll_interval, timeout=ctx.options.mass_timeout
            )
            finished.add(job_id)
        except (CRMError, TimeoutError) as exc:
            log.warning("mass convert job %s could not be followed: %s", job_id, exc)
    log.info("settling %d attempt(s) whose answer was lost, by reading back", len(open_))
    by_lead: dict[str, list[int]] = {}
    for att in open_:
        by_lead.setdefault(str(att["lead_id"]), []).append(int(att["attempt_id"]))

    # A mass attempt whose job id was lost (killed before it was journaled, answer dropped) or
    # whose job could not be followed: the job may still be converting its leads.
    unfollowed = {
        int(a["attempt_id"]): a
        for a in open_
        if a["kind"] == "mass" and str(a["job_id"] or "") not in finished
    }

    def one(lead_id: str) -> None:
        for attempt_id in sorted(by_lead[lead_id]):
            att = unfollowed.get(attempt_id)
            settle(
                ctx,
                attempt_id,
                lead_id,
                note="answer lost (process stopped or connection dropped)",
                wait_until=None if att is None else job_deadline(ctx, att),
            )

    with ThreadPoolExecutor(max_workers=ctx.workers) as pool:
        list(pool.map(one, by_lead))
