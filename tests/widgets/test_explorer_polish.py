"""The explorer as a new user sees it (issue 16): every row, "All", whole labels, percentages,
a title that fits, and CSV exports in a known, git-ignored place."""

from __future__ import annotations

import html
import io
import json
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from crmkit.widgets.explorer import DuplicateExplorer
from crmkit.widgets.explorer_model import DEFAULT_EXPORT, ExplorerModel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def explorer(hand: ModuleType) -> DuplicateExplorer:
    model = ExplorerModel(
        hand.leads(), api=(hand.options(), hand.matches()), near_duplicates=hand.near_duplicates()
    )
    return DuplicateExplorer(model)


def sent_rows(explorer: DuplicateExplorer) -> int:
    """Rows in the table's state as synced to the page (what the browser draws)."""
    state = explorer.table.get_state()["_dt_args"]
    assert not state.get("downsampling_warning")
    return len(json.loads(state["data_json"]))


def test_dropdowns_show_all_and_return_to_no_restriction(explorer: DuplicateExplorer) -> None:
    assert explorer.lead_source.label == "All"
    assert explorer.owner.label == "All"
    assert explorer.bar.label == "All filtered leads"
    explorer.lead_source.value = "Web"
    assert explorer.model.filters.lead_source == "Web"
    explorer.lead_source.label = "All"
    assert explorer.model.filters.lead_source is None
    assert explorer.lead_source.label == "All"
    explorer.bar.value = "Email (Contacts)"
    explorer.bar.label = "All filtered leads"
    assert explorer.model.selected is None
    assert sent_rows(explorer) == len(explorer.model.table())


def test_labels_are_whole_and_rates_are_percentages(explorer: DuplicateExplorer) -> None:
    for widget in (explorer.created_from, explorer.lead_source, explorer.owner, explorer.bar):
        assert widget.style.description_width == "initial", widget.description
    rates = explorer.model.rates()
    shown = [label for label, _ in explorer.bar.options][1:]
    expected = [
        f"{label} — {int(n)} lead{'s' if int(n) != 1 else ''} ({float(r) * 100:.1f}%)"
        for label, n, r in zip(rates["label"], rates["leads"], rates["rate"], strict=True)
    ]
    assert shown == expected
    assert any("%" in text for text in shown)


def test_the_chart_title_fits_the_chart(explorer: DuplicateExplorer) -> None:
    for source in ("api", "near"):
        explorer.source.value = source
        fig = explorer.model.figure()
        FigureCanvasAgg(fig).draw()
        renderer = fig.canvas.get_renderer()
        title = fig.get_suptitle()
        assert title.replace("\n", " ") == explorer.model.summary()
        box = fig._suptitle.get_window_extent(renderer)  # type: ignore[union-attr]
        assert box.x0 >= 0 and box.x1 <= fig.bbox.width, (source, box)


def test_near_duplicate_summary_states_the_one_definition(explorer: DuplicateExplorer) -> None:
    explorer.source.value = "near"
    summary = html.unescape(explorer.summary.value)
    assert summary == f"<b>{explorer.model.summary()}</b>"
    assert summary.startswith("<b>2 of 6 leads have a near-duplicate Zoho's exact matching does")
    assert "Zoho's exact matching does not offer" in html.unescape(explorer.definition.value)
    explorer.source.value = "api"
    assert explorer.definition.value == ""


def test_export_defaults_to_a_gitignored_exports_folder(
    explorer: DuplicateExplorer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert explorer.export_path.value == str(DEFAULT_EXPORT)
    explorer.export_button.click()
    written = tmp_path / "exports" / "duplicates.csv"
    assert written.is_file()
    rows = len(explorer.model.table())
    assert explorer.export_status.value == f"Exported {rows} leads to {written.resolve()}"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "notebooks/exports/duplicates.csv"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0  # where the notebook's export lands is not committed
    assert io.StringIO(written.read_text(encoding="utf-8")).readline().startswith("lead_id")
