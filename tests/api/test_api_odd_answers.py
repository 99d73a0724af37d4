"""Odd answers, each settled: a fake Zoho (httpx.MockTransport) answers bodies a faithful server
never gives, and every one becomes a typed error naming the call — never a raw DecodingError,
RecursionError, AttributeError or TypeError, never records made of a string's letters, and for a
write always an outcome that is unknown (read the lead back), never a refusal.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from api_support import CLIENT_SECRET, REFRESH_TOKEN, FakeZoho, Sleeps, json_response

from crmkit.api import (
    ConversionOptions,
    ConvertRequest,
    CRMError,
    MassConvertRequest,
    OutcomeUnknownError,
)
from crmkit.api import decode as decode_module
from crmkit.api.errors import (
    PaginationError,
    UnexpectedAnswerError,
    UnexpectedWriteAnswerError,
)
from crmkit.frames import fetch_options

pytestmark = pytest.mark.timeout(60)

OPTIONS = "/crm/v8/Leads/111/__conversion_options"
CONVERT = "/crm/v8/Leads/111/actions/convert"
MASS = "/crm/v8/Leads/actions/mass_convert"
LEADS = "/crm/v8/Leads"
CONTACT = {"id": "9", "Full_Name": "Pat Boyle"}


@dataclass(frozen=True)
class Raw:
    """An answer sent as these exact bytes, decoded only by the client (broken gzip included)."""

    status_code: int
    content: bytes
    headers: dict[str, str]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            self.status_code, headers=self.headers, stream=httpx.ByteStream(self.content)
        )


def raw(status: int, content: bytes, **headers: str) -> Raw:
    return Raw(status, content, headers)


def nested(depth: int) -> bytes:
    return b'{"data":' + b"[" * depth + b"]" * depth + b"}"


# A body that cannot be read at all, whatever the call: (id, answer, words the problem names).
UNREADABLE: list[tuple[str, Raw | httpx.Response, str]] = [
    (
        "broken gzip",
        raw(200, b"this is not gzip", **{"Content-Encoding": "gzip"}),
        "does not decode as gzip",
    ),
    ("HTML", raw(200, b"<html><body>Service Unavailable</body></html>"), "not JSON"),
    ("truncated JSON", raw(200, b'{"data": [{"id": "1"'), "not JSON"),
    ("NaN", raw(200, b'{"data": [{"id": "1", "Amount": NaN}]}'), "not JSON"),
    ("100k deep", raw(200, nested(100_000)), "nests deeper"),
    ("200 deep", raw(200, nested(200)), "nests deeper"),
    ("empty 200", raw(200, b""), "empty"),
    ("blank 200", raw(200, b"  \r\n"), "empty"),
    ("a JSON list", json_response(200, [{"id": "1"}]), "a list, not a JSON object"),
    ("a JSON string", json_response(200, "abc"), "a JSON str, not a JSON object"),
    ("302", raw(302, b"", Location="https://elsewhere.test/"), "redirect"),
    ("304", raw(304, b""), "redirect"),
]


@pytest.mark.parametrize(
    ("answer", "problem"), [pytest.param(*row[1:], id=row[0]) for row in UNREADABLE]
)
def test_an_unreadable_read_answer_is_an_unexpected_answer_error(
    fake: FakeZoho, make_client: Any, answer: Raw | httpx.Response, problem: str
) -> None:
    fake.on("GET", OPTIONS, answer)
    client = make_client()
    with pytest.raises(UnexpectedAnswerError) as info:
        client.conversion_options("111")
    error = info.value
    assert not isinstance(error, OutcomeUnknownError)  # a read: nothing to settle
    assert problem in error.message
    assert (error.method, error.path, error.status) == ("GET", OPTIONS, answer.status_code)
    assert error.lead_id == "111"
    assert f"GET {OPTIONS} -> HTTP {answer.status_code}" in str(error)
    assert fake.calls("GET", OPTIONS) == 1  # the same request would get the same answer


@pytest.mark.parametrize(
    ("answer", "problem"), [pytest.param(*row[1:], id=row[0]) for row in UNREADABLE]
)
def test_an_unreadable_convert_answer_is_an_unknown_outcome(
    fake: FakeZoho, make_client: Any, answer: Raw | httpx.Response, problem: str
) -> None:
    fake.on("POST", CONVERT, answer)
    client = make_client()
    with pytest.raises(UnexpectedWriteAnswerError) as info:
        client.convert_lead("111", ConvertRequest())
    error = info.value
    assert isinstance(error, OutcomeUnknownError)
    assert problem in error.message and "read the record back" in error.message
    assert error.status == answer.status_code  # reported as what it was, never "HTTP 204"
    assert f"-> HTTP {answer.status_code} " in str(error) and "HTTP 204" not in str(error)
    assert fake.calls("POST", CONVERT) == 1  # a write is never resent blindly


def test_a_convert_answered_204_says_204(fake: FakeZoho, make_client: Any) -> None:
    fake.on("POST", CONVERT, httpx.Response(204))
    client = make_client()
    with pytest.raises(UnexpectedWriteAnswerError) as info:
        client.convert_lead("111", ConvertRequest())
    assert info.value.status == 204 and "no content" in info.value.message


# Bodies that parse but are not the documented shape: (id, body, json_path named).
OPTIONS_SHAPES: list[tuple[str, Any, str]] = [
    ("__conversion_options a string", {"__conversion_options": "x"}, "$.__conversion_options"),
    ("__conversion_options a list", {"__conversion_options": []}, "$.__conversion_options"),
    ("key missing", {"options": {}}, "$"),
    ("Contacts a string", {"__conversion_options": {"Contacts": "abc"}}, "Contacts"),
    ("Contacts [null]", {"__conversion_options": {"Contacts": [None]}}, "Contacts[0]"),
    ("a contact without id", {"__conversion_options": {"Contacts": [{"Email": "x"}]}}, ".id"),
    (
        "matched fields a list",
        {"__conversion_options": {"preference_field_matched_value": ["Email"]}},
        "preference_field_matched_value",
    ),
    (
        "matched field not an object",
        {"__conversion_options": {"preference_field_matched_value": {"Contacts": ["Email"]}}},
        "Contacts[0]",
    ),
    (
        "matched field without api_name",
        {
            "__conversion_options": {
                "preference_field_matched_value": {"Contacts": [{"field": {"id": "1"}}]}
            }
        },
        "api_name",
    ),
    (
        "Locked__s a word",
        {"__conversion_options": {"Accounts": [{"id": "2", "Locked__s": "abc"}]}},
        "Accounts[0].Locked__s",
    ),
    (
        "$editable an object",
        {"__conversion_options": {"Contacts": [{"id": "2", "$editable": {"a": 1}}]}},
        "Contacts[0].$editable",
    ),
    (
        "module_preference a list",
        {"__conversion_options": {"module_preference": ["Contacts"]}},
        "module_preference",
    ),
    (
        "layouts an object",
        {"__conversion_options": {"modules_with_multiple_layouts": {"api_name": "Accounts"}}},
        "modules_with_multiple_layouts",
    ),
]


@pytest.mark.parametrize(
    ("body", "json_path"), [pytest.param(*row[1:], id=row[0]) for row in OPTIONS_SHAPES]
)
def test_conversion_options_not_in_the_documented_shape(
    fake: FakeZoho, make_client: Any, body: Any, json_path: str
) -> None:
    fake.on("GET", OPTIONS, json_response(200, body))
    client = make_client()
    with pytest.raises(UnexpectedAnswerError) as info:
        client.conversion_options("111")
    assert json_path in info.value.details["json_path"]
    assert info.value.status == 200 and info.value.lead_id == "111"


RECORD_SHAPES: list[tuple[str, Any, str]] = [
    ('data:"abc"', {"data": "abc", "info": {"more_records": False}}, "$.data"),
    ("data:[null]", {"data": [None], "info": {"more_records": False}}, "$.data[0]"),
    ("data an object", {"data": {"id": "1"}}, "$.data"),
    ("no data key", {"info": {"more_records": False}}, "$"),
    ("a record without id", {"data": [{"Last_Name": "Boyle"}]}, "$.data[0].id"),
    ("an id that is a list", {"data": [{"id": ["1"]}]}, "$.data[0].id"),
    ("info a string", {"data": [{"id": "1"}], "info": "more"}, "$.info"),
    (
        "more_records a string",
        {"data": [{"id": "1"}], "info": {"more_records": "yes"}},
        "$.info.more_records",
    ),
    (
        "next_page_token a number",
        {"data": [{"id": "1"}], "info": {"more_records": True, "next_page_token": 5}},
        "$.info.next_page_token",
    ),
]


@pytest.mark.parametrize(
    ("body", "json_path"), [pytest.param(*row[1:], id=row[0]) for row in RECORD_SHAPES]
)
def test_record_pages_not_in_the_documented_shape(
    fake: FakeZoho, make_client: Any, body: Any, json_path: str
) -> None:
    fake.on("GET", LEADS, json_response(200, body))
    client = make_client()
    with pytest.raises(UnexpectedAnswerError) as info:
        list(client.records("Leads", ["Last_Name"]))  # never records 'a', 'b', 'c'
    assert info.value.details["json_path"].startswith(json_path)
    assert info.value.path == LEADS


CONVERT_SHAPES: list[tuple[str, Any, str]] = [
    (
        'details:"x"',
        {"data": [{"status": "success", "code": "SUCCESS", "details": "x"}]},
        "details",
    ),
    ("data:[null]", {"data": [None]}, "$.data[0]"),
    ("data:[]", {"data": []}, "$.data"),
    ('data:"abc"', {"data": "abc"}, "$.data"),
    ("no data", {"code": "SUCCESS"}, "$"),
    ("no status", {"data": [{"code": "SUCCESS", "details": {"Contacts": CONTACT}}]}, "status"),
    (
        "no Contacts",
        {"data": [{"status": "success", "details": {"Accounts": None, "Deals": None}}]},
        "details.Contacts",
    ),
    (
        "Contacts a list",
        {"data": [{"status": "success", "details": {"Contacts": [CONTACT]}}]},
        "details.Contacts",
    ),
    (
        "Accounts a string",
        {"data": [{"status": "success", "details": {"Contacts": CONTACT, "Accounts": "A"}}]},
        "details.Accounts",
    ),
]


@pytest.mark.parametrize(
    ("body", "json_path"), [pytest.param(*row[1:], id=row[0]) for row in CONVERT_SHAPES]
)
def test_convert_answers_not_in_the_documented_shape_are_unknown_outcomes(
    fake: FakeZoho, make_client: Any, body: Any, json_path: str
) -> None:
    fake.on("POST", CONVERT, json_response(200, body))
    client = make_client()
    with pytest.raises(UnexpectedWriteAnswerError) as info:
        client.convert_lead("111", ConvertRequest())
    assert isinstance(info.value, OutcomeUnknownError) and info.value.lead_id == "111"
    assert json_path in info.value.details["json_path"]


def test_a_documented_error_entry_is_still_zoho_s_refusal(fake: FakeZoho, make_client: Any) -> None:
    body = {
        "data": [{"code": "RECORD_LOCKED", "details": "x", "message": "locked", "status": "error"}]
    }
    fake.on("POST", CONVERT, json_response(200, body))
    client = make_client()
    with pytest.raises(CRMError) as info:
        client.convert_lead("111", ConvertRequest())
    assert type(info.value).__name__ == "RecordLockedError" and info.value.details == {}


@pytest.mark.parametrize(
    "body",
    [
        {"code": "SCHEDULED", "details": "x", "status": "success"},
        {"code": "SCHEDULED", "details": {"job_id": None}, "status": "success"},
        {"code": "SCHEDULED", "details": {"job_id": ["1"]}, "status": "success"},
        {"data": [{"details": {"job_id": "1"}}]},
        [1, 2],
    ],
    ids=["details a string", "job_id null", "job_id a list", "wrapped in data", "a list"],
)
def test_mass_convert_answers_without_a_job_id_are_unknown_outcomes(
    fake: FakeZoho, make_client: Any, body: Any
) -> None:
    fake.on("POST", MASS, json_response(200, body))
    client = make_client()
    with pytest.raises(UnexpectedWriteAnswerError):
        client.mass_convert(MassConvertRequest(ids=["1", "2"]))
    assert fake.calls("POST", MASS) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"data": [{"Status": "COMPLETED", "Total_Count": "abc"}]},
        {"data": [{"Status": None}]},
        {"data": "COMPLETED"},
        {"data": []},
    ],
    ids=["count a word", "status null", "data a string", "data empty"],
)
def test_mass_convert_status_not_in_the_documented_shape(
    fake: FakeZoho, make_client: Any, body: Any
) -> None:
    fake.on("GET", MASS, json_response(200, body))
    client = make_client()
    with pytest.raises(UnexpectedAnswerError) as info:
        client.mass_convert_status("77")
    assert not isinstance(info.value, OutcomeUnknownError)  # a poll is a read


@pytest.mark.parametrize(
    ("path", "call", "body"),
    [
        ("/crm/v8/org", lambda c: c.org(), {"org": {"id": "1"}}),
        ("/crm/v8/org", lambda c: c.org(), {"org": []}),
        ("/crm/v8/org", lambda c: c.org(), {"org": [{"id": "1", "license_details": "paid"}]}),
        ("/crm/v8/settings/fields", lambda c: c.fields("Leads"), {"fields": [None]}),
        ("/crm/v8/settings/fields", lambda c: c.fields("Leads"), {"fields": [{"id": "1"}]}),
        ("/crm/v8/settings/modules", lambda c: c.modules(), {"modules": "Leads"}),
        ("/crm/v8/settings/layouts", lambda c: c.layouts("Leads"), {"layouts": {"id": "1"}}),
        ("/crm/v8/users", lambda c: c.current_user(), {"users": ["me"]}),
        ("/crm/v8/Leads/111", lambda c: c.get_record("Leads", "111"), {"data": ["abc"]}),
    ],
    ids=[
        "org an object",
        "org empty",
        "license_details a string",
        "fields [null]",
        "a field without api_name",
        "modules a string",
        "layouts an object",
        "users of strings",
        "a record that is a string",
    ],
)
def test_metadata_and_records_not_in_the_documented_shape(
    fake: FakeZoho, make_client: Any, path: str, call: Any, body: Any
) -> None:
    fake.on("GET", path, json_response(200, body))
    client = make_client()
    with pytest.raises(UnexpectedAnswerError) as info:
        call(client)
    assert info.value.path == path


def test_an_odd_org_answer_only_costs_the_edition_guess(fake: FakeZoho, make_client: Any) -> None:
    fake.on("GET", "/crm/v8/org", json_response(200, {"org": [{"license_details": "paid"}]}))
    client = make_client(edition=None)
    assert client.edition == "standard"


def test_a_huge_body_is_bounded_after_decompression(
    fake: FakeZoho, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decode_module, "MAX_BODY_BYTES", 1024 * 1024)
    bomb = gzip.compress(b'{"data": [' + b" " * (8 * 1024 * 1024) + b"]}")
    assert len(bomb) < 64 * 1024  # small on the wire, 8 MiB once inflated
    fake.on("GET", OPTIONS, raw(200, bomb, **{"Content-Encoding": "gzip"}))
    fake.on("GET", LEADS, raw(200, b"[" + b"0," * (600 * 1024) + b"0]"))
    client = make_client()
    with pytest.raises(UnexpectedAnswerError, match="larger than 1,048,576 bytes"):
        client.conversion_options("111")
    with pytest.raises(UnexpectedAnswerError, match="larger than"):
        list(client.records("Leads", ["Last_Name"]))


def test_odd_error_bodies_still_map_by_status(fake: FakeZoho, make_client: Any) -> None:
    fake.on(
        "GET",
        OPTIONS,
        raw(400, nested(50_000)),
        raw(403, b"garbage", **{"Content-Encoding": "gzip"}),
        json_response(404, {"code": {"nested": True}, "details": "x", "message": ["m"]}),
    )
    client = make_client()
    kinds = []
    for _ in range(3):
        with pytest.raises(CRMError) as info:
            client.conversion_options("111")
        kinds.append((type(info.value).__name__, info.value.status, info.value.details))
    assert kinds == [
        ("RequestError", 400, {}),
        ("NoPermissionError", 403, {}),
        ("NotFoundError", 404, {}),
    ]


def test_a_401_with_an_unreadable_body_is_an_auth_error(fake: FakeZoho, make_client: Any) -> None:
    fake.on(
        "GET",
        OPTIONS,
        raw(401, b"broken", **{"Content-Encoding": "gzip"}),
        raw(401, nested(100_000)),
    )
    client = make_client()
    for _ in range(2):
        with pytest.raises(CRMError) as info:
            client.conversion_options("111")
        assert type(info.value).__name__ == "AuthError" and info.value.status == 401
    assert len(fake.token_requests) == 1  # not tagged INVALID_TOKEN: no refresh


# ------------------------------------------------------------------ batches keep every result
def test_one_odd_answer_in_a_batch_is_that_lead_s_error(fake: FakeZoho, make_client: Any) -> None:
    matched = {
        "__conversion_options": {
            "Contacts": [{"id": "9", "Email": "pat@x.test"}],
            "preference_field_matched_value": {
                "Contacts": [{"field": {"api_name": "Email"}, "matched_lead_value": "pat@x.test"}]
            },
        }
    }
    fake.on("GET", "/crm/v8/Leads/1/__conversion_options", json_response(200, matched))
    fake.on("GET", "/crm/v8/Leads/2/__conversion_options", json_response(200, {"data": [None]}))
    fake.on("GET", "/crm/v8/Leads/3/__conversion_options", raw(200, nested(100_000)))
    fake.on("GET", "/crm/v8/Leads/4/__conversion_options", httpx.Response(204))
    fake.on(
        "GET",
        "/crm/v8/Leads/5/__conversion_options",
        json_response(200, {"__conversion_options": "x"}),
    )
    odd_flag = {"__conversion_options": {"Contacts": [{"id": "8", "Locked__s": "abc"}]}}
    fake.on("GET", "/crm/v8/Leads/6/__conversion_options", json_response(200, odd_flag))
    ids = ["1", "2", "3", "4", "5", "6"]
    client = make_client()
    results = client.conversion_options_many(ids)
    assert [type(r).__name__ for r in results] == [
        "ConversionOptions",
        "UnexpectedAnswerError",
        "UnexpectedAnswerError",
        "ConversionOptions",
        "UnexpectedAnswerError",
        "UnexpectedAnswerError",
    ]
    first = results[0]
    assert isinstance(first, ConversionOptions) and first.matched
    frames = fetch_options(client, ids)  # what crmkit fetch and snapshots call
    options = frames.options.set_index("lead_id")
    assert options["outcome"].tolist() == [
        "matched",
        "error",
        "error",
        "no_match",
        "error",
        "error",
    ]
    assert options.loc["2", "error_code"] == "UnexpectedAnswerError"
    assert "'__conversion_options' is missing" in str(options.loc["2", "error_message"])
    assert "nests deeper" in str(options.loc["3", "error_message"])
    assert "a string where an object is documented" in str(options.loc["5", "error_message"])
    assert frames.matches["lead_id"].tolist() == ["1"]


# ------------------------------------------------------------------ paging that does not advance
def listing(ids: list[str], *, more: bool, token: str | None = None) -> httpx.Response:
    info: dict[str, Any] = {"more_records": more}
    if token is not None:
        info["next_page_token"] = token
    return json_response(200, {"data": [{"id": i} for i in ids], "info": info})


def test_a_page_that_repeats_is_refused(fake: FakeZoho, make_client: Any) -> None:
    # A server that ignores `page`: page 1 again and again, always more_records.
    fake.on("GET", LEADS, listing(["1", "2"], more=True))
    client = make_client()
    with pytest.raises(PaginationError, match="repeats 2 record") as info:
        list(client.records("Leads", ["Last_Name"]))
    assert info.value.details["page"] == 2 and fake.calls("GET", LEADS) == 2


def test_a_repeating_page_token_is_refused(fake: FakeZoho, make_client: Any) -> None:
    # Ten pages of 200 by `page`, then tokens: t1 -> t2 -> t1 again.
    pages = [listing([str(n * 200 + i) for i in range(200)], more=True) for n in range(9)]
    fake.on(
        "GET",
        LEADS,
        *pages,
        listing([str(1800 + i) for i in range(200)], more=True, token="t1"),
        listing(["9001"], more=True, token="t2"),
        listing(["9002"], more=True, token="t1"),
    )
    client = make_client()
    with pytest.raises(PaginationError, match="next_page_token repeats") as info:
        list(client.records("Leads", ["Last_Name"]))
    assert info.value.details["page_token"] == "t2"
    assert fake.calls("GET", LEADS) == 12
    queries = [r.url.params.get("page_token") for r in fake.requests]
    assert queries[-3:] == [None, "t1", "t2"]


def test_more_records_without_records_is_refused(fake: FakeZoho, make_client: Any) -> None:
    fake.on(
        "GET", "/crm/v8/users", json_response(200, {"users": [], "info": {"more_records": True}})
    )
    client = make_client()
    with pytest.raises(PaginationError, match="without records"):
        client.users()
    assert fake.calls("GET", "/crm/v8/users") == 1


def test_pages_that_overlap_but_advance_are_kept(fake: FakeZoho, make_client: Any) -> None:
    # A record created mid-listing shifts the pages: one repeat, but the page brings news.
    fake.on("GET", LEADS, listing(["1", "2"], more=True), listing(["2", "3"], more=False))
    client = make_client()
    assert [r["id"] for r in client.records("Leads", ["Last_Name"], per_page=2)] == [
        "1",
        "2",
        "2",
        "3",
    ]


# ------------------------------------------------------------------ the token endpoint
def token_ok(n: int) -> httpx.Response:
    return json_response(
        200,
        {
            "access_token": f"at-{n}-secret",
            "expires_in": 3600,
            "api_domain": "https://api.fake.test",
        },
    )


@pytest.mark.parametrize(
    "failure",
    [
        raw(500, json.dumps({"code": "INTERNAL_ERROR", "echo": REFRESH_TOKEN}).encode()),
        raw(502, b"<html>Bad Gateway " + CLIENT_SECRET.encode() + b"</html>"),
        raw(200, b"<html>captive portal</html>"),
        raw(200, b"broken", **{"Content-Encoding": "gzip"}),
    ],
    ids=["500", "502 HTML", "200 HTML", "broken gzip"],
)
def test_a_failing_token_endpoint_is_retried_with_the_policy(
    fake: FakeZoho, sleeps: Sleeps, make_client: Any, failure: Raw
) -> None:
    def answer(n: int) -> httpx.Response:
        if n > 2:
            return token_ok(n)
        return failure(None)

    fake.token_answer = answer
    fake.on(
        "POST",
        CONVERT,
        json_response(200, {"data": [{"status": "success", "details": {"Contacts": CONTACT}}]}),
    )
    client = make_client()
    assert client.convert_lead("111", ConvertRequest()).contact_id == "9"  # a write, too
    assert len(fake.token_requests) == 3 and len(sleeps.waits) == 2
    assert fake.calls("POST", CONVERT) == 1


def test_a_token_endpoint_that_keeps_failing_gives_up_naming_it(
    fake: FakeZoho, sleeps: Sleeps, make_client: Any
) -> None:
    from crmkit.api.errors import NetworkError, TokenEndpointError
    from crmkit.api.limits import RetryPolicy

    fake.token_answer = lambda n: json_response(
        503, {"echo": REFRESH_TOKEN, "secret": CLIENT_SECRET}
    )
    client = make_client(retry=RetryPolicy(max_attempts=3, sleep=sleeps, random=lambda: 0.5))
    with pytest.raises(TokenEndpointError) as info:
        client.conversion_options("111")
    error = info.value
    assert isinstance(error, NetworkError)  # the call was never sent
    assert len(fake.token_requests) == 3 and fake.requests == []
    assert error.path == "/oauth/v2/token" and error.status == 503
    text = str(error) + repr(error)
    assert REFRESH_TOKEN not in text and CLIENT_SECRET not in text


def test_a_token_refusal_is_not_retried(fake: FakeZoho, sleeps: Sleeps, make_client: Any) -> None:
    from crmkit.api import AuthError

    fake.token_answer = lambda n: json_response(400, {"error": "invalid_client"})
    client = make_client()
    with pytest.raises(AuthError):
        client.conversion_options("111")
    assert len(fake.token_requests) == 1 and sleeps.waits == []


def test_a_token_answer_with_an_odd_token_is_refused(fake: FakeZoho, make_client: Any) -> None:
    from crmkit.api import AuthError

    fake.token_answer = lambda n: json_response(200, {"access_token": {"x": 1}, "api_domain": 5})
    client = make_client()
    with pytest.raises(AuthError, match="no_access_token"):
        client.conversion_options("111")


def test_bodies_are_never_quoted_in_errors(fake: FakeZoho, make_client: Any) -> None:
    body = json.dumps({"data": "abc", "token": REFRESH_TOKEN}).encode()
    fake.on("GET", LEADS, raw(200, body))
    client = make_client()
    with pytest.raises(UnexpectedAnswerError) as info:
        list(client.records("Leads", ["Last_Name"]))
    assert REFRESH_TOKEN not in str(info.value) and "abc" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ("[" * 64 + "]" * 64, False),
        ("[" * 65 + "]" * 65, True),
        ('{"a": ' * 64 + "1" + "}" * 64, False),
        ('{"a": ' * 65 + "1" + "}" * 65, True),
        (json.dumps({"note": "[" * 500, "tricky": 'a\\"[[[[\\', "x": ["{" * 80]}), False),
        (json.dumps([["\\"], ["\\\\[[[", [["]]]]"]]]]), False),
    ],
    ids=["64 lists", "65 lists", "64 objects", "65 objects", "brackets in strings", "escapes"],
)
def test_nesting_is_counted_outside_strings_only(text: str, deep: bool) -> None:
    value = decode_module.parse_json(text.encode())
    assert isinstance(value, decode_module.Unreadable) is deep
    if not deep:
        assert value == json.loads(text)
