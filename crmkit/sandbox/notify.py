"""The outbox: owner e-mails Zoho would send after a conversion, recorded instead of sent.

Tests and notebooks read it through the control surface (`GET /__sandbox__/outbox`) to check the
`notify_lead_owner` / `notify_new_entity_owner` flags did what a user asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from crmkit.sandbox.loader import Record
from crmkit.sandbox.org import User

Message = dict[str, Any]


@dataclass
class Outbox:
    """Messages in the order conversions recorded them; cleared by `reset()`."""

    messages: list[Message] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)

    def clear(self) -> None:
        self.messages.clear()

    def conversion(
        self,
        lead: Record,
        records: dict[str, Any],
        created: dict[str, Any],
        *,
        lead_owner: User | None,
        new_owner: User | None,
        ts: str,
    ) -> None:
        """Record what one conversion notifies.

        `records` is every record the lead became (the convert answer's `details`), `created` the
        ones made new. `lead_owner` / `new_owner` are None when their flag was not set; the new
        owner is told only when something was created for them.
        """
        name = lead.get("Full_Name")
        if lead_owner is not None:
            self.messages.append(
                _message(
                    "notify_lead_owner",
                    lead_owner,
                    f"Lead {name} has been converted",
                    lead,
                    records,
                    ts,
                )
            )
        if new_owner is not None and created:
            self.messages.append(
                _message(
                    "notify_new_entity_owner",
                    new_owner,
                    f"New records from lead {name} are assigned to you",
                    lead,
                    created,
                    ts,
                )
            )


def _message(
    kind: str, to: User, subject: str, lead: Record, records: dict[str, Any], ts: str
) -> Message:
    return {
        "kind": kind,
        "to": to.email,
        "user_id": to.id,
        "subject": subject,
        "lead_id": lead["id"],
        "records": records,
        "time": ts,
    }
