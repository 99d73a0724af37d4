"""Update Records (`PUT /crm/v8/{module}`) over real HTTP: Zoho's per-record answers and errors.

One call, several records: each answered apart in request order (record.json's Success_Response
or API_Exception), a bad value refusing its own record only; the record read back afterwards holds
exactly what succeeded. Credits 1 per 10 records; more than 100 records refused whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sandbox_helpers import Api, acc_ref, account, contact, lead, org_of

from crmkit.sandbox import Sandbox

Start = Callable[..., Sandbox]
L1 = "4876876000100000001"
C1, C2, C_LOCKED = "4876876000200000001", "4876876000200000002", "4876876000200000003"
A1 = "4876876000300000001"
UNKNOWN = "4876876000999999999"


def _org() -> dict[str, Any]:
    return org_of(
        [lead(L1, "A", "B", Email="a@b.test")],
        [
            contact(C1, "Pat", "Boyle", Email="pat@x.test", Phone="111", Title="CEO"),
            contact(C2, "Sam", "Ray", Email="sam@x.test", Account_Name=acc_ref(A1, "Old Co")),
            contact(C_LOCKED, "Lo", "Ck", Email="lock@x.test", Locked__s=True),
        ],
        [account(A1, "Old Co", Phone="999", Industry="Healthcare")],
    )


def _put(api: Api, module: str, body: Any) -> httpx.Response:
    return api.http.put(f"/crm/v8/{module}", json=body, headers=api.auth)


def _record(api: Api, module: str, rid: str) -> dict[str, Any]:
    r = api.get(f"{module}/{rid}")
    assert r.status_code == 200, r.text
    return dict(r.json()["data"][0])


def test_each_record_is_answered_apart_and_only_successes_are_written(
    small_sandbox: Start,
) -> None:
    sb = small_sandbox(**_org())
    api = Api(sb)
    before = _record(api, "Contacts", C1)
    time.sleep(1.1)  # Modified_Time has Zoho's one-second resolution
    r = _put(
        api,
        "Contacts",
        {
            "data": [
                {"id": C1, "Phone": "222", "Title": "Founder"},
                {"id": C2, "Lead_Source": "Not A Source", "Title": "never written"},
                {"id": UNKNOWN, "Phone": "1"},
                {"id": C_LOCKED, "Phone": "1"},
                {"id": C2, "Modified_Time": "2020-01-01T00:00:00+00:00"},
                {"id": C2, "Last_Name": ""},
                {"Phone": "1"},
                {"id": C2, "No_Such_Field": "x"},
            ],
            "trigger": [],
        },
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert len(data) == 8
    ok = data[0]
    assert ok["code"] == "SUCCESS" and ok["status"] == "success"
    assert ok["message"] == "record updated"
    assert set(ok["details"]) == {
        "Modified_Time",
        "Modified_By",
        "Created_Time",
        "id",
        "Created_By",
    }
    assert ok["details"]["id"] == C1
    assert ok["details"]["Modified_Time"] != before["Modified_Time"]
    assert data[1]["code"] == "INVALID_DATA"
    assert data[1]["details"] == {
        "api_name": "Lead_Source",
        "json_path": "$.data[1].Lead_Source",
        "expected_data_type": "picklist",
    }
    assert data[2] == {
        "code": "INVALID_DATA",
        "details": {"id": UNKNOWN},
        "message": "the id given seems to be invalid",
        "status": "error",
    }
    assert data[3]["code"] == "RECORD_LOCKED" and data[3]["details"] == {"id": C_LOCKED}
    assert data[4]["code"] == "INVALID_DATA"  # read-only
    assert data[4]["details"]["api_name"] == "Modified_Time"
    assert data[5]["code"] == "MANDATORY_NOT_FOUND"
    assert data[5]["details"]["api_name"] == "Last_Name"
    assert data[6]["code"] == "MANDATORY_NOT_FOUND" and data[6]["details"]["api_name"] == "id"
    assert data[7]["code"] == "INVALID_DATA" and data[7]["details"]["api_name"] == "No_Such_Field"

    after = _record(api, "Contacts", C1)
    assert (after["Phone"], after["Title"]) == ("222", "Founder")
    assert after["Modified_Time"] == ok["details"]["Modified_Time"]
    untouched = _record(api, "Contacts", C2)
    assert untouched["Title"] is None and untouched["Last_Name"] == "Ray"
    assert untouched["Lead_Source"] is None


def test_accounts_take_updates_and_picklists_are_checked_against_their_values(
    small_sandbox: Start,
) -> None:
    sb = small_sandbox(**_org())
    api = Api(sb)
    r = _put(
        api, "Accounts", {"data": [{"id": A1, "Phone": "123", "Industry": "Large Enterprise"}]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["code"] == "SUCCESS"
    rec = _record(api, "Accounts", A1)
    assert (rec["Phone"], rec["Industry"]) == ("123", "Large Enterprise")
    r = _put(api, "Accounts", {"data": [{"id": A1, "Industry": "Underwater Basketry"}]})
    entry = r.json()["data"][0]
    assert entry["code"] == "INVALID_DATA"
    assert entry["details"]["expected_data_type"] == "picklist"
    assert _record(api, "Accounts", A1)["Industry"] == "Large Enterprise"


def test_a_call_costs_one_credit_per_ten_records_and_is_counted(small_sandbox: Start) -> None:
    sb = small_sandbox(**_org())
    api = Api(sb)
    used = sb.control.state()["limits"]["credits_used"]
    r = _put(api, "Contacts", {"data": [{"id": C1, "Title": f"T{i}"} for i in range(11)]})
    assert r.status_code == 200
    state = sb.control.state()
    assert state["limits"]["credits_used"] - used == 2
    assert state["calls"]["PUT /crm/v8/{module}"] == 1
    assert _record(api, "Contacts", C1)["Title"] == "T10"  # in request order


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"data": [{"id": C1, "Title": "x"}] * 101}, "LIMIT_EXCEEDED"),
        ({"data": []}, "INVALID_DATA"),
        ({"nothing": 1}, "INVALID_DATA"),
        ({"data": [{"id": C1}], "trigger": ["fireworks"]}, "INVALID_DATA"),
    ],
)
def test_a_body_that_is_not_1_to_100_records_is_refused_whole(
    small_sandbox: Start, body: Any, code: str
) -> None:
    sb = small_sandbox(**_org())
    api = Api(sb)
    r = _put(api, "Contacts", body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code
    assert _record(api, "Contacts", C1)["Title"] == "CEO"


def test_slow_answer_fault_makes_the_change_before_the_answer(small_sandbox: Start) -> None:
    sb = small_sandbox(**_org())
    api = Api(sb)
    sb.control.add_fault("slow_answer", "/crm/v8/Contacts", method="PUT", latency_ms=3000)
    with pytest.raises(httpx.ReadTimeout):
        api.http.put(
            "/crm/v8/Contacts",
            json={"data": [{"id": C1, "Title": "During"}]},
            headers=api.auth,
            timeout=1.0,
        )
    assert sb.control.record("Contacts", C1)["Title"] == "During"
