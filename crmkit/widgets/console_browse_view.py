"""The console's browse bar: search, filters, the page buttons and the counts line.

Every handler is one line calling a method here; each method changes the model's filter or page
and asks the console to redraw the table (`on_change`), so all of it runs headless in tests.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from crmkit.widgets.console_browse import ANY, MATCHED, NOT_MATCHED
from crmkit.widgets.console_model import ConsoleModel

__all__ = ["BrowseBar"]

_ALL = ""


class BrowseBar:
    """Search text, the filter dropdowns, previous/next page, and what is shown."""

    def __init__(self, model: ConsoleModel, on_change: Callable[[], None]) -> None:
        self.model = model
        self.on_change = on_change
        style = {"description_width": "initial"}
        self.search = w.Text(
            description="Search",
            placeholder="name, email or company",
            continuous_update=False,
            style=style,
        )
        self.matched = w.Dropdown(
            options=[("All", ANY), ("Matched", MATCHED), ("Not matched", NOT_MATCHED)],
            description="Zoho finds",
            style=style,
        )
        self.field = w.Dropdown(description="Matching field", style=style)
        self.module = w.Dropdown(
            options=[("All", _ALL), ("Contacts", "Contacts"), ("Accounts", "Accounts")],
            description="Matches in",
            style=style,
        )
        self.owner = w.Dropdown(
            options=[("All", _ALL), *model.owners()], description="Owner", style=style
        )
        self.source = w.Dropdown(
            options=[("All", _ALL), *((s, s) for s in model.sources())],
            description="Lead source",
            style=style,
        )
        self.previous = w.Button(description="Previous page", icon="chevron-left")
        self.next = w.Button(description="Next page", icon="chevron-right")
        self.ask = w.Button(description="Ask Zoho", icon="search")
        self.counts = w.HTML()
        self.counts.add_class("crmkit-counts")
        for control in (self.search, self.matched, self.field, self.module, self.owner):
            control.observe(lambda _change: self.apply(), names="value")
        self.source.observe(lambda _change: self.apply(), names="value")
        self.previous.on_click(lambda _button: self.go(-1))
        self.next.on_click(lambda _button: self.go(+1))
        self.ask.on_click(lambda _button: self.ask_unasked())
        self.widget = w.VBox(
            [
                w.HBox([self.search, self.owner, self.source]),
                w.HBox([self.matched, self.module, self.field]),
                w.HBox([self.previous, self.next, self.ask, self.counts]),
            ]
        )
        self.widget.add_class("crmkit-browse")
        self._drawing = False
        self.draw()

    def apply(self) -> None:
        """A search or filter changed: set the model's filter (back to page 1) and redraw."""
        if self._drawing:
            return
        self.model.set_filter(
            search=str(self.search.value),
            matched=self.matched.value,
            field=self.field.value or None,
            module=self.module.value or None,
            owner=self.owner.value or None,
            source=self.source.value or None,
        )
        self.on_change()

    def go(self, step: int) -> None:
        """Previous (-1) or next (+1) page."""
        self.model.show_page(self.model.page + step)
        self.on_change()

    def ask_unasked(self) -> None:
        """Ask Zoho the options of the filtered leads not asked yet (one call each)."""
        self.model.ask_options(self.model.unasked())
        self.on_change()

    def draw(self) -> None:
        """The counts line, the page buttons and the matching fields known so far."""
        self._drawing = True
        try:
            fields = [("All", _ALL), *((f, f) for f in self.model.matching_fields())]
            if list(self.field.options) != fields:
                keep = self.field.value if self.field.value in dict(fields).values() else _ALL
                self.field.options = fields
                self.field.value = keep
            counts = self.model.counts()
            self.counts.value = counts.sentence()
            self.previous.disabled = counts.page == 0
            self.next.disabled = counts.page + 1 >= counts.pages
            unasked = len(self.model.unasked()) if self.model.filter.needs_options else 0
            self.ask.disabled = unasked == 0
            self.ask.description = (
                f"Ask Zoho for {unasked:,} more (1 call each)" if unasked else "Ask Zoho"
            )
            self.ask.tooltip = (
                "Ask Zoho's Lead Conversion Options of the filtered leads not asked yet"
                if unasked
                else "Every filtered lead's conversion options are known"
            )
        finally:
            self._drawing = False
