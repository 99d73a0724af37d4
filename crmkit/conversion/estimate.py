"""What running a plan will cost, shown before anything is sent: calls, credits and time.

Why: credits are a daily budget shared by every integration of the org, and converting is the
most expensive call (5 credits). The figures follow exactly the calls `execute` makes, so the
estimate is a promise the bench holds it to.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from crmkit.api.limits import CALL_CREDITS as CREDITS
from crmkit.api.limits import SUB_CONCURRENCY, call_credits
from crmkit.api.updates import MAX_UPDATE_RECORDS, update_credits
from crmkit.conversion.contact_roles import plan_has_roles
from crmkit.conversion.execute_options import Mode, check_mode
from crmkit.conversion.facts import merged_contact_accounts
from crmkit.conversion.merge_apply import merge_targets
from crmkit.conversion.plan import mass_key, rows_of
from crmkit.wording import plural

__all__ = ["CREDITS", "Estimate", "estimate", "mass_groups"]

MASS_CHUNK = 50
MASS_JOBS_IN_FLIGHT = 4  # execute keeps this many Mass Convert jobs running at once
METADATA_CALLS = 5  # modules, fields of Contacts/Accounts/Deals, users


@dataclass(frozen=True)
class Estimate:
    """Calls and credits per call type, and seconds at the org's ceiling for a given latency."""

    leads: int
    single: int
    mass: int
    mass_jobs: int
    calls: dict[str, int] = field(default_factory=dict)
    credits: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    latency_s: float = 0.0
    concurrency: int = 10

    @property
    def total_calls(self) -> int:
        """Every call the run makes."""
        return sum(self.calls.values())

    @property
    def total_credits(self) -> int:
        """Every credit the run spends."""
        return sum(self.credits.values())

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.calls.items()))
        return (
            f"{plural(self.leads, 'lead')} ({self.single} by Convert Lead, {self.mass} by Mass "
            f"Convert in {plural(self.mass_jobs, 'job')}): {plural(self.total_calls, 'call')} "
            f"({parts}), {plural(self.total_credits, 'credit')}, about {self.seconds:.0f} s at "
            f"{self.concurrency} in flight and {self.latency_s * 1000:.0f} ms per call"
        )


def mass_groups(plan: pd.DataFrame, *, min_size: int = 2) -> dict[str, list[str]]:
    """Leads that may share Mass Convert jobs, by shared options; groups below `min_size` are left
    to Convert Lead (a lone lead gains nothing from a job it must poll and read back)."""
    groups: dict[str, list[str]] = {}
    for row in rows_of(plan):
        key = mass_key(row)
        if key is not None:
            groups.setdefault(key, []).append(str(row["lead_id"]))
    return {k: v for k, v in groups.items() if len(v) >= min_size}


def estimate(
    plan: pd.DataFrame,
    *,
    mode: Mode = "auto",
    recheck: bool = True,
    snapshots: bool = True,
    concurrency: int = 10,
    latency_s: float = 0.3,
    polls_per_job: int = 2,
    poll_interval: float = 1.0,
    mass_min: int = 2,
) -> Estimate:
    """Estimate the calls `execute(plan, mode=...)` makes if nothing fails.

    Per lead: the live re-check reads the lead and its conversion options (2 calls), plus each
    Account a merged Contact brings (`merged_contact_accounts`); Convert Lead
    (5 credits); with `snapshots`, a before-copy of each merge target and an after-copy of the lead
    and of the Contact, Account and Deal it became. Mass Convert: one call per job of <= 50, polls,
    and a read-back of each lead (which is also its after-copy). A merge policy (`merge_policy`)
    on a merged Contact or Account: the mapping's metadata (2 calls), a read of each record right
    before its update, and one Update Records call per <= 100 records of a module (1 credit per
    10 records) — an upper bound: a record the policy leaves as Zoho did is not updated.
    """
    mode = check_mode(mode)
    rows = {str(r["lead_id"]): r for r in rows_of(plan)}
    in_mass: set[str] = set()
    jobs = 0
    if mode != "single":
        for ids in mass_groups(plan, min_size=1 if mode == "mass" else mass_min).values():
            in_mass.update(ids)
            jobs += math.ceil(len(ids) / MASS_CHUNK)
    calls: Counter[str] = Counter()
    if recheck and rows:
        calls["metadata"] += METADATA_CALLS
        calls["read"] += len(rows)
        calls["conversion_options"] += len(rows)
        calls["read"] += len(merged_contact_accounts(plan))  # the Accounts merged Contacts bring
    if rows and plan_has_roles(rows.values()):
        calls["metadata"] += 1  # the org's Contact Roles, to check and send roles picked by name
    corrected: Counter[str] = Counter()  # merged records a merge policy may correct, per module
    for lead_id, row in rows.items():
        account_after = row["account_action"] != "none" or row["contact_action"] == "merge"
        targets = merge_targets(row) if lead_id not in in_mass else []
        corrected.update(targets)
        deal = any(row[c] is not None for c in ("deal_name", "stage", "pipeline"))
        if targets and not snapshots:  # the policy's own before- and after-copies
            calls["read"] += len(targets) + 2 + int(account_after) + int(deal)
        if lead_id in in_mass:
            calls["read"] += 1  # read-back (the lead's after-copy)
            if snapshots:
                calls["read"] += 1 + int(account_after) + int(deal)
            continue
        calls["convert"] += 1
        if snapshots:
            calls["read"] += int(row["contact_action"] == "merge")
            calls["read"] += int(
                row["account_action"] == "merge"
                and (row["contact_action"] != "merge" or "Accounts" in targets)
            )
            calls["read"] += 2 + int(account_after) + int(deal)
    if jobs:
        calls["mass_convert"] += jobs
        calls["mass_convert_status"] += jobs * polls_per_job
    update_credit = 0
    if corrected:  # the mapping (Leads fields, layouts); each record read right before its update
        calls["metadata"] += 2 + (0 if recheck else len(corrected))
        calls["read"] += sum(corrected.values())
        for n in corrected.values():  # one Update Records call per <= 100 records per module
            sizes = [MAX_UPDATE_RECORDS] * (n // MAX_UPDATE_RECORDS) + [n % MAX_UPDATE_RECORDS]
            sizes = [k for k in sizes if k]
            calls["update"] += len(sizes)
            update_credit += sum(update_credits(k) for k in sizes)
    credits = {k: v * call_credits(k) for k, v in calls.items()}
    if update_credit:
        credits["update"] = update_credit
    sub = min(SUB_CONCURRENCY, concurrency)
    seconds = calls["convert"] * latency_s / sub
    reads = sum(v for k, v in calls.items() if k not in ("convert", "mass_convert_status"))
    seconds += reads * latency_s / concurrency
    seconds += math.ceil(jobs / MASS_JOBS_IN_FLIGHT) * polls_per_job * (latency_s + poll_interval)
    return Estimate(
        leads=len(rows),
        single=len(rows) - len(in_mass),
        mass=len(in_mass),
        mass_jobs=jobs,
        calls=dict(calls),
        credits=credits,
        seconds=seconds,
        latency_s=latency_s,
        concurrency=concurrency,
    )
