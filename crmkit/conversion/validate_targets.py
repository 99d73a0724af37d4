"""Rules about the Account a merged Contact brings along: its lock, and what `overwrite` does to it.

Why apart from `validate`: Zoho reaches this Account without the request naming it (the lead joins
the merged Contact's Account), so its facts come from two places — the lead's Account candidates
in the `matches` frame when the Account is among them (offline), and the Account record itself,
which the live re-check reads (`Facts.accounts`). Zoho refuses a locked one with RECORD_LOCKED
("You cannot perform this operation as the record is locked."), and `overwrite: true` renames it
to the lead's Company (the Kaizen 137 article: "overwrites the Contact's Account name").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crmkit.conversion.facts import text, truthy

__all__ = ["check_contact_account"]

Add = Callable[[str, str, str], None]


def check_contact_account(
    row: Mapping[str, Any],
    contact: Mapping[str, Any] | None,
    lead_cands: Mapping[str, Any],
    accounts: Mapping[str, Mapping[str, Any] | None] | None,
    company: str | None,
    add: Add,
) -> None:
    """A merged Contact's Account: refused when locked; a warning when `overwrite` renames it.

    `company` is the lead's Company (None: none; anything not a str: unknown).
    """
    if row["contact_action"] != "merge" or contact is None or not contact.get("account_id"):
        return
    account_id = str(contact["account_id"])
    record = (accounts or {}).get(account_id)
    candidate = lead_cands.get("Accounts", {}).get(account_id)
    locked = (record is not None and truthy(record.get("Locked__s"))) or (
        candidate is not None and bool(candidate.get("locked"))
    )
    if locked:
        add(
            "target_locked",
            "contact_id",
            f"Contact {row['contact_id']} belongs to Account {account_id}, which is locked: "
            "Zoho refuses to associate the lead with it (RECORD_LOCKED)",
        )
    if not row["overwrite"] or not isinstance(company, str):
        return
    name = text(record.get("Account_Name")) if record is not None else None
    name = name or text(contact.get("account_name"))
    if name is not None and name.strip().casefold() != company.strip().casefold():
        add(
            "overwrite_renames_account",
            "overwrite",
            f"overwrite renames Account {account_id} from {name!r} to the lead's Company "
            f"{company!r} (every Contact and Deal of that Account shows the new name)",
        )
