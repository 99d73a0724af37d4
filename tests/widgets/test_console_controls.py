"""The console's new controls, headless, against a real sandbox over HTTP: the browse bar, the
Convert Lead options (the selection's defaults and a lead's own), the Deal form from the layout.

Widgets are driven by assigning values as the browser would; button handlers are called through
the view's methods (`Button.click()` swallows exceptions)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from console_org import L_FRESH, L_NO_COMPANY, L_PAT, LEADS, USER, USER_2, converted
from ipywidgets import Dropdown

from crmkit.api import CRMClient
from crmkit.conversion import converted_ids
from crmkit.sandbox import Sandbox
from crmkit.widgets import ConversionConsole


@pytest.fixture
def console(client: CRMClient, tmp_path: Path) -> ConversionConsole:
    return ConversionConsole.load(
        client, journal=tmp_path / "journal.sqlite", poll_interval=0.05, page_size=3
    )


def _page(console: ConversionConsole) -> list[str]:
    assert console.table.df is not None
    return [str(i) for i in console.table.df["lead_id"].tolist()]


def test_pages_search_and_filters_drive_the_table(console: ConversionConsole) -> None:
    order = console.model.lead_ids
    assert sorted(order) == sorted(LEADS)
    bar = console.browse
    assert _page(console) == order[:3]
    assert bar.counts.value == "Leads 1–3 of 8 · page 1 of 3"
    assert bar.owner.options[0] == ("All", "")
    assert [label for label, _ in bar.source.options] == ["All"]  # the leads have no source
    bar.matched.value = "matched"  # only the first page's options are asked
    assert "5 leads not shown" in bar.counts.value
    assert not bar.ask.disabled and "5 more" in bar.ask.description
    bar.ask_unasked()
    assert bar.ask.disabled
    shown = console.model.filtered_ids()
    assert L_PAT in shown and L_FRESH not in shown
    assert "Email" in [v for _, v in bar.field.options]
    bar.field.value = "Email"
    assert L_PAT in _page(console)
    bar.field.value = ""
    bar.matched.value = "any"
    assert bar.previous.disabled and not bar.next.disabled
    bar.go(+1)
    assert _page(console) == order[3:6]
    bar.go(+1)
    assert _page(console) == order[6:]
    assert bar.next.disabled
    bar.search.value = "newco"
    assert _page(console) == [L_FRESH]
    assert "filtered from 8 open leads" in bar.counts.value


def test_selection_is_kept_across_pages(console: ConversionConsole) -> None:
    order = console.model.lead_ids
    console.table.selected_rows = [0]
    console.browse.go(+1)
    assert console.table.selected_rows == []
    console.table.selected_rows = [1]
    assert console.model.selected == [order[0], order[4]]
    console.browse.go(-1)
    assert console.table.selected_rows == [0]
    assert list(console.dropdowns) == [order[0], order[4]]


def _select(console: ConversionConsole, *lead_ids: str) -> None:
    console.browse.search.value = ""
    console.model.select_ids(list(lead_ids))
    console._build_choices()
    console.refresh()


def test_option_controls_offer_only_what_zoho_accepts_and_say_why(
    console: ConversionConsole,
) -> None:
    _select(console, L_NO_COMPANY, L_FRESH)
    # one folded panel of own options per selected lead, apart from the choice dropdowns
    assert len(console.per_lead.children) == 2
    assert {t.split(" · ")[0] for t in console.per_lead.titles} == {
        "Options for Nia Nocomp",
        "Options for Fay Fresh",
    }
    for row in console.choices.children:  # the choice is the row's only dropdown
        dropdowns = [c for box in row.children for c in getattr(box, "children", [box])]
        assert sum(isinstance(c, Dropdown) for c in dropdowns) == 1
    own = console.lead_options[L_NO_COMPANY]
    assert [v for _, v in own.attachments.options] == ["", "Contacts"]
    assert "no Company" in own.why.value and "Deal form" in own.why.value
    assert own.flags["overwrite"].disabled
    assert "nothing is merged" in own.flags["overwrite"].tooltip
    assert own.tags.disabled and "no tags" in own.why.value
    fresh = console.lead_options[L_FRESH]
    assert list(fresh.tags.options) == ["hot", "expo"]
    assert set(v for _, v in console.defaults.owner.options) == {"", USER, USER_2}
    defaults = console.defaults
    assert [v for _, v in defaults.attachments.options] == ["", "Contacts", "Accounts"]
    assert "left out for that lead" in defaults.why.value
    console.deal_enabled.value = True
    assert "Deals" in [v for _, v in defaults.attachments.options]


def test_defaults_and_a_leads_own_options_reach_the_converted_records(
    console: ConversionConsole, org_sb: Sandbox
) -> None:
    """As the browser test does it: a Deal, an owner and tags, converted from the console."""
    _select(console, L_FRESH)
    console.defaults.owner.value = USER_2
    console.defaults.flags["notify_lead_owner"].value = "yes"
    console.defaults.tag_modules.value = ("Contacts",)
    own = console.lead_options[L_FRESH]
    own.tags.value = ("expo",)
    console.deal_enabled.value = True
    console.deal_name.value = "{Company} first order"
    console.deal_closing.value = date(2031, 4, 1)
    console.deal_pipeline.value = "Partner"
    assert list(console.deal_stage.options) == ["", "Closed Won", "Commit", "Registration"]
    console.deal_stage.value = "Registration"
    console.deal_role.value = "Decision Maker"
    own.attachments.value = "Deals"
    row = console.model.plan().iloc[0]
    assert row["assign_to"] == USER_2
    assert row["carry_over_tags"] == "Contacts:expo"
    assert row["move_attachments_to"] == "Deals"
    assert row["contact_role"] == "Decision Maker"
    assert not console.convert_button.disabled, console.lead_messages[L_FRESH].value
    console.convert()
    assert converted(org_sb, L_FRESH)
    lead = org_sb.control.record("Leads", L_FRESH)
    assert lead is not None
    ids = converted_ids(lead)
    contact = org_sb.control.record("Contacts", str(ids["Contacts"]))
    deal = org_sb.control.record("Deals", str(ids["Deals"]))
    assert contact is not None and deal is not None
    assert contact["Owner"]["id"] == USER_2 and deal["Owner"]["id"] == USER_2
    assert {t["name"] for t in contact.get("Tag") or []} == {"expo"}
    assert (deal["Deal_Name"], deal["Stage"]) == ("Newco first order", "Registration")
    assert deal["$contact_roles"][0]["Contact_Role"]["name"] == "Decision Maker"
    assert lead["$converted_detail"]["move_attachments_to"]["api_name"] == "Deals"
    assert any(m["kind"] == "notify_lead_owner" for m in org_sb.control.outbox())
    # re-selected, the converted lead shows no estimate and says it is converted
    _select(console, L_FRESH)
    assert "converted already" in console.estimate.value
    assert "Converted: nothing more" in console.lead_messages[L_FRESH].value
    assert console.dropdowns[L_FRESH].disabled
    assert console.convert_button.disabled


def test_deal_form_marks_mandatory_fields_and_disables_the_ones_no_plan_carries(
    console: ConversionConsole,
) -> None:
    assert console.deal_name.description.endswith(" *")
    assert console.deal_stage.description.endswith(" *")
    assert not console.deal_amount.description.endswith("*")
    others = [x for x in console.deal.widgets if getattr(x, "disabled", False)]
    labels = [x.description for x in others]
    assert "Probability" in labels
    assert all("no column" in x.tooltip for x in others)
    assert "Decision Maker" in [v for _, v in console.deal_role.options]


def test_a_lead_can_have_a_deal_of_its_own_or_none(
    console: ConversionConsole, org_sb: Sandbox
) -> None:
    _select(console, L_FRESH, L_NO_COMPANY)
    assert console.deal_fields.layout.display == "none"
    console.lead_options[L_FRESH].flags["deal"].value = "yes"  # the form's box stays off
    assert console.deal_fields.layout.display == "flex"
    assert "Deals" in [v for _, v in console.lead_options[L_FRESH].attachments.options]
    console.deal_closing.value = date(2031, 6, 1)
    console.deal_pipeline.value = "Standard"
    console.deal_stage.value = "Proposal"
    plan = console.model.plan().set_index("lead_id")
    assert plan.loc[L_FRESH, "deal_name"] == "Newco"
    assert plan[["deal_name", "stage"]].loc[L_NO_COMPANY].isna().all()
    assert not console.convert_button.disabled, console.lead_messages[L_FRESH].value
    console.convert()
    fresh = org_sb.control.record("Leads", L_FRESH)
    other = org_sb.control.record("Leads", L_NO_COMPANY)
    assert fresh is not None and other is not None
    assert converted_ids(fresh)["Deals"] is not None
    assert converted_ids(other).get("Deals") is None
    # and the other way round: the form on for the selection, one lead opting out
    console.model.set_deal(enabled=True)
    assert console.model.wants_deal(L_PAT)
    console.model.set_lead_options(L_PAT, deal=False)
    assert not console.model.wants_deal(L_PAT)
