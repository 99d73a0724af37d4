"""The send path's decisions from a table: what each Zoho answer or failure means, reads vs writes.

`classify` is pure, so the rule that decides whether a write may be resent is pinned here row by
row, without a server; test_api_retry.py checks that the loop follows it over HTTP.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest

from crmkit.api.errors import (
    AlreadyConvertedError,
    AuthError,
    ConnectionDroppedError,
    CreditsExhaustedError,
    CRMError,
    InvalidDataError,
    NetworkError,
    OutcomeUnknownError,
    RateLimitError,
    ScopeError,
    ServerError,
    StalledError,
    UnexpectedAnswerError,
    UnexpectedWriteAnswerError,
)
from crmkit.api.limits import Decision, RetryPolicy
from crmkit.api.pages import iter_pages
from crmkit.api.send import EMPTY, NOT_JSON, Answer, Call, Unreadable, classify, error_for

# delay(n) = min(8, 2**(n-1)) with random() = 1.0: attempt 1 waits 1 s, attempt 2 waits 2 s.
POLICY = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=8.0, random=lambda: 1.0)
READ = Call("conversion_options", "GET", "/Leads/111/__conversion_options", lead_id="111")
WRITE = Call("convert", "POST", "/Leads/111/actions/convert", write=True, lead_id="111")


def zoho(code: str) -> dict[str, Any]:
    return {"code": code, "details": {}, "message": code.lower(), "status": "error"}


def entry(code: str) -> dict[str, Any]:
    return {"data": [zoho(code)]}


SPENT = {"X-API-CREDITS-REMAINING": "0"}
ANSWERS: list[tuple[str, int, dict[str, str], object, bool, int, str, float]] = [
    # id, status, headers, body, is_write, attempt, action, wait
    ("200 read", 200, {}, {"data": []}, False, 1, "body", 0.0),
    ("200 write", 200, {}, entry("SUCCESS"), True, 1, "body", 0.0),
    ("200 write, entry error is the caller's", 200, {}, entry("RECORD_LOCKED"), True, 1, "body", 0),
    ("204 read", 204, {}, None, False, 1, "body", 0.0),
    ("204 write", 204, {}, None, True, 1, "body", 0.0),
    ("200 not JSON read", 200, {}, NOT_JSON, False, 1, "raise", 0.0),
    ("200 not JSON write", 200, {}, NOT_JSON, True, 1, "raise", 0.0),
    ("200 JSON list", 200, {}, [1, 2], False, 1, "raise", 0.0),
    ("200 empty read", 200, {}, EMPTY, False, 1, "raise", 0.0),
    ("200 empty write", 200, {}, EMPTY, True, 1, "raise", 0.0),
    (
        "200 too deep",
        200,
        {},
        Unreadable("the JSON nests deeper than 64 levels"),
        True,
        1,
        "raise",
        0,
    ),
    ("302 read", 302, {}, None, False, 1, "raise", 0.0),
    ("302 write", 302, {}, None, True, 1, "raise", 0.0),
    ("304 write", 304, {}, EMPTY, True, 1, "raise", 0.0),
    ("100 read", 100, {}, None, False, 1, "raise", 0.0),
    ("429 read", 429, {}, zoho("TOO_MANY_REQUESTS"), False, 1, "retry", 1.0),
    ("429 read 2nd", 429, {}, zoho("TOO_MANY_REQUESTS"), False, 2, "retry", 2.0),
    ("429 read last", 429, {}, zoho("TOO_MANY_REQUESTS"), False, 3, "raise", 0.0),
    ("429 write", 429, {}, zoho("TOO_MANY_REQUESTS"), True, 1, "retry", 1.0),
    ("429 write 2nd", 429, {}, zoho("TOO_MANY_REQUESTS"), True, 2, "retry", 2.0),
    ("429 write last", 429, {}, zoho("TOO_MANY_REQUESTS"), True, 3, "raise", 0.0),
    ("429 credits left", 429, {"X-API-CREDITS-REMAINING": "7"}, None, False, 1, "retry", 1.0),
    ("429 credits spent read", 429, SPENT, zoho("TOO_MANY_REQUESTS"), False, 1, "raise", 0.0),
    ("429 credits spent write", 429, SPENT, zoho("TOO_MANY_REQUESTS"), True, 1, "raise", 0.0),
    ("429 spent, header case", 429, {"x-api-credits-remaining": " 0 "}, None, False, 1, "raise", 0),
    ("200 with credits 0", 200, SPENT, {"data": []}, False, 1, "body", 0.0),
    ("500 read", 500, {}, zoho("INTERNAL_ERROR"), False, 1, "retry", 1.0),
    ("500 read 2nd", 500, {}, zoho("INTERNAL_ERROR"), False, 2, "retry", 2.0),
    ("500 read last", 500, {}, zoho("INTERNAL_ERROR"), False, 3, "raise", 0.0),
    ("500 write", 500, {}, zoho("INTERNAL_ERROR"), True, 1, "raise", 0.0),
    ("502 read, no body", 502, {}, None, False, 1, "retry", 1.0),
    ("503 read, HTML body", 503, {}, NOT_JSON, False, 1, "retry", 1.0),
    ("502 write", 502, {}, None, True, 1, "raise", 0.0),
    ("504 write", 504, {}, NOT_JSON, True, 1, "raise", 0.0),
    ("400 read", 400, {}, zoho("INVALID_DATA"), False, 1, "raise", 0.0),
    ("400 write", 400, {}, entry("ID_ALREADY_CONVERTED"), True, 1, "raise", 0.0),
    ("401 token", 401, {}, zoho("INVALID_TOKEN"), False, 1, "raise", 0.0),
    ("401 scope", 401, {}, zoho("OAUTH_SCOPE_MISMATCH"), True, 1, "raise", 0.0),
    ("403", 403, {}, zoho("NO_PERMISSION"), False, 1, "raise", 0.0),
    ("404", 404, {}, zoho("INVALID_URL_PATTERN"), False, 1, "raise", 0.0),
]


@pytest.mark.parametrize(
    ("status", "headers", "body", "is_write", "attempt", "action", "wait"),
    [pytest.param(*row[1:], id=row[0]) for row in ANSWERS],
)
def test_answers_classify_from_the_table(
    status: int,
    headers: dict[str, str],
    body: object,
    is_write: bool,
    attempt: int,
    action: str,
    wait: float,
) -> None:
    decision = classify(status, headers, body, is_write=is_write, attempt=attempt, policy=POLICY)
    assert (decision.action, decision.wait) == (action, wait)
    assert decision.reason


def failed(cls: type[NetworkError], message: str) -> NetworkError:
    return cls(message, method="GET", path="/crm/v8/Leads/111/__conversion_options")


FAILURES: list[tuple[str, NetworkError, bool, int, str, float]] = [
    # id, error of the attempt, is_write, attempt, action, wait
    ("not sent, read", failed(NetworkError, "connect failed"), False, 1, "retry", 1.0),
    ("not sent, write", failed(NetworkError, "connect failed"), True, 1, "retry", 1.0),
    ("not sent, write 2nd", failed(NetworkError, "connect failed"), True, 2, "retry", 2.0),
    ("not sent, write last", failed(NetworkError, "connect failed"), True, 3, "raise", 0.0),
    ("dropped, read", failed(ConnectionDroppedError, "reset"), False, 1, "retry", 1.0),
    ("dropped, read last", failed(ConnectionDroppedError, "reset"), False, 3, "raise", 0.0),
    ("dropped, write", failed(ConnectionDroppedError, "reset"), True, 1, "raise", 0.0),
    ("stalled, read", failed(StalledError, "no slot"), False, 1, "raise", 0.0),
    ("stalled, write", failed(StalledError, "no slot"), True, 1, "raise", 0.0),
]


@pytest.mark.parametrize(
    ("error", "is_write", "attempt", "action", "wait"),
    [pytest.param(*row[1:], id=row[0]) for row in FAILURES],
)
def test_failed_attempts_classify_from_the_table(
    error: NetworkError, is_write: bool, attempt: int, action: str, wait: float
) -> None:
    decision = classify(None, {}, error, is_write=is_write, attempt=attempt, policy=POLICY)
    assert (decision.action, decision.wait) == (action, wait)


def test_a_write_whose_outcome_may_have_happened_says_so() -> None:
    dropped = classify(
        None, {}, failed(ConnectionDroppedError, "reset"), is_write=True, attempt=1, policy=POLICY
    )
    answered = classify(500, {}, zoho("INTERNAL_ERROR"), is_write=True, attempt=1, policy=POLICY)
    assert "outcome unknown" in dropped.reason and "outcome unknown" in answered.reason
    assert "HTTP 500 INTERNAL_ERROR" in answered.reason


def test_the_last_attempt_names_how_many_were_made() -> None:
    decision = classify(429, {}, None, is_write=False, attempt=3, policy=POLICY)
    assert decision.reason == "429 TOO_MANY_REQUESTS; gave up after 3 attempt(s)"


def test_a_decision_is_a_frozen_value() -> None:
    decision = Decision("retry", "429 TOO_MANY_REQUESTS", 1.0)
    assert decision == Decision("retry", "429 TOO_MANY_REQUESTS", 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.action = "raise"  # type: ignore[misc]


def test_classify_needs_a_status_or_an_error() -> None:
    with pytest.raises(ValueError, match="needs an HTTP status"):
        classify(None, {}, None, is_write=False, attempt=1, policy=POLICY)


AFTER_ERROR: list[tuple[str, CRMError, str]] = [
    ("429", RateLimitError("too many", status=429), "retry"),
    ("credits spent", CreditsExhaustedError("spent", status=429), "raise"),
    ("not sent", NetworkError("connect failed"), "retry"),
    ("token endpoint unreachable", NetworkError("token", method="POST"), "retry"),
    ("dropped read", ConnectionDroppedError("reset"), "retry"),
    ("stalled", StalledError("no slot"), "raise"),
    ("5xx read", ServerError("boom", status=503), "retry"),
    ("not JSON read", ServerError("the answer is not JSON", status=200), "raise"),
    ("refused credentials", AuthError("invalid_client", status=401), "raise"),
    ("scope", ScopeError("scope", status=401), "raise"),
    ("outcome unknown", OutcomeUnknownError("dropped after sending"), "raise"),
    ("bad data", InvalidDataError("bad", status=400), "raise"),
    ("already converted", AlreadyConvertedError("done", status=400), "raise"),
]


@pytest.mark.parametrize(
    ("error", "action"), [pytest.param(*row[1:], id=row[0]) for row in AFTER_ERROR]
)
def test_after_error_decides_for_any_caller(error: CRMError, action: str) -> None:
    first = POLICY.after_error(error, 1)
    assert first.action == action
    assert first.wait == (1.0 if action == "retry" else 0.0)
    assert POLICY.after_error(error, POLICY.max_attempts).action == "raise"


def answer(status: int, body: object, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, headers or {}, body, "Reason")


ERRORS: list[tuple[str, Call, Answer | CRMError, type[CRMError]]] = [
    ("429 spent", READ, answer(429, zoho("TOO_MANY_REQUESTS"), SPENT), CreditsExhaustedError),
    ("429", WRITE, answer(429, zoho("TOO_MANY_REQUESTS")), RateLimitError),
    ("500 read", READ, answer(500, zoho("INTERNAL_ERROR")), ServerError),
    ("500 write", WRITE, answer(500, zoho("INTERNAL_ERROR")), OutcomeUnknownError),
    ("not JSON read", READ, answer(200, NOT_JSON), UnexpectedAnswerError),
    ("not JSON write", WRITE, answer(200, NOT_JSON), UnexpectedWriteAnswerError),
    ("JSON list write", WRITE, answer(200, [1]), UnexpectedWriteAnswerError),
    ("302 read", READ, answer(302, None), UnexpectedAnswerError),
    ("304 write", WRITE, answer(304, EMPTY), UnexpectedWriteAnswerError),
    ("empty 200 write", WRITE, answer(200, EMPTY), UnexpectedWriteAnswerError),
    ("entry code", WRITE, answer(400, entry("ID_ALREADY_CONVERTED")), AlreadyConvertedError),
    ("401 scope", READ, answer(401, zoho("OAUTH_SCOPE_MISMATCH")), ScopeError),
    (
        "dropped read",
        READ,
        ConnectionDroppedError("connection dropped (ReadError)"),
        ConnectionDroppedError,
    ),
    (
        "dropped write",
        WRITE,
        ConnectionDroppedError("connection dropped (ReadError)"),
        OutcomeUnknownError,
    ),
    ("stalled", WRITE, StalledError("no slot"), StalledError),
]


@pytest.mark.parametrize(
    ("call", "outcome", "expected"), [pytest.param(*row[1:], id=row[0]) for row in ERRORS]
)
def test_error_for_names_the_call_and_the_right_class(
    call: Call, outcome: Answer | CRMError, expected: type[CRMError]
) -> None:
    error = error_for(call, outcome)
    assert type(error) is expected
    assert (error.method, error.path, error.lead_id) == (call.method, call.full_path, "111")
    if isinstance(outcome, Answer):
        assert error.status == outcome.status
    if isinstance(error, RateLimitError):
        assert error.retry_after is None


def test_a_dropped_write_says_it_may_have_happened() -> None:
    error = error_for(WRITE, ConnectionDroppedError("connection dropped (ReadTimeout)"))
    assert error.message.startswith("connection dropped (ReadTimeout) after the request was sent")
    assert "read the record back" in error.message


def scripted(*bodies: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    """A fetch that answers the given bodies in turn and records each query it was sent."""
    queries: list[dict[str, Any]] = []
    queue = list(bodies)

    def fetch(query: dict[str, Any]) -> dict[str, Any] | None:
        queries.append(query)
        return queue.pop(0)

    return queries, fetch


_RECORD_IDS = itertools.count(1)


def page(n: int, *, more: bool, token: str | None = None, key: str = "data") -> dict[str, Any]:
    """A page of `n` records, each with an id no other page has (as Zoho's pages are)."""
    info: dict[str, Any] = {"more_records": more}
    if token is not None:
        info["next_page_token"] = token
    return {key: [{"id": str(next(_RECORD_IDS))} for _ in range(n)], "info": info}


def test_pages_switch_to_the_token_past_the_page_limit() -> None:
    queries, fetch = scripted(
        page(2, more=True), page(2, more=True, token="t1"), page(1, more=False)
    )
    pages = list(iter_pages(fetch, {"per_page": 2}, per_page=2, token_after=4))
    assert [len(p) for p in pages] == [2, 2, 1]
    assert queries == [
        {"per_page": 2, "page": 1},
        {"per_page": 2, "page": 2},
        {"per_page": 2, "page_token": "t1"},
    ]


def test_pages_past_the_limit_without_a_token_are_an_error() -> None:
    _, fetch = scripted(page(2, more=True), page(2, more=True))
    with pytest.raises(InvalidDataError, match="no next_page_token") as info:
        list(iter_pages(fetch, {"per_page": 2}, per_page=2, token_after=4, path="/crm/v8/Leads"))
    assert info.value.path == "/crm/v8/Leads" and info.value.details == {"page": 2, "per_page": 2}


def test_pages_stop_at_the_cap_and_on_an_empty_answer() -> None:
    queries, fetch = scripted(page(3, more=True), page(3, more=True), page(3, more=True))
    assert [len(p) for p in iter_pages(fetch, {}, per_page=3, cap=5)] == [3, 3]
    assert len(queries) == 2
    _, fetch = scripted(page(2, more=True, key="users"), None)
    assert [len(p) for p in iter_pages(fetch, {}, key="users")] == [2]


def test_an_unusable_write_answer_says_the_outcome_is_unknown_and_what_it_was() -> None:
    decision = classify(302, {}, None, is_write=True, attempt=1, policy=POLICY)
    assert decision.reason.startswith("HTTP 302: not an answer Zoho documents")
    assert decision.reason.endswith("outcome unknown")
    error = error_for(WRITE, answer(302, None))
    assert isinstance(error, OutcomeUnknownError) and error.status == 302
    assert "redirect" in error.problem and "read the record back" not in error.problem
