"""The conversion console's widgets, headless, against a real sandbox over HTTP.

Widgets are driven by assigning their values (the table's `selected_rows`, dropdown values), as
the browser would; handlers run synchronously. The Convert button's handler is called through the
view's method, because `Button.click()` swallows exceptions.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from console_org import (
    A_ACME,
    C_PAT,
    L_FRESH,
    L_INITECH,
    L_PAT,
    L_PENDING,
    L_TO_LOCKED,
    LEADS,
    converted,
)
from itables.widget import ITable

from crmkit.api import CRMClient
from crmkit.sandbox import Sandbox
from crmkit.widgets import ConsoleModel, ConversionConsole

ROW = {lead: i for i, lead in enumerate(LEADS)}


@pytest.fixture
def console(client: CRMClient, tmp_path: Path) -> ConversionConsole:
    return ConversionConsole.load(
        client, lead_ids=LEADS, journal=tmp_path / "journal.sqlite", poll_interval=0.05
    )


def test_table_is_an_itable_with_row_selection_and_every_lead(
    console: ConversionConsole,
) -> None:
    assert isinstance(console.table, ITable)
    assert console.table.df is not None
    assert console.table.df["lead_id"].tolist() == LEADS
    args = console.table._dt_args
    assert args.get("select") == {"style": "multi"}
    assert "downsampling_warning" not in args or not args["downsampling_warning"]
    assert console.convert_button.disabled
    assert "Select one or more leads" in console.general.value
    assert console.choices.children == ()
    assert "8 leads" in console.header.value and "journal.sqlite" in console.header.value


def test_selecting_rows_shows_a_choice_per_lead_with_inline_messages(
    console: ConversionConsole,
) -> None:
    console.table.selected_rows = [ROW[L_PAT], ROW[L_TO_LOCKED], ROW[L_PENDING]]
    assert list(console.dropdowns) == [L_PAT, L_TO_LOCKED, L_PENDING]
    assert console.dropdowns[L_PAT].value == f"contact:{C_PAT}"
    # the locked Contact is not offered (Zoho refuses a merge into it); the row says why
    assert console.dropdowns[L_TO_LOCKED].value == "new"
    assert [k for _, k in console.dropdowns[L_TO_LOCKED].options] == ["new"]
    assert "is locked: Zoho refuses a merge" in console.lead_messages[L_TO_LOCKED].value
    assert "not approved" in console.lead_messages[L_PENDING].value
    assert "ready" in console.lead_messages[L_PAT].value
    assert console.convert_button.disabled  # a lead is refused
    assert console.estimate.value.startswith("<b>Estimate:</b> 3 leads")
    console.table.selected_rows = [ROW[L_PAT], ROW[L_TO_LOCKED]]
    assert not console.convert_button.disabled
    console.dropdowns[L_PAT].value = f"account:{A_ACME}"
    assert console.model.plan().set_index("lead_id").loc[L_PAT, "account_id"] == A_ACME
    console.table.selected_rows = []
    assert console.choices.children == ()
    assert console.convert_button.disabled


def test_deal_form_feeds_the_plan_and_its_messages(console: ConversionConsole) -> None:
    console.table.selected_rows = [ROW[L_FRESH]]
    assert console.deal_fields.layout.display == "none"
    console.deal_enabled.value = True
    assert console.deal_fields.layout.display == "flex"
    assert "Deal needs" in console.lead_messages[L_FRESH].value  # no closing date, no stage
    assert console.convert_button.disabled
    console.deal_name.value = "{Company} renewal"
    console.deal_closing.value = date(2031, 3, 1)
    console.deal_pipeline.value = "Standard"
    assert "Qualification" in console.deal_stage.options
    console.deal_stage.value = "Qualification"
    console.deal_amount.value = 900.0
    assert not console.convert_button.disabled
    row = console.model.plan().iloc[0]
    assert row["deal_name"] == "Newco renewal"
    assert row["closing_date"] == "2031-03-01"
    assert row["stage"] == "Qualification"
    assert row["amount"] == 900.0
    console.deal_name.value = "{Whoever}"
    assert "placeholder" in console.general.value
    assert console.convert_button.disabled


def test_convert_converts_the_selected_leads_and_shows_results(
    console: ConversionConsole, org_sb: Sandbox
) -> None:
    console.table.selected_rows = [ROW[L_PAT], ROW[L_INITECH]]
    assert not console.convert_button.disabled
    console.convert()
    assert console.progress.value == 2 and console.progress.max == 2
    assert console.progress.description == "2/2"
    assert "converted 2 now" in console.status.value
    assert console.results_box.layout.display == "flex"
    results = console.results.df
    assert results is not None
    assert sorted(results["lead_id"].tolist()) == sorted([L_PAT, L_INITECH])
    assert results["outcome"].tolist() == ["converted", "converted"]
    for lead in LEADS:
        assert converted(org_sb, lead) == (lead in (L_PAT, L_INITECH)), lead
    # the selection is cleared and the leads table shows the outcome
    assert console.table.selected_rows == []
    assert console.choices.children == ()
    table = console.table.df
    assert table is not None
    assert table.set_index("lead_id").loc[L_PAT, "result"] == "converted"
    assert console.convert_button.disabled


def test_convert_refused_shows_why_and_changes_nothing(
    console: ConversionConsole, org_sb: Sandbox
) -> None:
    console.table.selected_rows = [ROW[L_PENDING]]
    console.convert()  # as a queued click would, though the button is disabled
    assert "Not converted" in console.status.value
    assert "validation refuses" in console.status.value
    assert console.results_box.layout.display == "none"
    assert not converted(org_sb, L_PENDING)
    assert console.convert_button.disabled


def test_button_click_runs_the_same_method(console: ConversionConsole, org_sb: Sandbox) -> None:
    console.table.selected_rows = [ROW[L_FRESH]]
    console.convert_button.click()
    assert converted(org_sb, L_FRESH)
    assert not converted(org_sb, L_PAT)
    assert console.model.outcomes == {L_FRESH: "converted"}
    message = console.status.value
    assert "converted 1 now" in message
    console.convert_button.click()  # a second click queued while the run went on: ignored
    assert console.status.value == message
    assert console.model.outcomes == {L_FRESH: "converted"}


def test_console_displays_as_a_widget(console: ConversionConsole) -> None:
    bundle = console._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_console_over_a_prebuilt_model(client: CRMClient, tmp_path: Path) -> None:
    model = ConsoleModel.load(client, limit=2, journal=tmp_path / "j.sqlite")
    console = ConversionConsole(model)
    assert console.table.df is not None and len(console.table.df) == 2
