"""Duplicates among open leads in the explorer and the conversion console (controllers, no browser).

Explorer: on the sample org (a prediction from sample_data/, no credits), its "among open leads"
table equals the generator's truth, and filters restrict it. Console: over a real sandbox with a
pair of twins and two colleagues, a selected lead lists its mates and the chained choice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from console_org import USER, client_for

from crmkit.api import CRMClient
from crmkit.clusters import ANY_FIELD
from crmkit.frames import read_leads_csv
from crmkit.matching import predict_data_dir
from crmkit.orgconfig import OrgConfig
from crmkit.sampledata import bundled_path
from crmkit.sandbox import Sandbox
from crmkit.widgets.console import ConversionConsole
from crmkit.widgets.console_model import ConsoleModel
from crmkit.widgets.explorer import DuplicateExplorer
from crmkit.widgets.explorer_model import ExplorerModel


@pytest.fixture(scope="module")
def sample_model() -> ExplorerModel:
    path = bundled_path()
    prediction = predict_data_dir(path)
    frames = {
        "leads": read_leads_csv(path / "Leads.csv"),
        "options": prediction.options,
        "matches": prediction.matches,
        "org_config": OrgConfig.from_data_dir(path),
    }
    return ExplorerModel.from_snapshot(frames, derive=False)


def _strong(table: pd.DataFrame) -> dict[tuple[str, str], int]:
    s = table[table["tier"] == "strong"]
    return {
        (str(k), str(f)): int(n) for k, f, n in zip(s["kind"], s["field"], s["leads"], strict=True)
    }


def test_explorer_open_leads_table_is_the_truths(sample_model: ExplorerModel) -> None:
    truth = pd.read_csv(
        bundled_path() / "lead_duplicates_truth.csv", dtype=str, keep_default_na=False
    )
    strong = truth[truth["tier"] == "strong"]
    per_field = strong.assign(field=strong["field"].str.split(";")).explode("field")
    expected = {
        (str(k), str(f)): g["lead_id"].nunique()
        for (k, f), g in per_field.groupby(["kind", "field"])
    }
    for kind, g in strong.groupby("kind"):
        expected[str(kind), ANY_FIELD] = g["lead_id"].nunique()
    assert _strong(sample_model.open_leads_table()) == expected
    note = sample_model.open_leads_note()
    assert "cannot see these duplicates among the open leads" in note
    assert f"{expected['person', ANY_FIELD]:,} are the same person" in note


def test_explorer_filters_restrict_the_open_leads_table(sample_model: ExplorerModel) -> None:
    source = sample_model.lead_sources()[0]
    sample_model.set_filters(lead_source=source)
    try:
        table = sample_model.open_leads_table()
        ids = set(sample_model.filtered_leads()["id"])
        clusters = sample_model.open_leads().result.clusters
        strong = clusters[(clusters["tier"] == "strong") & (clusters["kind"] == "person")]
        expected = strong.loc[strong["lead_id"].isin(ids), "lead_id"].nunique()
        assert 0 < expected < _strong(sample_model.open_leads().summary())["person", ANY_FIELD]
        assert _strong(table)["person", ANY_FIELD] == expected
        open_ids = sample_model.leads.loc[sample_model.leads["Converted__s"] != True, "id"]  # noqa: E712
        n = int(open_ids.isin(ids).sum())
        share = table[(table["tier"] == "strong") & (table["kind"] == "person")]["share"].iloc[0]
        assert share == pytest.approx(expected / n)
        widget = DuplicateExplorer(sample_model)
        assert "Among open leads" in widget.open_leads.value
        assert f"{expected:,}" in widget.open_leads.value
    finally:
        sample_model.set_filters(lead_source=None)


# ---------------------------------------------------------------------------- the console
TWIN_A, TWIN_B = "4100000000000000001", "4100000000000000002"
COLLEAGUE, NAMESAKE = "4100000000000000003", "4100000000000000004"


def _lead(n: str, first: str, last: str, **fields: Any) -> dict[str, Any]:
    return {"id": n, "First_Name": first, "Last_Name": last, "Owner": {"id": USER}, **fields}


@pytest.fixture
def batch_client(small_sandbox: Callable[..., Sandbox]) -> Iterator[CRMClient]:
    sb = small_sandbox(
        leads=[
            _lead(TWIN_A, "Jo", "Twin", Email="jo@twinco.com", Company="Twinco", Phone="555"),
            _lead(TWIN_B, "Jo", "Twin", Email=" JO@TWINCO.COM", Company="twinco"),
            _lead(COLLEAGUE, "Max", "Mate", Email="max@twinco.com", Company="Twinco"),
            _lead(NAMESAKE, "Max", "Mate", Email="max@elsewhere.com", Company="Elsewhere"),
        ],
        org={"users": [{"id": USER, "full_name": "Ava Active", "status": "active"}]},
    )
    client = client_for(sb)
    yield client
    client.close()


def test_console_shows_cluster_mates_and_the_chained_choice(
    batch_client: CRMClient, tmp_path: Path
) -> None:
    model = ConsoleModel.load(
        batch_client, lead_ids=[TWIN_A, TWIN_B, COLLEAGUE, NAMESAKE], journal=tmp_path / "j.db"
    )
    mates = {(m.lead_id, m.kind, m.tier) for m in model.cluster_mates(TWIN_B)}
    assert mates == {(TWIN_A, "person", "strong"), (TWIN_A, "company", "strong"),
                     (COLLEAGUE, "company", "strong")}  # fmt: skip
    anchor = model.open_leads().anchor(TWIN_B, "person")
    assert anchor == TWIN_A  # more fields filled (the Phone)
    twin_a = next(m for m in model.cluster_mates(TWIN_B) if m.kind == "person")
    assert twin_a.is_anchor and "same Email" in twin_a.reason and twin_a.name == "Jo Twin"
    proposal = " ".join(model.chained_choice(TWIN_B))
    assert f"contact_id = lead:{TWIN_A}" in proposal and f"account_id = lead:{TWIN_A}" in proposal
    first = " ".join(model.chained_choice(TWIN_A))
    assert "Convert this lead first" in first and f"contact_id = lead:{TWIN_A}" in first
    colleague = " ".join(model.chained_choice(COLLEAGUE))
    assert f"account_id = lead:{TWIN_A}" in colleague and "contact_id" not in colleague
    namesake = model.cluster_mates(NAMESAKE)
    assert (namesake[0].lead_id, namesake[0].tier) == (COLLEAGUE, "review")
    assert "no chained choice is proposed" in " ".join(model.chained_choice(NAMESAKE))
    console = ConversionConsole(model)
    console.select([1])
    shown = console.choices.children[0].children[1].value
    assert "Other open leads in this batch" in shown and f"lead:{TWIN_A}" in shown
