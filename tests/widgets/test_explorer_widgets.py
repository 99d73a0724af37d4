"""The explorer's widgets, driven headless: set values, call handlers, assert what they show."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from crmkit.widgets.explorer import DuplicateExplorer, explore
from crmkit.widgets.explorer_model import ExplorerModel


@pytest.fixture
def explorer(hand: ModuleType) -> DuplicateExplorer:
    model = ExplorerModel(
        hand.leads(), api=(hand.options(), hand.matches()), near_duplicates=hand.near_duplicates()
    )
    return DuplicateExplorer(model)


def shown_ids(explorer: DuplicateExplorer) -> list[str]:
    return list(explorer.table_frame()["lead_id"])


def test_initial_state(explorer: DuplicateExplorer) -> None:
    assert bytes(explorer.chart.value).startswith(b"\x89PNG")
    assert "4 of 5 leads" in explorer.summary.value
    assert [v for _, v in explorer.bar.options][1:] == list(explorer.model.rates()["label"])
    assert shown_ids(explorer) == ["L1", "L2", "L3", "L4", "L5", "L6"]
    assert list(explorer.source.options) == [
        ("Zoho's answer", "api"),
        ("near-duplicates (crmkit)", "near"),
    ]
    # maxBytes=0: the whole table is sent, never downsampled
    assert not explorer.table._dt_args.get("downsampling_warning")
    assert len(json.loads(explorer.table._dt_args["data_json"])) == 6


def test_filters_update_chart_bars_and_table_together(explorer: DuplicateExplorer) -> None:
    before = explorer.chart.value
    explorer.lead_source.value = "Web"
    assert explorer.model.filters.lead_source == "Web"
    assert shown_ids(explorer) == ["L1", "L2", "L4"]
    assert explorer.chart.value != before
    assert "Full_Name (Contacts)" not in [v for _, v in explorer.bar.options]
    explorer.bar.value = "Email (Contacts)"
    assert shown_ids(explorer) == ["L1", "L2"]
    assert explorer.table.caption == "Email (Contacts)"
    explorer.attribution.value = "first"
    assert shown_ids(explorer) == ["L2"]
    explorer.owner.value = "Ana Owner"  # L1 only: first field Phone, the Email bar disappears
    assert explorer.model.selected is None and explorer.bar.label == "All filtered leads"
    assert shown_ids(explorer) == ["L1"]


def test_module_and_source(explorer: DuplicateExplorer) -> None:
    explorer.module.value = "Accounts"
    assert [v for _, v in explorer.bar.options][1:] == ["Account_Name (Accounts)"]
    explorer.module.value = "any"
    explorer.source.value = "near"
    assert [v for _, v in explorer.bar.options][1:] == ["email (Contacts)", "name (Contacts)"]
    explorer.bar.value = "email (Contacts)"
    assert shown_ids(explorer) == ["L4"]


def test_bad_date_range_is_reported_and_the_widget_reverts(explorer: DuplicateExplorer) -> None:
    explorer.created_from.value = date(2025, 3, 1)
    assert shown_ids(explorer) == ["L5", "L6"]
    explorer.created_to.value = date(2025, 2, 1)
    assert "after created_to" in explorer.message.value
    assert explorer.created_to.value is None
    assert shown_ids(explorer) == ["L5", "L6"]
    explorer.created_to.value = date(2025, 3, 5)
    assert explorer.message.value == ""
    assert shown_ids(explorer) == ["L5"]


def test_export_button_writes_the_shown_leads(explorer: DuplicateExplorer, tmp_path: Path) -> None:
    explorer.lead_source.value = "Trade Show"
    explorer.export_path.value = str(tmp_path / "trade.csv")
    explorer.export_button.click()
    assert explorer.export_status.value == f"Exported 2 leads to {tmp_path / 'trade.csv'}"
    written = pd.read_csv(tmp_path / "trade.csv", dtype="string")
    assert list(written["lead_id"]) == ["L3", "L6"]


def test_explore_accepts_a_mapping_of_frames(hand: ModuleType) -> None:
    view = explore(hand.frames())
    assert "4 of 5 leads" in view.summary.value
    assert view.widget.children
