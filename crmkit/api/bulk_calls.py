"""The Bulk Read calls over the client's send path: the `BulkTransport` `crmkit.api.bulk` drives.

Create and status go through `crmkit.api.send` like every other call (limiter slot, retries,
credit ledger, Zoho's errors as crmkit's), under `/crm/bulk/v8` instead of `/crm/v8`. A create
whose answer was lost is sent again: at worst Zoho runs one extra job (50 credits) and nothing in
the org changes, so it is not treated as a write. The download is one streamed attempt — the ZIP
goes to disk chunk by chunk, never whole into memory — and `BulkReader` decides what to do when
it breaks (download again, or wait out a 429).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

import httpx

from crmkit.api import decode
from crmkit.api.bulk import BULK_PREFIX
from crmkit.api.errors import ConnectionDroppedError, NetworkError
from crmkit.api.limits import CreditLedger, Limiter, RetryPolicy
from crmkit.api.send import NOT_SENT, Answer, Call, Sender, answer_error

CHUNK = 1 << 20


class BulkCalls:
    """`bulk_create`, `bulk_status` and `bulk_download` for one client's connection."""

    def __init__(
        self,
        http: httpx.Client,
        ledger: CreditLedger,
        domain: Callable[[], str],
        limiter: Callable[[], Limiter],
        retry: RetryPolicy,
    ) -> None:
        self._http, self._domain = http, domain
        self._limiter, self._retry = limiter, retry
        self._sender = Sender(
            http, ledger, base_url=lambda: domain() + BULK_PREFIX, limiter=limiter
        )

    def bulk_create(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        call = Call(
            "bulk_create",
            "POST",
            "/read",
            json=dict(body),
            shape=decode.BULK_CREATE,
            prefix=BULK_PREFIX,
        )
        return self._sender.send(call, self._retry) or {}

    def bulk_status(self, job_id: str) -> Mapping[str, Any]:
        call = Call(
            "bulk_status", "GET", f"/read/{job_id}", shape=decode.BULK_STATUS, prefix=BULK_PREFIX
        )
        return self._sender.send(call, self._retry) or {}

    def bulk_download(self, url: str, sink: BinaryIO) -> None:
        """Stream the result into `sink`: one attempt; Zoho's error or a typed drop raised."""
        target = url if url.startswith(("http://", "https://")) else self._domain() + url
        call = Call("bulk_download", "GET", url, prefix="")
        try:
            with (
                self._limiter().slot(call.kind),
                self._http.stream("GET", target) as response,  # the token flow reads 401s only
            ):
                self._sender.account(call.kind, response)
                if response.status_code != 200:
                    body = decode.read_body(response, limit=decode.MAX_ERROR_BODY_BYTES)
                    raise answer_error(Answer(response.status_code, response.headers, body), call)
                for chunk in response.iter_bytes(CHUNK):
                    sink.write(chunk)
        except NOT_SENT as exc:
            raise NetworkError(
                f"connection failed before sending ({type(exc).__name__})", method="GET", path=url
            ) from None
        except httpx.TransportError as exc:
            raise ConnectionDroppedError(
                f"the download broke off ({type(exc).__name__})", method="GET", path=url
            ) from None
