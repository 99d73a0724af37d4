"""The console's Deal form from the Deals layout, pipeline -> stages, and Contact_Role by name;
the Deal read back from the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from console_org import L_FRESH, LEADS, client_for, org_records

from crmkit.api import CRMClient
from crmkit.conversion import converted_ids
from crmkit.sandbox import Sandbox
from crmkit.widgets import ConversionConsole
from crmkit.widgets.console_deal import DealField, deal_fields
from crmkit.widgets.console_model import ConsoleError, ConsoleModel


@pytest.fixture
def model(client: CRMClient, tmp_path: Path) -> ConsoleModel:
    return ConsoleModel.load(
        client, lead_ids=LEADS, journal=tmp_path / "journal.sqlite", poll_interval=0.05
    )


def test_form_fields_come_from_the_deals_layout_with_mandatory_ones_marked(
    model: ConsoleModel,
) -> None:
    by_name = {f.api_name: f for f in model.deal_layout}
    # the conversion's required fields (Leads layout convert_mapping.Deals) and system mandatory
    assert {n for n, f in by_name.items() if f.mandatory} == {
        "Deal_Name",
        "Closing_Date",
        "Stage",
        "Pipeline",
    }
    assert by_name["Amount"].column == "amount" and not by_name["Amount"].mandatory
    # a layout field no plan column carries is listed, disabled, with the reason
    assert by_name["Probability"].column is None
    assert "no column" in str(by_name["Probability"].why_disabled)
    assert by_name["Contact_Role"].column == "contact_role"  # the org has Contact Roles
    assert "Owner" not in by_name and "Account_Name" not in by_name  # Zoho fills those
    assert [f.api_name for f in model.deal_layout][:2] == ["Deal_Name", "Stage"]  # layout order


def test_without_layout_metadata_the_plans_deal_fields_are_offered() -> None:
    fields = deal_fields([])
    assert [f.api_name for f in fields] == [
        "Deal_Name",
        "Closing_Date",
        "Pipeline",
        "Stage",
        "Amount",
    ]
    assert all(isinstance(f, DealField) and f.column for f in fields)


def test_stages_follow_the_pipeline(model: ConsoleModel) -> None:
    assert model.pipelines() == ["Partner", "Standard"]
    assert model.stages("Partner") == ["Closed Won", "Commit", "Registration"]
    assert model.stages("Standard") == ["Closed Won", "Proposal", "Qualification"]


def test_contact_role_by_name_reaches_the_deal(model: ConsoleModel, org_sb: Sandbox) -> None:
    assert "Decision Maker" in model.contact_roles()
    with pytest.raises(ConsoleError, match="not a Contact Role"):
        model.set_deal(contact_role="Chief Vibes Officer")
    model.select_ids([L_FRESH])
    model.set_deal(enabled=True, name="{Company} deal", closing_date=date(2031, 2, 1))
    model.set_deal(pipeline="Partner", stage="Commit", amount=250.0, contact_role="Decision Maker")
    assert model.plan().iloc[0]["contact_role"] == "Decision Maker"
    assert model.can_convert, model.messages()
    model.convert()
    lead = org_sb.control.record("Leads", L_FRESH)
    assert lead is not None
    ids = converted_ids(lead)
    deal = org_sb.control.record("Deals", str(ids["Deals"]))
    assert deal is not None
    assert (deal["Deal_Name"], deal["Pipeline"], deal["Stage"]) == (
        "Newco deal",
        "Partner",
        "Commit",
    )
    assert deal["Amount"] == 250.0
    assert deal["Closing_Date"] == "2031-02-01"
    [relation] = deal["$contact_roles"]
    assert relation["Contact_Role"]["name"] == "Decision Maker"
    assert relation["id"] == ids["Contacts"]


def test_an_org_without_deals_offers_no_deal_and_says_why(
    small_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    records = org_records()
    records["org"]["removed_modules"] = ["Deals"]
    sb = small_sandbox(**records)
    with client_for(sb) as client:
        m = ConsoleModel.load(client, lead_ids=[L_FRESH], journal=tmp_path / "j.sqlite")
        assert m.deal_unavailable() == "the org has no Deals module: no Deal is made"
        with pytest.raises(ConsoleError, match="no Deals module"):
            m.set_deal(enabled=True)
        console = ConversionConsole(m)
        assert console.deal_enabled.disabled
        assert "no Deals module" in console.deal_enabled.description
        m.select_ids([L_FRESH])
        assert "Deals" not in m.offer(L_FRESH).attachment_targets
