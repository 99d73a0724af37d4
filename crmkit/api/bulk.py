"""Bulk Read on the client side: create a job per page, poll it, download its ZIP, resume reruns.

Why a module of its own: a Bulk Read is a conversation of several calls over minutes, not one
request. Each page of up to 200,000 records is a job Zoho runs asynchronously; crmkit creates it
(50 credits), polls its state with growing intervals (1 credit a poll, so backing off saves
credits) within a bounded wait, and streams the result ZIP to disk (1 credit). The next page is
created as soon as a page completes with `more_records`, before that page is downloaded, so
Zoho exports page n+1 while page n downloads.

Resumable: the job id of every page is written to a small state file in the work directory
*before* the job is polled, so a rerun after a crash, a timeout or Ctrl-C polls the same jobs
and skips pages already downloaded instead of creating (and paying for) new ones. A job Zoho no
longer knows (`RESOURCE_NOT_FOUND`) or that ended in FAILURE is created again (a failed job is
retried `job_retries` times, then `BulkJobFailed`). The state is forgotten once every page has
been handed to the caller (`forget=True`), so a later read starts afresh.

Downloads: a dropped connection (even midway through the ZIP) discards the partial file and
downloads again; a 429 (Zoho allows 10 downloads a minute) waits `rate_wait_s` and tries again.

This layer knows nothing of DataFrames: it yields `BulkPage`s (the ZIP on disk and its counts);
`crmkit.frames` decodes them with the same reader as CSV exports.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import platformdirs
from tqdm.auto import tqdm

from crmkit.api.errors import CRMError, NetworkError, RateLimitError, ServerError

log = logging.getLogger("crmkit.api.bulk")

BULK_PREFIX = "/crm/bulk/v8"
CREATE_CREDITS = 50  # zoho-api.md §3 (Zoho's API-limits credit table: Bulk Read initialize)
STATUS_CREDITS = 1
DOWNLOAD_CREDITS = 1
PAGE_SIZE = 200_000
DONE_STATES = frozenset({"COMPLETED"})
FAILED_STATES = frozenset({"FAILURE", "FAILED"})
STATE_VERSION = 1
LOST_CODES = frozenset({"RESOURCE_NOT_FOUND", "INVALID_URL_PATTERN"})


def default_workdir() -> Path:
    """Where Bulk Read pages and job state go unless told: `bulk/` in crmkit's cache dir."""
    return Path(platformdirs.user_cache_dir("crmkit")) / "bulk"


class BulkReadError(CRMError):
    """A Bulk Read that cannot go on: a job that failed, a wait that ran out, a bad answer."""


class BulkJobFailed(BulkReadError):
    """Zoho ended the job in FAILURE (after `job_retries` new attempts)."""


class BulkTimeout(BulkReadError):
    """A job did not complete within the bounded wait; a rerun resumes polling the same job."""


class _ResultLost(BulkReadError):
    """The job's result is gone (expired, or the server forgot the job): export it again."""


class BulkTransport(Protocol):
    """The three Bulk Read calls (the client implements them over its send path)."""

    def bulk_create(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """`POST /crm/bulk/v8/read`: the answer body."""
        ...

    def bulk_status(self, job_id: str) -> Mapping[str, Any]:
        """`GET /crm/bulk/v8/read/{job_id}`: the answer body."""
        ...

    def bulk_download(self, url: str, sink: BinaryIO) -> None:
        """Stream the result (a path such as `/crm/bulk/v8/read/{id}/result`) into `sink`."""
        ...


@dataclass(frozen=True)
class BulkPolicy:
    """Timing of a Bulk Read: polling backoff, the bounded wait, download retries.

    `sleep` and `clock` are injectable so tests check the schedule without waiting.
    """

    poll_initial_s: float = 1.0
    poll_factor: float = 1.6
    poll_max_s: float = 30.0
    timeout_s: float = 3600.0  # per job, from its creation (or from the resume)
    download_attempts: int = 5
    rate_wait_s: float = 60.0  # Zoho: "the download request will be processed after one minute"
    job_retries: int = 1
    max_state_age_s: float = 24 * 3600.0  # older state is not resumed (results expire)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.poll_initial_s <= 0 or self.poll_factor < 1:
            raise ValueError("BulkPolicy needs a positive timeout and poll interval, factor >= 1")
        if self.download_attempts < 1 or self.job_retries < 0:
            raise ValueError("BulkPolicy needs download_attempts >= 1 and job_retries >= 0")

    def intervals(self) -> Iterator[float]:
        """Waits between polls: initial, then times factor, capped."""
        wait = self.poll_initial_s
        while True:
            yield wait
            wait = min(self.poll_max_s, wait * self.poll_factor)


@dataclass(frozen=True)
class BulkPage:
    """One downloaded page: the ZIP at `path` holds `member`, a CSV of `count` records."""

    module: str
    page: int
    job_id: str
    count: int
    more_records: bool
    path: Path
    member: str


@dataclass
class _PageState:
    page: int
    job_id: str | None = None
    state: str = "ADDED"
    count: int | None = None
    more_records: bool | None = None
    next_page_token: str | None = None
    download_url: str | None = None
    file: str | None = None
    downloaded: bool = False
    attempts: int = 1


@dataclass
class _ReadState:
    """What a rerun needs: the query, and per page its job id and how far it got."""

    query: dict[str, Any]
    created_at: float
    pages: dict[int, _PageState] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": STATE_VERSION,
                "query": self.query,
                "created_at": self.created_at,
                "pages": [asdict(p) for p in sorted(self.pages.values(), key=lambda p: p.page)],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> _ReadState:
        data = json.loads(text)
        if data.get("version") != STATE_VERSION:
            raise ValueError("another state version")
        pages = {int(p["page"]): _PageState(**p) for p in data["pages"]}
        return cls(dict(data["query"]), float(data["created_at"]), pages)


def query_body(
    module: str,
    fields: Sequence[str],
    *,
    criteria: Mapping[str, Any] | None = None,
    page: int = 1,
    page_token: str | None = None,
) -> dict[str, Any]:
    """The create body Zoho documents (bulk_read.json `Request_Wrapper`)."""
    query: dict[str, Any] = {"module": {"api_name": module}, "fields": list(fields)}
    if page_token is not None:
        query["page_token"] = page_token
    else:
        query["page"] = page
    if criteria is not None:
        query["criteria"] = dict(criteria)
    return {"query": query, "file_type": "csv"}


def _entry(body: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return data[0]
    raise BulkReadError(f"the {what} answer carries no data[0]: {json.dumps(body)[:300]}")


class BulkReader:
    """Runs Bulk Reads through a `BulkTransport`, keeping job ids and files in `workdir`."""

    def __init__(
        self,
        transport: BulkTransport,
        workdir: str | Path,
        *,
        policy: BulkPolicy | None = None,
        progress: bool = True,
    ) -> None:
        self.transport = transport
        self.workdir = Path(workdir)
        self.policy = policy or BulkPolicy()
        self.progress = progress
        self.calls = {"create": 0, "status": 0, "download": 0}

    # -- state -----------------------------------------------------------------------------------
    @staticmethod
    def fingerprint(module: str, fields: Sequence[str], criteria: Any) -> str:
        key = json.dumps(
            {"module": module, "fields": list(fields), "criteria": criteria},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    def state_path(self, module: str, fields: Sequence[str], criteria: Any = None) -> Path:
        return self.workdir / f"{module}-{self.fingerprint(module, fields, criteria)}.json"

    def _load(self, path: Path, query: dict[str, Any]) -> _ReadState:
        now = time.time()
        if path.is_file():
            try:
                state = _ReadState.from_json(path.read_text(encoding="utf-8"))
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("%s: unreadable Bulk Read state (%s); starting afresh", path, exc)
            else:
                if state.query == query and now - state.created_at < self.policy.max_state_age_s:
                    return state
                log.info("%s: state of another query or too old; starting afresh", path)
        return _ReadState(query, now)

    @staticmethod
    def _save(path: Path, state: _ReadState) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(state.to_json(), encoding="utf-8")
        os.replace(tmp, path)

    # -- the read --------------------------------------------------------------------------------
    def read(
        self,
        module: str,
        fields: Sequence[str],
        *,
        criteria: Mapping[str, Any] | None = None,
        forget: bool = True,
    ) -> Iterator[BulkPage]:
        """Every page of `module` (all records matching `criteria`), downloaded, in order.

        `forget`: drop the state once the last page has been handed over (the ZIPs stay).
        """
        fields = [f for f in dict.fromkeys(fields) if f != "id"]
        crit = dict(criteria) if criteria is not None else None
        query = {"module": module, "fields": fields, "criteria": crit}
        path = self.state_path(module, fields, crit)
        state = self._load(path, query)
        stem = path.stem
        bar = tqdm(desc=f"Bulk Read {module}", unit="record", disable=not self.progress)
        try:
            number = 1
            lost = 0
            while True:
                page = self._complete(state, path, number, module, fields, crit, bar)
                if page.more_records and number + 1 not in state.pages:
                    self._create(state, path, number + 1, module, fields, crit)
                try:
                    result = self._downloaded(state, path, page, stem)
                except _ResultLost:
                    lost += 1
                    if lost > self.policy.job_retries + 1:
                        raise BulkReadError(
                            f"the result of {module} page {number} keeps disappearing before "
                            "it can be downloaded",
                            path=f"{BULK_PREFIX}/read/{page.job_id}/result",
                        ) from None
                    page.job_id, page.downloaded = None, False
                    continue
                bar.update(result.count)
                yield result
                if not result.more_records:
                    break
                number += 1
        finally:
            bar.close()
        if forget:
            path.unlink(missing_ok=True)

    def _create(
        self,
        state: _ReadState,
        path: Path,
        number: int,
        module: str,
        fields: Sequence[str],
        criteria: Mapping[str, Any] | None,
        *,
        attempts: int = 1,
    ) -> _PageState:
        previous = state.pages.get(number - 1)
        token = previous.next_page_token if previous is not None else None
        body = query_body(module, fields, criteria=criteria, page=number, page_token=token)
        self.calls["create"] += 1
        try:
            answer = self.transport.bulk_create(body)
        except CRMError as exc:
            if token is None or exc.details.get("api_name") != "page_token":
                raise
            # the token went with its job (expired, or the server forgot it): ask by number
            log.info(
                "%s page %d: page_token refused; asking for the page by number", module, number
            )
            self.calls["create"] += 1
            body = query_body(module, fields, criteria=criteria, page=number)
            answer = self.transport.bulk_create(body)
        details = _entry(answer, "create").get("details") or {}
        job_id = details.get("id") if isinstance(details, Mapping) else None
        if not job_id:
            raise BulkReadError(f"the create answer names no job id: {json.dumps(answer)[:300]}")
        entry = _PageState(number, str(job_id), str(details.get("state") or "ADDED"))
        entry.attempts = attempts
        state.pages[number] = entry
        self._save(path, state)  # remembered before anything else can go wrong
        log.info("%s page %d: Bulk Read job %s created", module, number, job_id)
        return entry

    def _complete(
        self,
        state: _ReadState,
        path: Path,
        number: int,
        module: str,
        fields: Sequence[str],
        criteria: Mapping[str, Any] | None,
        bar: Any,
    ) -> _PageState:
        """The page's job, COMPLETED (created, re-created or resumed as needed)."""
        entry = state.pages.get(number)
        if entry is not None and entry.downloaded and self._usable(entry):
            return entry
        if entry is None or entry.job_id is None:
            entry = self._create(state, path, number, module, fields, criteria)
        while True:
            outcome = self._wait(entry, module, bar)
            if outcome == "COMPLETED":
                self._save(path, state)
                return entry
            if outcome == "LOST":
                log.info(
                    "%s page %d: job %s is gone; creating it again", module, number, entry.job_id
                )
                entry = self._create(state, path, number, module, fields, criteria)
                continue
            if entry.attempts > self.policy.job_retries:
                self._save(path, state)
                raise BulkJobFailed(
                    f"Bulk Read job {entry.job_id} ({module} page {number}) ended in {outcome}"
                    f" after {entry.attempts} attempt(s); Zoho gives no reason: try again later",
                    path=f"{BULK_PREFIX}/read/{entry.job_id}",
                    code=outcome,
                )
            log.warning(
                "%s page %d: job %s ended in %s; creating it again",
                module,
                number,
                entry.job_id,
                outcome,
            )
            entry = self._create(
                state, path, number, module, fields, criteria, attempts=entry.attempts + 1
            )

    def _wait(self, entry: _PageState, module: str, bar: Any) -> str:
        """Poll the job until it ends: COMPLETED, FAILURE or LOST; BulkTimeout past the bound."""
        assert entry.job_id is not None
        policy = self.policy
        start = policy.clock()
        waits = policy.intervals()
        while True:
            self.calls["status"] += 1
            try:
                answer = self.transport.bulk_status(entry.job_id)
            except CRMError as exc:
                if exc.code in LOST_CODES:
                    return "LOST"
                raise
            job = _entry(answer, "status")
            entry.state = str(job.get("state") or "")
            bar.set_postfix_str(f"page {entry.page} {entry.state}", refresh=True)
            if entry.state in DONE_STATES:
                result = job.get("result") or {}
                if not isinstance(result, Mapping) or "count" not in result:
                    raise BulkReadError(
                        f"job {entry.job_id} is COMPLETED but its answer has no result",
                        path=f"{BULK_PREFIX}/read/{entry.job_id}",
                    )
                entry.count = int(result["count"])
                entry.more_records = bool(result.get("more_records"))
                token = result.get("next_page_token")
                entry.next_page_token = str(token) if token else None
                url = result.get("download_url")
                entry.download_url = (
                    str(url) if url else f"{BULK_PREFIX}/read/{entry.job_id}/result"
                )
                return "COMPLETED"
            if entry.state in FAILED_STATES:
                return entry.state
            waited = policy.clock() - start
            if waited >= policy.timeout_s:
                raise BulkTimeout(
                    f"Bulk Read job {entry.job_id} ({module} page {entry.page}) still "
                    f"{entry.state or 'not started'} after {waited:.0f} s; run again to keep "
                    "waiting for the same job (its id is kept)",
                    path=f"{BULK_PREFIX}/read/{entry.job_id}",
                )
            policy.sleep(min(next(waits), max(policy.timeout_s - waited, 0.0)))

    # -- download --------------------------------------------------------------------------------
    def _usable(self, entry: _PageState) -> bool:
        if entry.file is None or entry.job_id is None:
            return False
        file = self.workdir / entry.file
        try:
            with zipfile.ZipFile(file) as archive:
                return f"{entry.job_id}.csv" in archive.namelist()
        except (OSError, zipfile.BadZipFile):
            return False

    def _page(self, module: str, entry: _PageState) -> BulkPage:
        assert entry.job_id is not None and entry.file is not None
        return BulkPage(
            module=module,
            page=entry.page,
            job_id=entry.job_id,
            count=int(entry.count or 0),
            more_records=bool(entry.more_records),
            path=self.workdir / entry.file,
            member=self._member(self.workdir / entry.file, entry.job_id),
        )

    @staticmethod
    def _member(path: Path, job_id: str) -> str:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        return f"{job_id}.csv" if f"{job_id}.csv" in names else (names[0] if names else "")

    def _downloaded(self, state: _ReadState, path: Path, entry: _PageState, stem: str) -> BulkPage:
        module = str(state.query["module"])
        if entry.downloaded and self._usable(entry):
            return self._page(module, entry)
        assert entry.job_id is not None
        name = f"{stem}-p{entry.page}.zip"
        target = self.workdir / name
        partial = target.with_suffix(".part")
        url = entry.download_url or f"{BULK_PREFIX}/read/{entry.job_id}/result"
        last: CRMError | None = None
        for attempt in range(1, self.policy.download_attempts + 1):
            self.calls["download"] += 1
            try:
                with partial.open("wb") as sink:
                    self.transport.bulk_download(url, sink)
                if not zipfile.is_zipfile(partial):
                    raise ServerError(f"the result of job {entry.job_id} is not a ZIP", path=url)
            except RateLimitError as exc:
                last = exc
                partial.unlink(missing_ok=True)
                log.info(
                    "download of job %s: 429, waiting %.0f s", entry.job_id, self.policy.rate_wait_s
                )
                self.policy.sleep(self.policy.rate_wait_s)
                continue
            except (NetworkError, ServerError) as exc:
                last = exc
                partial.unlink(missing_ok=True)
                log.info("download of job %s dropped (%s); attempt %d", entry.job_id, exc, attempt)
                continue
            except CRMError as exc:
                if exc.code not in LOST_CODES:
                    raise
                partial.unlink(missing_ok=True)
                raise _ResultLost(f"the result of job {entry.job_id} is gone", path=url) from None
            os.replace(partial, target)
            entry.file = name
            entry.downloaded = True
            self._save(path, state)
            return self._page(module, entry)
        raise BulkReadError(
            f"the result of Bulk Read job {entry.job_id} could not be downloaded in "
            f"{self.policy.download_attempts} attempts ({last}); run again to resume",
            path=url,
        )
