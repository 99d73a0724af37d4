"""Reading Zoho's answers: every body that is not the documented shape is named, never crashes.

Two steps, both pure of HTTP policy (the send path decides what a problem means for a read or a
write, `crmkit.api.send`):

1. `read_body`: the bytes of an answer, bounded (`MAX_BODY_BYTES`, counted after gzip, so a
   compressed bomb stops too), parsed as strict JSON (no NaN/Infinity) with nesting bounded
   (`MAX_DEPTH`; `RecursionError` never escapes). What cannot be read comes back as an
   `Unreadable` value saying why, never as an exception.
2. Shapes: one check per call (`RECORDS`, `CONVERSION_OPTIONS`, `CONVERT`…) of what crmkit reads
   from the body. A check raises `Mismatch(json_path, problem)`; `data: "abc"` is "a string where a
   list of records is documented", not three records `a`, `b`, `c`.

No body is ever quoted in a problem: an answer may hold a token (the token endpoint's does).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from crmkit.errors import CrmkitError

MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest answer read (after decompression). A 200-record page is well under 1 MB."""
MAX_DEPTH = 64
"""Deepest nesting accepted. Zoho's documented answers nest under 10 levels."""
MAX_ERROR_BODY_BYTES = 1024 * 1024
"""Largest 401 body the token layer reads to learn its code (Zoho's are a few dozen bytes)."""


@dataclass(frozen=True)
class Unreadable:
    """An answer body that could not be read; `problem` says why in a few words."""

    problem: str


NOT_JSON: Final = Unreadable("the body is not JSON")
EMPTY: Final = Unreadable("the body is empty")


class Mismatch(CrmkitError):
    """A body that parsed but is not the documented shape: where (`$.data[0]`) and what.

    Never leaves the client: the send path turns it into the call's `UnexpectedAnswerError`.
    """

    def __init__(self, json_path: str, problem: str) -> None:
        super().__init__(f"{problem} (at {json_path})")
        self.json_path = json_path
        self.problem = problem


class _TooLarge(CrmkitError):
    """A body past the size bound (caught in `read_body`, never raised beyond it)."""


# ---------------------------------------------------------------------------- reading
def read_body(response: httpx.Response, *, limit: int | None = None) -> Any:
    """The parsed JSON of a (streamed or read) response: a value, None for 204, or `Unreadable`.

    `limit` defaults to `MAX_BODY_BYTES` (read when called, so it can be lowered). Transport
    errors while reading (a connection dropped mid-body) propagate: the caller types them, since
    whether the request arrived matters to it.
    """
    if response.status_code == 204:
        return None
    limit = MAX_BODY_BYTES if limit is None else limit
    try:
        raw = _read_bounded(response, limit)
    except _TooLarge:
        return Unreadable(f"the body is larger than {limit:,} bytes")
    except httpx.DecodingError:
        encoding = response.headers.get("Content-Encoding", "its Content-Encoding")
        return Unreadable(f"the body does not decode as {encoding[:40]}")
    except httpx.StreamError:
        return Unreadable("the body was already consumed")
    if not raw.strip():
        return EMPTY
    return parse_json(raw)


def _read_bounded(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes | str) -> Any:
    """Strict JSON with bounded nesting: the value, or `Unreadable` saying why not."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        return Unreadable(f"the JSON nests deeper than {MAX_DEPTH} levels")
    except ValueError:  # JSONDecodeError, a bad encoding, an integer too long to convert
        return NOT_JSON
    if _deeper_than(raw.encode() if isinstance(raw, str) else raw, MAX_DEPTH):
        return Unreadable(f"the JSON nests deeper than {MAX_DEPTH} levels")
    return value


_KEEP_QUOTES_AND_BRACKETS = bytes(b for b in range(256) if b not in b'[]{}"')


def _deeper_than(raw: bytes, limit: int) -> bool:
    """Nesting deeper than `limit` containers in JSON that parsed, read from its brackets.

    Only brackets outside strings count: escaped backslashes and quotes are dropped, then every
    other quote-delimited stretch is a string. All of that runs at C speed (`replace`,
    `translate`, `split`), so checking costs a fraction of the parse; walking the parsed value
    would cost more than the parse itself on a page of records.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    skeleton = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = skeleton.translate(None, _KEEP_QUOTES_AND_BRACKETS)
    brackets = b"".join(skeleton.split(b'"')[::2])
    depth = 0
    for char in brackets:
        depth += 1 if char in (0x5B, 0x7B) else -1
        if depth > limit:
            return True
    return False


def bounded_stream(response: httpx.Response, limit: int = MAX_ERROR_BODY_BYTES) -> None:
    """Cap what `response.read()` will take from the wire (raw bytes) at `limit`.

    For readers outside the send path (the 401 check in the auth flow), which must leave the body
    readable for the caller: `read()` keeps it, a bounded `iter_bytes` would consume it.
    """
    response.stream = _Capped(response.stream, limit)


class _Capped(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, limit: int) -> None:
        self._stream = stream
        self._limit = limit

    def __iter__(self) -> Any:
        total = 0
        for chunk in self._stream:  # type: ignore[union-attr]
            total += len(chunk)
            if total > self._limit:
                raise httpx.DecodingError(f"body larger than {self._limit} bytes")
            yield chunk

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if callable(close):
            close()


# ---------------------------------------------------------------------------- shapes
Shape = Callable[[dict[str, Any] | None], None]
"""Checks a parsed answer (None: no content) and raises `Mismatch` when it is not as documented."""


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _object(value: object, where: str, what: str = "an object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Mismatch(where, f"{_kind(value)} where {what} is documented")
    return value


def _objects(value: object, where: str, what: str) -> list[dict[str, Any]]:
    """A list of objects (`what` names them); null counts as an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Mismatch(where, f"{_kind(value)} where a list of {what} is documented")
    for i, item in enumerate(value):
        _object(item, f"{where}[{i}]", f"one of the {what} (an object)")
    return value


def _required(body: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in body:
        raise Mismatch(where, f"the key {key!r} is missing")
    return body[key]


def _scalar_id(record: Mapping[str, Any], where: str, *, required: bool = True) -> None:
    value = record.get("id")
    if value is None:
        if required:
            raise Mismatch(f"{where}.id", "a record without an id")
        return
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise Mismatch(f"{where}.id", f"{_kind(value)} where a record id is documented")


def _optional_object(body: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
    value = body.get(key)
    return None if value is None else _object(value, f"{where}.{key}")


def _nonempty(rows: list[dict[str, Any]], where: str, what: str) -> None:
    if not rows:
        raise Mismatch(where, f"an empty list where {what} is documented")


def records(key: str = "data") -> Shape:
    """A page of records: `{key: [record with id, …], "info": {…}}`; 204 is an empty page."""

    def check(body: dict[str, Any] | None) -> None:
        if body is None:
            return
        where = f"$.{key}"
        rows = _objects(_required(body, key, "$"), where, "records")
        for i, row in enumerate(rows):
            _scalar_id(row, f"{where}[{i}]")
        info = _optional_object(body, "info", "$")
        if info is not None:
            more = info.get("more_records")
            if more is not None and not isinstance(more, bool):
                raise Mismatch(
                    "$.info.more_records", f"{_kind(more)} where true/false is documented"
                )
            token = info.get("next_page_token")
            if token is not None and not isinstance(token, str):
                raise Mismatch(
                    "$.info.next_page_token", f"{_kind(token)} where a string is documented"
                )

    return check


def metadata(key: str, *, named: bool = True) -> Shape:
    """`{key: [object, …]}` (fields, layouts, modules); `named`: each has an `api_name` string."""

    def check(body: dict[str, Any] | None) -> None:
        if body is None:
            return
        rows = _objects(_required(body, key, "$"), f"$.{key}", key)
        if named:
            for i, row in enumerate(rows):
                if not isinstance(row.get("api_name"), str):
                    raise Mismatch(f"$.{key}[{i}].api_name", "an entry without an api_name")

    return check


def org(body: dict[str, Any] | None) -> None:
    """`{"org": [{…}]}`: one org object; its `license_details`, when given, an object."""
    if body is None:
        raise Mismatch("$", "no content where the org's details are documented")
    rows = _objects(_required(body, "org", "$"), "$.org", "orgs")
    _nonempty(rows, "$.org", "the org")
    _optional_object(rows[0], "license_details", "$.org[0]")


def users(body: dict[str, Any] | None) -> None:
    """A page of users, like a page of records under `users`."""
    records("users")(body)


CANDIDATE_FLAGS = ("Locked__s", "$editable")


def conversion_options(body: dict[str, Any] | None) -> None:
    """`{"__conversion_options": {Contacts, Accounts, Deals, module_preference,
    preference_field_matched_value, modules_with_multiple_layouts}}` (zoho-api.md §4); 204 ok."""
    if body is None:
        return
    options = _required(body, "__conversion_options", "$")
    if options is None:
        return
    where = "$.__conversion_options"
    _object(options, where)
    for module in ("Contacts", "Accounts", "Deals"):
        path = f"{where}.{module}"
        for i, record in enumerate(_objects(options.get(module), path, f"{module} records")):
            _scalar_id(record, f"{path}[{i}]")
            for flag in CANDIDATE_FLAGS:  # read as booleans by crmkit.frames
                value = record.get(flag)
                if value is not None and not isinstance(value, bool):
                    raise Mismatch(
                        f"{path}[{i}].{flag}", f"{_kind(value)} where true/false is documented"
                    )
    _optional_object(options, "module_preference", where)
    prefs = _optional_object(options, "preference_field_matched_value", where)
    for module, entries in (prefs or {}).items():
        path = f"{where}.preference_field_matched_value.{module}"
        for i, entry in enumerate(_objects(entries, path, "matched fields")):
            field = _object(entry.get("field"), f"{path}[{i}].field", "the field (an object)")
            if not isinstance(field.get("api_name"), str) or not field["api_name"]:
                raise Mismatch(f"{path}[{i}].field.api_name", "a matched field without an api_name")
            value = entry.get("matched_lead_value")
            if isinstance(value, list | dict):
                raise Mismatch(
                    f"{path}[{i}].matched_lead_value", f"{_kind(value)} where a value is documented"
                )
    _objects(
        options.get("modules_with_multiple_layouts"),
        f"{where}.modules_with_multiple_layouts",
        "modules",
    )


def _entry(body: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """`data[0]` of a per-record answer (`{"data": [{code, details, message, status}]}`)."""
    if body is None:
        raise Mismatch("$", f"no content where {what} is documented")
    rows = _objects(_required(body, "data", "$"), "$.data", "results")
    _nonempty(rows, "$.data", what)
    return rows[0]


def convert(body: dict[str, Any] | None) -> None:
    """`{"data": [{"status": "success", "details": {Contacts: {id}, Accounts, Deals}}]}`, or an
    entry with `status: "error"` (raised as Zoho's error by the client)."""
    entry = _entry(body, "the conversion's result")
    status = entry.get("status")
    if not isinstance(status, str) or status.lower() not in ("success", "error"):
        raise Mismatch("$.data[0].status", f"{_kind(status)} where success or error is documented")
    if status.lower() == "error":
        return
    details = _object(entry.get("details"), "$.data[0].details")
    contact = details.get("Contacts")
    _scalar_id(_object(contact, "$.data[0].details.Contacts"), "$.data[0].details.Contacts")
    for module in ("Accounts", "Deals"):
        ref = _optional_object(details, module, "$.data[0].details")
        if ref is not None:
            _scalar_id(ref, f"$.data[0].details.{module}")


def mass_convert(body: dict[str, Any] | None) -> None:
    """`{"code": "SCHEDULED", "details": {"job_id": …}, "status": "success"}`, or an error."""
    if body is None:
        raise Mismatch("$", "no content where the scheduled job is documented")
    if str(body.get("status", "")).lower() == "error":
        return
    details = _object(body.get("details"), "$.details")
    job_id = details.get("job_id")
    if isinstance(job_id, bool) or not isinstance(job_id, str | int) or not str(job_id).strip():
        raise Mismatch("$.details.job_id", f"{_kind(job_id)} where the job id is documented")


MASS_COUNTS = ("Total_Count", "Converted_Count", "Not_Converted_Count", "Failed_Count")


def mass_convert_status(body: dict[str, Any] | None) -> None:
    """`{"data": [{"Status": "COMPLETED", "Total_Count": 28, …}]}`: counts are integers or null."""
    entry = _entry(body, "the job's status")
    if not isinstance(entry.get("Status"), str):
        raise Mismatch(
            "$.data[0].Status", f"{_kind(entry.get('Status'))} where a status is documented"
        )
    for key in MASS_COUNTS:
        value = entry.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            continue
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            continue
        raise Mismatch(f"$.data[0].{key}", f"{_kind(value)} where a count is documented")


def record_count(body: dict[str, Any] | None) -> None:
    """`{"count": 1234}` (Get Record Count): a whole number."""
    if body is None:
        raise Mismatch("$", "no content where the count is documented")
    count = _required(body, "count", "$")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise Mismatch("$.count", f"{_kind(count)} where a count is documented")


def bulk_create(body: dict[str, Any] | None) -> None:
    """`{"data": [{"status": "success", "code": "ADDED_SUCCESSFULLY", "details": {"id": …}}]}`."""
    entry = _entry(body, "the Bulk Read job")
    if str(entry.get("status", "")).lower() == "error":
        return
    _scalar_id(_object(entry.get("details"), "$.data[0].details"), "$.data[0].details")


def bulk_status(body: dict[str, Any] | None) -> None:
    """`{"data": [{"id", "state", "result": {"count", "more_records", "download_url"}}]}`; the
    result only once COMPLETED."""
    entry = _entry(body, "the Bulk Read job")
    if not isinstance(entry.get("state"), str):
        raise Mismatch(
            "$.data[0].state", f"{_kind(entry.get('state'))} where a state is documented"
        )
    result = _optional_object(entry, "result", "$.data[0]")
    if result is None:
        return
    count = result.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise Mismatch("$.data[0].result.count", f"{_kind(count)} where a count is documented")
    if not isinstance(result.get("more_records", False), bool):
        raise Mismatch("$.data[0].result.more_records", "not a boolean")


RECORDS: Final = records()
USERS: Final = users
FIELDS: Final = metadata("fields")
LAYOUTS: Final = metadata("layouts", named=False)
MODULES: Final = metadata("modules")
CONTACT_ROLES: Final = metadata("contact_roles", named=False)
ORG: Final = org
CONVERSION_OPTIONS: Final = conversion_options
CONVERT: Final = convert
MASS_CONVERT: Final = mass_convert
MASS_CONVERT_STATUS: Final = mass_convert_status
RECORD_COUNT: Final = record_count
BULK_CREATE: Final = bulk_create
BULK_STATUS: Final = bulk_status
