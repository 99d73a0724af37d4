"""Retry timing and ambiguous outcomes, on a scripted Zoho behind httpx.MockTransport."""

from __future__ import annotations

import httpx
import pytest
from api_support import FakeZoho, Sleeps, json_response, zoho_error

from crmkit.api import (
    ConvertRequest,
    MassConvertRequest,
    NetworkError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
)
from crmkit.api.limits import RetryPolicy

pytestmark = pytest.mark.timeout(60)

API = "https://api.fake.test"
OPTIONS = "/crm/v8/Leads/111/__conversion_options"
CONVERT = "/crm/v8/Leads/111/actions/convert"
MASS = "/crm/v8/Leads/actions/mass_convert"
CONVERTED = {
    "data": [
        {
            "code": "SUCCESS",
            "details": {
                "Contacts": {"name": "Pat Boyle", "id": "9"},
                "Accounts": None,
                "Deals": None,
            },
            "message": "The record has been converted successfully",
            "status": "success",
        }
    ]
}
TOO_MANY = zoho_error(429, "TOO_MANY_REQUESTS", "too many requests")


def test_429_backs_off_exponentially_with_jitter_then_succeeds(
    fake: FakeZoho, sleeps: Sleeps, make_client
) -> None:
    fake.on("GET", OPTIONS, TOO_MANY, TOO_MANY, TOO_MANY, httpx.Response(204))
    client = make_client()
    options = client.conversion_options("111")
    assert options.matched is False and options.raw is None
    assert fake.calls("GET", OPTIONS) == 4
    # base 0.25, equal jitter with random()=0.5: d/2 + d/4 for d = 0.25, 0.5, 1.0
    assert sleeps.waits == pytest.approx([0.1875, 0.375, 0.75])
    assert client.usage.throttled == 3 and client.usage.retries == 3
    assert client.usage.calls == {"conversion_options": 1}


def test_backoff_delay_is_capped_and_jitter_spans_half_to_full() -> None:
    low = RetryPolicy(base_delay=1, max_delay=8, random=lambda: 0.0)
    high = RetryPolicy(base_delay=1, max_delay=8, random=lambda: 1.0)
    assert [low.delay(n) for n in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]
    assert [high.delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]


def test_429_until_attempts_run_out_raises_rate_limit_error(
    fake: FakeZoho, sleeps: Sleeps, make_client
) -> None:
    fake.on("GET", OPTIONS, TOO_MANY)
    client = make_client(retry=RetryPolicy(max_attempts=4, sleep=sleeps, random=lambda: 0.0))
    with pytest.raises(RateLimitError) as info:
        client.conversion_options("111")
    assert fake.calls("GET", OPTIONS) == 4
    assert len(sleeps.waits) == 3
    assert info.value.retry_after is None
    assert info.value.status == 429 and info.value.code == "TOO_MANY_REQUESTS"
    assert "GET /crm/v8/Leads/111/__conversion_options -> HTTP 429 TOO_MANY_REQUESTS" in str(
        info.value
    )


def test_reads_retry_5xx_and_connection_errors(fake: FakeZoho, sleeps: Sleeps, make_client) -> None:
    fake.on(
        "GET",
        OPTIONS,
        zoho_error(500, "INTERNAL_ERROR", "Internal server error occurred."),
        httpx.ReadError("connection reset"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.ConnectError("refused"),
        httpx.Response(204),
    )
    client = make_client()
    assert client.conversion_options("111").matched is False
    assert fake.calls("GET", OPTIONS) == 5
    assert len(sleeps.waits) == 4


def test_reads_give_up_with_server_and_network_errors(
    fake: FakeZoho, sleeps: Sleeps, make_client
) -> None:
    fake.on("GET", OPTIONS, zoho_error(500, "INTERNAL_ERROR", "Internal server error occurred."))
    client = make_client(retry=RetryPolicy(max_attempts=3, sleep=sleeps))
    with pytest.raises(ServerError) as info:
        client.conversion_options("111")
    assert info.value.status == 500 and fake.calls("GET", OPTIONS) == 3
    fake.on("GET", OPTIONS, httpx.ReadTimeout("slow"))
    with pytest.raises(NetworkError):
        client.conversion_options("111")
    assert fake.calls("GET", OPTIONS) == 6


def test_convert_retries_429_and_connect_errors_before_sending(
    fake: FakeZoho, sleeps: Sleeps, make_client
) -> None:
    fake.on(
        "POST",
        CONVERT,
        TOO_MANY,
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("no route"),
        json_response(200, CONVERTED),
    )
    client = make_client()
    result = client.convert_lead("111", ConvertRequest())
    assert result.contact_id == "9" and result.account_id is None
    assert fake.calls("POST", CONVERT) == 4
    assert len(sleeps.waits) == 3
    assert client.usage.credits == {"convert": 5}


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
        httpx.WriteError("broken pipe"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_convert_dropped_after_sending_is_outcome_unknown_and_not_retried(
    fake: FakeZoho, sleeps: Sleeps, make_client, failure: Exception
) -> None:
    fake.on("POST", CONVERT, failure, json_response(200, CONVERTED))
    client = make_client()
    with pytest.raises(OutcomeUnknownError) as info:
        client.convert_lead("111", ConvertRequest(contact_id="9"))
    assert fake.calls("POST", CONVERT) == 1
    assert sleeps.waits == []
    assert info.value.lead_id == "111"
    assert "POST /crm/v8/Leads/111/actions/convert" in str(info.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_convert_answered_5xx_is_outcome_unknown(fake: FakeZoho, make_client, status: int) -> None:
    fake.on(
        "POST", CONVERT, zoho_error(status, "INTERNAL_ERROR", "Internal server error occurred.")
    )
    client = make_client()
    with pytest.raises(OutcomeUnknownError) as info:
        client.convert_lead("111", ConvertRequest())
    assert info.value.status == status
    assert fake.calls("POST", CONVERT) == 1


def test_mass_convert_dropped_is_outcome_unknown(fake: FakeZoho, make_client) -> None:
    fake.on("POST", MASS, httpx.RemoteProtocolError("Server disconnected"))
    client = make_client()
    with pytest.raises(OutcomeUnknownError):
        client.mass_convert(MassConvertRequest(ids=["1", "2"]))
    assert fake.calls("POST", MASS) == 1


def test_convert_many_returns_errors_as_data_in_input_order(fake: FakeZoho, make_client) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        lead = request.url.path.split("/")[4]
        if lead == "2":
            return json_response(
                400,
                {
                    "data": [
                        {
                            "code": "ID_ALREADY_CONVERTED",
                            "details": {},
                            "message": "id already converted",
                            "status": "error",
                        }
                    ]
                },
            )
        if lead == "3":
            raise httpx.ReadError("reset")
        return json_response(200, CONVERTED)

    for lead in ("1", "2", "3", "4"):
        fake.on("POST", f"/crm/v8/Leads/{lead}/actions/convert", answer)
    client = make_client()
    results = client.convert_many([(str(i), ConvertRequest()) for i in range(1, 5)])
    kinds = [type(r).__name__ for r in results]
    assert kinds == [
        "ConvertResult",
        "AlreadyConvertedError",
        "OutcomeUnknownError",
        "ConvertResult",
    ]
    assert [getattr(r, "lead_id", None) for r in results] == ["1", "2", "3", "4"]


def test_token_endpoint_unreachable_is_retried_even_for_convert(
    fake: FakeZoho, sleeps: Sleeps, make_client
) -> None:
    real = fake.handler
    state = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/v2/token" and state["n"] == 0:
            state["n"] += 1
            raise httpx.ConnectError("accounts server down")
        return real(request)

    fake.on("POST", CONVERT, json_response(200, CONVERTED))
    client = make_client(transport=httpx.MockTransport(flaky))
    assert client.convert_lead("111", ConvertRequest()).contact_id == "9"
    assert fake.calls("POST", CONVERT) == 1 and len(sleeps.waits) == 1
