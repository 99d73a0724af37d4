"""`CRMClient.update_records`: the body checked before sending, answers a faithful server never
gives (a fake Zoho) as unknown outcomes, and the real thing over the sandbox (per-record outcomes,
credits in the usage)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from api_support import FakeZoho

from crmkit import connect
from crmkit.api import OutcomeUnknownError, UpdateOutcome
from crmkit.api.errors import UnexpectedWriteAnswerError
from crmkit.sandbox import Sandbox

pytestmark = pytest.mark.timeout(120)

CONTACTS = "/crm/v8/Contacts"
OK = {"code": "SUCCESS", "details": {"id": "9"}, "message": "record updated", "status": "success"}


@pytest.mark.parametrize(
    ("records", "trigger", "problem"),
    [
        ([], (), "at least one record"),
        ([{"id": "9"}] * 101, (), "at most 100"),
        ([{"Phone": "1"}], (), "has no id"),
        ([{"id": "9"}], ("fireworks",), "unknown trigger"),
    ],
)
def test_a_body_zoho_would_refuse_is_never_sent(
    fake: FakeZoho, make_client: Any, records: Any, trigger: Any, problem: str
) -> None:
    client = make_client()
    with pytest.raises(ValueError, match=problem):
        client.update_records("Contacts", records, trigger)
    assert fake.calls("PUT", CONTACTS) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"data": [OK]},  # one answer for two records
        {"data": [OK, {"status": "maybe"}]},
        {"records": []},
    ],
)
def test_an_answer_not_one_entry_per_record_is_an_unknown_outcome(
    fake: FakeZoho, make_client: Any, body: Any
) -> None:
    fake.on("PUT", CONTACTS, httpx.Response(200, json=body))
    client = make_client()
    with pytest.raises(UnexpectedWriteAnswerError) as info:
        client.update_records("Contacts", [{"id": "9", "Phone": "1"}, {"id": "8", "Phone": "2"}])
    assert isinstance(info.value, OutcomeUnknownError)  # read the records back to know
    assert fake.calls("PUT", CONTACTS) == 1  # a write is never resent blindly


def test_outcomes_per_record_and_credits_over_the_sandbox(sandbox: Sandbox) -> None:
    sandbox.control.reset()
    with connect(sandbox=sandbox, progress=False) as client:
        ids = [r["id"] for r in itertools.islice(client.records("Contacts", ["Last_Name"]), 12)]
        sent = [{"id": i, "Title": f"T{n}"} for n, i in enumerate(ids[:11])]
        sent.append({"id": ids[11], "Lead_Source": "Not A Source"})
        outcomes = client.update_records("Contacts", sent)
        assert all(isinstance(o, UpdateOutcome) for o in outcomes)
        assert [o.record_id for o in outcomes] == ids[:12]
        assert all(o.ok and o.modified_time for o in outcomes[:11])
        bad = outcomes[11]
        assert (bad.ok, bad.code, bad.field) == (False, "INVALID_DATA", "Lead_Source")
        assert bad.details["expected_data_type"] == "picklist"
        assert client.usage.calls["update"] == 1
        assert client.usage.credits["update"] == 2  # 12 records: 1 credit per 10
        assert client.get_record("Contacts", ids[3])["Title"] == "T3"
    sandbox.control.reset()
