"""Odd answers the real sandbox can produce on cue (faults over HTTP): a token endpoint that fails
or drops its connection, and a Mass Convert answer lost after the job was scheduled."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from api_support import USERS, lead, org

from crmkit.api import ConvertRequest, CRMClient, MassConvertRequest, OutcomeUnknownError
from crmkit.api.errors import TokenEndpointError
from crmkit.api.limits import RetryPolicy
from crmkit.sandbox import Sandbox

pytestmark = pytest.mark.timeout(120)
Start = Callable[..., Sandbox]
Client = Callable[..., CRMClient]
L1, L2 = "4876876000100000001", "4876876000100000002"


@pytest.mark.parametrize("kind", ["500", "drop_before", "drop_after"])
def test_a_failing_token_endpoint_is_retried_then_the_call_goes_through(
    small_sandbox: Start, client_for: Client, kind: str
) -> None:
    sb = small_sandbox(**org([lead(L1, "Ann", "Lee")]))
    sb.control.add_fault(kind, "/oauth/v2/token", count=2)
    client = client_for(sb, edition="enterprise")
    assert client.convert_lead(L1, ConvertRequest()).contact_id  # a write: never sent before
    assert client.usage.retries == 2 and client.usage.calls == {"convert": 1}
    assert sb.control.record("Leads", L1)["Converted__s"] is True  # type: ignore[index]


def test_a_token_endpoint_that_keeps_failing_names_itself(
    small_sandbox: Start, client_for: Client
) -> None:
    sb = small_sandbox(**org([lead(L1, "Ann", "Lee")]))
    sb.control.add_fault("500", "/oauth/v2/token", count=None)
    client = client_for(
        sb, edition="enterprise", retry=RetryPolicy(max_attempts=3, base_delay=0.001)
    )
    with pytest.raises(TokenEndpointError) as info:
        client.convert_lead(L1, ConvertRequest())
    assert info.value.path == "/oauth/v2/token" and info.value.status == 500
    assert client.usage.calls == {} and client.usage.retries == 2
    assert sb.control.record("Leads", L1)["Converted__s"] is False  # type: ignore[index]


def test_a_lost_mass_convert_answer_is_an_unknown_outcome(
    small_sandbox: Start, client_for: Client
) -> None:
    sb = small_sandbox(**org([lead(L1, "Ann", "Lee"), lead(L2, "Bo", "Ng")]))
    sb.control.configure(mass_convert_step_ms=10)
    sb.control.add_fault("drop_after", "/crm/v8/Leads/actions/mass_convert", method="POST")
    client = client_for(sb, edition="enterprise")
    with pytest.raises(OutcomeUnknownError) as info:
        client.mass_convert(MassConvertRequest(ids=[L1, L2], assign_to=USERS[0]["id"]))
    assert info.value.path == "/crm/v8/Leads/actions/mass_convert"
    # The job did start: only reading the leads back tells (bounded wait for the sandbox's job).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        leads = [client.get_record("Leads", i, converted="both") for i in (L1, L2)]
        if all(r is not None and r["Converted__s"] is True for r in leads):
            break
        time.sleep(0.05)
    assert [r["Converted__s"] for r in leads if r is not None] == [True, True]
