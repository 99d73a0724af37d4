"""The sample org while it is built: each module's columns, and every answer planted so far.

The building steps (``records``, ``allocate``, ``exact``, ``near``, ``zoho_example``) are functions
over one ``OrgDraft``: they share its columns and its one random generator, and the order
``generator.generate`` calls them in fixes the bytes written. Truth rows are recorded as matches
are planted, so the ground truth comes from the construction, not from a search afterwards.
"""

from __future__ import annotations

import numpy as np

from crmkit.sampledata import names as W
from crmkit.sampledata.values import Arr, Phones, obj, pick, times

__all__ = ["OrgDraft"]


class OrgDraft:
    """Columns per module (``acc``, ``con``, ``lead``: name -> array) plus the planted answers."""

    # Set by the building steps, in this order (records, then allocate / exact / near).
    acc: dict[str, Arr]
    acc_core: Arr  # account name without its suffix
    acc_suffix: Arr  # "" when the name has none
    acc_domain: Arr  # "" when the account has no website
    dup_accounts: Arr  # (source row, case-variant row) pairs under one name
    con: dict[str, Arr]
    con_acc: Arr  # contact -> account row, -1 for none
    con_role: Arr  # contacts sharing a role address (info@…)
    nd_gmail: set[int]  # near-duplicate email targets on gmail.com
    lead: dict[str, Arr]
    fresh_email: Arr  # per lead, an address no contact has
    extra_accounts: list[dict[str, str]]  # Zoho's documented example, added by hand
    extra_contacts: list[dict[str, str]]
    extra_leads: list[dict[str, str]]
    batch_leads: dict[str, Arr]  # open leads planted as duplicates of one another (``batch``)
    dup_rows: list[tuple[str, str, str, str, str, str]]  # their truth (DUP_TRUTH_COLUMNS)

    def __init__(self, leads: int, contacts: int, accounts: int, deals: int, seed: int) -> None:
        self.n_leads, self.n_contacts, self.n_accounts, self.n_deals = (
            leads,
            contacts,
            accounts,
            deals,
        )
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.phones = Phones(self.rng)
        self.truth_rows: list[tuple[str, str, str, str, str]] = []
        self.near_rows: list[tuple[str, str, str, str, str, str]] = []
        self.planted: dict[str, int] = {}
        self.users = [
            {
                "id": str(4876876000000225001 + 17 * i),
                "first_name": f,
                "last_name": last,
                "full_name": f"{f} {last}",
                "email": f"{f.lower()}.{last.lower()}@zylkercorp.com",
                "role": "CEO" if i == 0 else "Sales Representative",
                "profile": "Administrator" if i == 0 else "Standard",
                "status": "active",
            }
            for i, (f, last) in enumerate(W.OWNERS)
        ]

    def common(self, cols: dict[str, Arr], n: int, locked: float, pending: float) -> None:
        """The columns every module has: owner, times, tags, lock and approval state."""
        rng = self.rng
        owner = rng.integers(0, len(self.users), n)
        cols["Owner.id"] = obj([u["id"] for u in self.users])[owner]
        cols["Owner.name"] = obj([u["full_name"] for u in self.users])[owner]
        cols["Created_Time"], cols["Modified_Time"] = times(rng, n)
        t1 = pick(rng, W.TAGS, n)
        t2 = pick(rng, W.TAGS, n)
        r = rng.random(n)
        cols["Tag"] = np.where(r < 0.22, t1, np.where((r < 0.30) & (t1 != t2), t1 + ";" + t2, ""))
        r = rng.random(n)
        cols["Locked__s"] = np.where(r < locked, "true", "false").astype(object)
        r2 = rng.random(n)
        cols["$approval_state"] = np.where(
            r2 < pending / 2, "pending", np.where(r2 < pending, "rejected", "approved")
        ).astype(object)

    def add_truth(self, lead: str, module: str, record: str, fld: str, route: str) -> None:
        """One exact match Zoho would report (a ``ground_truth.csv`` row)."""
        self.truth_rows.append((str(lead), module, str(record), fld, route))

    def add_truths(self, leads: Arr, module: str, records: Arr, fld: str, route: str) -> None:
        """``add_truth`` for pairs of lead ids and record ids."""
        self.truth_rows.extend(
            (str(lead), module, str(r), fld, route) for lead, r in zip(leads, records, strict=True)
        )

    def add_near(
        self, lead: str, module: str, record: str, route: str, variant: str, is_match: bool
    ) -> None:
        """One planted pair Zoho's exact matching misses (a ``near_duplicates_truth.csv`` row)."""
        self.near_rows.append(
            (str(lead), module, str(record), route, variant, "true" if is_match else "false")
        )
