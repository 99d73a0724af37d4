"""The Convert Lead path: one request per lead, `workers` at a time, each journaled before it goes.

Why tries are careful: only a try that provably changed nothing is repeated (429, refused
credentials, never sent). An answer lost on the way is settled by reading the lead back, and an
`ID_ALREADY_CONVERTED` after an earlier attempt of this journal is crmkit's own conversion, not a
refusal. The client's limiter keeps the workers inside Zoho's sub-concurrency pool of 10.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from crmkit.api.errors import (
    AlreadyConvertedError,
    AuthError,
    CRMError,
    NetworkError,
    OutcomeUnknownError,
    RateLimitError,
)
from crmkit.conversion.merge_apply import merge_targets, wants_updates
from crmkit.conversion.plan import request_for
from crmkit.conversion.run_context import RunContext, Snapshot
from crmkit.conversion.settle import lost_answer_note, settle
from crmkit.conversion.validate_values import unsendable

__all__ = ["ConvertLeadWorker"]

log = logging.getLogger("crmkit.conversion")


class ConvertLeadWorker:
    """Converts rows one request per lead, retrying only tries that changed nothing."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.journal = ctx.journal
        self.max_attempts = ctx.options.max_attempts

    def convert_one(self, row: Mapping[str, Any]) -> None:
        """Convert one row's lead: journal, send, journal the answer; count it when through."""
        ctx = self.ctx
        lead_id = str(row["lead_id"])
        request = request_for(row)
        refused = unsendable(request.to_payload())
        if refused is not None:  # nothing sent, nothing journaled open: a rerun after a fix
            self.journal.skip(ctx.run.run_id, lead_id, code="REQUEST_INVALID", message=refused)
            ctx.done(False)
            return
        converted = False
        copies = ctx.options.snapshots or wants_updates(row)  # a merge policy reads the copies
        for attempt in range(1, self.max_attempts + 1):
            before: list[Snapshot] = [("Leads", lead_id, ctx.leads_before.get(lead_id))]
            if copies:
                try:
                    for module in _merged(row, ctx.options.snapshots):
                        snap = ctx.read(module, row[ID_COLUMN[module]])
                        before += [snap] if snap else []
                except CRMError as exc:
                    log.warning("before-copy for lead %s failed: %s", lead_id, exc)
            earlier = self.journal.tried_before(lead_id, ctx.run.run_id)
            aid = self.journal.begin(
                ctx.run.run_id,
                lead_id,
                kind="single",
                request=request.to_payload(),
                before=before,
            )
            try:
                result = ctx.client.convert_lead(lead_id, request)
            except OutcomeUnknownError as exc:
                outcome = settle(ctx, aid, lead_id, note=lost_answer_note(exc))
                if outcome == "not_converted" and attempt < self.max_attempts:
                    continue
                converted = outcome == "converted"
                break
            except AlreadyConvertedError as exc:
                if earlier:
                    # An earlier attempt of ours (answer lost, or a mass job) got there first.
                    outcome = settle(
                        ctx,
                        aid,
                        lead_id,
                        note="ID_ALREADY_CONVERTED after an earlier crmkit attempt",
                    )
                    converted = outcome == "converted"
                    if outcome in ("converted", "unknown"):
                        break
                self.journal.answer(
                    aid,
                    outcome="failed",
                    code=exc.code,
                    message=exc.message,
                    answer={"code": exc.code, "details": exc.details, "message": exc.message},
                )
                break
            except (RateLimitError, NetworkError, AuthError) as exc:
                # Not processed (429, refused credentials) or never sent: nothing changed. The
                # client's retry policy says whether trying again now can help; when not (spent
                # credits, refused credentials, a stalled pool) a rerun later finishes the lead.
                self.journal.answer(
                    aid,
                    outcome="not_converted",
                    code=exc.code or type(exc).__name__,
                    message=str(exc),
                )
                decision = ctx.client.retry.after_error(exc, attempt)
                if attempt < self.max_attempts and decision.action == "retry":
                    ctx.client.retry.sleep(decision.wait)
                    continue
                break
            except CRMError as exc:
                self.journal.answer(
                    aid,
                    outcome="failed",
                    code=exc.code or type(exc).__name__,
                    message=exc.message,
                    answer={
                        "code": exc.code,
                        "details": exc.details,
                        "message": exc.message,
                        "status": exc.status,
                    },
                )
                break
            ids = {
                "Contacts": result.contact_id,
                "Accounts": result.account_id,
                "Deals": result.deal_id,
            }
            message = result.message + _account_mismatch(row, result.account_id)
            after: list[Snapshot] = []
            if copies:
                try:
                    lead_after = ctx.client.get_record("Leads", lead_id, converted="both")
                except CRMError:
                    lead_after = None
                after = ctx.after(lead_after, ids, lead_id, copies=True)
            self.journal.answer(
                aid,
                outcome="converted",
                contact_id=result.contact_id,
                account_id=result.account_id,
                deal_id=result.deal_id,
                code=result.code,
                message=message,
                answer=result.raw,
                after=after,
            )
            converted = True
            break
        ctx.done(converted)

    def convert_all(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Convert these rows, `workers` at a time (a bug in one surfaces once all are through)."""
        if not rows:
            return
        with ThreadPoolExecutor(
            max_workers=max(1, min(self.ctx.workers, len(rows))),
            thread_name_prefix="crmkit-convert",
        ) as pool:
            for future in [pool.submit(self.convert_one, r) for r in rows]:
                future.result()


ID_COLUMN = {"Contacts": "contact_id", "Accounts": "account_id"}


def _merged(row: Mapping[str, Any], snapshots: bool) -> list[str]:
    """The merge targets whose before-copy is taken: the Contact, and the Account the row names
    when no Contact brings one — or also then, when the row's merge policy governs Accounts (it
    needs the Account's values from before the convert)."""
    out = ["Contacts"] if row["contact_action"] == "merge" else []
    if row["account_action"] == "merge" and (
        row["contact_action"] != "merge" or "Accounts" in merge_targets(row)
    ):
        out.append("Accounts")
    if not snapshots:  # copies only for the policy
        out = [m for m in out if m in merge_targets(row)]
    return out


def _account_mismatch(row: Mapping[str, Any], account_id: str | None) -> str:
    """A note when Zoho put the lead in another Account than the plan named.

    A merged Contact brings its own Account (the request cannot name another), so a plan whose
    pair disagrees converts anyway when the live re-check is off: say so in the result, loudly.
    """
    planned = row.get("account_id")
    if row.get("account_action") != "merge" or not planned or str(planned) == str(account_id):
        return ""
    log.warning(
        "lead %s joined Account %s, not the planned %s", row["lead_id"], account_id, planned
    )
    return f"; joined Account {account_id}, not the planned {planned} (the Contact's own Account)"
