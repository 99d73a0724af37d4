"""CRMClient: the Zoho CRM v8 calls crmkit makes, synchronous, thread-pooled for batches.

Synchronous on purpose: notebooks cannot `asyncio.run` inside a running kernel. Batches
(`conversion_options_many`, `convert_many`) run on a thread pool at the org's concurrency ceiling,
show a `tqdm.auto` bar, and return one result per input, in input order, errors included as data.

Retry rules (see `limits.RetryPolicy` for timing):
- 429: back off and retry, every call (nothing was processed).
- Reads (GET): also retried on 5xx and on any connection error.
- Writes (convert, mass convert): retried only on 429 or on a connection error raised before the
  request left (connect failure, connect/pool timeout, token endpoint unreachable). A drop after
  sending, a read timeout or a 5xx raise `OutcomeUnknownError`: the lead may be converted, and only
  reading it back can tell.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import httpx
from tqdm.auto import tqdm

from crmkit.api.auth import ZohoOAuth
from crmkit.api.errors import (
    CreditsExhaustedError,
    CRMError,
    InvalidDataError,
    NetworkError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    StalledError,
    from_body,
)
from crmkit.api.limits import (
    DEFAULT_STALL_TIMEOUT_S,
    EDITION_CONCURRENCY,
    SUB_CONCURRENCY,
    CreditLedger,
    Limiter,
    RetryPolicy,
    Usage,
    edition_concurrency,
)
from crmkit.api.models import (
    ConversionOptions,
    ConvertRequest,
    ConvertResult,
    MassConvertRequest,
    MassConvertStatus,
    _id,
)
from crmkit.api.target import ZOHO_CRM, Target

log = logging.getLogger("crmkit.api")

API_PREFIX = "/crm/v8"
PAGE_LIMIT = 2000  # records reachable with `page`; beyond, `page_token`
MAX_PER_PAGE = 200
MAX_FIELDS = 50
SEARCH_LIMIT = 2000
CONVERTED_VALUES = ("false", "true", "both")
# Raised before any byte of the request left: safe to retry even a write.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

T = TypeVar("T")
R = TypeVar("R")


class CRMClient:
    """A connection to one Zoho CRM org (or the sandbox). Build it with `crmkit.connect()`.

    Thread-safe: one client may serve many threads (the batch methods do exactly that).
    """

    def __init__(
        self,
        *,
        auth: ZohoOAuth,
        http: httpx.Client,
        api_domain: str | None = None,
        fallback_api_domain: str | None = None,
        edition: str | None = None,
        concurrency: int | None = None,
        retry: RetryPolicy | None = None,
        progress: bool = True,
        target: Target = ZOHO_CRM,
        closers: Sequence[Callable[[], None]] = (),
    ) -> None:
        """`target` says what the client talks to (for messages); `closers` run after `close()`
        shuts the connections, in order (`crmkit.connect` hands in the embedded sandbox's stop)."""
        self._auth = auth
        self._http = http
        self._api_domain_override = api_domain.rstrip("/") if api_domain else None
        self._api_domain_fallback = fallback_api_domain.rstrip("/") if fallback_api_domain else None
        self._edition = edition.strip().lower() if edition else None
        if self._edition is not None:
            edition_concurrency(self._edition)  # validates the name
        self._concurrency_override = concurrency
        if concurrency is not None and concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.retry = retry or RetryPolicy()
        self.progress = progress
        self.target = target
        self._closers = tuple(closers)
        self._ledger = CreditLedger()
        self._limiter: Limiter | None = None
        self._init_lock = threading.Lock()
        self._meta_lock = threading.Lock()
        self._meta: dict[tuple[str, str], Any] = {}
        self._closed = False

    def __repr__(self) -> str:
        return f"CRMClient({self.target.label}, token_url={self._auth.token_url!r})"

    @property
    def description(self) -> str:
        """What the client talks to, as messages say it ("Zoho CRM", "embedded sandbox")."""
        return self.target.label

    # ------------------------------------------------------------------ limits and accounting
    @property
    def edition(self) -> str:
        """Zoho edition (free|standard|professional|enterprise|ultimate), given or read from org."""
        if self._edition is None:
            with self._init_lock:
                if self._edition is None:
                    self._edition = self._detect_edition()
        return self._edition

    @property
    def concurrency(self) -> int:
        """Most requests this client keeps in flight (the edition's ceiling unless overridden)."""
        if self._concurrency_override is not None:
            return self._concurrency_override
        return edition_concurrency(self.edition)

    @property
    def limiter(self) -> Limiter:
        """The concurrency limiter all calls of this client go through."""
        if self._limiter is None:
            total = self.concurrency
            with self._init_lock:
                if self._limiter is None:
                    self._limiter = Limiter(
                        total, SUB_CONCURRENCY, stall_timeout=self._stall_timeout()
                    )
        return self._limiter

    def _stall_timeout(self) -> float:
        """How long a wait for a request slot may see no slot come free: a slot is held for one
        HTTP exchange, which the transport's timeouts bound, so twice their sum (at least a
        minute) means the requests in flight are stuck, not slow."""
        t = self._http.timeout
        phases = (t.connect, t.read, t.write, t.pool)
        if any(p is None for p in phases):
            return DEFAULT_STALL_TIMEOUT_S
        return max(60.0, 2.0 * sum(p for p in phases if p is not None))

    @property
    def usage(self) -> Usage:
        """Calls and credits spent per call type, and the last `X-API-CREDITS-REMAINING` seen."""
        return self._ledger.snapshot()

    def _detect_edition(self) -> str:
        try:
            org = self._request("metadata", "GET", "/org", limited=False)
        except CRMError as exc:
            log.info("could not read the org's edition (%s); assuming standard", exc.code)
            return "standard"
        info = ((org or {}).get("org") or [{}])[0]
        candidates = [
            info.get("edition"),
            (info.get("license_details") or {}).get("paid_type"),
            info.get("type"),
        ]
        for value in candidates:
            if isinstance(value, str) and value.strip().lower() in EDITION_CONCURRENCY:
                return value.strip().lower()
        log.info("the org does not name a known edition; assuming standard (10 in flight)")
        return "standard"

    # ------------------------------------------------------------------ transport
    @property
    def api_domain(self) -> str:
        """The API domain calls go to, e.g. `https://www.zohoapis.eu` (no `/crm/v8`).

        An explicit `api_domain` wins; else the one the token answer named (so this may fetch an
        access token first); else the data centre's default. Raises `CRMError` when none is known.
        """
        domain = self._api_domain_override or self._auth.api_domain or self._api_domain_fallback
        if not domain:
            raise CRMError(
                "no API domain: the token answer named none and none is configured "
                "(set ZOHO_DC or ZOHO_API_DOMAIN)"
            )
        return domain.rstrip("/")

    def _base_url(self) -> str:
        return self.api_domain + API_PREFIX

    def _request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        write: bool = False,
        lead_id: str | None = None,
        limited: bool = True,
    ) -> dict[str, Any] | None:
        """Send one call with limits, retries and error mapping; the JSON body, or None for 204."""
        if self._closed:
            raise CRMError("this client is closed", method=method, path=API_PREFIX + path)
        full_path = API_PREFIX + path
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.retry.max_attempts
            try:
                url = self._base_url() + path
                if limited:
                    with self.limiter.slot(kind):
                        response = self._http.request(method, url, params=params, json=json)
                        status = response.status_code
                        if status == 429:
                            self.limiter.throttled()
                        elif status < 500:
                            self.limiter.succeeded()
                else:
                    response = self._http.request(method, url, params=params, json=json)
            except NOT_SENT as exc:
                reason = f"connection failed before sending ({type(exc).__name__})"
                if last:
                    raise NetworkError(
                        reason, method=method, path=full_path, lead_id=lead_id
                    ) from None
                self._retry_wait(attempt, method, full_path, reason)
                continue
            except StalledError as exc:  # no slot came free: waiting again would stall again
                exc.method, exc.path, exc.lead_id = method, full_path, lead_id
                raise
            except NetworkError as exc:  # token endpoint unreachable: the call was never sent
                if last:
                    exc.lead_id = lead_id
                    raise
                self._retry_wait(attempt, method, full_path, "token endpoint unreachable")
                continue
            except httpx.TransportError as exc:
                reason = f"connection dropped ({type(exc).__name__})"
                if write:
                    raise OutcomeUnknownError(
                        f"{reason} after the request was sent: it may or may not have taken "
                        "effect; read the record back before retrying",
                        method=method,
                        path=full_path,
                        lead_id=lead_id,
                    ) from None
                if last:
                    raise NetworkError(
                        reason, method=method, path=full_path, lead_id=lead_id
                    ) from None
                self._retry_wait(attempt, method, full_path, reason)
                continue

            remaining = response.headers.get("X-API-CREDITS-REMAINING")
            status = response.status_code
            if status == 429:
                self._ledger.observe(remaining, throttled=True)
                if remaining is not None and remaining.strip() == "0":
                    raise self._credits_exhausted(response, method, full_path, lead_id)
                if last:
                    raise self._error(response, method, full_path, lead_id)
                self._retry_wait(attempt, method, full_path, "429 TOO_MANY_REQUESTS")
                continue
            if status == 401:
                self._ledger.observe(remaining)
                raise self._error(response, method, full_path, lead_id)
            self._ledger.charge(kind, remaining)
            if status >= 500:
                error = self._error(response, method, full_path, lead_id)
                if write:
                    raise OutcomeUnknownError(
                        f"HTTP {status} {error.code or ''} answered a write: it may or may not "
                        "have taken effect; read the record back before retrying",
                        method=method,
                        path=full_path,
                        status=status,
                        code=error.code,
                        details=error.details,
                        lead_id=lead_id,
                    )
                if last:
                    raise error
                self._retry_wait(attempt, method, full_path, f"HTTP {status}")
                continue
            if status >= 400:
                raise self._error(response, method, full_path, lead_id)
            log.debug("%s %s -> %d", method, full_path, status)
            if status == 204 or not response.content:
                return None
            try:
                body = response.json()
            except ValueError:
                error_cls = OutcomeUnknownError if write else ServerError
                raise error_cls(
                    "the answer is not JSON",
                    method=method,
                    path=full_path,
                    status=status,
                    lead_id=lead_id,
                ) from None
            if not isinstance(body, dict):
                raise ServerError(
                    "the answer is not a JSON object",
                    method=method,
                    path=full_path,
                    status=status,
                    lead_id=lead_id,
                )
            return body

    def _retry_wait(self, attempt: int, method: str, path: str, reason: str) -> None:
        self._ledger.retried()
        seconds = self.retry.delay(attempt)
        log.debug("%s %s: %s; retry %d in %.2f s", method, path, reason, attempt, seconds)
        self.retry.sleep(seconds)

    @classmethod
    def _credits_exhausted(
        cls, response: httpx.Response, method: str, path: str, lead_id: str | None
    ) -> CreditsExhaustedError:
        answer = cls._error(response, method, path, lead_id)
        return CreditsExhaustedError(
            "the org's API credits for the rolling 24 hours are used up (X-API-CREDITS-REMAINING"
            f" 0): {answer.message}; calls succeed again as earlier calls age out of the window",
            method=method,
            path=path,
            status=response.status_code,
            code=answer.code,
            details=answer.details,
            lead_id=lead_id,
        )

    @staticmethod
    def _error(response: httpx.Response, method: str, path: str, lead_id: str | None) -> CRMError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
            entry = body["data"][0]
            body = entry if isinstance(entry, dict) else body
        error = from_body(
            body if isinstance(body, dict) else None,
            method=method,
            path=path,
            status=response.status_code,
            lead_id=lead_id,
            fallback_message=response.reason_phrase,
        )
        if isinstance(error, RateLimitError):
            error.retry_after = None
        return error

    # ------------------------------------------------------------------ records
    def iter_pages(
        self,
        module: str,
        fields: Sequence[str],
        *,
        converted: str = "false",
        sort_by: str | None = None,
        sort_order: str | None = None,
        per_page: int = 200,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the module's records page by page (`page` up to 2,000 records, `page_token` after).

        `converted` is `"false"` (Zoho's default: converted leads hidden), `"true"` or `"both"`.
        An empty module (204) yields nothing.
        """
        field_list = _fields_param(fields)
        if converted not in CONVERTED_VALUES:
            raise ValueError(f"converted must be one of {CONVERTED_VALUES}, got {converted!r}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}")
        base: dict[str, Any] = {"fields": field_list, "per_page": per_page, "converted": converted}
        if sort_by is not None:
            base["sort_by"] = sort_by
        if sort_order is not None:
            base["sort_order"] = sort_order
        page = 1
        page_token: str | None = None
        while True:
            params = dict(base)
            if page_token is not None:
                params["page_token"] = page_token
            else:
                params["page"] = page
            body = self._request("records", "GET", f"/{module}", params=params)
            if body is None:
                return
            data = body.get("data") or []
            if data:
                yield list(data)
            info = body.get("info") or {}
            if not info.get("more_records"):
                return
            if page_token is None and (page + 1) * per_page <= PAGE_LIMIT:
                page += 1
                continue
            next_token = info.get("next_page_token")
            if not next_token:
                raise InvalidDataError(
                    f"more than {PAGE_LIMIT} records but the answer carries no next_page_token",
                    method="GET",
                    path=f"{API_PREFIX}/{module}",
                    status=200,
                    details={"page": page, "per_page": per_page},
                )
            page_token = str(next_token)

    def records(
        self,
        module: str,
        fields: Sequence[str],
        *,
        converted: str = "false",
        sort_by: str | None = None,
        sort_order: str | None = None,
        per_page: int = 200,
    ) -> Iterator[dict[str, Any]]:
        """The records of `iter_pages`, one at a time."""
        for page in self.iter_pages(
            module,
            fields,
            converted=converted,
            sort_by=sort_by,
            sort_order=sort_order,
            per_page=per_page,
        ):
            yield from page

    def get_record(
        self, module: str, record_id: str, *, converted: str | None = None
    ) -> dict[str, Any] | None:
        """One record, or `None` when Zoho answers 204 (unknown id).

        A converted lead is hidden like in listings unless `converted="both"` (or `"true"`): what
        settles a conversion whose answer was lost must ask with `"both"`.
        """
        rid = _id(record_id, "record_id")
        params = {"converted": converted} if converted is not None else None
        body = self._request("records", "GET", f"/{module}/{rid}", params=params)
        if body is None:
            return None
        data = body.get("data") or []
        return dict(data[0]) if data else None

    def search(
        self,
        module: str,
        *,
        criteria: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        word: str | None = None,
    ) -> list[dict[str, Any]]:
        """`GET {module}/search` with one of criteria/email/phone/word (<= 2,000 results)."""
        given = {
            k: v
            for k, v in (("criteria", criteria), ("email", email), ("phone", phone), ("word", word))
            if v is not None
        }
        if len(given) != 1:
            raise ValueError("search takes exactly one of criteria, email, phone, word")
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            params: dict[str, Any] = {**given, "page": page, "per_page": MAX_PER_PAGE}
            body = self._request("search", "GET", f"/{module}/search", params=params)
            if body is None:
                return out
            out.extend(body.get("data") or [])
            info = body.get("info") or {}
            if not info.get("more_records") or len(out) >= SEARCH_LIMIT:
                return out
            page += 1

    # ------------------------------------------------------------------ metadata (cached)
    def _cached(self, key: tuple[str, str], load: Callable[[], T]) -> T:
        with self._meta_lock:
            if key in self._meta:
                return self._meta[key]  # type: ignore[no-any-return]
        value = load()
        with self._meta_lock:
            self._meta.setdefault(key, value)
            return self._meta[key]  # type: ignore[no-any-return]

    def fields(self, module: str) -> list[dict[str, Any]]:
        """Field metadata of a module (cached per client)."""

        def load() -> list[dict[str, Any]]:
            body = self._request("metadata", "GET", "/settings/fields", params={"module": module})
            return list((body or {}).get("fields") or [])

        return self._cached(("fields", module), load)

    def layouts(self, module: str) -> list[dict[str, Any]]:
        """Layouts of a module (cached per client)."""

        def load() -> list[dict[str, Any]]:
            body = self._request("metadata", "GET", "/settings/layouts", params={"module": module})
            return list((body or {}).get("layouts") or [])

        return self._cached(("layouts", module), load)

    def modules(self) -> list[dict[str, Any]]:
        """Modules of the org (cached per client)."""

        def load() -> list[dict[str, Any]]:
            body = self._request("metadata", "GET", "/settings/modules")
            return list((body or {}).get("modules") or [])

        return self._cached(("modules", ""), load)

    def current_user(self) -> dict[str, Any]:
        """The user the token belongs to."""
        body = self._request("metadata", "GET", "/users", params={"type": "CurrentUser"})
        users = (body or {}).get("users") or []
        if not users:
            raise CRMError("no current user in the answer", method="GET", path="/crm/v8/users")
        return dict(users[0])

    def users(self, kind: str = "ActiveUsers") -> list[dict[str, Any]]:
        """The org's users of one kind (`ActiveUsers`, `AllUsers`…), every page."""
        users: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self._request(
                "metadata", "GET", "/users", params={"type": kind, "page": page, "per_page": 200}
            )
            users.extend(dict(u) for u in (body or {}).get("users") or [])
            if not ((body or {}).get("info") or {}).get("more_records"):
                return users
            page += 1

    def org(self) -> dict[str, Any]:
        """The org's details."""
        body = self._request("metadata", "GET", "/org")
        orgs = (body or {}).get("org") or []
        if not orgs:
            raise CRMError("no org in the answer", method="GET", path="/crm/v8/org")
        return dict(orgs[0])

    # ------------------------------------------------------------------ conversion options
    def conversion_options(self, lead_id: str) -> ConversionOptions:
        """What Zoho would offer when converting this lead (204 -> `matched=False, raw=None`)."""
        lid = _id(lead_id, "lead_id")
        body = self._request(
            "conversion_options", "GET", f"/Leads/{lid}/__conversion_options", lead_id=lid
        )
        return ConversionOptions.from_payload(lid, body)

    def conversion_options_many(
        self, ids: Sequence[str], *, progress: bool | None = None
    ) -> list[ConversionOptions | CRMError]:
        """Conversion options for many leads at the concurrency ceiling, in input order.

        A lead that fails (locked, unapproved, bad id, retries exhausted) comes back as its
        `CRMError`; the batch goes on.
        """
        lids = [_id(i, "ids[]") for i in ids]
        self._ledger.check_batch("conversion_options", len(lids))
        return self._run_many(
            self.conversion_options,
            lids,
            workers=self.concurrency,
            desc="conversion options",
            progress=self.progress if progress is None else progress,
        )

    # ------------------------------------------------------------------ convert
    def convert_lead(self, lead_id: str, request: ConvertRequest) -> ConvertResult:
        """Convert one lead. Raises `OutcomeUnknownError` when the answer was lost.

        Retried only on 429 and on connection errors before sending; see the module docstring.
        """
        lid = _id(lead_id, "lead_id")
        if not isinstance(request, ConvertRequest):
            raise TypeError("convert_lead needs a ConvertRequest")
        path = f"/Leads/{lid}/actions/convert"
        body = self._request(
            "convert", "POST", path, json=request.to_payload(), write=True, lead_id=lid
        )
        entries = (body or {}).get("data") or []
        entry = entries[0] if entries and isinstance(entries[0], dict) else None
        if entry is None:
            raise OutcomeUnknownError(
                "the convert answer carries no result",
                method="POST",
                path=API_PREFIX + path,
                status=200 if body is not None else 204,
                lead_id=lid,
            )
        if str(entry.get("status", "")).lower() == "error":
            raise from_body(entry, method="POST", path=API_PREFIX + path, status=200, lead_id=lid)
        return ConvertResult.from_entry(lid, entry)

    def convert_many(
        self, items: Sequence[tuple[str, ConvertRequest]], *, progress: bool | None = None
    ) -> list[ConvertResult | CRMError]:
        """Convert many leads inside the sub-concurrency pool, in input order, errors as data.

        An `OutcomeUnknownError` in the results means that lead must be read back.
        """
        work = [(_id(lid, "items[].lead_id"), req) for lid, req in items]
        for lid, req in work:
            if not isinstance(req, ConvertRequest):
                raise TypeError(f"convert_many: the request for lead {lid} is not a ConvertRequest")
        self._ledger.check_batch("convert", len(work))
        return self._run_many(
            lambda item: self.convert_lead(item[0], item[1]),
            work,
            workers=min(self.concurrency, SUB_CONCURRENCY),
            desc="convert",
            progress=self.progress if progress is None else progress,
        )

    def mass_convert(self, request: MassConvertRequest) -> str:
        """Schedule a mass-convert job (<= 50 leads); returns its job id."""
        if not isinstance(request, MassConvertRequest):
            raise TypeError("mass_convert needs a MassConvertRequest")
        path = "/Leads/actions/mass_convert"
        body = self._request("mass_convert", "POST", path, json=request.to_payload(), write=True)
        job_id = ((body or {}).get("details") or {}).get("job_id")
        if not job_id:
            if body and str(body.get("status", "")).lower() == "error":
                raise from_body(body, method="POST", path=API_PREFIX + path, status=200)
            raise OutcomeUnknownError(
                "the mass convert answer carries no job_id",
                method="POST",
                path=API_PREFIX + path,
                status=200,
            )
        return str(job_id)

    def mass_convert_status(self, job_id: str) -> MassConvertStatus:
        """One poll of a mass-convert job."""
        jid = _id(job_id, "job_id")
        body = self._request(
            "mass_convert_status", "GET", "/Leads/actions/mass_convert", params={"job_id": jid}
        )
        return MassConvertStatus.from_payload(jid, body or {})

    def wait_mass_convert(
        self,
        job_id: str,
        *,
        poll_interval: float = 2.0,
        timeout: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> MassConvertStatus:
        """Poll until the job is COMPLETED or FAILED; `TimeoutError` after `timeout` seconds.

        Always bounded: a job Zoho never finishes ends in an error naming it, not a hang.
        """
        if timeout is None or not timeout > 0:
            raise ValueError("wait_mass_convert needs a positive timeout (seconds)")
        start = clock()
        while True:
            status = self.mass_convert_status(job_id)
            if status.done:
                return status
            if clock() - start >= timeout:
                raise TimeoutError(
                    f"mass convert job {job_id} still {status.status} after {timeout} s"
                )
            sleep(poll_interval)

    # ------------------------------------------------------------------ batches
    def _run_many(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        workers: int,
        desc: str,
        progress: bool,
    ) -> list[R | CRMError]:
        results: list[R | CRMError | None] = [None] * len(items)
        if not items:
            return []
        with (
            tqdm(total=len(items), desc=desc, disable=not progress, unit="lead") as bar,
            ThreadPoolExecutor(
                max_workers=max(1, min(workers, len(items))), thread_name_prefix="crmkit-api"
            ) as pool,
        ):
            futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
            for future in as_completed(futures):
                index = futures[future]
                try:
                    results[index] = future.result()
                except CRMError as exc:
                    results[index] = exc
                bar.update(1)
        return cast(list[R | CRMError], results)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close connections, then run the closers handed in (e.g. stop the embedded sandbox)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._http.close()
        finally:
            for closer in self._closers:
                closer()

    def __enter__(self) -> CRMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fields_param(fields: Sequence[str] | str) -> str:
    names = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else list(fields)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError("fields must name at least one field (Zoho requires the parameter)")
    if len(names) > MAX_FIELDS:
        raise ValueError(f"Zoho accepts at most {MAX_FIELDS} fields per call, got {len(names)}")
    return ",".join(names)


def host_of(url: str) -> str:
    """The scheme://host[:port] part of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
