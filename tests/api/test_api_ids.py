"""Ids are Zoho ids (1 to 19 ASCII digits) before any URL or body is built from them."""

from __future__ import annotations

from typing import Any

import pytest
from api_support import FakeZoho, json_response

from crmkit.api import ConvertRequest, MassConvertRequest
from crmkit.api.errors import CRMError, InvalidIdError
from crmkit.api.ids import is_zoho_id, path_segment, zoho_id

BAD_IDS = [
    "-4876876000000225001",
    "٤٨٧٦٨٧٦٠٠٠٠٠٠٢٢٥٠٠١",  # Arabic-Indic digits: str.isdigit() says yes, Zoho says no
    "４８７６",  # fullwidth digits
    "4876876000000225009/../../org?x=",
    "4876876000000225009?converted=true",
    "4876876000000225009#x",
    "48768760000002250010",  # 20 digits
    "4.87688E+18",
    "1e5",
    "0x1F",
    "12 34",
    "",
    "   ",
]


@pytest.mark.parametrize("value", BAD_IDS)
def test_a_value_that_is_not_a_zoho_id_is_refused_naming_it(value: str) -> None:
    with pytest.raises(InvalidIdError) as info:
        zoho_id(value, "lead_id")
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, CRMError)
    assert "lead_id" in str(error)
    if value.strip():
        assert repr(value.strip()[:60]) in str(error) and "1 to 19 ASCII digits" in str(error)
    assert not str(error).startswith("crmkit.api ->")  # no call to name: just the message
    assert not is_zoho_id(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("4876876000000225001", "4876876000000225001"),
        (4876876000000225001, "4876876000000225001"),
        (" 111 ", "111"),
        ("9" * 19, "9" * 19),
        (7, "7"),
    ],
)
def test_zoho_ids_pass_as_strings(value: object, text: str) -> None:
    assert zoho_id(value, "lead_id") == text and is_zoho_id(value)


@pytest.mark.parametrize("value", [True, 1.5, None, ["1"], b"111"])
def test_other_types_are_refused(value: object) -> None:
    with pytest.raises(InvalidIdError, match="must be a Zoho id"):
        zoho_id(value, "record_id")


def test_path_segments_are_percent_encoded() -> None:
    assert path_segment("a/../b?c=d#e f") == "a%2F..%2Fb%3Fc%3Dd%23e%20f"


CALLS: list[tuple[str, Any]] = [
    ("get_record", lambda c, v: c.get_record("Leads", v)),
    ("conversion_options", lambda c, v: c.conversion_options(v)),
    ("conversion_options_many", lambda c, v: c.conversion_options_many(["111", v])),
    ("convert_lead", lambda c, v: c.convert_lead(v, ConvertRequest())),
    (
        "convert_many",
        lambda c, v: c.convert_many([("111", ConvertRequest()), (v, ConvertRequest())]),
    ),
    ("mass_convert_status", lambda c, v: c.mass_convert_status(v)),
]


@pytest.mark.parametrize(
    "value", ["-4876876000000225001", "٤٨٧٦", "4876876000000225009/../../org?x="]
)
@pytest.mark.parametrize("call", [pytest.param(c[1], id=c[0]) for c in CALLS])
def test_no_request_is_built_from_a_bad_id(
    fake: FakeZoho, make_client: Any, call: Any, value: str
) -> None:
    fake.on("GET", "/crm/v8/org", json_response(200, {"org": [{"id": "1"}]}))
    client = make_client()
    with pytest.raises(InvalidIdError):
        call(client, value)
    assert fake.requests == []  # nothing sent, not even the good id of the batch


@pytest.mark.parametrize(
    "build",
    [
        lambda v: ConvertRequest(contact_id=v),
        lambda v: ConvertRequest(account_id=v),
        lambda v: ConvertRequest(assign_to=v),
        lambda v: ConvertRequest(move_attachments_to={"api_name": "Deals", "id": v}),
        lambda v: MassConvertRequest(ids=["111", v]),
        lambda v: MassConvertRequest(ids=["111"], assign_to=v),
    ],
    ids=["contact_id", "account_id", "assign_to", "move_attachments_to.id", "ids", "assign_to"],
)
def test_ids_in_request_bodies_are_zoho_ids(build: Any) -> None:
    with pytest.raises(InvalidIdError):
        build("4876876000000225009/../../org")


@pytest.mark.parametrize("module", ["Leads/../org", "Leads?x=1", "", "../Leads", "Lé"])
def test_module_names_in_paths_are_checked(fake: FakeZoho, make_client: Any, module: str) -> None:
    client = make_client()
    with pytest.raises(ValueError, match="not a Zoho module api name"):
        client.get_record(module, "111")
    with pytest.raises(ValueError, match="not a Zoho module api name"):
        list(client.records(module, ["Last_Name"]))
    assert fake.requests == []
