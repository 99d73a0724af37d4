"""The explorer's controller on six hand-built leads (see tests/report/handframes.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from crmkit import analysis
from crmkit.widgets.explorer_model import ExplorerModel, Filters


@pytest.fixture
def model(hand: ModuleType) -> ExplorerModel:
    return ExplorerModel(
        hand.leads(),
        api=(hand.options(), hand.matches()),
        predicted=(hand.options("predicted"), hand.matches("predicted")),
        near_duplicates=hand.near_duplicates(),
    )


def bars(model: ExplorerModel) -> dict[str, int]:
    rates = model.rates()
    return dict(zip(rates["label"], rates["leads"].astype(int), strict=True))


def test_unfiltered_rates_equal_the_analysis_rate_table(
    hand: ModuleType, model: ExplorerModel
) -> None:
    table = analysis.rate_table(hand.options(), hand.matches())
    for how in ("any", "first"):
        model.set_filters(attribution=how)
        expected = {
            f"{f} ({m})": int(n)
            for m, f, n in zip(table["module"], table["field"], table[f"leads_{how}"], strict=True)
            if n > 0
        }
        assert bars(model) == expected
        rates = model.rates().set_index("label")["rate"]
        for m, f, r in zip(table["module"], table["field"], table[f"rate_{how}"], strict=True):
            if f"{f} ({m})" in rates.index:
                assert float(rates[f"{f} ({m})"]) == pytest.approx(float(r))


def test_bars_follow_zohos_preference_order(model: ExplorerModel) -> None:
    assert list(model.rates()["label"]) == [
        "Phone (Contacts)",
        "Email (Contacts)",
        "Full_Name (Contacts)",
        "Account_Name (Accounts)",
    ]


def test_first_attribution_adds_up_to_the_overall_rate(model: ExplorerModel) -> None:
    model.set_filters(attribution="first")
    matched, n = model.overall()
    assert (matched, n) == (4, 5)  # L5's request failed: not in the denominator
    assert sum(bars(model).values()) == matched


def test_lead_filters(model: ExplorerModel) -> None:
    model.set_filters(lead_source="Web")
    assert set(model.filtered_leads()["id"]) == {"L1", "L2", "L4"}
    assert bars(model) == {
        "Phone (Contacts)": 1,
        "Email (Contacts)": 2,
        "Account_Name (Accounts)": 1,
    }
    model.set_filters(lead_source=None, owner="Ben Owner")
    assert set(model.filtered_leads()["id"]) == {"L2", "L4", "L6"}
    model.set_filters(owner=None, created_from=date(2025, 2, 1), created_to=date(2025, 3, 1))
    assert set(model.filtered_leads()["id"]) == {"L3", "L4", "L5"}  # both ends inclusive
    assert model.overall() == (1, 2)


def test_module_filter_with_first_attribution_uses_that_modules_own_order(
    model: ExplorerModel,
) -> None:
    model.set_filters(module="Accounts", attribution="first")
    assert bars(model) == {"Account_Name (Accounts)": 2}  # L1 too, though its first is Phone
    model.set_filters(module="Contacts")
    assert bars(model) == {"Phone (Contacts)": 1, "Email (Contacts)": 1, "Full_Name (Contacts)": 1}


def test_sources(model: ExplorerModel, hand: ModuleType) -> None:
    assert list(model.sources) == ["api", "predicted", "near"]
    model.set_filters(source="near")
    # L2's phone pair is one Zoho offers already: not a near-duplicate beyond Zoho
    assert bars(model) == {"email (Contacts)": 1, "name (Contacts)": 1}
    assert model.overall() == (2, 6)  # near-duplicates are looked for on every lead
    only_api = ExplorerModel(hand.leads(), api=(hand.options(), hand.matches()))
    with pytest.raises(ValueError, match="no data for source 'near'"):
        only_api.set_filters(source="near")


def test_selected_bar_drives_the_table(model: ExplorerModel) -> None:
    assert list(model.table()["lead_id"]) == ["L1", "L2", "L3", "L4", "L5", "L6"]
    model.select("Email (Contacts)")
    table = model.table()
    assert list(table["lead_id"]) == ["L1", "L2"]
    assert table.set_index("lead_id").loc["L2", "matched_records"] == "Ann Lee"
    model.set_filters(attribution="first")  # Email still has L2 as first
    assert model.selected == "Email (Contacts)"
    assert list(model.table()["lead_id"]) == ["L2"]
    model.set_filters(lead_source="Trade Show")  # no Email bar any more: selection dropped
    assert model.selected is None
    with pytest.raises(ValueError, match="no bar"):
        model.select("Email (Contacts)")


def test_table_lists_every_field_of_a_lead_in_order(model: ExplorerModel) -> None:
    row = model.table().set_index("lead_id").loc["L1"]
    assert row["matched_by"] == "Phone (Contacts); Email (Contacts); Account_Name (Accounts)"
    assert row["matched_record_ids"] == "C1; A1"
    assert pd.isna(model.table().set_index("lead_id").loc["L4", "matched_by"])


def test_display_table_is_text(model: ExplorerModel) -> None:
    table = model.display_table()
    assert (table.dtypes == "string").all()
    assert table.loc[0, "Created_Time"] == "2025-01-05"
    assert not table.isna().any().any()


def test_export_writes_the_table(model: ExplorerModel, tmp_path: Path) -> None:
    model.set_filters(lead_source="Web")
    model.select("Email (Contacts)")
    path, count = model.export_csv(tmp_path / "out" / "dups.csv")
    assert count == 2
    written = pd.read_csv(path, dtype="string")
    assert list(written["lead_id"]) == ["L1", "L2"]
    assert model.export(tmp_path / "dups.txt").startswith("Export failed:")
    assert model.export(tmp_path / "x.csv") == f"Exported 2 leads to {tmp_path / 'x.csv'}"


def test_export_neutralises_formulas_in_crm_values(hand: ModuleType, tmp_path: Path) -> None:
    # Anyone who fills a web form writes a lead's Company or name: a spreadsheet must not run it.
    leads = hand.leads()
    leads.loc[0, "Company"] = '=HYPERLINK("http://evil.example","Zylker")'
    leads.loc[1, "Last_Name"] = "+cmd|' /C calc'!A0"
    model = ExplorerModel(leads, api=(hand.options(), hand.matches()))
    path, _count = model.export_csv(tmp_path / "dups.csv")
    written = pd.read_csv(path, dtype="string", keep_default_na=False).set_index("lead_id")
    assert written.loc["L1", "Company"] == '\'=HYPERLINK("http://evil.example","Zylker")'
    assert written.loc["L2", "Last_Name"] == "'+cmd|' /C calc'!A0"
    assert written.loc["L3", "Company"] == "Acme"  # plain text untouched
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        for cell in written.reset_index().to_numpy().ravel()
    )


def test_bad_filters_are_refused_with_a_message(model: ExplorerModel) -> None:
    with pytest.raises(ValueError, match="module must be one of"):
        Filters(module="Deals!")
    assert model.update(created_from=date(2025, 3, 1)) == ""
    message = model.update(created_to=date(2025, 2, 1))
    assert "after created_to" in message
    assert model.filters.created_to is None  # unchanged


def test_figure_highlights_the_selection(model: ExplorerModel) -> None:
    model.select("Email (Contacts)")
    fig = model.figure()
    colours = [tuple(p.get_facecolor()) for p in fig.axes[0].patches]
    assert len(colours) == 4 and len(set(colours)) == 2
