"""Bulk Read jobs as Zoho runs them: create -> ADDED -> IN PROGRESS -> COMPLETED | FAILURE.

A job exports one page of a query (up to `page_size` records, Zoho's 200,000 by default) to a
ZIP holding one CSV (`bulk_csv`), written by a worker thread so the server keeps answering
while a large page is written. The result records `count`, `more_records` and, when there is
more, a `next_page_token`; the next page is another job (`query.page` + 1, or that token).

Limits (zoho-api.md §3, docs/sandbox.md "Bulk Read"): at most `max_jobs` jobs ADDED or IN
PROGRESS at once (429 beyond — a sandbox decision, Zoho publishes no figure), and
`downloads_per_window` result downloads per `download_window_s` (Zoho: 10 a minute, 429
beyond; only accepted downloads count). Credits are charged by the routes (initialize 50,
status and download 1).

Progress: `time` (the worker waits `step_ms` before and after the export) or `poll` (each
status call moves the job one state: the first answers ADDED, the next IN PROGRESS, then the
outcome once the export is written), the deterministic mode tests use.

Records are exported in id order (Zoho offers no sorting), converted leads included: the
Bulk Read body has no `converted` parameter, so the export is the whole module and the
`Converted__s` column tells.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crmkit.sandbox import bulk_csv
from crmkit.sandbox.bulk_criteria import Criteria, kind_of, parse_criteria
from crmkit.sandbox.bulk_pages import Pages
from crmkit.sandbox.bulk_view import SYSTEM_COLUMNS, ModuleView
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.store import Store

log = logging.getLogger("crmkit.sandbox.bulk")

PAGE_SIZE = 200_000
MAX_JOBS = 3
DOWNLOADS_PER_WINDOW = 10
DOWNLOAD_WINDOW_S = 60.0
CREATE_CREDITS = 50  # zoho-api.md §3: "Bulk Read initialize = 50 credits" (Zoho's credit table)
STATUS_CREDITS = 1
DOWNLOAD_CREDITS = 1
UNSUPPORTED_MODULES = frozenset({"Notes", "Attachments", "Emails"})
ACTIVE = frozenset({"ADDED", "IN PROGRESS"})
PROGRESS_MODES = ("time", "poll")


@dataclass(frozen=True)
class BulkLimits:
    """The sandbox settings a Bulk Read obeys (read afresh for every call)."""

    page_size: int = PAGE_SIZE
    max_jobs: int = MAX_JOBS
    downloads_per_window: int = DOWNLOADS_PER_WINDOW
    download_window_s: float = DOWNLOAD_WINDOW_S
    step_ms: int = 200
    progress: str = "time"


@dataclass(frozen=True)
class BulkQuery:
    """A parsed `query`: the columns after `id`, the criteria and which page."""

    module: str
    fields: tuple[str, ...]
    criteria: Criteria | None
    raw_criteria: Any
    page: int
    page_token: str | None = None

    @property
    def fingerprint(self) -> str:
        """Identity of the query apart from the page (what a page token is bound to)."""
        return json.dumps(
            {"module": self.module, "fields": self.fields, "criteria": self.raw_criteria},
            sort_keys=True,
            default=str,
        )


@dataclass
class BulkJob:
    id: str
    query: BulkQuery
    view: ModuleView
    created_by: dict[str, str]
    created_time: str
    per_page: int
    fail: bool = False
    timed: bool = True  # `time` progress (else `poll`)
    state: str = "ADDED"
    polls: int = 0
    started: bool = False
    finished: bool = False
    outcome: str = "COMPLETED"
    count: int = 0
    more_records: bool = False
    next_page_token: str | None = None
    path: Path | None = None

    @property
    def member(self) -> str:
        return f"{self.id}.csv"

    def summary(self) -> dict[str, Any]:
        """The `details` of the create answer."""
        return {
            "id": self.id,
            "operation": "read",
            "state": self.state,
            "created_by": dict(self.created_by),
            "created_time": self.created_time,
        }

    def detail(self, prefix: str = "/crm/bulk/v8") -> dict[str, Any]:
        """One entry of `GET /read/{job_id}`'s `data` (the result once COMPLETED)."""
        query: dict[str, Any] = {
            "module": {"api_name": self.query.module, "id": self.view.module_id},
            "fields": list(self.query.fields),
            "page": self.query.page,
        }
        if self.query.raw_criteria is not None:
            query["criteria"] = self.query.raw_criteria
        if self.query.page_token is not None:
            query["page_token"] = self.query.page_token
        out: dict[str, Any] = {
            **self.summary(),
            "query": query,
            "file_type": "csv",
        }
        if self.state == "COMPLETED":
            out["result"] = {
                "page": self.query.page,
                "count": self.count,
                "download_url": f"{prefix}/read/{self.id}/result",
                "per_page": self.per_page,
                "more_records": self.more_records,
                "next_page_token": self.next_page_token,
            }
        return out


def _bad(code: str, message: str, **details: Any) -> ApiError:
    return ApiError(400, code, details, message)


def _module_name(query: Mapping[str, Any]) -> str:
    module = query.get("module")
    name = module.get("api_name") if isinstance(module, Mapping) else module
    if not isinstance(name, str) or not name.strip():
        raise _bad(
            "INVALID_REQUEST",
            "query.module is required",
            api_name="module",
            json_path="$.query.module",
        )
    return name.strip()


def _columns(view: ModuleView, raw: Any) -> tuple[str, ...]:
    """The requested columns after `id` (every field when none is asked)."""
    if raw is None or raw == []:
        return tuple(f for f in view.fields if f != "id")
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise _bad("INVALID_REQUEST", "query.fields must be a list of API names", api_name="fields")
    out: list[str] = []
    for name in (f.strip() for f in raw):
        if name == "id" or name in out:
            continue
        base, dot, sub = name.partition(".")
        if name in view.fields or name in SYSTEM_COLUMNS:
            out.append(name)
        elif dot and base in view.lookups:
            target = view.lookups[base]
            allowed = (
                bulk_csv.USER_FIELDS
                if target == "users"
                else ("id", "name", bulk_csv.NAME_FIELDS.get(target, "name"))
            )
            if sub not in allowed:
                raise _bad(
                    "FIELD_NOT_SUPPORTED",
                    f"{name}: the sandbox exports {', '.join(allowed)} of a {base} lookup",
                    api_name=name,
                )
            out.append(name)
        else:
            raise _bad("FIELD_NOT_AVAILABLE", f"field {name} is not available", api_name=name)
    return tuple(out)


def _criteria_kind(view: ModuleView) -> Callable[[str], str | None]:
    def kind(name: str) -> str | None:
        if name in SYSTEM_COLUMNS:
            return "text"
        if name not in view.fields:
            return None
        return kind_of(view.data_type(name))

    return kind


def _check_callback(body: Mapping[str, Any]) -> None:
    """A callback is accepted when well formed; the sandbox never calls it (docs/sandbox.md)."""
    callback = body.get("callback")
    if callback is None:
        return
    if not isinstance(callback, Mapping):
        raise _bad("INVALID_CALLBACK_URL", "callback must be an object")
    url = callback.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise _bad("INVALID_CALLBACK_URL", "callback.url must be an http(s) URL")
    if str(callback.get("method", "")).lower() != "post":
        raise _bad("INVALID_CALLBACK_METHOD", "callback.method must be post")


@dataclass
class _Token:
    fingerprint: str
    page: int


@dataclass
class BulkReads:
    """Every Bulk Read job of a running sandbox, its result files and the download window."""

    store: Store
    spool_root: Path | None = None  # where the result files go (default: the system's temp dir)
    jobs: dict[str, BulkJob] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _downloads: deque[float] = field(default_factory=deque)
    _tokens: dict[str, _Token] = field(default_factory=dict)
    _ends: dict[tuple[str, int], int] = field(default_factory=dict)  # page -> last id written
    _generation: int = 0
    _spool: Path | None = None
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="crmkit-bulk")
    )

    # -- create ----------------------------------------------------------------------------------
    def parse(
        self, body: Any, view_of: Callable[[str], ModuleView]
    ) -> tuple[BulkQuery, ModuleView]:
        """Validate a create body; `view_of(module)` raises for a module the org lacks."""
        if body is None:
            raise _bad("REQUEST_BODY_IS_EMPTY", "the request body is empty")
        if not isinstance(body, Mapping):
            raise _bad("INVALID_REQUEST", "the body must be a JSON object")
        query = body.get("query")
        if not isinstance(query, Mapping):
            raise _bad("INVALID_REQUEST", "query is required", api_name="query")
        _check_callback(body)
        file_type = body.get("file_type", query.get("file_type")) or "csv"
        if file_type != "csv":
            raise _bad(
                "INVALID_REQUEST",
                f"file_type {file_type!r}: the sandbox exports csv (ics is for Events)",
                api_name="file_type",
                supported=["csv"],
            )
        if query.get("cvid") not in (None, ""):
            raise _bad("CVID_NOT_SUPPORTED", "the sandbox has no custom views", api_name="cvid")
        module = _module_name(query)
        if module in UNSUPPORTED_MODULES:
            raise _bad("MODULE_NOT_SUPPORTED", f"Bulk Read does not export {module}")
        view = view_of(module)
        columns = _columns(view, query.get("fields"))
        raw_criteria = query.get("criteria")
        criteria = (
            None
            if raw_criteria is None
            else parse_criteria(raw_criteria, kind_of_field=_criteria_kind(view))
        )
        page = query.get("page", 1)
        if page is None:
            page = 1
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise _bad("INVALID_REQUEST", "query.page must be an integer >= 1", api_name="page")
        token = query.get("page_token")
        parsed = BulkQuery(module, columns, criteria, raw_criteria, page)
        if token is not None:
            with self.lock:
                bound = self._tokens.get(str(token))
            if bound is None:
                raise _bad("INVALID_REQUEST", "invalid page_token", api_name="page_token")
            if bound.fingerprint != parsed.fingerprint:
                raise _bad(
                    "INVALID_REQUEST",
                    "the page_token belongs to another module, fields or criteria",
                    api_name="page_token",
                )
            parsed = BulkQuery(module, columns, criteria, raw_criteria, bound.page, str(token))
        return parsed, view

    def create(
        self,
        body: Any,
        view_of: Callable[[str], ModuleView],
        *,
        new_id: Callable[[], str],
        user: Mapping[str, str],
        limits: BulkLimits,
        fail: bool = False,
    ) -> BulkJob:
        """Validate and schedule a job (`fail`: it will end in FAILURE, an injected fault)."""
        query, view = self.parse(body, view_of)
        with self.lock:
            active = sum(1 for j in self.jobs.values() if not j.finished)
            if active >= limits.max_jobs:
                raise ApiError(
                    429,
                    "TOO_MANY_REQUESTS",
                    {"limit": limits.max_jobs},
                    f"at most {limits.max_jobs} Bulk Read jobs may be in progress at once",
                )
            job = BulkJob(
                id=new_id(),
                query=query,
                view=view,
                created_by={"id": str(user.get("id", "")), "name": str(user.get("name", ""))},
                created_time=datetime.now(UTC).isoformat(timespec="seconds"),
                per_page=limits.page_size,
                fail=fail,
                timed=limits.progress != "poll",
            )
            self.jobs[job.id] = job
            generation = self._generation
        if job.timed:
            self._start(job, generation, delay_s=limits.step_ms / 1000, timed=True)
        return job

    # -- progress --------------------------------------------------------------------------------
    def _start(self, job: BulkJob, generation: int, *, delay_s: float, timed: bool) -> None:
        job.started = True
        self._pool.submit(self._run, job, generation, delay_s, timed)

    def _current(self, job: BulkJob, generation: int) -> bool:
        with self.lock:
            return self._generation == generation and self.jobs.get(job.id) is job

    def _run(self, job: BulkJob, generation: int, delay_s: float, timed: bool) -> None:
        """The export; in `time` mode it also moves the job's state (else `observe` does)."""
        time.sleep(delay_s)
        if not self._current(job, generation):
            return
        if timed:
            job.state = "IN PROGRESS"
        try:
            if job.fail:
                job.outcome = "FAILURE"
            else:
                self._export(job)
        except Exception:  # a sandbox bug must show as Zoho shows a failed job, and in the log
            log.exception("bulk read job %s failed", job.id)
            job.outcome = "FAILURE"
        time.sleep(delay_s)
        with self.lock:
            if not self._current(job, generation):
                return
            job.finished = True
            if timed:
                job.state = job.outcome

    def observe(self, job_id: str) -> BulkJob:
        """A status call. A `poll`-mode job moves one state per call: the first answers ADDED,
        the second IN PROGRESS (the export runs then, in the caller's thread), the third the
        outcome — deterministic, whatever the machine's speed."""
        job = self.job(job_id)
        with self.lock:
            job.polls += 1
            generation = self._generation
            if job.timed or job.state not in ACTIVE:
                return job
            if job.state == "IN PROGRESS" and job.finished:
                job.state = job.outcome
                return job
            if job.polls == 1 or job.started:
                return job
            job.state = "IN PROGRESS"
            job.started = True
        self._run(job, generation, 0.0, False)
        return job

    def job(self, job_id: str) -> BulkJob:
        with self.lock:
            job = self.jobs.get(str(job_id).strip())
        if job is None:
            raise ApiError(404, "RESOURCE_NOT_FOUND", {"resource": str(job_id)}, "no such job")
        return job

    # -- export ----------------------------------------------------------------------------------
    def _export(self, job: BulkJob) -> None:
        query, view = job.query, job.view
        key = (query.fingerprint, query.page - 1)
        with self.lock:
            after = self._ends.get(key, 0) if query.page > 1 else 0
        skip = 0 if after or query.page == 1 else (query.page - 1) * job.per_page
        columns = ["id", *query.fields]
        cells = [
            bulk_csv.cell_for(
                c, data_type=view.data_type, lookup_target=view.lookups.get, users=view.users
            )
            for c in columns
        ]
        pages = Pages(self.store, query.module, query.criteria, after, skip, job.per_page)
        path = self.spool() / f"{job.id}.zip"
        job.count = bulk_csv.write_zip(path, job.member, columns, cells, pages.chunks())
        job.more_records = pages.more()
        job.path = path
        with self.lock:
            self._ends[(query.fingerprint, query.page)] = pages.last
            if job.more_records:
                token = secrets.token_hex(16)
                self._tokens[token] = _Token(query.fingerprint, query.page + 1)
                job.next_page_token = token

    def spool(self) -> Path:
        """The directory of this sandbox's result files, made at the first export (a sandbox
        that never exports leaves nothing behind) and removed when the process exits at the
        latest, should `close()` not be called."""
        with self.lock:
            if self._spool is None:
                made = Path(tempfile.mkdtemp(prefix="crmkit-bulk-", dir=self.spool_root))
                weakref.finalize(self, shutil.rmtree, made, True)
                self._spool = made
            return self._spool

    # -- download --------------------------------------------------------------------------------
    def admit_download(self, job_id: str, limits: BulkLimits, now: float | None = None) -> BulkJob:
        """The job whose result may be downloaded now, or Zoho's error (404, 400, 429)."""
        job = self.job(job_id)
        if job.state != "COMPLETED" or job.path is None:
            raise _bad(
                "RESOURCE_NOT_FOUND",
                f"the job's result is not available (state {job.state})",
                resource="result",
            )
        now = time.monotonic() if now is None else now
        with self.lock:
            while self._downloads and now - self._downloads[0] >= limits.download_window_s:
                self._downloads.popleft()
            if len(self._downloads) >= limits.downloads_per_window:
                raise ApiError(
                    429,
                    "TOO_MANY_REQUESTS",
                    {"limit": limits.downloads_per_window},
                    f"only {limits.downloads_per_window} Bulk Read downloads are allowed in "
                    f"{limits.download_window_s:g} s; try again after that",
                )
            self._downloads.append(now)
        return job

    # -- lifecycle -------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                j.id: {"state": j.state, "module": j.query.module, "count": j.count}
                for j in self.jobs.values()
            }

    def reset(self) -> None:
        """Forget every job and delete the result files (a running export is abandoned)."""
        with self.lock:
            self._generation += 1
            self.jobs.clear()
            self._downloads.clear()
            self._tokens.clear()
            self._ends.clear()
        if self._spool is not None:
            for path in self._spool.glob("*.zip"):
                path.unlink(missing_ok=True)

    def close(self) -> None:
        self.reset()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._spool is not None:
            shutil.rmtree(self._spool, ignore_errors=True)
            self._spool = None
