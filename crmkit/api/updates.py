"""Update Records (`PUT /crm/v8/{module}`): the body, the call, and one outcome per record.

Why a module of its own: the call is a write answered record by record — Zoho says `SUCCESS` for
one record and `INVALID_DATA` (naming the field, `expected_data_type`) for the next, in request
order — so the answer is not one result or one error but a list of `UpdateOutcome`s the caller
acts on. The body is checked before anything is sent (1 to 100 records, each with a Zoho id), and
the answer is checked against its documented shape: one entry per record sent, each `success` or
`error`. A lost or unreadable answer raises `OutcomeUnknownError` like every write: only reading
the records back can tell what happened. Credits: 1 per 10 records (zoho-api.md §3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crmkit.api.decode import Mismatch, Shape, _kind, _object, _objects, _required
from crmkit.api.ids import zoho_id
from crmkit.api.limits import RetryPolicy
from crmkit.api.send import Call, Sender

__all__ = [
    "MAX_UPDATE_RECORDS",
    "TRIGGERS",
    "UpdateOutcome",
    "send_update",
    "update_body",
    "update_credits",
]

MAX_UPDATE_RECORDS = 100
RECORDS_PER_CREDIT = 10
TRIGGERS = ("approval", "workflow", "blueprint", "pathfinder", "orchestration")


def update_credits(n_records: int) -> int:
    """Credits one Update Records call of `n_records` costs (1 per 10 records, at least 1)."""
    return max(1, math.ceil(n_records / RECORDS_PER_CREDIT))


@dataclass(frozen=True)
class UpdateOutcome:
    """What Zoho answered for one record of an Update Records call.

    `status` is `success` or `error`; `code` Zoho's (`SUCCESS`, `INVALID_DATA`, `RECORD_LOCKED`,
    `MANDATORY_NOT_FOUND`, …); `details` as Zoho sent them (on success `Modified_Time`,
    `Modified_By`, `id`…; on error the field at fault: `api_name`, `json_path`,
    `expected_data_type`, or the `id` Zoho does not know).
    """

    record_id: str
    status: str
    code: str | None
    message: str | None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def modified_time(self) -> str | None:
        """The record's `Modified_Time` after a success (None on an error)."""
        value = self.details.get("Modified_Time") if self.ok else None
        return None if value is None else str(value)

    @property
    def field(self) -> str | None:
        """The field an error names (`details.api_name`), if any."""
        value = self.details.get("api_name")
        return None if value is None else str(value)


def update_body(
    records: Sequence[Mapping[str, Any]], trigger: Sequence[str] = ()
) -> dict[str, Any]:
    """`{"data": [{"id", field: value…}], "trigger": [...]}`, checked before it is sent.

    `trigger=()` sends `"trigger": []`: no workflow, approval or blueprint fires on crmkit's own
    corrections (Zoho runs them all when the key is absent).
    """
    if not records:
        raise ValueError("update_records needs at least one record")
    if len(records) > MAX_UPDATE_RECORDS:
        raise ValueError(
            f"Zoho updates at most {MAX_UPDATE_RECORDS} records a call, got {len(records)}"
        )
    unknown = [t for t in trigger if t not in TRIGGERS]
    if unknown:
        raise ValueError(f"unknown trigger {unknown[0]!r}; Zoho's are {', '.join(TRIGGERS)}")
    data = []
    for i, rec in enumerate(records):
        if "id" not in rec:
            raise ValueError(f"record {i} has no id: Update Records changes records by id")
        data.append({**rec, "id": zoho_id(rec["id"], f"records[{i}].id")})
    return {"data": data, "trigger": list(trigger)}


def answer_shape(n_records: int) -> Shape:
    """One entry per record sent, each `success` or `error` with its code."""

    def check(body: dict[str, Any] | None) -> None:
        if body is None:
            raise Mismatch("$", "no content where one answer per record is documented")
        rows = _objects(_required(body, "data", "$"), "$.data", "answers")
        if len(rows) != n_records:
            raise Mismatch("$.data", f"{len(rows)} answers for {n_records} records sent")
        for i, row in enumerate(rows):
            status = row.get("status")
            if not isinstance(status, str) or status.lower() not in ("success", "error"):
                where = f"$.data[{i}].status"
                raise Mismatch(where, f"{_kind(status)} where success or error is documented")
            if row.get("details") is not None:
                _object(row["details"], f"$.data[{i}].details")

    return check


def outcomes(body: Mapping[str, Any], sent: Mapping[str, Any]) -> list[UpdateOutcome]:
    """The answer's entries paired with the records sent, in request order."""
    out = []
    for entry, rec in zip(body["data"], sent["data"], strict=True):
        details = dict(entry.get("details") or {})
        out.append(
            UpdateOutcome(
                record_id=str(rec["id"]),
                status=str(entry["status"]).lower(),
                code=None if entry.get("code") is None else str(entry["code"]),
                message=None if entry.get("message") is None else str(entry["message"]),
                details=details,
            )
        )
    return out


def send_update(
    sender: Sender,
    policy: RetryPolicy,
    module_segment: str,
    records: Sequence[Mapping[str, Any]],
    trigger: Sequence[str] = (),
) -> list[UpdateOutcome]:
    """Send one Update Records call; one outcome per record, in the order given."""
    body = update_body(records, trigger)
    call = Call(
        "update",
        "PUT",
        f"/{module_segment}",
        json=body,
        write=True,
        shape=answer_shape(len(body["data"])),
        credits=update_credits(len(body["data"])),
    )
    answer = sender.send(call, policy)
    assert answer is not None  # the shape refuses an empty answer
    return outcomes(answer, body)
