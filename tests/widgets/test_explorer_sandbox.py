"""The explorer over a real snapshot of the sandbox's sample org, with prediction and near-dups."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from crmkit import analysis, connect
from crmkit.matching import predict_data_dir, read_module_csv
from crmkit.neardup import near_duplicates
from crmkit.sampledata import bundled_path
from crmkit.sandbox import Sandbox
from crmkit.snapshot import Snapshot, fetch_snapshot
from crmkit.widgets.explorer import explore
from crmkit.widgets.explorer_model import ExplorerModel

pytestmark = pytest.mark.slow


@pytest.fixture
def snapshot(clean_sandbox: Sandbox) -> Iterator[Snapshot]:
    """A fresh fetch (the reset also clears the credit ledger other tests' fetches filled)."""
    sandbox = clean_sandbox
    with connect(sandbox=sandbox, progress=False) as client:
        yield fetch_snapshot(client)


def test_explorer_on_the_sample_org(snapshot: Snapshot, tmp_path: Path) -> None:
    # The snapshot keeps the Contacts and Accounts: prediction and near-duplicates come from it.
    view = explore(snapshot)
    model = view.model
    assert list(model.sources) == ["api", "predicted", "near"]
    figures = analysis.summary(snapshot.options)
    assert model.overall() == (int(figures["n_matched"]), int(figures["n_answered"]))

    # Zoho's answer and the prediction agree on the sample org: same bars either way
    api_rates = model.rates()
    view.source.value = "predicted"
    pd.testing.assert_frame_equal(model.rates(), api_rates)

    view.source.value = "near"
    assert set(model.rates()["field"]) <= {"phone", "email", "name", "company"}
    assert model.overall()[0] > 0

    view.source.value = "api"
    view.attribution.value = "first"
    table = analysis.rate_table(snapshot.options, snapshot.matches)
    expected = {
        f"{f} ({m})": int(n)
        for m, f, n in zip(table["module"], table["field"], table["leads_first"], strict=True)
        if n
    }
    rates = model.rates()
    assert dict(zip(rates["label"], rates["leads"].astype(int), strict=True)) == expected

    source = model.lead_sources()[0]
    view.lead_source.value = source
    label = model.rates()["label"].iloc[0]
    view.bar.value = label
    shown = view.table_frame()
    assert len(shown) == int(model.rates().set_index("label").loc[label, "leads"])
    leads = snapshot.leads.set_index("id")
    assert (leads.loc[list(shown["lead_id"]), "Lead_Source"] == source).all()

    view.export_path.value = str(tmp_path / "leads.csv")
    view.export_button.click()
    written: Any = pd.read_csv(tmp_path / "leads.csv", dtype="string")
    assert list(written["lead_id"]) == list(shown["lead_id"])


def test_explicit_frames_win_and_derive_can_be_turned_off(snapshot: Snapshot) -> None:
    data = bundled_path()
    near = near_duplicates(
        snapshot.leads,
        read_module_csv(data / "Contacts.csv"),
        read_module_csv(data / "Accounts.csv"),
        exact=snapshot.matches,
    )
    given = ExplorerModel.from_snapshot(
        snapshot, predicted=predict_data_dir(data), near_duplicates=near
    )
    derived = ExplorerModel.from_snapshot(snapshot)
    for source in ("predicted", "near"):
        given.set_filters(source=source)
        derived.set_filters(source=source)
        pd.testing.assert_frame_equal(derived.rates(), given.rates())
    plain = ExplorerModel.from_snapshot(snapshot, derive=False)
    assert list(plain.sources) == ["api"]
    bare = Snapshot(
        snapshot.leads, snapshot.options, snapshot.matches, snapshot.matched_fields, snapshot.meta
    )
    assert list(ExplorerModel.from_snapshot(bare).sources) == ["api"]  # no records: Zoho only


def _sent_rows(view: Any) -> int:
    """Rows in the table's state as synced to the page: what the browser draws."""
    state = view.table.get_state()["_dt_args"]
    assert not state.get("downsampling_warning"), state.get("downsampling_warning")
    return len(json.loads(state["data_json"]))


def test_the_table_shows_every_row_of_a_1000_lead_selection(snapshot: Snapshot) -> None:
    ids = snapshot.leads["id"].sort_values().head(1000)
    assert len(ids) == 1000  # the sample org has more leads than that
    selection = {
        "leads": snapshot.leads.loc[snapshot.leads["id"].isin(ids)],
        "options": snapshot.options.loc[snapshot.options["lead_id"].isin(ids)],
        "matches": snapshot.matches.loc[snapshot.matches["lead_id"].isin(ids)],
    }
    view = explore(selection)
    assert _sent_rows(view) == 1000
    # a filter change sends the table again: still every row, never itables' 64KB sample
    view.module.value = "Contacts"
    view.module.value = "any"
    assert _sent_rows(view) == 1000
    sent = json.loads(view.table.get_state()["_dt_args"]["data_json"])
    assert sorted(row[0] for row in sent) == sorted(ids)
    whole = explore(snapshot, derive=False)
    whole.attribution.value = "first"
    assert _sent_rows(whole) == len(snapshot.leads)
