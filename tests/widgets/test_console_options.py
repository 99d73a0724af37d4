"""The console's Convert Lead options (controller, no widgets), each read back from the sandbox.

Every option the console sets must reach the request Zoho receives: the tests convert through
`ConsoleModel.convert` (the engine, the journal) and read the records the sandbox made.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from console_org import (
    L_FRESH,
    L_FRESH_2,
    L_NO_COMPANY,
    L_PAT,
    LEADS,
    USER,
    USER_2,
    USER_OFF,
    client_for,
)

from crmkit.api import CRMClient
from crmkit.conversion import converted_ids, validate
from crmkit.sandbox import Sandbox
from crmkit.widgets.console_model import ConsoleError, ConsoleModel, LeadOptions
from crmkit.widgets.console_options import offer, option_columns

A_OLD = "2000000000000000091"
C_KIM = "3000000000000000091"
L_KIM = "4000000000000000091"
L_KIM_2 = "4000000000000000092"


@pytest.fixture
def model(client: CRMClient, tmp_path: Path) -> ConsoleModel:
    return ConsoleModel.load(
        client, lead_ids=LEADS, journal=tmp_path / "journal.sqlite", poll_interval=0.05
    )


def _made(sb: Sandbox, lead_id: str) -> dict[str, dict[str, Any]]:
    """The records the sandbox says the lead became, by module."""
    lead = sb.control.record("Leads", lead_id)
    assert lead is not None
    out = {}
    for module, rid in converted_ids(lead).items():
        if rid is not None:
            rec = sb.control.record(module, str(rid))
            assert rec is not None
            out[module] = rec
    return out


def _tags(rec: dict[str, Any]) -> set[str]:
    return {t["name"] for t in rec.get("Tag") or []}


def test_owner_is_picked_from_the_orgs_active_users(model: ConsoleModel, org_sb: Sandbox) -> None:
    users = dict((i, n) for n, i in model.users())
    assert users == {USER: "Ava Active", USER_2: "Bea Busy"}  # the inactive user is not offered
    with pytest.raises(ConsoleError, match="not an active user"):
        model.set_defaults(assign_to=USER_OFF)
    model.select_ids([L_FRESH, L_FRESH_2])
    model.set_defaults(assign_to=USER_2)
    model.set_lead_options(L_FRESH_2, assign_to=USER)  # a lead's own value wins
    plan = model.plan().set_index("lead_id")
    assert plan.loc[L_FRESH, "assign_to"] == USER_2
    assert plan.loc[L_FRESH_2, "assign_to"] == USER
    assert validate(model.plan(), org=model.org).empty
    model.convert()
    assert _made(org_sb, L_FRESH)["Contacts"]["Owner"]["id"] == USER_2
    assert _made(org_sb, L_FRESH)["Accounts"]["Owner"]["id"] == USER_2
    assert _made(org_sb, L_FRESH_2)["Contacts"]["Owner"]["id"] == USER


def test_tags_carry_over_only_the_leads_own_to_the_modules_chosen(
    model: ConsoleModel, org_sb: Sandbox
) -> None:
    assert model.lead_tags(L_FRESH) == ["hot", "expo"]
    assert model.lead_tags(L_NO_COMPANY) == []
    model.select_ids([L_FRESH, L_NO_COMPANY, L_PAT])
    assert "no tags" in model.offer(L_NO_COMPANY).why_not["tags"]
    assert model.offer(L_NO_COMPANY).tag_modules == ()
    # a default for the selection: every lead's own tags to its Contact and Account
    model.set_defaults(tag_modules=("Contacts", "Accounts"))
    model.set_lead_options(L_FRESH, tags=("hot",))  # this lead carries one of its two tags
    plan = model.plan().set_index("lead_id")
    assert plan.loc[L_FRESH, "carry_over_tags"] == "Contacts:hot;Accounts:hot"
    assert plan.loc[L_PAT, "carry_over_tags"] == "Contacts:vip;Accounts:vip"
    assert plan.loc[L_NO_COMPANY, "carry_over_tags"] is pd_na()
    with pytest.raises(ConsoleError, match="cannot go to"):
        model.set_defaults(tag_modules=("Leads",))
    assert model.can_convert, model.messages()
    model.convert()
    fresh = _made(org_sb, L_FRESH)
    assert _tags(fresh["Contacts"]) == {"hot"}
    assert _tags(fresh["Accounts"]) == {"hot"}
    assert "vip" in _tags(_made(org_sb, L_PAT)["Contacts"])


def pd_na() -> Any:
    import pandas as pd

    return pd.NA


def test_attachments_target_offered_only_where_the_conversion_makes_a_record(
    model: ConsoleModel, org_sb: Sandbox
) -> None:
    model.select_ids([L_NO_COMPANY, L_FRESH])
    assert model.offer(L_NO_COMPANY).attachment_targets == ("Contacts",)
    why = model.offer(L_NO_COMPANY).why_not
    assert "no Company" in why["Accounts"] and "Deal form" in why["Deals"]
    assert model.offer(L_FRESH).attachment_targets == ("Contacts", "Accounts")
    model.set_defaults(move_attachments_to="Accounts")
    plan = model.plan().set_index("lead_id")
    assert plan.loc[L_FRESH, "move_attachments_to"] == "Accounts"
    assert plan.loc[L_NO_COMPANY, "move_attachments_to"] is pd_na()  # not offered: left out
    model.set_deal(enabled=True, name="{Company}", closing_date=date(2031, 1, 1))
    model.set_deal(pipeline="Standard", stage="Qualification")
    assert "Deals" in model.offer(L_FRESH).attachment_targets
    model.set_lead_options(L_FRESH, move_attachments_to="Deals")
    model.select_ids([L_FRESH])
    assert model.can_convert, model.messages()
    model.convert()
    lead = org_sb.control.record("Leads", L_FRESH)
    assert lead is not None
    deal_id = converted_ids(lead)["Deals"]
    assert lead["$converted_detail"]["move_attachments_to"] == {"api_name": "Deals", "id": deal_id}


def test_notify_flags_reach_the_sandboxs_outbox(model: ConsoleModel, org_sb: Sandbox) -> None:
    model.select_ids([L_FRESH, L_FRESH_2])
    model.set_defaults(notify_lead_owner=True)
    model.set_lead_options(L_FRESH_2, notify_lead_owner=False, notify_new_entity_owner=True)
    plan = model.plan().set_index("lead_id")
    assert bool(plan.loc[L_FRESH, "notify_lead_owner"]) is True
    assert bool(plan.loc[L_FRESH_2, "notify_lead_owner"]) is False
    model.convert()
    sent = [(m["kind"], m["subject"]) for m in org_sb.control.outbox()]
    assert ("notify_lead_owner", "Lead Fay Fresh has been converted") in sent
    assert ("notify_new_entity_owner", "New records from lead Otto Other are assigned to you") in (
        sent
    )
    assert not any(k == "notify_lead_owner" and "Otto" in s for k, s in sent)
    assert not any(k == "notify_new_entity_owner" and "Fay" in s for k, s in sent)


def test_overwrite_is_offered_only_when_merging(model: ConsoleModel) -> None:
    model.select_ids([L_PAT, L_FRESH])
    assert "nothing is merged" in model.offer(L_FRESH).why_not["overwrite"]
    assert model.offer(L_PAT).overwrite
    model.set_defaults(overwrite=True)
    plan = model.plan().set_index("lead_id")
    assert plan.loc[L_FRESH, "overwrite"] is pd_na()  # create-new: overwrite means nothing
    assert bool(plan.loc[L_PAT, "overwrite"]) is True


def test_overwrite_renames_the_merged_contacts_account_to_the_leads_company(
    small_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = small_sandbox(
        accounts=[{"id": A_OLD, "Account_Name": "Old Name Ltd"}],
        contacts=[
            {
                "id": C_KIM,
                "Last_Name": "Kim",
                "Email": "kim@x.com",
                "Account_Name": {"id": A_OLD, "name": "Old Name Ltd"},
            }
        ],
        leads=[
            {"id": L_KIM, "Last_Name": "Kim", "Email": "kim@x.com", "Company": "New Name Inc"},
            {"id": L_KIM_2, "Last_Name": "Kim", "Email": "kim@x.com", "Company": "Other Inc"},
        ],
    )
    with client_for(sb) as client:
        m = ConsoleModel.load(client, journal=tmp_path / "j.sqlite", poll_interval=0.05)
        m.select_ids([L_KIM])
        assert m.choice(L_KIM) == f"contact:{C_KIM}"
        m.set_lead_options(L_KIM, overwrite=True)
        assert any("overwrite renames" in t for t in m.messages()[L_KIM])  # a warning first
        assert m.can_convert
        m.convert()
    account = sb.control.record("Accounts", A_OLD)
    assert account is not None
    assert account["Account_Name"] == "New Name Inc"


def test_a_leads_own_value_none_goes_back_to_the_default(model: ConsoleModel) -> None:
    model.set_defaults(notify_lead_owner=True)
    assert model.set_lead_options(L_FRESH, notify_lead_owner=False).notify_lead_owner is False
    assert model.set_lead_options(L_FRESH, notify_lead_owner=None).notify_lead_owner is True
    assert model.lead_options(L_FRESH_2) == LeadOptions(notify_lead_owner=True)
    with pytest.raises(ConsoleError, match="not a console option"):
        model.set_defaults(colour="red")


def test_a_tag_a_plan_cannot_write_is_not_offered() -> None:
    lead = {"id": L_FRESH, "Company": "Newco", "Tag": [{"name": "ok"}, {"name": "a;b"}]}
    offered = offer(lead, "new", [], deal=False, users={USER: "Ava"})
    assert offered.tags == ("ok",)
    assert "cannot be written" in offered.why_not["tags"]
    row = option_columns(LeadOptions(tag_modules=("Contacts",)), ["ok", "a;b"], offered)
    assert row["carry_over_tags"] == "Contacts:ok"
