"""crmkit.api.bulk: polling, paging, downloading and resuming, against the sandbox's job model.

The transport here calls the sandbox's Bulk Read registry in process (the real job model and
result files, not a stub); faults a faithful server can show — a download dropped midway, a
429, a failed job, a job the server forgot — are injected at that boundary. The HTTP path is
covered by tests/sandbox/test_sandbox_bulk_http.py and tests/frames/test_bulk_fetch.py.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from crmkit.api.bulk import BulkJobFailed, BulkPolicy, BulkReader, BulkReadError, BulkTimeout
from crmkit.api.errors import CRMError, NetworkError, from_body
from crmkit.frames import read_leads_bulk_zip
from crmkit.sandbox import bulk, bulk_view
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.loader import load_data_dir, write_data_dir
from crmkit.sandbox.runtime import Runtime

USER = {"id": "4876876000000225001", "full_name": "Ava Raman", "email": "ava@zylker.test"}
OWNER = {"id": USER["id"], "name": USER["full_name"]}
N_LEADS = 10


class Clock:
    """A fake clock that `sleep` advances; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def __call__(self) -> float:
        return self.now


class InProcess:
    """The three Bulk Read calls answered by the sandbox's registry, with injectable faults."""

    def __init__(self, rt: Runtime, reads: bulk.BulkReads, limits: bulk.BulkLimits) -> None:
        self.rt, self.reads, self.limits = rt, reads, limits
        self.log: list[str] = []
        self.fail_jobs = 0
        self.drop_downloads = 0  # downloads that stop after half the bytes
        self.throttle_downloads = 0
        self.stuck = False  # status answers IN PROGRESS forever
        self.crash_on_status = 0
        self.lose_results = 0  # downloads answered RESOURCE_NOT_FOUND (the result expired)
        self.next_id = 7_100_000_000_000_000_000

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    @staticmethod
    def _raise(err: ApiError, method: str, path: str) -> CRMError:
        body = err.body()
        inner = body["data"][0] if "data" in body else body
        return from_body(inner, method=method, path=path, status=err.status)

    def bulk_create(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        org = self.rt.org()
        fail = self.fail_jobs > 0
        self.fail_jobs -= fail
        try:
            job = self.reads.create(
                json.loads(json.dumps(body)),
                lambda module: bulk_view.module_view(org, module),
                new_id=self._new_id,
                user={"id": USER["id"], "name": USER["full_name"]},
                limits=self.limits,
                fail=fail,
            )
        except ApiError as err:
            raise self._raise(err, "POST", "/crm/bulk/v8/read") from None
        page = body["query"].get("page") or "token"
        self.log.append(f"create p{page}")
        return {
            "data": [
                {
                    "status": "success",
                    "code": "ADDED_SUCCESSFULLY",
                    "message": "Added successfully.",
                    "details": job.summary(),
                }
            ],
            "info": {},
        }

    def bulk_status(self, job_id: str) -> Mapping[str, Any]:
        if self.crash_on_status:
            self.crash_on_status -= 1
            raise KeyboardInterrupt  # the user stops the run while it polls
        self.log.append(f"status {job_id[-2:]}")
        try:
            job = self.reads.observe(job_id)
        except ApiError as err:
            raise self._raise(err, "GET", f"/crm/bulk/v8/read/{job_id}") from None
        detail = job.detail()
        if self.stuck:
            detail = {**detail, "state": "IN PROGRESS"}
            detail.pop("result", None)
        return {"data": [detail]}

    def bulk_download(self, url: str, sink: BinaryIO) -> None:
        job_id = url.rstrip("/").split("/")[-2]
        self.log.append(f"download {job_id[-2:]}")
        if self.throttle_downloads:
            self.throttle_downloads -= 1
            raise self._raise(ApiError(429, "TOO_MANY_REQUESTS"), "GET", url)
        if self.lose_results:
            self.lose_results -= 1
            raise self._raise(ApiError(400, "RESOURCE_NOT_FOUND", {"resource": "x"}), "GET", url)
        try:
            job = self.reads.admit_download(job_id, self.limits)
        except ApiError as err:
            raise self._raise(err, "GET", url) from None
        assert job.path is not None
        data = job.path.read_bytes()
        if self.drop_downloads:
            self.drop_downloads -= 1
            sink.write(data[: len(data) // 2])
            raise NetworkError("connection dropped (RemoteProtocolError)", method="GET", path=url)
        sink.write(data)


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    leads = [
        {
            "id": f"48768760000076000{i:02d}",
            "Last_Name": f"L{i}",
            "Email": f"l{i}@x.com",
            "Owner": OWNER,
            "Modified_Time": f"2024-03-{i:02d}T10:00:00+05:30",
        }
        for i in range(1, N_LEADS + 1)
    ]
    data = write_data_dir(tmp_path / "org", leads=leads, org={"users": [USER]})
    runtime = Runtime.create(load_data_dir(data))
    yield runtime
    runtime.store.close()


@pytest.fixture
def transport(rt: Runtime) -> Iterator[InProcess]:
    reads = bulk.BulkReads(rt.store)
    yield InProcess(rt, reads, bulk.BulkLimits(progress="poll", page_size=4))
    reads.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def reader(transport: InProcess, tmp_path: Path, clock: Clock, **policy: Any) -> BulkReader:
    settings: dict[str, Any] = {"poll_initial_s": 1.0, "sleep": clock.sleep, "clock": clock}
    settings.update(policy)
    return BulkReader(transport, tmp_path / "work", policy=BulkPolicy(**settings), progress=False)


def ids_of(pages: list[Any]) -> list[str]:
    out: list[str] = []
    for page in pages:
        out += read_leads_bulk_zip(page.path)["id"].tolist()
    return out


EVERY = [f"48768760000076000{i:02d}" for i in range(1, N_LEADS + 1)]


def test_every_page_is_downloaded_and_the_next_created_first(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    pages = list(reader(transport, tmp_path, clock).read("Leads", ["Last_Name", "Email"]))
    assert [(p.page, p.count, p.more_records) for p in pages] == [
        (1, 4, True),
        (2, 4, True),
        (3, 2, False),
    ]
    assert ids_of(pages) == EVERY
    creates = [i for i, e in enumerate(transport.log) if e.startswith("create")]
    downloads = [i for i, e in enumerate(transport.log) if e.startswith("download")]
    assert len(creates) == 3 and len(downloads) == 3
    # page 2 is created (from page 1's token) before page 1 is downloaded
    assert creates[1] < downloads[0] and transport.log[creates[1]] == "create ptoken"
    assert all(p.member == f"{p.job_id}.csv" for p in pages)
    # poll mode: ADDED, IN PROGRESS, COMPLETED, so two waits per job, growing
    assert clock.sleeps[:2] == [1.0, 1.6]


def test_the_wait_is_bounded_and_a_rerun_polls_the_same_job(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    transport.stuck = True
    first = reader(transport, tmp_path, clock, timeout_s=10, poll_max_s=4)
    with pytest.raises(BulkTimeout) as info:
        list(first.read("Leads", ["Last_Name"]))
    job_id = next(iter(transport.reads.jobs))
    assert job_id in str(info.value) and "run again" in str(info.value)
    assert clock.sleeps == [1.0, 1.6, 2.56, 4.0, 0.84]  # capped, and never past the bound
    transport.stuck = False
    pages = list(reader(transport, tmp_path, clock).read("Leads", ["Last_Name"]))
    assert pages[0].job_id == job_id  # the same job, not a new one
    assert sum(e.startswith("create") for e in transport.log) == 3
    assert ids_of(pages) == EVERY


def test_an_interrupted_run_resumes_without_new_jobs_or_downloads(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    first = reader(transport, tmp_path, clock)
    stream = first.read("Leads", ["Last_Name"], forget=True)
    page1 = next(stream)
    transport.crash_on_status = 1  # Ctrl-C while page 2 is polled
    with pytest.raises(KeyboardInterrupt):
        next(stream)
    state = first.state_path("Leads", ["Last_Name"])
    assert state.is_file()
    kept = json.loads(state.read_text())
    assert [p["page"] for p in kept["pages"]] == [1, 2]
    before = list(transport.log)
    pages = list(reader(transport, tmp_path, clock).read("Leads", ["Last_Name"]))
    new = transport.log[len(before) :]
    assert [p.job_id for p in pages[:2]] == [page1.job_id, kept["pages"][1]["job_id"]]
    assert f"download {page1.job_id[-2:]}" not in new  # page 1 was already on disk
    assert sum(e.startswith("create") for e in new) == 1  # only page 3 is new
    assert ids_of(pages) == EVERY
    assert not state.exists()  # forgotten once every page was handed over
    assert all(p.path.exists() for p in pages)


def test_a_failed_job_is_created_again_then_reported(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    transport.fail_jobs = 1
    pages = list(reader(transport, tmp_path, clock).read("Contacts", []))
    assert len(pages) == 1 and sum(e.startswith("create") for e in transport.log) == 2
    transport.fail_jobs = 2
    with pytest.raises(BulkJobFailed) as info:
        list(reader(transport, tmp_path, clock).read("Leads", ["Email"]))
    failed = [j for j in transport.reads.jobs.values() if j.state == "FAILURE"][-1]
    assert failed.id in str(info.value) and "FAILURE" in str(info.value)
    assert "after 2 attempt(s)" in str(info.value)


def test_a_download_dropped_midway_is_fetched_again(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    transport.drop_downloads = 2
    pages = list(reader(transport, tmp_path, clock).read("Leads", ["Email"]))
    assert ids_of(pages) == EVERY
    assert sum(e.startswith("download") for e in transport.log) == 5  # 3 pages + 2 retries
    assert not list((tmp_path / "work").glob("*.part"))
    for page in pages:
        with zipfile.ZipFile(page.path) as archive:
            assert archive.testzip() is None


def test_downloads_that_keep_dropping_end_in_an_error(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    transport.drop_downloads = 99
    with pytest.raises(BulkReadError, match="could not be downloaded in 3 attempts"):
        list(reader(transport, tmp_path, clock, download_attempts=3).read("Leads", ["Email"]))


def test_a_throttled_download_waits_a_minute(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    transport.throttle_downloads = 1
    pages = list(reader(transport, tmp_path, clock).read("Contacts", []))
    assert len(pages) == 1 and 60.0 in clock.sleeps


def test_a_forgotten_job_is_created_again(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    first = reader(transport, tmp_path, clock)
    stream = first.read("Leads", ["Email"])
    next(stream)
    stream.close()
    transport.reads.reset()  # the server forgot every job (Zoho: results expire)
    pages = list(reader(transport, tmp_path, clock).read("Leads", ["Email"]))
    assert ids_of(pages) == EVERY


def test_a_result_gone_before_its_download_is_exported_again(
    transport: InProcess, tmp_path: Path, clock: Clock
) -> None:
    transport.lose_results = 1
    pages = list(reader(transport, tmp_path, clock).read("Contacts", []))
    assert len(pages) == 1 and sum(e.startswith("create") for e in transport.log) == 2
    transport.lose_results = 99
    with pytest.raises(BulkReadError, match="keeps disappearing"):
        list(reader(transport, tmp_path, clock).read("Leads", ["Email"]))


def test_criteria_travel_in_the_query(transport: InProcess, tmp_path: Path, clock: Clock) -> None:
    since = {
        "field": {"api_name": "Modified_Time"},
        "comparator": "greater_than",
        "value": "2024-03-07T00:00:00+00:00",
    }
    work = reader(transport, tmp_path, clock)
    pages = list(work.read("Leads", ["Modified_Time"], criteria=since))
    assert ids_of(pages) == EVERY[6:]
    assert work.state_path("Leads", ["Modified_Time"], since) != work.state_path(
        "Leads", ["Modified_Time"]
    )


def test_old_state_is_not_resumed(transport: InProcess, tmp_path: Path, clock: Clock) -> None:
    first = reader(transport, tmp_path, clock)
    stream = first.read("Leads", ["Email"])
    next(stream)
    stream.close()
    path = first.state_path("Leads", ["Email"])
    kept = json.loads(path.read_text())
    kept["created_at"] -= 2 * 24 * 3600
    path.write_text(json.dumps(kept))
    before = sum(e.startswith("create") for e in transport.log)
    list(reader(transport, tmp_path, clock).read("Leads", ["Email"]))
    assert sum(e.startswith("create") for e in transport.log) - before == 3


def test_policy_rejects_unbounded_waits() -> None:
    with pytest.raises(ValueError, match="positive timeout"):
        BulkPolicy(timeout_s=0)
    with pytest.raises(ValueError, match="download_attempts"):
        BulkPolicy(download_attempts=0)
