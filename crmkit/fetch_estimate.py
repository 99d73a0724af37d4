"""What a fetch costs by each path, printed before anything expensive is sent.

`crmkit fetch` can ask Zoho for every lead's conversion options (`--via api`: one call and one
credit per lead, hours at the org's ceiling for a large org) or export Leads, Contacts and
Accounts by Bulk Read and predict the options offline (`--via bulk`: 50 credits per 200,000
records, plus one credit per lead verified). The user should see both figures side by side, so
this module counts the calls each path makes, from the record counts.

The API path's time is the listing (pages one after another) plus the conversion options at
the concurrency ceiling; the Bulk Read path's is dominated by Zoho's export time, which Zoho
does not publish: `job_seconds` is an assumption and says so. Polls per job follow the client's
own backoff (`crmkit.api.bulk.BulkPolicy`), so the estimate tracks what the reader does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from crmkit.api.bulk import (
    CREATE_CREDITS,
    DOWNLOAD_CREDITS,
    PAGE_SIZE,
    STATUS_CREDITS,
    BulkPolicy,
)
from crmkit.api.limits import EDITION_CONCURRENCY, daily_credits

__all__ = ["FetchEstimate", "PathEstimate", "RecordCounts", "estimate_fetch", "polls_for"]

LIST_PAGE = 200  # records per listing call
# Metadata both paths read: org, the fields of Leads, Contacts and Accounts, modules, layouts of
# Contacts and Accounts, and the edition (the org call the client makes to learn it).
METADATA_CALLS = 8
PREDICT_S_PER_LEAD = 17.2 / 1_000_000  # docs/performance.md "Prediction": 1M leads in 17.2 s


@dataclass(frozen=True)
class RecordCounts:
    leads: int
    contacts: int
    accounts: int


@dataclass(frozen=True)
class PathEstimate:
    """Calls and credits per step of one path, and its time."""

    path: str
    calls: dict[str, int] = field(default_factory=dict)
    credits: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_credits(self) -> int:
        return sum(self.credits.values())


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


@dataclass(frozen=True)
class FetchEstimate:
    """Both paths for the same org, and the assumptions behind the times."""

    counts: RecordCounts
    api: PathEstimate
    bulk: PathEstimate
    edition: str
    concurrency: int
    daily_credits: int | None
    latency_s: float
    job_seconds: float
    verify: int

    def share(self, credits: int) -> str:
        if not self.daily_credits:
            return "unlimited daily credits"
        days = credits / self.daily_credits
        return (
            f"{days:.1f} days of the org's credits"
            if days >= 1
            else f"{days:.1%} of a day's credits"
        )

    def __str__(self) -> str:
        c = self.counts
        head = (
            f"{c.leads:,} leads, {c.contacts:,} contacts, {c.accounts:,} accounts; "
            f"{self.edition} edition, {self.concurrency} in flight, "
            f"{self.latency_s * 1000:.0f} ms a call assumed"
        )
        api = self.api
        bulk = self.bulk
        jobs = bulk.calls.get("bulk_create", 0)
        verify = f", verifying {self.verify:,} leads" if self.verify else ""
        return "\n".join(
            [
                head,
                f"  --via api : {api.total_calls:,} calls, {api.total_credits:,} credits "
                f"({self.share(api.total_credits)}), about {_duration(api.seconds)}",
                f"  --via bulk: {bulk.total_calls:,} calls, {bulk.total_credits:,} credits "
                f"({self.share(bulk.total_credits)}), about {_duration(bulk.seconds)} "
                f"({jobs} Bulk Read job(s), Zoho's export time assumed {self.job_seconds:.0f} s "
                f"each{verify})",
            ]
        )


def polls_for(job_seconds: float, policy: BulkPolicy | None = None) -> int:
    """Status calls the reader makes on a job that takes `job_seconds` (its backoff)."""
    policy = policy or BulkPolicy()
    waited, polls = 0.0, 1
    for wait in policy.intervals():
        if waited >= job_seconds:
            return polls
        waited += wait
        polls += 1
    raise AssertionError("unreachable: intervals never end")


def estimate_fetch(
    counts: RecordCounts,
    *,
    edition: str = "enterprise",
    users: int = 1,
    concurrency: int | None = None,
    latency_s: float = 0.3,
    verify: int = 0,
    page_size: int = PAGE_SIZE,
    job_seconds: float = 60.0,
    policy: BulkPolicy | None = None,
) -> FetchEstimate:
    """Calls, credits and time of `crmkit fetch --via api` and `--via bulk` for these counts."""
    key = edition.strip().lower()
    if key not in EDITION_CONCURRENCY:
        raise ValueError(
            f"unknown edition {edition!r}; expected one of {list(EDITION_CONCURRENCY)}"
        )
    ceiling = concurrency or EDITION_CONCURRENCY[key]
    daily = daily_credits(key, max(users, 1))

    def pages(n: int) -> int:
        return max(1, math.ceil(n / LIST_PAGE))

    listing = pages(counts.leads) + pages(counts.contacts) + pages(counts.accounts)
    api_calls = {
        "metadata": METADATA_CALLS,
        "records": listing,
        "conversion_options": counts.leads,
    }
    api_seconds = (METADATA_CALLS + listing) * latency_s + counts.leads * latency_s / ceiling
    api = PathEstimate("api", api_calls, dict(api_calls), api_seconds)

    jobs = sum(
        max(1, math.ceil(n / page_size)) for n in (counts.leads, counts.contacts, counts.accounts)
    )
    polls = polls_for(job_seconds, policy)
    asked = min(verify, counts.leads)
    bulk_calls = {
        "metadata": METADATA_CALLS + 1,  # + the users, for the owners' names
        "count": 3,
        "bulk_create": jobs,
        "bulk_status": jobs * polls,
        "bulk_download": jobs,
        "conversion_options": asked,
    }
    bulk_credits = dict(bulk_calls)
    bulk_credits["bulk_create"] = jobs * CREATE_CREDITS
    bulk_credits["bulk_status"] = jobs * polls * STATUS_CREDITS
    bulk_credits["bulk_download"] = jobs * DOWNLOAD_CREDITS
    bulk_seconds = (
        (METADATA_CALLS + 4) * latency_s
        + jobs * (job_seconds + 2 * latency_s)
        + asked * latency_s / ceiling
        + counts.leads * PREDICT_S_PER_LEAD
    )
    bulk = PathEstimate("bulk", bulk_calls, bulk_credits, bulk_seconds)
    return FetchEstimate(
        counts, api, bulk, key, ceiling, daily, latency_s, job_seconds, verify=asked
    )
