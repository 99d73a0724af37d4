"""CRMClient: the Zoho CRM v8 calls crmkit makes, synchronous, thread-pooled for batches.

Synchronous on purpose: notebooks cannot `asyncio.run` inside a running kernel. Batches
(`conversion_options_many`, `convert_many`) run on a thread pool at the org's concurrency ceiling,
show a `tqdm.auto` bar, and return one result per input, in input order, errors included as data.

Sending lives in `crmkit.api.send` (one attempt, a pure classification of each answer, a short
retry loop: the rules for what is resent, above all writes, are there); reading answers and their
documented shapes in `crmkit.api.decode`; paging in `crmkit.api.pages`. This module keeps the
calls: their paths (ids checked by `crmkit.api.ids`, then percent-encoded), parameters and the
shape each answer must have.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
from tqdm.auto import tqdm

from crmkit.api import decode
from crmkit.api.auth import ZohoOAuth
from crmkit.api.bulk import BulkPage, BulkPolicy, BulkReader, default_workdir
from crmkit.api.bulk_calls import BulkCalls
from crmkit.api.errors import CRMError, from_body
from crmkit.api.ids import path_segment, zoho_id
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
)
from crmkit.api.pages import MAX_PER_PAGE, PAGE_LIMIT, SEARCH_LIMIT, iter_pages
from crmkit.api.send import API_PREFIX, Call, Sender
from crmkit.api.target import ZOHO_CRM, Target
from crmkit.api.updates import UpdateOutcome, send_update

log = logging.getLogger("crmkit.api")

MAX_FIELDS = 50
CONVERTED_VALUES = ("false", "true", "both")
# Zoho module api names: a letter, then letters, digits and underscores.
_MODULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")

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
            org = self._request("metadata", "GET", "/org", limited=False, shape=decode.ORG)
        except CRMError as exc:
            log.info("could not read the org's edition (%s); assuming standard", exc.code)
            return "standard"
        info = cast(dict[str, Any], org)["org"][0]
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
        shape: decode.Shape,
    ) -> dict[str, Any] | None:
        """Send one call through the send path (`crmkit.api.send`); the JSON body, None for 204.

        `shape` is the documented shape of the answer (`crmkit.api.decode`): every call names one,
        so no answer reaches the code below unchecked.
        """
        if self._closed:
            raise CRMError("this client is closed", method=method, path=API_PREFIX + path)
        call = Call(kind, method, path, params, json, write, lead_id, limited, shape)
        return self._sender.send(call, self.retry)

    @cached_property
    def _sender(self) -> Sender:
        return Sender(
            self._http, self._ledger, base_url=self._base_url, limiter=lambda: self.limiter
        )

    def _pages(
        self,
        kind: str,
        path: str,
        params: Mapping[str, Any],
        *,
        key: str = "data",
        token_after: int | None = None,
        cap: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a paginated GET, through the one page iterator (`crmkit.api.pages`)."""
        shape = decode.records(key)
        return iter_pages(
            lambda query: self._request(kind, "GET", path, params=query, shape=shape),
            params,
            key=key,
            per_page=int(params.get("per_page", MAX_PER_PAGE)),
            token_after=token_after,
            cap=cap,
            path=API_PREFIX + path,
        )

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
        yield from self._pages("records", f"/{_module(module)}", base, token_after=PAGE_LIMIT)

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
        rid = zoho_id(record_id, "record_id")
        params = {"converted": converted} if converted is not None else None
        path = f"/{_module(module)}/{path_segment(rid)}"
        body = self._request("records", "GET", path, params=params, shape=decode.RECORDS)
        if body is None:
            return None
        data = body["data"] or []
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
        params = {**given, "per_page": MAX_PER_PAGE}
        pages = self._pages("search", f"/{_module(module)}/search", params, cap=SEARCH_LIMIT)
        return [record for page in pages for record in page]

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
            body = self._request(
                "metadata",
                "GET",
                "/settings/fields",
                params={"module": module},
                shape=decode.FIELDS,
            )
            return list((body or {}).get("fields") or [])

        return self._cached(("fields", module), load)

    def layouts(self, module: str) -> list[dict[str, Any]]:
        """Layouts of a module (cached per client)."""

        def load() -> list[dict[str, Any]]:
            body = self._request(
                "metadata",
                "GET",
                "/settings/layouts",
                params={"module": module},
                shape=decode.LAYOUTS,
            )
            return list((body or {}).get("layouts") or [])

        return self._cached(("layouts", module), load)

    def modules(self) -> list[dict[str, Any]]:
        """Modules of the org (cached per client)."""

        def load() -> list[dict[str, Any]]:
            body = self._request("metadata", "GET", "/settings/modules", shape=decode.MODULES)
            return list((body or {}).get("modules") or [])

        return self._cached(("modules", ""), load)

    def contact_roles(self) -> list[dict[str, Any]]:
        """The org's Contact Roles (`{"id", "name", "sequence_number"}`), cached per client: the
        roles a Deal's `Contact_Role` may name."""

        def load() -> list[dict[str, Any]]:
            body = self._request("metadata", "GET", "/Contacts/roles", shape=decode.CONTACT_ROLES)
            return list((body or {}).get("contact_roles") or [])

        return self._cached(("contact_roles", ""), load)

    def current_user(self) -> dict[str, Any]:
        """The user the token belongs to."""
        body = self._request(
            "metadata", "GET", "/users", params={"type": "CurrentUser"}, shape=decode.USERS
        )
        users = (body or {}).get("users") or []
        if not users:
            raise CRMError("no current user in the answer", method="GET", path="/crm/v8/users")
        return dict(users[0])

    def users(self, kind: str = "ActiveUsers") -> list[dict[str, Any]]:
        """The org's users of one kind (`ActiveUsers`, `AllUsers`…), every page."""
        pages = self._pages(
            "metadata", "/users", {"type": kind, "per_page": MAX_PER_PAGE}, key="users"
        )
        return [dict(user) for page in pages for user in page]

    def org(self) -> dict[str, Any]:
        """The org's details."""
        body = self._request("metadata", "GET", "/org", shape=decode.ORG)
        return dict(cast(dict[str, Any], body)["org"][0])

    def record_count(self, module: str) -> int:
        """`GET {module}/actions/count`: records a default listing holds (1 credit)."""
        body = self._request("count", "GET", f"/{module}/actions/count", shape=decode.RECORD_COUNT)
        return int(cast(dict[str, Any], body)["count"])

    # ------------------------------------------------------------------ Bulk Read
    def bulk_read(
        self,
        module: str,
        fields: Sequence[str],
        *,
        criteria: Mapping[str, Any] | None = None,
        workdir: str | Path | None = None,
        forget: bool = True,
        policy: BulkPolicy | None = None,
    ) -> Iterator[BulkPage]:
        """Every page of a Bulk Read, downloaded to `workdir` (`crmkit.api.bulk`: 50 credits a job
        of 200,000 records, resumable); decode with `crmkit.frames.read_bulk_pages`."""
        domain, limiter = (lambda: self.api_domain), (lambda: self.limiter)
        calls = BulkCalls(self._http, self._ledger, domain, limiter, self.retry)
        work = workdir or default_workdir()
        reader = BulkReader(calls, work, policy=policy, progress=self.progress)
        return reader.read(module, fields, criteria=criteria, forget=forget)

    # ------------------------------------------------------------------ conversion options
    def conversion_options(self, lead_id: str) -> ConversionOptions:
        """What Zoho would offer when converting this lead (204 -> `matched=False, raw=None`)."""
        lid = zoho_id(lead_id, "lead_id")
        body = self._request(
            "conversion_options",
            "GET",
            f"/Leads/{path_segment(lid)}/__conversion_options",
            lead_id=lid,
            shape=decode.CONVERSION_OPTIONS,
        )
        return ConversionOptions.from_payload(lid, body)

    def conversion_options_many(
        self, ids: Sequence[str], *, progress: bool | None = None
    ) -> list[ConversionOptions | CRMError]:
        """Conversion options for many leads at the concurrency ceiling, in input order.

        A lead that fails (locked, unapproved, retries exhausted, an answer that is not the
        documented shape) comes back as its `CRMError`; the batch goes on. An id that is not a
        Zoho id is refused before anything is sent (`InvalidIdError`).
        """
        lids = [zoho_id(i, "ids[]") for i in ids]
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
        """Convert one lead. Raises `OutcomeUnknownError` when the answer was lost or unreadable.

        Retried only on 429 and on connection errors before sending; see the module docstring.
        """
        lid = zoho_id(lead_id, "lead_id")
        if not isinstance(request, ConvertRequest):
            raise TypeError("convert_lead needs a ConvertRequest")
        path = f"/Leads/{path_segment(lid)}/actions/convert"
        body = self._request(
            "convert",
            "POST",
            path,
            json=request.to_payload(),
            write=True,
            lead_id=lid,
            shape=decode.CONVERT,
        )
        entry = cast(dict[str, Any], body)["data"][0]
        if str(entry["status"]).lower() == "error":
            raise from_body(entry, method="POST", path=API_PREFIX + path, status=200, lead_id=lid)
        return ConvertResult.from_entry(lid, entry)

    def update_records(
        self, module: str, records: Sequence[Mapping[str, Any]], trigger: Sequence[str] = ()
    ) -> list[UpdateOutcome]:
        """Update Records (`PUT /{module}`, <= 100 records): one outcome per record, in order.

        A lost answer raises `OutcomeUnknownError`; see `crmkit.api.updates`."""
        if self._closed:
            raise CRMError("this client is closed", method="PUT", path=f"{API_PREFIX}/{module}")
        return send_update(self._sender, self.retry, _module(module), records, trigger)

    def convert_many(
        self, items: Sequence[tuple[str, ConvertRequest]], *, progress: bool | None = None
    ) -> list[ConvertResult | CRMError]:
        """Convert many leads inside the sub-concurrency pool, in input order, errors as data.

        An `OutcomeUnknownError` in the results means that lead must be read back.
        """
        work = [(zoho_id(lid, "items[].lead_id"), req) for lid, req in items]
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
        body = cast(
            dict[str, Any],
            self._request(
                "mass_convert",
                "POST",
                path,
                json=request.to_payload(),
                write=True,
                shape=decode.MASS_CONVERT,
            ),
        )
        if str(body.get("status", "")).lower() == "error":
            raise from_body(body, method="POST", path=API_PREFIX + path, status=200)
        return str(body["details"]["job_id"])

    def mass_convert_status(self, job_id: str) -> MassConvertStatus:
        """One poll of a mass-convert job."""
        jid = zoho_id(job_id, "job_id")
        body = self._request(
            "mass_convert_status",
            "GET",
            "/Leads/actions/mass_convert",
            params={"job_id": jid},
            shape=decode.MASS_CONVERT_STATUS,
        )
        return MassConvertStatus.from_payload(jid, cast(dict[str, Any], body))

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


def _module(module: str) -> str:
    """A module api name for a URL path (`Leads`, `Contacts`, a custom `Deals_X`); refused else."""
    if not isinstance(module, str) or _MODULE_NAME.fullmatch(module) is None:
        raise ValueError(f"{module!r} is not a Zoho module api name (letters, digits, _)")
    return path_segment(module)


def _fields_param(fields: Sequence[str] | str) -> str:
    names = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else list(fields)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError("fields must name at least one field (Zoho requires the parameter)")
    if len(names) > MAX_FIELDS:
        raise ValueError(f"Zoho accepts at most {MAX_FIELDS} fields per call, got {len(names)}")
    return ",".join(names)
