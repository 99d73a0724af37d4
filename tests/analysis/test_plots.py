"""Plot functions return Figures built from the rate frames (headless, no pyplot state)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from analysis_data import payload
from matplotlib.figure import Figure

from crmkit.analysis import field_overlaps, plot_field_rates, plot_overlaps, plot_trend, rate_table
from crmkit.frames import options_frames


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    f = options_frames(
        {
            "1": payload([("c1", ["Phone", "Email"])], [("a1", ["Account_Name"])]),
            "2": payload([("c2", ["Email"])]),
            "3": payload(accounts=[("a2", ["Account_Name"])]),
            "4": None,
        }
    )
    leads = pd.DataFrame(
        {
            "id": pd.array(["1", "2", "3", "4"], dtype="string"),
            "Created_Time": pd.to_datetime(
                ["2024-01-05", "2024-02-05", "2024-02-20", "2024-03-01"], utc=True
            ),
        }
    )
    return leads, f.options, f.matches


def test_field_rates_bars_are_stacked_by_module() -> None:
    _, options, matches = _frames()
    fig = plot_field_rates(rate_table(options, matches), how="any")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] in ("Email", "Account_Name")  # tallest first
    heights = {
        (c.get_label(), labels[round(p.get_x() + p.get_width() / 2)]): p.get_height()
        for c in ax.containers
        for p in c.patches
    }
    assert heights[("Contacts", "Email")] == 0.5 and heights[("Accounts", "Account_Name")] == 0.5
    assert heights[("Contacts", "Phone")] == 0.25
    fig.savefig(io.BytesIO(), format="png")


def test_trend_has_one_point_per_month_and_overall_line() -> None:
    leads, options, matches = _frames()
    fig = plot_trend(leads, options, matches, freq="M")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024-01", "2024-02", "2024-03"]
    overall = next(line for line in ax.get_lines() if line.get_label() == "overall")
    assert list(overall.get_ydata()) == [1.0, 1.0, 0.0]
    fig.savefig(io.BytesIO(), format="png")


def test_overlap_matrix_annotated() -> None:
    _, _, matches = _frames()
    overlaps = field_overlaps(matches)
    fig = plot_overlaps(overlaps)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == overlaps.size and "2" in texts
    shares = plot_overlaps(field_overlaps(matches, normalize=True))
    assert "100%" in [t.get_text() for t in shares.axes[0].texts]
    assert np.allclose(np.diag(field_overlaps(matches, normalize=True).to_numpy()), 1.0)
    fig.savefig(io.BytesIO(), format="png")


def _overlaps(fig: Figure, artist_box: object) -> bool:
    ax_box = fig.axes[0].get_window_extent()
    return bool(ax_box.overlaps(artist_box))


def test_legends_sit_beside_the_plot_not_over_it() -> None:
    leads, options, matches = _frames()
    for fig in (
        plot_trend(leads, options, matches, freq="M"),
        plot_field_rates(rate_table(options, matches), how="first"),
    ):
        fig.draw_without_rendering()
        legend = fig.axes[0].get_legend()
        assert legend is not None
        assert not _overlaps(fig, legend.get_window_extent())


def test_field_rate_bars_have_headroom_for_their_labels() -> None:
    _, options, matches = _frames()
    table = rate_table(options, matches)
    fig = plot_field_rates(table, how="first")
    ax = fig.axes[0]
    tallest = max(p.get_y() + p.get_height() for c in ax.containers for p in c.patches)
    assert ax.get_ylim()[1] > tallest * 1.1
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(f"{v:.1%}" for v in table.groupby("field")["rate_first"].sum())
