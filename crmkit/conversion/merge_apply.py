"""The applying step: what a row's merge policy wants that Zoho's conversion did not do, written
with Update Records right after the run's converts, exactly once, never over someone else's edit.

Why after the convert and not in it: Zoho's conversion maps the lead onto the merged Contact and
Account by the org's mapping and has no knob for which values win. So crmkit lets Zoho convert
first, then, per merged record, computes `merge_policy.updates_after_convert(policy, module,
before, lead, after)` — `before` the journaled copy from before the convert, `lead` the lead's
values mapped onto the module, `after` the journaled copy right after — and writes the difference.

Safety, in order:
- *Conflicts.* The record is read again just before the update. If its `Modified_Time` moved since
  the after-convert copy, or a field about to be written no longer holds what the convert left,
  someone else changed it: nothing is written, the row says `conflict`. (Zoho's `Modified_Time`
  has one-second resolution; comparing the fields too catches an edit within the second.)
- *Exactly once.* Each record's update is journaled (`journal_updates`) before the call and
  answered after it. A lost answer (a dropped connection, a killed process) is settled by reading
  the record back: holding every value sent -> `applied`; not -> sent once more (re-checked for a
  conflict first); lost again and still not there -> `failed`. The convert is never repeated: the
  step reads only leads the journal records converted.
- *Nothing lost.* The before copy stays in the journal; a merged lead whose update met a conflict
  or an error is still converted, and its result's `merge_update` says so.

Calls: a read per record, then one Update Records call per module per <= 100 records.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from crmkit.api.errors import AuthError, CRMError, NetworkError, OutcomeUnknownError, RateLimitError
from crmkit.api.updates import MAX_UPDATE_RECORDS, UpdateOutcome
from crmkit.conversion.field_diffs import mapped_lead
from crmkit.conversion.journal import Journal
from crmkit.conversion.journal_updates import FINAL_UPDATE_OUTCOMES, PendingUpdate, UpdateJournal
from crmkit.conversion.merge_policy import (
    MergePolicy,
    MergePolicyError,
    same_value,
    updates_after_convert,
)
from crmkit.conversion.run_context import RunContext
from crmkit.mapping import ConversionMapping

__all__ = ["apply_merge_policies", "merge_targets", "policy_of", "wants_updates"]

log = logging.getLogger("crmkit.conversion")

MAX_SENDS = 2  # a lost answer whose values are not there is sent once more, never a third time
# Data types no Update Records call may write (Zoho computes them).
_COMPUTED = frozenset({"formula", "autonumber", "rollup_summary", "lookup", "ownerlookup"})


def policy_of(row: Mapping[str, Any]) -> MergePolicy:
    """The row's merge policy (`merge_policy` cell; empty or absent: `zoho`)."""
    text = row.get("merge_policy")
    try:
        return MergePolicy.parse(text if isinstance(text, str) else None)
    except MergePolicyError:  # validated with the plan; an unreadable cell changes nothing
        log.warning("lead %s: merge policy %r unreadable; left to Zoho", row.get("lead_id"), text)
        return MergePolicy()


def wants_updates(row: Mapping[str, Any]) -> bool:
    """True when the row merges into a record its policy governs (so copies must be taken)."""
    policy = policy_of(row)
    return not policy.is_zoho and bool(merge_targets(row, policy))


def merge_targets(row: Mapping[str, Any], policy: MergePolicy | None = None) -> list[str]:
    """The modules whose merged record this row's policy may correct (`Contacts`, `Accounts`)."""
    policy = policy if policy is not None else policy_of(row)
    out = []
    for module, action in (("Contacts", "contact_action"), ("Accounts", "account_action")):
        governed = module in policy.defaults or any(m == module for m, _ in policy.overrides)
        if row.get(action) == "merge" and governed:
            out.append(module)
    return out


@dataclass(frozen=True)
class _Work:
    """One merged record to correct, with what the policy reads."""

    lead_id: str
    attempt_id: int
    module: str
    record_id: str
    policy: MergePolicy
    prior: PendingUpdate | None
    earlier: tuple[str, ...] = ()  # leads of this run merged into the record before this one


def apply_merge_policies(ctx: RunContext, jr: Journal, rows: Sequence[Mapping[str, Any]]) -> None:
    """Settle updates a crash left open, then correct every merged record still to do."""
    updates = UpdateJournal(jr)
    run_id = ctx.run.run_id
    lost = [u for u in updates.latest(run_id).values() if u.outcome == "unknown"]
    for item in lost:
        _settle(ctx, updates, item, note="answer lost (process stopped or connection dropped)")
    mapping: ConversionMapping | None = None
    for _ in range(MAX_SENDS):
        work = _to_do(ctx, jr, updates, rows)
        if not work:
            return
        if mapping is None:
            try:
                mapping = ConversionMapping.from_client(ctx.client)
            except CRMError as exc:
                log.warning("merge policies not applied now (mapping unread): %s", exc)
                _not_now(updates, run_id, work, f"the conversion mapping could not be read ({exc})")
                return
        by_module: dict[str, list[_Work]] = {}
        for w in work:
            by_module.setdefault(w.module, []).append(w)
        for module, items in by_module.items():
            for start in range(0, len(items), MAX_UPDATE_RECORDS):
                _apply(ctx, updates, mapping, module, items[start : start + MAX_UPDATE_RECORDS])


def _to_do(
    ctx: RunContext, jr: Journal, updates: UpdateJournal, rows: Sequence[Mapping[str, Any]]
) -> list[_Work]:
    """The records still to correct. Several leads of the run merged into one record: the last
    converted one's policy is applied (over the record as the first found it), the others are
    `skipped` (`MERGED_AGAIN`) — each convert moved the record, none is someone else's edit."""
    run_id = ctx.run.run_id
    last = jr.last_attempts(run_id)
    latest = updates.latest(run_id)
    groups: dict[tuple[str, str], list[_Work]] = {}
    for row in rows:
        lead_id = str(row["lead_id"])
        policy = policy_of(row)
        att = last.get(lead_id)
        if policy.is_zoho or att is None or att["outcome"] != "converted":
            continue
        for module in merge_targets(row, policy):
            record_id = att["contact_id"] if module == "Contacts" else att["account_id"]
            if record_id is None:
                continue
            prior = latest.get((lead_id, module, str(record_id)))
            item = _Work(lead_id, int(att["attempt_id"]), module, str(record_id), policy, prior)
            groups.setdefault((module, str(record_id)), []).append(item)
    out: list[_Work] = []
    for items in groups.values():
        items.sort(key=lambda w: w.attempt_id)
        *earlier, final = items
        for w in earlier:
            if w.prior is None or w.prior.outcome not in FINAL_UPDATE_OUTCOMES:
                uid = _row_of(updates, run_id, w)
                _nothing_written(
                    updates,
                    uid,
                    "skipped",
                    "MERGED_AGAIN",
                    f"lead {final.lead_id} of this run merged into the record after this "
                    "one: its policy is applied instead",
                )
        open_ = final.prior is None or final.prior.outcome not in {
            *FINAL_UPDATE_OUTCOMES,
            "unknown",
        }
        if open_:
            out.append(replace(final, earlier=tuple(w.lead_id for w in earlier)))
    return out


def _row_of(updates: UpdateJournal, run_id: int, w: _Work) -> int:
    if w.prior is not None:
        return w.prior.update_id
    return updates.new(run_id, w.lead_id, w.attempt_id, w.module, w.record_id)


def _nothing_written(
    updates: UpdateJournal, uid: int, outcome: str, code: str, message: str
) -> None:
    """Settle a record's update row without a call: nothing sent, nothing changed."""
    updates.decide(uid, outcome=outcome, fields={}, old={}, record=None, code=code, message=message)


def _not_now(updates: UpdateJournal, run_id: int, items: Sequence[_Work], why: str) -> None:
    """Records whose update cannot be worked out now (metadata unread): open for a rerun."""
    for w in items:
        uid = _row_of(updates, run_id, w)
        _nothing_written(updates, uid, "not_sent", "READ_FAILED", f"{why}; a rerun tries again")


def _apply(
    ctx: RunContext,
    updates: UpdateJournal,
    mapping: ConversionMapping,
    module: str,
    items: Sequence[_Work],
) -> None:
    """Decide each record (unchanged / conflict / to send), then one call for those to send."""
    run_id = ctx.run.run_id
    try:
        writable = _writable(ctx.client.fields(module))
    except CRMError as exc:
        log.warning("merge policies on %s not applied now (fields unread): %s", module, exc)
        _not_now(updates, run_id, items, f"the {module} fields could not be read ({exc})")
        return
    sends: list[tuple[int, dict[str, Any]]] = []
    begun: list[tuple[int, Mapping[str, Any], Mapping[str, Any], Mapping[str, Any] | None]] = []
    for w in items:
        uid = _row_of(updates, run_id, w)
        # the record as it was before the run's first convert into it
        before = updates.first_before(run_id, (*w.earlier, w.lead_id), module, w.record_id)
        if before is None:
            _nothing_written(
                updates,
                uid,
                "failed",
                "NO_BEFORE_COPY",
                "no copy of the record from before the convert: the policy cannot tell "
                "its existing values; nothing written",
            )
            continue
        lead = updates.snapshot(run_id, w.lead_id, "before", "Leads") or updates.snapshot(
            run_id, w.lead_id, "after", "Leads"
        )
        after = updates.snapshot(run_id, w.lead_id, "after", module, w.record_id)
        try:
            current = ctx.client.get_record(module, w.record_id)
        except CRMError as exc:
            _nothing_written(
                updates,
                uid,
                "not_sent",
                "READ_FAILED",
                f"the record could not be read before the update ({exc}); a rerun tries again",
            )
            continue
        if current is None:
            _nothing_written(
                updates,
                uid,
                "failed",
                "RECORD_GONE",
                "the record no longer exists",
            )
            continue
        reference = after if after is not None else current
        lead_values = mapped_lead(mapping, lead or {}, module)  # as the preview maps it
        fields = _fields(lead_values, module, w.policy, writable)
        wanted = updates_after_convert(w.policy, module, before, lead_values, reference, fields)
        old = {name: current.get(name) for name in wanted}
        if not wanted:
            updates.decide(uid, outcome="unchanged", fields={}, old={}, record=current)
            continue
        moved = _changed_since(reference, current, wanted)
        if moved is not None:
            updates.decide(
                uid,
                outcome="conflict",
                fields=wanted,
                old=old,
                record=current,
                code="CONFLICT",
                message=f"{moved} since the convert: someone else changed the record, so crmkit "
                "did not overwrite it",
            )
            continue
        sends.append((uid, {"id": w.record_id, **wanted}))
        begun.append((uid, wanted, old, current))
    if not sends:
        return
    updates.begin(begun)
    try:
        answers = ctx.client.update_records(module, [body for _, body in sends])
    except OutcomeUnknownError as exc:
        for uid, _ in sends:
            item = _pending_of(updates, ctx.run.run_id, uid)
            if item is not None:
                _settle(ctx, updates, item, note=f"answer lost: {exc.code or exc.message}")
        return
    except (RateLimitError, NetworkError, AuthError) as exc:
        for uid, _ in sends:  # not processed, or never sent: nothing changed
            updates.answer(uid, outcome="not_sent", code=exc.code or type(exc).__name__,
                           message=str(exc))  # fmt: skip
        return
    except CRMError as exc:
        for uid, _ in sends:  # refused as a whole
            updates.answer(
                uid,
                outcome="failed",
                code=exc.code or type(exc).__name__,
                message=exc.message,
                answer={"code": exc.code, "details": exc.details, "message": exc.message},
            )
        return
    for (uid, _), outcome in zip(sends, answers, strict=True):
        _record_answer(updates, uid, outcome)


def _record_answer(updates: UpdateJournal, uid: int, outcome: UpdateOutcome) -> None:
    answer = {
        "code": outcome.code,
        "details": dict(outcome.details),
        "message": outcome.message,
        "status": outcome.status,
    }
    if outcome.ok:
        updates.answer(uid, outcome="applied", code=outcome.code, message=outcome.message,
                       answer=answer)  # fmt: skip
        return
    where = f" ({outcome.field})" if outcome.field else ""
    updates.answer(
        uid,
        outcome="failed",
        code=outcome.code,
        message=f"{outcome.message}{where}",
        answer=answer,
    )


def _settle(ctx: RunContext, updates: UpdateJournal, item: PendingUpdate, *, note: str) -> None:
    """A sent update whose answer was lost: applied if the record holds every value sent."""
    try:
        record = ctx.client.get_record(item.module, item.record_id)
    except CRMError as exc:
        log.warning("read-back of %s %s failed: %s", item.module, item.record_id, exc)
        return  # stays unknown: the next run reads it back
    if record is None:
        updates.answer(item.update_id, outcome="failed", code="RECORD_GONE",
                       message=f"{note}; the record no longer exists", state="settled")  # fmt: skip
        return
    if all(same_value(record.get(k), v) for k, v in item.fields.items()):
        updates.answer(
            item.update_id,
            outcome="applied",
            code="SETTLED_BY_READ_BACK",
            message=f"{note}; the record reads back with the values sent",
            answer={"read_back": {k: record.get(k) for k in item.fields}},
            state="settled",
        )
        return
    again = item.tries < MAX_SENDS
    updates.answer(
        item.update_id,
        outcome="not_sent" if again else "failed",
        code="LOST_NOT_APPLIED",
        message=f"{note}; the record reads back without the values sent"
        + (", so they are sent once more" if again else ", after a second try: not applied"),
        answer={"read_back": {k: record.get(k) for k in item.fields}},
        state="settled",
    )


def _pending_of(updates: UpdateJournal, run_id: int, uid: int) -> PendingUpdate | None:
    return next((u for u in updates.latest(run_id).values() if u.update_id == uid), None)


def _changed_since(
    after: Mapping[str, Any], current: Mapping[str, Any], wanted: Mapping[str, Any]
) -> str | None:
    """How the record moved since the after-convert copy (None: it did not)."""
    then, now_ = after.get("Modified_Time"), current.get("Modified_Time")
    if then is not None and now_ is not None and str(then) != str(now_):
        return f"Modified_Time moved from {then} to {now_}"
    edited = [k for k in wanted if not same_value(after.get(k), current.get(k))]
    if edited:
        return f"{', '.join(sorted(edited))} changed"
    return None


def _writable(fields: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Fields an Update Records call may write: not read-only, not computed by Zoho."""
    return frozenset(
        str(f["api_name"])
        for f in fields
        if f.get("api_name")
        and not f.get("read_only")
        and not f.get("field_read_only")
        and str(f.get("data_type", "")) not in _COMPUTED
    )


def _fields(
    lead_values: Mapping[str, Any], module: str, policy: MergePolicy, writable: frozenset[str]
) -> list[str]:
    """The fields the policy decides: those the mapping fills, and those it names, if writable."""
    named = [f for m, f in policy.overrides if m == module]
    return sorted({*lead_values, *named} & writable)
