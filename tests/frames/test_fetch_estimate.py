"""Both fetch paths' calls, credits and time, from the record counts."""

from __future__ import annotations

import pytest

from crmkit.api.bulk import BulkPolicy
from crmkit.fetch_estimate import METADATA_CALLS, RecordCounts, estimate_fetch, polls_for


def test_a_million_leads_by_each_path() -> None:
    est = estimate_fetch(
        RecordCounts(1_000_000, 500_000, 150_000), users=50, verify=200, job_seconds=60
    )
    api = est.api
    assert api.calls == {
        "metadata": METADATA_CALLS,
        "records": 5_000 + 2_500 + 750,
        "conversion_options": 1_000_000,
    }
    assert api.total_credits == api.total_calls  # one credit a call
    # listing one page after another, options at the Enterprise ceiling of 20
    assert api.seconds == pytest.approx((METADATA_CALLS + 8_250) * 0.3 + 1_000_000 * 0.3 / 20)
    bulk = est.bulk
    jobs = 5 + 3 + 1  # 200,000 records a job
    polls = polls_for(60)
    assert bulk.calls["bulk_create"] == jobs and bulk.calls["bulk_download"] == jobs
    assert bulk.credits["bulk_create"] == 50 * jobs
    assert bulk.credits["bulk_status"] == jobs * polls
    assert bulk.credits["conversion_options"] == 200
    assert bulk.total_credits < api.total_credits / 1000
    text = str(est)
    assert "--via api : 1,008,258 calls, 1,008,258 credits (10.1 days" in text
    assert f"--via bulk: {bulk.total_calls:,} calls, {bulk.total_credits:,} credits" in text
    assert "9 Bulk Read job(s)" in text and "assumed 60 s" in text


def test_polls_follow_the_readers_backoff() -> None:
    policy = BulkPolicy(poll_initial_s=1, poll_factor=2, poll_max_s=4)
    # polls at t = 0, 1, 3, 7, 11: a 10 s job is seen done at the fifth poll
    assert polls_for(10, policy) == 5
    assert polls_for(0, policy) == 1


def test_verify_is_capped_by_the_leads_and_editions_are_checked() -> None:
    est = estimate_fetch(RecordCounts(30, 5, 2), verify=50, edition="Free")
    assert est.bulk.calls["conversion_options"] == 30 and est.verify == 30
    assert est.daily_credits == 5_000 and est.concurrency == 5
    with pytest.raises(ValueError, match="unknown edition"):
        estimate_fetch(RecordCounts(1, 1, 1), edition="platinum")
