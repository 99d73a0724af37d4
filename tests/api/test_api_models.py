"""Typed requests/results and the error tree: payload shapes, validation, str and pickling."""

from __future__ import annotations

import pickle

import pytest

from crmkit.api import (
    ConversionOptions,
    ConvertRequest,
    ConvertResult,
    CRMError,
    DuplicateDataError,
    MassConvertRequest,
    MassConvertStatus,
    RateLimitError,
    ServerError,
)
from crmkit.api.errors import error_class, from_body
from crmkit.api.limits import Limiter


def test_convert_request_payload_has_every_documented_key() -> None:
    request = ConvertRequest(
        contact_id=4876876000007437017,  # type: ignore[arg-type]
        account_id="4876876000007421010",
        overwrite=True,
        notify_lead_owner=True,
        notify_new_entity_owner=False,
        move_attachments_to={"api_name": "Deals", "id": 42},
        assign_to="4876876000000225018",
        deal={"Deal_Name": "D", "Stage": "Qualification"},
        carry_over_tags={"Contacts": ["VIP"], "Deals": ["VIP", "Webinar"]},
    )
    assert request.to_payload() == {
        "data": [
            {
                "overwrite": True,
                "notify_lead_owner": True,
                "notify_new_entity_owner": False,
                "move_attachments_to": {"api_name": "Deals", "id": "42"},
                "Accounts": {"id": "4876876000007421010"},
                "Contacts": {"id": "4876876000007437017"},
                "assign_to": {"id": "4876876000000225018"},
                "Deals": {"Deal_Name": "D", "Stage": "Qualification"},
                "carry_over_tags": {"Contacts": ["VIP"], "Deals": ["VIP", "Webinar"]},
            }
        ]
    }
    assert ConvertRequest().to_payload() == {"data": [{}]}


def test_convert_request_rejects_bad_values_clearly() -> None:
    with pytest.raises(ValueError, match="move_attachments_to must name Contacts"):
        ConvertRequest(move_attachments_to="Tasks")
    with pytest.raises(ValueError, match="unknown module 'Leads'"):
        ConvertRequest(carry_over_tags={"Leads": ["x"]})
    with pytest.raises(TypeError, match="list of tag names"):
        ConvertRequest(carry_over_tags={"Contacts": "VIP"})
    with pytest.raises(TypeError, match="overwrite must be a bool"):
        ConvertRequest(overwrite="yes")  # type: ignore[arg-type]


def test_mass_convert_request_checks_ids_client_side() -> None:
    assert MassConvertRequest(ids=[1, "2"]).to_payload() == {"ids": ["1", "2"]}  # type: ignore[list-item]
    with pytest.raises(ValueError, match="51 ids; Zoho accepts at most 50"):
        MassConvertRequest(ids=[str(i) for i in range(51)])
    with pytest.raises(ValueError, match="empty"):
        MassConvertRequest(ids=[])
    with pytest.raises(ValueError, match=r"repeats \['7'\]"):
        MassConvertRequest(ids=["7", "7"])
    with pytest.raises(TypeError, match="not one string"):
        MassConvertRequest(ids="123")
    full = MassConvertRequest(
        ids=["1"],
        deal={"Deal_Name": "D"},
        assign_to="9",
        carry_over_tags=[{"id": "5", "api_name": "Contacts"}],
        move_attachments_to="Contacts",
        related_modules=[{"api_name": "Tasks", "id": "6"}],
    )
    assert full.to_payload() == {
        "ids": ["1"],
        "Deals": {"Deal_Name": "D"},
        "assign_to": {"id": "9"},
        "carry_over_tags": [{"id": "5", "api_name": "Contacts"}],
        "move_attachments_to": {"api_name": "Contacts"},
        "related_modules": [{"api_name": "Tasks", "id": "6"}],
    }


def test_results_from_payloads_tolerate_nulls() -> None:
    only_layouts = {
        "__conversion_options": {
            "module_preference": None,
            "Contacts": None,
            "Accounts": None,
            "Deals": None,
            "preference_field_matched_value": None,
            "modules_with_multiple_layouts": [{"api_name": "Accounts"}],
        }
    }
    options = ConversionOptions.from_payload("1", only_layouts)
    assert not options.matched and options.raw == only_layouts
    assert options.multiple_layouts == ["Accounts"]
    result = ConvertResult.from_entry(
        "1",
        {
            "code": "SUCCESS",
            "message": "ok",
            "details": {"Contacts": {"name": "A", "id": 5}, "Accounts": None, "Deals": None},
        },
    )
    assert (result.contact_id, result.account_id, result.deal_id) == ("5", None, None)
    status = MassConvertStatus.from_payload(
        "j", {"data": [{"Status": "IN PROGRESS", "Total_Count": 3}]}
    )
    assert not status.done and status.total == 3 and status.failed is None


def test_error_tree_str_and_pickle() -> None:
    body = {
        "code": "DUPLICATE_DATA",
        "message": "duplicate data",
        "status": "error",
        "details": {
            "api_name": "Phone",
            "duplicate_record": {
                "module": {"api_name": "Contacts", "id": "2179"},
                "id": "7",
                "Owner": {"name": "Ava", "id": "1"},
            },
        },
    }
    err = from_body(
        body, method="POST", path="/crm/v8/Leads/3/actions/convert", status=400, lead_id="3"
    )
    assert isinstance(err, DuplicateDataError) and err.existing_id == "7"
    assert str(err).startswith(
        "POST /crm/v8/Leads/3/actions/convert -> HTTP 400 DUPLICATE_DATA: duplicate data (lead 3)"
    )
    assert '"api_name": "Phone"' in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is DuplicateDataError and str(back) == str(err) and back.lead_id == "3"
    assert error_class(503, None) is ServerError and error_class(429, None) is RateLimitError
    assert error_class(418, "SOMETHING_NEW").__name__ == "RequestError"
    assert issubclass(error_class(None, "NO_PERMISSION"), CRMError)


def test_limiter_adapts_to_429s_and_recovers() -> None:
    limiter = Limiter(20)
    with limiter.slot("read"):  # a lone 429: at most halve
        limiter.throttled()
    assert limiter.limit == 10
    for _ in range(10):
        limiter.succeeded()
    assert limiter.limit == 11
    limiter.limit = 20
    held = [limiter.slot("convert") for _ in range(10)]
    for cm in held:
        cm.__enter__()
    assert limiter.in_flight == 10
    with limiter.slot("read"):
        limiter.throttled()  # 10 others in flight when 11 was refused
    assert limiter.limit == 10
    for cm in held:
        cm.__exit__(None, None, None)
    assert limiter.in_flight == 0
