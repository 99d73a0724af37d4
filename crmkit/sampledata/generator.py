"""Deterministic sample-org generator.

Writes a Zoho-export-shaped data directory (``Leads.csv``, ``Contacts.csv``,
``Accounts.csv``, ``Deals.csv``, ``org.json``) plus the answers:

- ``ground_truth.csv`` — every exact match Zoho's Lead Conversion Options would
  report (zoho-api.md §4 with the org's configuration: Phone unique in Contacts,
  case-insensitive; no unique field in Accounts). One row per
  ``(lead_id, module, record_id, field)`` with ``route`` in
  ``unique | email | company | name``. Only leads whose conversion options Zoho
  answers with matches are listed: converted, locked (``RECORD_LOCKED``) and
  unapproved (``NOT_APPROVED``) leads get no rows, although many of them were
  planted with duplicates so the error paths have something to refuse.
- ``near_duplicates_truth.csv`` — planted pairs Zoho's exact matching misses
  (typos, nicknames, phone formats, company suffixes, Gmail dots/plus…), and
  hard negatives (role addresses shared by different people, free-mail domains
  shared by unrelated companies) with ``is_match=false``. Same lead states as
  above: only leads Zoho would answer for.
- ``lead_duplicates_truth.csv`` — open leads that duplicate another open lead
  (Zoho's conversion options cannot see these): the groups ``batch`` plants
  (twins, colleagues, name-only and near twins, appended after every other
  lead) and every other group Zoho's rules form lead to lead (``background``).
- ``manifest.json`` — seed, sizes and counts per route.

Everything derives from ``numpy.random.default_rng(seed)``: no wall clock, so the
same arguments give byte-identical files. Word pools are partitioned (see
``names``) so random records never collide by accident; when ``verify`` is on,
an independent, deliberately plain dictionary check recomputes the exact matches
over all records and must agree with what was planted.

This module runs the steps in their fixed order and writes the files; each step
lives in its own module: ``records`` (accounts, contacts, leads, deals, org.json),
``allocate`` (which records are planted as what), ``exact`` and ``near`` (the
planted matches and their truth), ``zoho_example`` (Zoho's documented example),
``checks`` (the independent recomputation).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crmkit.sampledata import checks
from crmkit.sampledata.allocate import allocate
from crmkit.sampledata.batch import open_duplicates_truth, plant_open_duplicates
from crmkit.sampledata.draft import OrgDraft
from crmkit.sampledata.exact import plant_companies, plant_people, plant_states
from crmkit.sampledata.layout import (
    ACCOUNT_COLUMNS,
    BATCH_SHARE,
    CONTACT_COLUMNS,
    DEAL_COLUMNS,
    DEFAULT_SEED,
    LEAD_COLUMNS,
    NEAR_COLUMNS,
    TRUTH_COLUMNS,
    VERIFY_MAX_LEADS,
)
from crmkit.sampledata.near import plant_near_companies, plant_near_people
from crmkit.sampledata.negatives import plant_hard_negatives
from crmkit.sampledata.records import (
    build_accounts,
    build_contacts,
    build_deals,
    build_lead_background,
    dedupe_contact_emails,
    finish_contacts,
    org_json,
)
from crmkit.sampledata.values import Arr, full_name, isin, obj
from crmkit.sampledata.zoho_example import add_pat_boyle

__all__ = ["DEFAULT_SEED", "GenerationReport", "generate"]


@dataclass
class GenerationReport:
    """What ``generate`` wrote: sizes, ground-truth rows per route, planted near-duplicates."""

    out_dir: Path
    seed: int
    sizes: dict[str, int]
    truth_rows_by_route: dict[str, int]
    leads_by_route: dict[str, int]
    near_duplicates: dict[str, int]
    lead_states: dict[str, int]
    verified: bool
    planted: dict[str, int] = field(default_factory=dict)
    open_lead_duplicates: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "sizes": self.sizes,
            "truth_rows_by_route": self.truth_rows_by_route,
            "leads_by_route": self.leads_by_route,
            "near_duplicates": self.near_duplicates,
            "lead_states": self.lead_states,
            "planted": self.planted,
            "open_lead_duplicates": self.open_lead_duplicates,
            "verified": self.verified,
        }


def generate(
    out_dir: str | Path,
    *,
    leads: int = 5000,
    contacts: int = 3000,
    accounts: int = 1200,
    deals: int | None = None,
    seed: int = DEFAULT_SEED,
    verify: bool | None = None,
    open_duplicates: int | None = None,
) -> GenerationReport:
    """Write a deterministic sample org to ``out_dir`` and return what was planted.

    ``deals`` defaults to a third of ``accounts``. ``verify`` (default: on up to
    200,000 leads) recomputes every exact match with :func:`exact_matches` and
    raises if it differs from the planted ground truth in any row.
    ``open_duplicates``: about how many leads to plant as duplicates of other open
    leads, appended on top of ``leads`` (default 8% of ``leads``; 0 for none), so
    ``Leads.csv`` holds ``leads`` plus ``planted["open_duplicate_leads"]`` rows.
    """
    if min(leads, contacts, accounts) < 100:
        raise ValueError(
            f"leads, contacts and accounts must each be at least 100 "
            f"(got {leads}, {contacts}, {accounts})"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_deals = deals if deals is not None else max(1, accounts // 3)
    if open_duplicates is not None and open_duplicates < 0:
        raise ValueError(f"open_duplicates must be 0 or more (got {open_duplicates})")
    n_batch = round(leads * BATCH_SHARE) if open_duplicates is None else open_duplicates
    draft, deal_data = _build(leads - 1, contacts - 2, accounts, n_deals, seed)
    plant_open_duplicates(draft, n_batch)

    lead_df = pd.concat(
        [
            _with_extra(LEAD_COLUMNS, draft.extra_leads, draft.lead),
            _text_frame(LEAD_COLUMNS, draft.batch_leads),
        ],
        ignore_index=True,
    )
    contact_df = _with_extra(CONTACT_COLUMNS, draft.extra_contacts, draft.con)
    account_df = _with_extra(ACCOUNT_COLUMNS, draft.extra_accounts, draft.acc)
    deal_df = _text_frame(DEAL_COLUMNS, deal_data)

    open_ids = set(lead_df["id"][checks.open_mask(lead_df)].tolist())
    truth = pd.DataFrame(draft.truth_rows, columns=TRUTH_COLUMNS, dtype="str")
    truth = truth[isin(truth["lead_id"].to_numpy(dtype=object), open_ids)].drop_duplicates()
    near = pd.DataFrame(draft.near_rows, columns=NEAR_COLUMNS, dtype="str")
    near = near[isin(near["lead_id"].to_numpy(dtype=object), open_ids)]
    truth = truth.sort_values(["lead_id", "module", "record_id", "field"], ignore_index=True)
    near = near.sort_values(["lead_id", "module", "record_id", "route"], ignore_index=True)

    verified = verify if verify is not None else leads <= VERIFY_MAX_LEADS
    if verified:
        checks.verify(lead_df, contact_df, account_df, truth, near)

    for name, frame in (
        ("Leads", lead_df),
        ("Contacts", contact_df),
        ("Accounts", account_df),
        ("Deals", deal_df),
    ):
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    truth.to_csv(out / "ground_truth.csv", index=False, lineterminator="\n")
    near.to_csv(out / "near_duplicates_truth.csv", index=False, lineterminator="\n")
    dup_truth = open_duplicates_truth(lead_df, draft.dup_rows)
    dup_truth.to_csv(out / "lead_duplicates_truth.csv", index=False, lineterminator="\n")
    (out / "org.json").write_text(json.dumps(org_json(draft), indent=2) + "\n", encoding="utf-8")

    states = {
        "open": int(checks.open_mask(lead_df).sum()),
        "converted": int((lead_df["Converted__s"] == "true").sum()),
        "locked": int((lead_df["Locked__s"] == "true").sum()),
        "unapproved": int((lead_df["$approval_state"] != "approved").sum()),
    }
    report = GenerationReport(
        out_dir=out,
        seed=seed,
        sizes={
            "Leads": len(lead_df),
            "Contacts": len(contact_df),
            "Accounts": len(account_df),
            "Deals": len(deal_df),
        },
        truth_rows_by_route=_counts(truth["route"]),
        leads_by_route=_counts(truth.drop_duplicates(["lead_id", "route"])["route"]),
        near_duplicates=_counts(near["route"] + "/" + near["variant"] + "/" + near["is_match"]),
        lead_states=states,
        verified=verified,
        open_lead_duplicates=_dup_counts(dup_truth),
        planted=draft.planted,
    )
    (out / "manifest.json").write_text(
        json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8"
    )
    return report


def _build(
    leads: int, contacts: int, accounts: int, deals: int, seed: int
) -> tuple[OrgDraft, dict[str, Arr]]:
    """Every building step, in the one order that fixes the bytes (each draws from the seed)."""
    draft = OrgDraft(leads, contacts, accounts, deals, seed)
    build_accounts(draft)
    build_contacts(draft)
    build_lead_background(draft)
    alloc = allocate(draft)
    dedupe_contact_emails(draft)
    finish_contacts(draft)
    plant_people(draft, alloc)
    plant_near_people(draft, alloc)
    plant_companies(draft, alloc.slots)
    plant_near_companies(draft, alloc.slots)
    plant_hard_negatives(draft, alloc.slots)
    draft.lead["Full_Name"] = full_name(draft.lead["First_Name"], draft.lead["Last_Name"])
    plant_states(draft)
    add_pat_boyle(draft)
    return draft, build_deals(draft)


def _with_extra(
    columns: list[str], extra: Sequence[dict[str, Any]], bulk: dict[str, Arr]
) -> pd.DataFrame:
    """The hand-planted records (row dicts) first, then the vectorised bulk of the module."""
    planted = _text_frame(columns, {c: obj([r[c] for r in extra]) for c in columns})
    return pd.concat([planted, _text_frame(columns, bulk)], ignore_index=True)


def _text_frame(columns: list[str], data: dict[str, Arr]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(data[c], dtype="str") for c in columns})


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().sort_index().items()}


def _dup_counts(truth: pd.DataFrame) -> dict[str, int]:
    """Leads per tier/kind/variant in ``lead_duplicates_truth.csv``."""
    key = truth["tier"] + "/" + truth["kind"] + "/" + truth["variant"]
    return _counts(key)
