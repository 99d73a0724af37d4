"""The duplicate explorer: filters, a chart of rates by matching field, and the leads behind a bar.

A view only: every handler is one line calling `ExplorerModel` (crmkit.widgets.explorer_model),
then `show()` copies the model's state into the widgets. The chart is a PNG in an `Image` widget,
so it renders in JupyterLab, Voila and a static export alike.
"""

from __future__ import annotations

import contextlib
import html
import io
from collections.abc import Iterator
from typing import Any

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from crmkit.widgets.explorer_model import ExplorerModel

__all__ = ["DuplicateExplorer", "explore"]

_ALL: Any = None  # the dropdown value meaning "no restriction"


def _png(model: ExplorerModel) -> bytes:
    buffer = io.BytesIO()
    model.figure().savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


class DuplicateExplorer:
    """Widgets over an `ExplorerModel`; display it (or `.widget`) in a notebook."""

    def __init__(self, model: ExplorerModel) -> None:
        self.model = model
        first, last = model.date_bounds()
        self.lead_source = w.Dropdown(
            options=[("All", _ALL), *[(s, s) for s in model.lead_sources()]],
            value=_ALL,
            description="Lead source",
        )
        self.owner = w.Dropdown(
            options=[("All", _ALL), *[(o, o) for o in model.owners()]],
            value=_ALL,
            description="Owner",
        )
        self.created_from = w.DatePicker(description="Created from", value=None)
        self.created_to = w.DatePicker(description="to", value=None)
        if first is not None:
            self.created_from.min = self.created_to.min = first
            self.created_to.max = self.created_from.max = last
        self.module = w.ToggleButtons(
            options=[("Any module", "any"), ("Contacts", "Contacts"), ("Accounts", "Accounts")],
            value=model.filters.module,
            description="Module",
        )
        self.attribution = w.ToggleButtons(
            options=[("Any field", "any"), ("First field", "first")],
            value=model.filters.attribution,
            description="Attribution",
            tooltips=[
                "A lead counts under every field that matched it",
                "A lead counts once, under the first field in Zoho's order (bars add up)",
            ],
        )
        self.source = w.ToggleButtons(
            options=[(label, key) for key, label in model.sources.items()],
            value=model.filters.source,
            description="Source",
        )
        self.bar = w.Dropdown(description="Show leads", layout=w.Layout(width="420px"))
        self.summary = w.HTML()
        self.message = w.HTML()
        self.chart = w.Image(format="png")
        self.table = ITable(
            model.display_table(), maxBytes=0, caption="Leads", classes="display compact"
        )
        self.export_path = w.Text(value="duplicates.csv", description="CSV file")
        self.export_button = w.Button(description="Export CSV", icon="download")
        self.export_status = w.HTML()
        self.open_leads = w.HTML()

        self._filter_names: dict[Any, str] = {
            self.lead_source: "lead_source",
            self.owner: "owner",
            self.created_from: "created_from",
            self.created_to: "created_to",
            self.module: "module",
            self.attribution: "attribution",
            self.source: "source",
        }
        for widget in self._filter_names:
            widget.observe(self._on_filter, names="value")
        self.bar.observe(self._on_bar, names="value")
        self.export_button.on_click(self._on_export)

        self.widget = w.VBox(
            [
                w.HBox([self.lead_source, self.owner]),
                w.HBox([self.created_from, self.created_to]),
                self.module,
                self.attribution,
                self.source,
                self.message,
                self.summary,
                self.chart,
                self.bar,
                self.table,
                w.HBox([self.export_path, self.export_button]),
                self.export_status,
                self.open_leads,
            ]
        )
        self.show()

    # handlers: one line each, the logic is the model's
    def _on_filter(self, change: Any) -> None:
        self.show(self.model.update(**{self._filter_names[change["owner"]]: change["new"]}))

    def _on_bar(self, change: Any) -> None:
        self.show(self.model.choose(change["new"]))

    def _on_export(self, _button: Any) -> None:
        self.export_status.value = self.model.export(self.export_path.value)

    # ------------------------------------------------------------------------------------------
    def show(self, message: str | None = None) -> None:
        """Copy the model's state into the widgets (message: a problem with the last change)."""
        self.message.value = (
            f"<span style='color:#b00020'>{html.escape(message)}</span>" if message else ""
        )
        rates = self.model.rates()
        options = [("All filtered leads", _ALL)] + [
            (f"{label} — {int(n):,} leads", label)
            for label, n in zip(rates["label"], rates["leads"], strict=True)
        ]
        with self._quiet():
            self.bar.options = options
            self.bar.value = self.model.selected
            for widget, name in self._filter_names.items():
                widget.value = getattr(self.model.filters, name)
        self.summary.value = f"<b>{html.escape(self.model.summary())}</b>"
        self.chart.value = _png(self.model)
        caption = self.model.selected or "All filtered leads"
        self.table.update(self.model.display_table(), caption=caption, selected_rows=[])
        self.open_leads.value = _open_leads_html(self.model)

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        """Set widget values from the model without re-entering the handlers."""
        self.bar.unobserve(self._on_bar, names="value")
        for widget in self._filter_names:
            widget.unobserve(self._on_filter, names="value")
        try:
            yield
        finally:
            self.bar.observe(self._on_bar, names="value")
            for widget in self._filter_names:
                widget.observe(self._on_filter, names="value")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def table_frame(self) -> pd.DataFrame:
        """The frame the table currently shows."""
        frame = self.table.df
        assert isinstance(frame, pd.DataFrame)
        return frame


def _open_leads_html(model: ExplorerModel) -> str:
    """ "Among open leads": the filtered leads duplicating another open lead, and why it matters."""
    table = model.open_leads_table()
    shown = table.assign(share=table["share"].map(lambda v: "" if pd.isna(v) else f"{v:.1%}"))
    body = shown.to_html(index=False, escape=True, border=0) if not table.empty else ""
    note = html.escape(model.open_leads_note())
    return f"<h4>Among open leads</h4><p>{note}</p>{body}"


def explore(
    snapshot: Any,
    *,
    predicted: Any = None,
    near_duplicates: pd.DataFrame | None = None,
    derive: bool = True,
) -> DuplicateExplorer:
    """Open the duplicate explorer on a snapshot (directory, snapshot object or frames).

    A snapshot that keeps the org's Contacts and Accounts also shows crmkit's prediction and
    near-duplicates without passing them (`derive=False` turns that off)."""
    model = ExplorerModel.from_snapshot(
        snapshot, predicted=predicted, near_duplicates=near_duplicates, derive=derive
    )
    return DuplicateExplorer(model)
