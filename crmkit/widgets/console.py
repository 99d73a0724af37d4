"""The conversion console: ipywidgets over a `ConsoleModel` (all logic lives in the model).

    console = ConversionConsole.load(client)   # or ConversionConsole(ConsoleModel.load(...))
    console                                     # displays in Jupyter / Voila

Layout: the browse bar (search, filters, pages, counts: `console_browse_view`); the leads table
(itables `ITable`, one page of the model, multi-row selection, `maxBytes=0`); for each selected
lead a dropdown of what converting it does, its own Convert Lead options (`console_option_view`)
and the validator's messages inline; the selection's default options; the Deal form from the
Deals layout (`console_deal_view`); the estimate; the Convert button (disabled while running or
while validation refuses a lead); a progress bar; the results table. Each handler is one line
calling a method here, and each method calls the model and redraws, so everything is exercised
headless by setting widget values.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from crmkit.api.errors import CRMError
from crmkit.errors import CrmkitError
from crmkit.widgets.console_browse_view import BrowseBar
from crmkit.widgets.console_deal_view import DealView
from crmkit.widgets.console_header import OrgHeader
from crmkit.widgets.console_merge import diff_html
from crmkit.widgets.console_model import ConsoleError, ConsoleModel
from crmkit.widgets.console_option_view import OptionControls

if TYPE_CHECKING:
    from crmkit.api.client import CRMClient

__all__ = ["ConversionConsole", "convert_console"]

_COLORS = {"error": "#b3261e", "warning": "#8a5a00", "ok": "#1e6b34"}
_TABLE_OPTIONS: dict[str, Any] = {
    "maxBytes": 0,
    "select": {"style": "multi"},
    "classes": "display compact",
    "paging": False,  # the model pages (through every open lead), the table shows one page
}
_RESULT_COLUMNS = ["lead_id", "name", "outcome", "contact_id", "account_id", "deal_id", "code"]


def _line(text: str, kind: str) -> str:
    return f'<div style="color:{_COLORS[kind]}">{html.escape(text)}</div>'


class ConversionConsole:
    """Widgets for one `ConsoleModel`; `widget` is the whole console."""

    def __init__(self, model: ConsoleModel) -> None:
        self.model = model
        self.org_header = OrgHeader.for_client(model.client)  # the org, rehearsal or real
        self.header = w.HTML(self._header())
        self.browse = BrowseBar(model, self.show_table)
        self.table = ITable(model.table(), selected_rows=[], **_TABLE_OPTIONS)
        self.table.observe(lambda change: self.select(change["new"]), names="selected_rows")
        self.general = w.HTML()
        self.choices = w.VBox()
        self.choices.add_class("crmkit-choices")
        self.dropdowns: dict[str, w.Dropdown] = {}
        self.lead_messages: dict[str, w.HTML] = {}
        self.lead_options: dict[str, OptionControls] = {}
        self.diffs: dict[str, w.HTML] = {}  # per selected lead: what its merge does to fields
        self.defaults = OptionControls(model, None, self.refresh)
        self.per_lead = w.Accordion()
        self.per_lead.add_class("crmkit-lead-options")

        self.deal = DealView(model)
        self.deal_enabled = self.deal.enabled
        self.deal_name = self.deal.name
        self.deal_closing = self.deal.closing
        self.deal_pipeline = self.deal.pipeline
        self.deal_stage = self.deal.stage
        self.deal_amount = self.deal.amount
        self.deal_role = self.deal.role
        self.deal_fields = self.deal.fields
        for field in self.deal.controls():
            field.observe(lambda _change: self.edit_deal(), names="value")

        self.estimate = w.HTML()
        self.convert_button = w.Button(
            description="Convert",
            button_style="danger",
            icon="check",
            tooltip="Convert the selected leads (cannot be undone in Zoho)",
            disabled=True,
        )
        self.convert_button.on_click(lambda _button: self.click_convert())
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Progress")
        self.status = w.HTML()
        self.results = ITable(self._results_frame(), maxBytes=0)
        self.results_box = w.VBox(
            [w.HTML("<h4>Results</h4>"), self.results], layout=w.Layout(display="none")
        )
        self.results_box.add_class("crmkit-results")
        self.widget = w.VBox(
            [
                self.org_header.widget,
                self.header,
                self.browse.widget,
                self.table,
                w.HTML("<h4>What converting each selected lead does</h4>"),
                self.general,
                self.choices,
                w.HTML("<h4>Options for the selection (a lead's own options win)</h4>"),
                self.defaults.widget,
                self.per_lead,
                self.deal_enabled,
                self.deal_fields,
                self.estimate,
                w.HBox([self.convert_button, self.progress]),
                self.status,
                self.results_box,
            ]
        )
        self.widget.add_class("crmkit-console")
        self.refresh()

    @classmethod
    def load(cls, client: CRMClient, **kwargs: Any) -> ConversionConsole:
        """Load leads and their conversion options (`ConsoleModel.load` arguments) and build."""
        return cls(ConsoleModel.load(client, **kwargs))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _header(self) -> str:
        m = self.model
        return (
            f"<b>{len(m.lead_ids)} leads</b> from {html.escape(m.client.description)}. "
            "Select leads in the table, choose below what converting each one does, check the "
            f"messages and the estimate, then Convert. Journal: <code>"
            f"{html.escape(str(m.journal_path))}</code>"
        )

    # ------------------------------------------------------------------ actions (handlers call)
    def show_table(self) -> None:
        """The filter or page changed: show the model's page, the selection kept."""
        page = self.model.page_ids()
        rows = [page.index(i) for i in self.model.selected if i in page]
        self.table.update(self.model.table(), selected_rows=rows)
        self.browse.draw()
        self.refresh()

    def select(self, rows: Sequence[int]) -> None:
        """The table selection changed: leads picked on other pages stay selected."""
        page = self.model.page_ids()
        others = [i for i in self.model.selected if i not in page]
        picked = [page[int(r)] for r in rows if 0 <= int(r) < len(page)]
        self.model.select_ids(others + picked)
        self._build_choices()
        self.refresh()

    def choose(self, lead_id: str, key: str) -> None:
        """A lead's dropdown changed."""
        self.model.set_choice(lead_id, key)
        self.refresh()

    def edit_deal(self) -> None:
        """A field of the Deal form changed: copy the form into the model."""
        self.model.set_deal(**self.deal.read())
        self.refresh()

    def click_convert(self) -> None:
        """The button was clicked: a click that arrives while it is disabled (queued during a
        run, a double click) is ignored, so it cannot start a second run."""
        if not self.convert_button.disabled:
            self.convert()

    def convert(self) -> None:
        """Convert the selection; the button stays disabled until the run is over."""
        self.convert_button.disabled = True
        self.progress.value = 0
        self.progress.max = max(1, len(self.model.selected))
        self.status.value = _line("Converting… (every request is journaled first)", "warning")
        try:
            report = self.model.convert(progress=self._progress)
        except (ConsoleError, CRMError, OSError) as exc:
            self.status.value = _line(f"Not converted: {exc}", "error")
        else:
            kind = "ok" if report.counts.get("converted", 0) == len(report.results) else "warning"
            self.status.value = _line(report.message, kind)
            self.results.update(self._results_frame())
            self.results_box.layout.display = "flex"
            self.model.select_ids([])
            self.table.update(self.model.table(), selected_rows=[])
            self._build_choices()
        self.refresh()

    def _results_frame(self) -> pd.DataFrame:
        return self.model.results_table()[_RESULT_COLUMNS].fillna("")

    def _progress(self, done: int, total: int) -> None:
        self.progress.max = max(1, total)
        self.progress.value = done
        self.progress.description = f"{done}/{total}"

    # ------------------------------------------------------------------ drawing
    def _build_choices(self) -> None:
        rows: list[w.Widget] = []
        self.dropdowns = {}
        self.lead_messages = {}
        self.lead_options = {}
        self.diffs = {}
        for lead_id in self.model.selected:
            title = _title(self.model, lead_id)
            dropdown = w.Dropdown(
                options=self.model.choices(lead_id),
                value=self.model.choice(lead_id),
                layout=w.Layout(width="60%"),
                disabled=self.model.is_converted(lead_id),
            )
            dropdown.observe(
                lambda change, lead=lead_id: self.choose(lead, change["new"]), names="value"
            )
            messages = w.HTML()
            mates = w.HTML(_mates_html(self.model, lead_id))
            self.diffs[lead_id] = w.HTML()
            self.dropdowns[lead_id] = dropdown
            self.lead_messages[lead_id] = messages
            self.lead_options[lead_id] = OptionControls(self.model, lead_id, self.refresh)
            head = w.HTML(f"<b>{html.escape(title)}</b>", layout=w.Layout(width="35%"))
            rows.append(w.VBox([w.HBox([head, dropdown]), mates, messages, self.diffs[lead_id]]))
        self.choices.children = tuple(rows)
        # Each lead's own options, folded (one panel per lead, titled by the lead), apart from
        # the choices so the choice dropdowns stay the only selects of `.crmkit-choices`.
        self.per_lead.children = tuple(c.widget for c in self.lead_options.values())
        self.per_lead.titles = tuple(
            f"Options for {_title(self.model, i)}" for i in self.lead_options
        )
        self.per_lead.selected_index = None

    def refresh(self) -> None:
        """Redraw messages, options, estimate and the button from the model."""
        m = self.model
        general = m.general_messages()
        self.general.value = "".join(_line(t, "warning") for t in general)
        messages = m.messages()
        statuses = m.statuses(messages)
        for lead_id, box in self.lead_messages.items():
            lines = messages.get(lead_id, [])
            parts = []
            if m.is_converted(lead_id):
                parts.append(_line("Converted: nothing more can be sent for this lead.", "ok"))
            parts += [_line(f"Not offered: {why}", "warning") for _, why in m.not_offered(lead_id)]
            parts += _dropped_lines(m, lead_id)
            parts += [_line(t, "error" if t.startswith("error") else "warning") for t in lines]
            if not lines:
                parts.append(_line(statuses.get(lead_id, ""), "ok"))
            box.value = "".join(parts)
        wanted = m.deal.enabled or any(m.wants_deal(i) for i in m.selected)
        self.deal_fields.layout.display = "flex" if wanted else "none"
        self.defaults.draw()
        for controls in self.lead_options.values():
            controls.draw()
        for lead_id, box in self.diffs.items():
            box.value = _diffs_html(m, lead_id)
        estimate = ""
        if m.selected and not general:
            try:
                estimate = f"<b>Estimate:</b> {html.escape(str(m.estimate()))}"
            except (ConsoleError, CRMError) as exc:
                estimate = _line(f"No estimate: {exc}", "warning")
        self.estimate.value = estimate
        self.convert_button.disabled = not m.can_convert


def _diffs_html(model: ConsoleModel, lead_id: str) -> str:
    """The lead's field diffs (nothing for a converted lead or one that merges into nothing)."""
    if model.is_converted(lead_id) or model.choice(lead_id) == "new":
        return ""
    try:
        return diff_html(model.field_diffs(lead_id))
    except (ConsoleError, CRMError) as exc:
        return _line(f"No field diffs: {exc}", "warning")


def _dropped_lines(model: ConsoleModel, lead_id: str) -> list[str]:
    """A warning naming the lead's values no conversion mapping carries (lost on converting)."""
    if model.is_converted(lead_id):
        return []
    try:
        dropped = model.dropped_fields(lead_id)
    except CrmkitError as exc:  # the mapping unreadable: say so, the rest still works
        return [_line(f"Fields a conversion would drop: unknown ({exc})", "warning")]
    if not dropped:
        return []
    names = ", ".join(dropped)
    return [
        _line(
            f"Fields a conversion would drop: {names} (no conversion mapping carries them; map "
            "them in the Leads layout's conversion mapping, or accept the loss)",
            "warning",
        )
    ]


def _title(model: ConsoleModel, lead_id: str) -> str:
    lead = model.records[lead_id]
    return " · ".join(str(v) for v in (lead.get("Full_Name"), lead.get("Company"), lead_id) if v)


def _mates_html(model: ConsoleModel, lead_id: str) -> str:
    """The lead's cluster mates among the listed leads, and the chained choice proposed."""
    mates = model.cluster_mates(lead_id)
    if not mates:
        return ""
    items = "".join(
        f"<li>{html.escape(m.tier)} {html.escape(m.kind)}: lead {html.escape(m.lead_id)} "
        f"({html.escape(m.name)}){' — anchor' if m.is_anchor else ''}: {html.escape(m.reason)}</li>"
        for m in mates
    )
    proposals = "".join(_line(t, "ok") for t in model.chained_choice(lead_id))
    return f"<div>Other open leads in this batch:<ul>{items}</ul>{proposals}</div>"


def convert_console(client: CRMClient, **kwargs: Any) -> ConversionConsole:
    """Shortcut for `ConversionConsole.load(client, **kwargs)`."""
    return ConversionConsole.load(client, **kwargs)
