"""`CRMClient.bulk_read` against the sandbox over HTTP: pages, failures, drops, resume, limits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import crmkit
from crmkit.api.bulk import BulkJobFailed, BulkPolicy
from crmkit.frames import read_bulk_pages
from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
USER = {"id": "4876876000000225001", "full_name": "Ava Raman", "email": "ava@zylker.test"}
OWNER = {"id": USER["id"], "name": USER["full_name"]}
LEADS = [
    {
        "id": f"48768760000081000{i:02d}",
        "Last_Name": f"L{i}",
        "Owner": OWNER,
        "Modified_Time": f"2024-05-{i:02d}T09:00:00+05:30",
    }
    for i in range(1, 10)
]
QUICK = BulkPolicy(poll_initial_s=0.02, poll_factor=1.5, poll_max_s=0.2, rate_wait_s=1.2)


@pytest.fixture
def sb(small_sandbox: Start) -> Sandbox:
    sandbox = small_sandbox(leads=LEADS, org={"users": [USER]})
    sandbox.control.configure(bulk_page_size=4, bulk_step_ms=0)
    return sandbox


def read(sb: Sandbox, work: Path, **kw: Any) -> tuple[list[Any], dict[str, int]]:
    with crmkit.connect(sandbox=sb, progress=False) as client:
        pages = list(
            client.bulk_read(
                "Leads", ["Last_Name", "Modified_Time"], workdir=work, policy=QUICK, **kw
            )
        )
        return pages, dict(client.usage.calls)


def ids(pages: list[Any]) -> list[str]:
    return read_bulk_pages([p.path for p in pages])["id"].tolist()


def jobs(sb: Sandbox) -> int:
    return len(sb.control.state()["bulk_jobs"])


def test_every_page_comes_down_and_costs_what_zoho_charges(sb: Sandbox, tmp_path: Path) -> None:
    before = sb.control.state()["limits"]["credits_used"]
    pages, calls = read(sb, tmp_path)
    assert [(p.page, p.count, p.more_records) for p in pages] == [
        (1, 4, True),
        (2, 4, True),
        (3, 1, False),
    ]
    assert ids(pages) == [r["id"] for r in LEADS]
    assert calls["bulk_create"] == 3 and calls["bulk_download"] == 3
    spent = sb.control.state()["limits"]["credits_used"] - before
    # the sandbox charged what the client's ledger counts: 50 a job, 1 a poll and a download
    assert spent == 3 * 50 + calls["bulk_status"] + 3 + calls.get("metadata", 0)
    with crmkit.connect(sandbox=sb, progress=False) as client:
        client.record_count("Leads")
        assert client.usage.credits["count"] == 1


def test_criteria_select_the_records(sb: Sandbox, tmp_path: Path) -> None:
    since = {
        "field": {"api_name": "Modified_Time"},
        "comparator": "greater_than",
        "value": "2024-05-06T00:00:00+00:00",
    }
    pages, _ = read(sb, tmp_path, criteria=since)
    assert ids(pages) == [r["id"] for r in LEADS[5:]]


def test_a_failed_job_is_created_again(sb: Sandbox, tmp_path: Path) -> None:
    sb.control.configure(bulk_page_size=200_000)
    sb.control.add_fault("bulk_read_failed", "/crm/bulk/v8/read", method="POST")
    pages, calls = read(sb, tmp_path)
    assert calls["bulk_create"] == 2 and ids(pages) == [r["id"] for r in LEADS]
    sb.control.add_fault("bulk_read_failed", "/crm/bulk/v8/read", method="POST", count=2)
    with pytest.raises(BulkJobFailed, match="ended in FAILURE after 2 attempt"):
        read(sb, tmp_path / "again")


def test_a_download_dropped_midway_is_resumed(sb: Sandbox, tmp_path: Path) -> None:
    sb.control.add_fault("drop_midway", "/crm/bulk/v8/read/*/result", count=2)
    pages, calls = read(sb, tmp_path)
    assert calls["bulk_download"] == 5  # three pages, two of them twice
    assert ids(pages) == [r["id"] for r in LEADS]


def test_an_expired_token_during_a_download_is_refreshed(sb: Sandbox, tmp_path: Path) -> None:
    sb.control.add_fault("expired_token", "/crm/bulk/v8/read/*/result")
    pages, _ = read(sb, tmp_path)
    assert ids(pages) == [r["id"] for r in LEADS]


def test_a_throttled_download_waits_and_goes_on(sb: Sandbox, tmp_path: Path) -> None:
    # a 429 on a download (the sandbox's window is tested in tests/sandbox): wait, download again
    sb.control.add_fault("429", "/crm/bulk/v8/read/*/result", skip=1)
    with crmkit.connect(sandbox=sb, progress=False) as client:
        pages = list(client.bulk_read("Leads", ["Last_Name"], workdir=tmp_path, policy=QUICK))
        usage = client.usage
    assert ids(pages) == [r["id"] for r in LEADS]
    assert usage.throttled == 1 and usage.calls["bulk_download"] == 3  # a 429 is not charged


def test_a_rerun_reuses_the_jobs_already_created(sb: Sandbox, tmp_path: Path) -> None:
    with crmkit.connect(sandbox=sb, progress=False) as client:
        stream = client.bulk_read("Leads", ["Last_Name"], workdir=tmp_path, policy=QUICK)
        first = next(stream)  # page 2's job is created before page 1 is handed over
        stream.close()
    assert jobs(sb) == 2
    with crmkit.connect(sandbox=sb, progress=False) as client:
        pages = list(client.bulk_read("Leads", ["Last_Name"], workdir=tmp_path, policy=QUICK))
        assert client.usage.calls["bulk_create"] == 1  # page 3 only
        assert client.usage.calls["bulk_download"] == 2  # page 1 was on disk
    assert pages[0].job_id == first.job_id and jobs(sb) == 3
    assert ids(pages) == [r["id"] for r in LEADS]
    assert not list(tmp_path.glob("*.json"))  # forgotten once every page was handed over
