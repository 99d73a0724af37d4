"""The client's send path in three layers, laid out like httpx's and githubkit's.

1. `Sender.attempt`: one HTTP exchange inside a limiter slot. A transport failure comes back as
   a typed crmkit error that says whether the request may have reached Zoho: `NetworkError` when
   it never left (connect failure, connect/pool timeout, token endpoint unreachable, or
   `StalledError`: no slot came free), `ConnectionDroppedError` when it may have arrived.
2. `classify`: a pure function from an answer (or that error) to a `Decision` — retry, raise, or
   use the body. It holds the rule that decides whether a *write* may be resent, so a table test
   pins it down without a server.
3. `Sender.send`: a short loop that follows the decisions, sleeps the policy's waits and raises
   the error `error_for` builds.

Retry rules (timing in `limits.RetryPolicy`):
- 429: back off and retry, every call (nothing was processed) — but a 429 with
  `X-API-CREDITS-REMAINING: 0` raises `CreditsExhaustedError` at once.
- Reads (GET): also retried on 5xx and on any connection error.
- Writes (convert, mass convert): retried only on 429 or on a connection error raised before the
  request left. A drop after sending, a read timeout or a 5xx raise `OutcomeUnknownError`: the
  lead may be converted, and only reading it back can tell.

Answers are read by `crmkit.api.decode` (bounded size and depth, strict JSON) and checked against
the call's documented shape (`Call.shape`). A 2xx or 3xx answer that cannot be read, or is not
that shape, raises `UnexpectedAnswerError` for a read and `UnexpectedWriteAnswerError` (an
`OutcomeUnknownError`) for a write: the write may have happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import httpx

from crmkit.api.decode import EMPTY, NOT_JSON, Mismatch, Shape, Unreadable, read_body
from crmkit.api.errors import (
    UNKNOWN_OUTCOME_HINT,
    ConnectionDroppedError,
    CreditsExhaustedError,
    CRMError,
    NetworkError,
    OutcomeUnknownError,
    RateLimitError,
    UnexpectedAnswerError,
    UnexpectedWriteAnswerError,
    from_body,
)
from crmkit.api.limits import CreditLedger, Decision, Limiter, RetryPolicy

log = logging.getLogger("crmkit.api")

API_PREFIX = "/crm/v8"
CREDITS_HEADER = "X-API-CREDITS-REMAINING"
# Raised before any byte of the request left: safe to retry even a write.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

__all__ = ["EMPTY", "NOT_JSON", "Answer", "Call", "Sender", "Unreadable", "classify", "error_for"]


@dataclass(frozen=True)
class Call:
    """One Zoho call as the client asks for it; `path` is under `prefix` (`/crm/v8`).

    `kind` names the call type for the limiter's sub-pool and the credit ledger; `write` marks a
    call Zoho may act on, which is never resent once it may have arrived; `shape` checks a used
    answer against what Zoho documents for the call (`crmkit.api.decode`).
    """

    kind: str
    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    write: bool = False
    lead_id: str | None = None
    limited: bool = True
    shape: Shape | None = None
    prefix: str = API_PREFIX  # `/crm/bulk/v8` for Bulk Read; the sender's base URL ends with it
    credits: int | None = None  # what this call costs when not its kind's fixed price (updates)

    @property
    def full_path(self) -> str:
        """The path as errors and logs name it (`/crm/v8/...`)."""
        return self.prefix + self.path


@dataclass(frozen=True)
class Answer:
    """What Zoho answered to one attempt, read once: status, headers and the parsed body.

    `body` is the JSON value, `None` for no content (204), or `Unreadable` (`NOT_JSON`, `EMPTY`,
    too large, too deep, broken gzip).
    """

    status: int
    headers: Mapping[str, str]
    body: Any
    reason_phrase: str = ""


def credits_remaining(headers: Mapping[str, str]) -> str | None:
    """The `X-API-CREDITS-REMAINING` header, whatever its case (None when Zoho sent none)."""
    wanted = CREDITS_HEADER.lower()
    return next((value for name, value in headers.items() if name.lower() == wanted), None)


def credits_spent(headers: Mapping[str, str]) -> bool:
    """Zoho says no credits remain: a 429 then means wait for the day's window, not seconds."""
    remaining = credits_remaining(headers)
    return remaining is not None and remaining.strip() == "0"


def zoho_code(body: object) -> str | None:
    """The Zoho error code of a body (top level, or its first `data` entry)."""
    if not isinstance(body, dict):
        return None
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        body = data[0]
    code = cast(dict[str, Any], body).get("code")
    return None if code is None else str(code)


def classify(
    status: int | None,
    headers: Mapping[str, str],
    body_or_error: object,
    *,
    is_write: bool,
    attempt: int,
    policy: RetryPolicy,
) -> Decision:
    """Decide what one attempt's outcome means: `retry` (after `wait`), `raise` or `body`.

    `status`/`headers`/`body_or_error` describe Zoho's answer (`body_or_error` the parsed body,
    None or `Unreadable`); for an attempt that got no answer, `status` is None and `body_or_error`
    is the typed `NetworkError` of `Sender.attempt`. Pure but for the policy's jitter source.
    A 1xx/3xx answer, an unreadable body or one that is not a JSON object is never used: for a
    write it means the outcome is unknown.
    """
    if isinstance(body_or_error, CRMError):
        if is_write and isinstance(body_or_error, ConnectionDroppedError):
            return Decision("raise", "connection dropped after the write was sent: outcome unknown")
        return policy.after_error(body_or_error, attempt)
    if status is None:
        raise ValueError("classify needs an HTTP status, or the error of an attempt without one")
    if status == 429:
        if credits_spent(headers):
            return Decision("raise", f"429 with {CREDITS_HEADER} 0: the day's credits are spent")
        return policy.backoff(attempt, "429 TOO_MANY_REQUESTS")
    code = zoho_code(body_or_error)
    label = f"HTTP {status} {code}" if code else f"HTTP {status}"
    if status >= 500:
        if is_write:
            return Decision("raise", f"{label} answered a write: outcome unknown")
        return policy.backoff(attempt, label)
    if status >= 400:
        return Decision("raise", f"{label}: the same request gets the same answer")
    problem = answer_problem(status, body_or_error)
    if problem is not None:
        unknown = ": outcome unknown" if is_write else ""
        return Decision("raise", f"HTTP {status}: {problem}{unknown}")
    return Decision("body", f"HTTP {status}")


def answer_problem(status: int, body: object) -> str | None:
    """Why a 1xx-3xx answer cannot be used as the call's result (None: it can)."""
    if not 200 <= status < 300:
        return "not an answer Zoho documents for this call (a redirect or an interim answer)"
    if isinstance(body, Unreadable):
        return body.problem
    if body is not None and not isinstance(body, dict):
        kind = "a list" if isinstance(body, list) else "a JSON " + type(body).__name__
        return f"the answer is {kind}, not a JSON object"
    return None


def error_for(call: Call, outcome: Answer | CRMError) -> CRMError:
    """The exception to raise for an outcome `classify` said to raise."""
    if isinstance(outcome, CRMError):
        if call.write and isinstance(outcome, ConnectionDroppedError):
            return OutcomeUnknownError(
                f"{outcome.message} after the request was sent: {UNKNOWN_OUTCOME_HINT}",
                method=call.method,
                path=call.full_path,
                lead_id=call.lead_id,
            )
        if outcome.method is None:  # raised below the call (a stalled limiter)
            outcome.method, outcome.path = call.method, call.full_path
        outcome.lead_id = outcome.lead_id or call.lead_id
        return outcome
    status = outcome.status
    if status >= 400:
        error = answer_error(outcome, call)
        if status == 429 and credits_spent(outcome.headers):
            return CreditsExhaustedError(
                f"the org's API credits for the rolling 24 hours are used up ({CREDITS_HEADER}"
                f" 0): {error.message}; calls succeed again as earlier calls age out of the window",
                method=call.method,
                path=call.full_path,
                status=status,
                code=error.code,
                details=error.details,
                lead_id=call.lead_id,
            )
        if status >= 500 and call.write:
            return OutcomeUnknownError(
                f"HTTP {status} {error.code or ''} answered a write: {UNKNOWN_OUTCOME_HINT}",
                method=call.method,
                path=call.full_path,
                status=status,
                code=error.code,
                details=error.details,
                lead_id=call.lead_id,
            )
        return error
    return unexpected(call, status, answer_problem(status, outcome.body) or "unusable answer")


def unexpected(
    call: Call, status: int, problem: str, json_path: str | None = None
) -> UnexpectedAnswerError:
    """The error of an answer that is not the documented shape; for a write, outcome unknown."""
    details = {"json_path": json_path} if json_path else None
    if call.write:
        return UnexpectedWriteAnswerError(
            f"{problem}: {UNKNOWN_OUTCOME_HINT}",
            method=call.method,
            path=call.full_path,
            status=status,
            details=details,
            lead_id=call.lead_id,
        )
    return UnexpectedAnswerError(
        problem,
        method=call.method,
        path=call.full_path,
        status=status,
        details=details,
        lead_id=call.lead_id,
    )


def answer_error(answer: Answer, call: Call) -> CRMError:
    """Zoho's error answer as the crmkit error of its code (or, failing that, its status)."""
    body = answer.body
    if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
        entry = body["data"][0]
        body = entry if isinstance(entry, dict) else body
    error = from_body(
        body if isinstance(body, dict) else None,
        method=call.method,
        path=call.full_path,
        status=answer.status,
        lead_id=call.lead_id,
        fallback_message=answer.reason_phrase,
    )
    if isinstance(error, RateLimitError):
        error.retry_after = None  # Zoho sends no Retry-After
    return error


class Sender:
    """Sends `Call`s for one client: one attempt, its classification, the loop around them.

    `base_url` and `limiter` are read per attempt, since both are resolved lazily by the client
    (the API domain may need a token first; the limiter, the org's edition).
    """

    def __init__(
        self,
        http: httpx.Client,
        ledger: CreditLedger,
        *,
        base_url: Callable[[], str],
        limiter: Callable[[], Limiter],
    ) -> None:
        self._http = http
        self._ledger = ledger
        self._base_url = base_url
        self._limiter = limiter

    def send(self, call: Call, policy: RetryPolicy) -> dict[str, Any] | None:
        """The JSON object Zoho answered (None for an empty answer), after the retries allowed."""
        attempt = 0
        while True:
            attempt += 1
            outcome = self.attempt(call)
            if isinstance(outcome, Answer):
                status, headers, body = outcome.status, outcome.headers, outcome.body
            else:
                status, headers, body = None, {}, outcome
            decision = classify(
                status, headers, body, is_write=call.write, attempt=attempt, policy=policy
            )
            if decision.action == "body" and isinstance(outcome, Answer):
                log.debug("%s %s -> %d", call.method, call.full_path, outcome.status)
                body = cast(dict[str, Any] | None, outcome.body)
                if call.shape is not None:
                    try:
                        call.shape(body)
                    except Mismatch as exc:
                        raise unexpected(call, outcome.status, exc.problem, exc.json_path) from None
                return body
            if decision.action != "retry":
                raise error_for(call, outcome)
            self._ledger.retried()
            log.debug(
                "%s %s: %s; retry %d in %.2f s",
                call.method,
                call.full_path,
                decision.reason,
                attempt,
                decision.wait,
            )
            policy.sleep(decision.wait)

    def attempt(self, call: Call) -> Answer | NetworkError:
        """One exchange: Zoho's answer, or the typed error of a request that got none.

        Other crmkit errors (refused credentials, no API domain) propagate: no retry helps them.
        """
        try:
            url = self._base_url() + call.path
            if call.limited:
                limiter = self._limiter()
                with limiter.slot(call.kind):
                    response, body = self._exchange(call, url)
                    if response.status_code == 429:
                        limiter.throttled()
                    elif response.status_code < 500:
                        limiter.succeeded()
            else:
                response, body = self._exchange(call, url)
        except NOT_SENT as exc:
            return NetworkError(
                f"connection failed before sending ({type(exc).__name__})",
                method=call.method,
                path=call.full_path,
                lead_id=call.lead_id,
            )
        except httpx.TransportError as exc:
            return ConnectionDroppedError(
                f"connection dropped ({type(exc).__name__})",
                method=call.method,
                path=call.full_path,
                lead_id=call.lead_id,
            )
        except NetworkError as exc:  # no slot came free, or the token endpoint is unreachable
            return exc
        self.account(call.kind, response, call.credits)
        return Answer(response.status_code, response.headers, body, response.reason_phrase)

    def _exchange(self, call: Call, url: str) -> tuple[httpx.Response, Any]:
        """Send, and read the answer within `decode`'s bounds (streamed, so a huge body stops)."""
        request = self._http.build_request(call.method, url, params=call.params, json=call.json)
        response = self._http.send(request, stream=True)
        try:
            return response, read_body(response)
        finally:
            response.close()

    def account(self, kind: str, response: httpx.Response, credits: int | None = None) -> None:
        """Zoho charges every answered call but 429 and 401 rejections (`credits`: this call's
        price when it is not its kind's fixed one)."""
        remaining = response.headers.get(CREDITS_HEADER)
        if response.status_code == 429:
            self._ledger.observe(remaining, throttled=True)
        elif response.status_code == 401:
            self._ledger.observe(remaining)
        else:
            self._ledger.charge(kind, remaining, credits)
