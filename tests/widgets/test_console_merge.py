"""The console's merge policy control and each selected lead's field diffs, over the sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from console_org import client_for

from crmkit.sandbox import Sandbox
from crmkit.widgets import ConversionConsole
from crmkit.widgets.console_merge import NOT_APPLIED, policies_applied
from crmkit.widgets.console_model import ConsoleError

A_KEEP = "2000000000000000081"
C_KEEP = "3000000000000000081"
L_KEEP = "4000000000000000081"
L_NEW = "4000000000000000082"


@pytest.fixture
def console(small_sandbox: Callable[..., Sandbox], tmp_path: Path) -> Iterator[ConversionConsole]:
    sb = small_sandbox(
        accounts=[{"id": A_KEEP, "Account_Name": "Keepco"}],
        contacts=[
            {
                "id": C_KEEP,
                "Last_Name": "Keeper",
                "Email": "keep@keepco.com",
                "Phone": "+1 555 0100",
                "Account_Name": {"id": A_KEEP, "name": "Keepco"},
            }
        ],
        leads=[
            {
                "id": L_KEEP,
                "Last_Name": "Keeper",
                "Email": "keep@keepco.com",
                "Phone": "+1 555 0199",
                "Company": "Keepco",
            },
            {"id": L_NEW, "Last_Name": "Newman", "Email": "new@x.com", "Company": "Newco"},
        ],
    )
    client = client_for(sb)
    yield ConversionConsole.load(client, journal=tmp_path / "j.sqlite", poll_interval=0.05)
    client.close()


def _phone(console: ConversionConsole, lead_id: str) -> dict[str, Any]:
    diffs = console.model.field_diffs(lead_id)
    row = diffs[(diffs["module"] == "Contacts") & (diffs["field"] == "Phone")]
    assert len(row) == 1
    return dict(row.iloc[0])


def _policy(console: ConversionConsole, lead_id: str) -> object:
    return console.model.plan().set_index("lead_id").loc[lead_id, "merge_policy"]


def test_field_diffs_follow_the_merge_policy_and_highlight_changes(
    console: ConversionConsole,
) -> None:
    console.model.select_ids([L_KEEP, L_NEW])
    console._build_choices()
    console.refresh()
    assert console.model.choice(L_KEEP) == f"contact:{C_KEEP}"
    phone = _phone(console, L_KEEP)
    assert (phone["existing"], phone["lead"], phone["after"], phone["source"]) == (
        "+1 555 0100",
        "+1 555 0199",
        "+1 555 0199",
        "zoho",
    )
    box = console.diffs[L_KEEP].value
    assert "background:#fff3c4" in box and "+1 555 0199" in box
    assert console.diffs[L_NEW].value == ""  # a create-new lead merges into nothing
    console.defaults.merge_policy.value = "Contacts=keep"
    assert console.model.defaults.merge_policy == "Contacts=keep"
    assert _policy(console, L_KEEP) == "Contacts=keep"
    assert _policy(console, L_NEW) is pd_na()  # nothing merged: no policy in its row
    phone = _phone(console, L_KEEP)
    assert (phone["after"], phone["source"]) == ("+1 555 0100", "existing")
    own = console.lead_options[L_KEEP]
    own.merge_policy.value = "Contacts.Phone=prefer_lead"
    assert _phone(console, L_KEEP)["after"] == "+1 555 0199"
    assert console.lead_options[L_NEW].merge_policy.disabled
    assert "nothing is merged" in console.lead_options[L_NEW].why.value


def pd_na() -> object:
    import pandas as pd

    return pd.NA


def test_a_policy_that_cannot_be_read_is_refused_with_why(console: ConversionConsole) -> None:
    console.defaults.merge_policy.value = "Contacts=sometimes"
    assert "not a policy" in console.defaults.error.value
    assert console.model.defaults.merge_policy is None
    with pytest.raises(ConsoleError, match="not a policy"):
        console.model.set_defaults(merge_policy="Contacts=sometimes")
    console.defaults.merge_policy.value = "contacts=KEEP"
    assert console.defaults.error.value == ""
    assert console.model.defaults.merge_policy == "Contacts=keep"


def test_a_policy_is_converted_only_by_an_engine_that_applies_it(
    console: ConversionConsole,
) -> None:
    """Until the engine applies merge policies after the convert, the console refuses to send a
    plan with one (Zoho's merge would decide, not what the diff shows); once it does, the
    policy's values are read back from the sandbox."""
    console.model.select_ids([L_KEEP])
    console._build_choices()
    console.refresh()
    console.defaults.merge_policy.value = "Contacts=keep"
    if not policies_applied():
        assert f"Merge policy: {NOT_APPLIED}." in console.model.general_messages()
        assert console.convert_button.disabled
        with pytest.raises(ConsoleError, match="does not apply merge policies"):
            console.model.convert()
        console.defaults.merge_policy.value = ""
        assert not console.convert_button.disabled
        return
    assert not console.convert_button.disabled, console.general.value
    console.convert()
    contact = console.model.client.get_record("Contacts", C_KEEP)
    assert contact is not None and contact["Phone"] == "+1 555 0100"  # kept, as the diff said
