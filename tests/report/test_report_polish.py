"""The report read as a person reads it (issue 16): errors per code, plain words, legible plots."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from crmkit.report import compute_report, render_html
from crmkit.report.answer_errors import MEANINGS, error_counts
from crmkit.report.tables import plot_trend, thin_ticks
from crmkit.snapshot import load_snapshot

pytestmark = pytest.mark.slow


def test_errors_are_broken_down_per_code_with_their_meaning(demo_run: Any) -> None:
    snapshot = load_snapshot(demo_run.out / "snapshot")
    report = compute_report(snapshot)
    codes = snapshot.options.loc[snapshot.options["outcome"] == "error", "error_code"]
    expected = codes.value_counts()
    assert len(expected) >= 2  # the sample org plants locked and unapproved leads
    shown = report.errors.set_index("code")["leads"]
    assert shown.to_dict() == expected.to_dict()
    assert int(shown.sum()) == report.headline.errors
    html = render_html(report)
    headline = html.split('<section id="headline">', 1)[1].split("</section>", 1)[0]
    for code, n in expected.items():
        assert f"{n:,} {code}" in headline  # in the card: "50 RECORD_LOCKED, 50 NOT_APPROVED"
        assert MEANINGS[str(code)] in headline.replace("&#39;", "'")


def test_error_counts_of_an_unknown_code_quote_zohos_message() -> None:
    options = pd.DataFrame(
        {
            "lead_id": pd.array(["1", "2", "3"], dtype="string"),
            "outcome": pd.array(["error", "error", "matched"], dtype="string"),
            "error_code": pd.array(["ODD_CODE", "ODD_CODE", pd.NA], dtype="string"),
            "error_message": pd.array(["odd thing", "odd thing", pd.NA], dtype="string"),
        }
    )
    table = error_counts(options)
    assert table.to_dict("records") == [
        {"code": "ODD_CODE", "leads": 2, "meaning": "Zoho says: odd thing"}
    ]


def test_the_listing_setting_reads_in_plain_words(demo_run: Any) -> None:
    html = (demo_run.out / "report.html").read_text(encoding="utf-8")
    footer = html.split("<footer>", 1)[1]
    assert "Converted leads listed" not in html
    assert re.search(r"<dt>Leads listed</dt><dd>open leads only \(not yet converted\)</dd>", footer)


def _label_boxes(fig: Any) -> list[Any]:
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    return [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]


def test_trend_month_labels_never_collide(demo_run: Any) -> None:
    snapshot = load_snapshot(demo_run.out / "snapshot")
    fig = plot_trend(snapshot.leads, snapshot.options, snapshot.matches)
    boxes = _label_boxes(fig)
    assert 2 <= len(boxes) <= 8
    for left, right in pairwise(sorted(boxes, key=lambda b: b.x0)):
        assert left.x1 <= right.x0 + 1  # side by side, not on top of each other


def test_thin_ticks_keeps_the_last_month_and_at_most_eight() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    months = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 13)]
    ax.plot(range(len(months)), range(len(months)))
    ax.set_xticks(range(len(months)), months, rotation=45, ha="right")
    thin_ticks(ax)
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert len(shown) == 8 and shown[-1] == "2025-12" and shown[0] == "2024-03"
    assert all(b.x1 <= c.x0 + 1 for b, c in pairwise(_label_boxes(fig)))


def test_crmkit_report_prints_the_errors_per_code_and_the_near_duplicate_count(
    demo_run: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from crmkit.cli import main

    snapshot = demo_run.out / "snapshot"
    assert main(["report", "--snapshot", str(snapshot), "--out", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    report = compute_report(load_snapshot(snapshot))
    pairs = zip(report.errors["code"], report.errors["leads"], strict=True)
    counts = ", ".join(f"{int(n):,} {c}" for c, n in pairs)
    assert f"{report.headline.errors:,} leads answered with an error: {counts}\n" in out
    assert f"Near-duplicates: {report.notes['near_duplicates']}\n" in out
    assert "have a near-duplicate Zoho's exact matching does not offer" in out
