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

from crmkit.neardup_summary import DEFINITION
from crmkit.widgets.explorer_model import DEFAULT_EXPORT, ExplorerModel
from crmkit.wording import plural

__all__ = ["DuplicateExplorer", "explore"]

# The dropdown value meaning "no restriction". Not None: a Dropdown whose value is None shows
# no selection (a blank box) instead of the "All" option.
_ALL = "\x00all"
# Every row goes to the page: itables downsamples a table above `maxBytes` (64KB by default)
# unless told 0, and `ITable.update` falls back to that default when it is not passed again.
_TABLE_ARGS: dict[str, Any] = {"maxBytes": 0}
# Descriptions as wide as their text ("Created from"), not cut at ipywidgets' default width.
_LABEL_STYLE = {"description_width": "initial"}


def _widget_value(value: Any) -> Any:
    return _ALL if value is None else value


def _model_value(value: Any) -> Any:
    return None if value == _ALL else value


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
            style=_LABEL_STYLE,
        )
        self.owner = w.Dropdown(
            options=[("All", _ALL), *[(o, o) for o in model.owners()]],
            value=_ALL,
            description="Owner",
            style=_LABEL_STYLE,
        )
        self.created_from = w.DatePicker(description="Created from", value=None, style=_LABEL_STYLE)
        self.created_to = w.DatePicker(description="to", value=None, style=_LABEL_STYLE)
        if first is not None:
            self.created_from.min = self.created_to.min = first
            self.created_to.max = self.created_from.max = last
        self.module = w.ToggleButtons(
            options=[("Any module", "any"), ("Contacts", "Contacts"), ("Accounts", "Accounts")],
            value=model.filters.module,
            description="Module",
            style=_LABEL_STYLE,
        )
        self.attribution = w.ToggleButtons(
            options=[("Any field", "any"), ("First field", "first")],
            value=model.filters.attribution,
            description="Attribution",
            style=_LABEL_STYLE,
            tooltips=[
                "A lead counts under every field that matched it",
                "A lead counts once, under the first field in Zoho's order (bars add up)",
            ],
        )
        self.source = w.ToggleButtons(
            options=[(label, key) for key, label in model.sources.items()],
            value=model.filters.source,
            description="Source",
            style=_LABEL_STYLE,
        )
        self.bar = w.Dropdown(
            description="Show leads", layout=w.Layout(width="480px"), style=_LABEL_STYLE
        )
        self.summary = w.HTML()
        self.definition = w.HTML()
        self.message = w.HTML()
        self.chart = w.Image(format="png")
        self.table = ITable(
            model.display_table(), caption="Leads", classes="display compact", **_TABLE_ARGS
        )
        self.export_path = w.Text(
            value=str(DEFAULT_EXPORT),
            description="CSV file",
            style=_LABEL_STYLE,
            layout=w.Layout(width="420px"),
        )
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
                self.definition,
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
        name = self._filter_names[change["owner"]]
        self.show(self.model.update(**{name: _model_value(change["new"])}))

    def _on_bar(self, change: Any) -> None:
        self.show(self.model.choose(_model_value(change["new"])))

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
            (f"{label} — {plural(int(n), 'lead')} ({float(rate):.1%})", label)
            for label, n, rate in zip(rates["label"], rates["leads"], rates["rate"], strict=True)
        ]
        with self._quiet():
            self.bar.options = options
            self.bar.value = _widget_value(self.model.selected)
            for widget, name in self._filter_names.items():
                value = getattr(self.model.filters, name)
                widget.value = _widget_value(value) if isinstance(widget, w.Dropdown) else value
        self.summary.value = f"<b>{html.escape(self.model.summary())}</b>"
        near = self.model.filters.source == "near"
        self.definition.value = (
            f"<small>Near-duplicates: {html.escape(DEFINITION)}.</small>" if near else ""
        )
        self.chart.value = _png(self.model)
        caption = self.model.selected or "All filtered leads"
        self.table.update(
            self.model.display_table(), caption=caption, selected_rows=[], **_TABLE_ARGS
        )
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
