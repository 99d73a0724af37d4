"""The Convert Lead option controls: one group for the selection's defaults, one per lead.

Each control offers only what Zoho would accept (`ConsoleModel.offer`); the reasons for what is
not offered are shown next to the controls (`why`). Per lead, each flag can say "as the default"
so the selection's default applies; the selection's group sets the default itself. Handlers are
one line (`apply`), which reads every control into the model and asks the console to redraw.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import ipywidgets as w

from crmkit.widgets.console_model import ConsoleError, ConsoleModel
from crmkit.widgets.console_options import Offer

__all__ = ["DEFAULT", "OptionControls"]

DEFAULT = ""  # "as the selection's default" in a lead's controls; Zoho's default in the defaults
_FLAGS = (
    ("overwrite", "Overwrite"),
    ("notify_lead_owner", "Notify lead owner"),
    ("notify_new_entity_owner", "Notify new owner"),
)


def _flag_options(per_lead: bool) -> list[tuple[str, str]]:
    first = "as the selection's default" if per_lead else "Zoho's default (no)"
    return [(first, DEFAULT), ("yes", "yes"), ("no", "no")]


class OptionControls:
    """The option widgets for `lead_id` (one lead) or None (the selection's defaults)."""

    def __init__(
        self, model: ConsoleModel, lead_id: str | None, on_change: Callable[[], None]
    ) -> None:
        self.model = model
        self.lead_id = lead_id
        self.on_change = on_change
        self._drawing = False
        per_lead = lead_id is not None
        style = {"description_width": "initial"}
        flags = (*_FLAGS, ("deal", "Deal")) if per_lead else _FLAGS  # the form's box: defaults
        self.flags = {
            name: w.Dropdown(options=_flag_options(per_lead), description=label, style=style)
            for name, label in flags
        }
        if per_lead:
            self.flags["deal"].tooltip = "yes: a Deal from the Deal form below; no: no Deal"
        wide = w.Layout(width="360px")
        self.owner = w.Dropdown(description="Owner of the new records", style=style, layout=wide)
        self.attachments = w.Dropdown(description="Attachments go to", style=style, layout=wide)
        self.tag_modules = w.SelectMultiple(description="Carry tags to", rows=3, style=style)
        self.tags = w.SelectMultiple(description="Tags", rows=3, style=style)
        self.merge_policy = w.Text(
            description="Merge policy",
            placeholder="Contacts=fill_blanks;Accounts=keep;Contacts.Phone=prefer_lead",
            continuous_update=False,
            style=style,
            layout=w.Layout(width="560px"),
            tooltip="zoho (Zoho's mapping decides), keep, fill_blanks or prefer_lead, per module "
            "(Contacts=…) or field (Contacts.Phone=…); empty: "
            + ("the selection's" if per_lead else "Zoho's mapping"),
        )
        self.error = w.HTML()
        self.why = w.HTML()
        controls = (*self.flags.values(), self.owner, self.attachments, self.tag_modules)
        for control in (*controls, self.merge_policy):
            control.observe(lambda _change: self.apply(), names="value")
        self.tags.observe(lambda _change: self.apply(), names="value")
        parts: list[w.Widget] = [
            w.HBox(list(self.flags.values())),
            w.HBox([self.owner, self.attachments]),
            w.HBox([self.tag_modules, self.tags] if per_lead else [self.tag_modules]),
            self.merge_policy,
            self.error,
            self.why,
        ]
        self.widget = w.VBox(parts)
        self.widget.add_class("crmkit-options" if per_lead else "crmkit-default-options")
        self.draw()

    # ------------------------------------------------------------------ what is offered
    def _offer(self) -> Offer:
        """One lead's offer, or for the defaults what every selected lead is offered."""
        if self.lead_id is not None:
            return self.model.offer(self.lead_id)
        offers = [self.model.offer(i) for i in self.model.selected]
        modules = ("Contacts", "Accounts", "Deals")
        why: dict[str, str] = {}
        if not self.model.deal.enabled:
            why["Deals"] = "no Deal is made (turn the Deal form on to offer Deals)"
        # A default applies to each lead where Zoho takes it and is left out for the others.
        for lead_id, o in zip(self.model.selected, offers, strict=True):
            for key, reason in o.why_not.items():
                if key not in ("tags", "overwrite", "Deals"):
                    why.setdefault(key, f"lead {lead_id}: {reason} (left out for that lead)")
        targets: tuple[str, ...] = tuple(
            t
            for t in modules
            if (t != "Deals" or self.model.deal.enabled)
            and (not offers or any(t in o.attachment_targets for o in offers))
        )
        merging = not offers or any(o.overwrite for o in offers)
        if not merging:
            why["overwrite"] = "no selected lead merges into an existing record"
        return Offer(targets, targets, (), tuple(self.model.users()), merging, why)

    def _values(self) -> dict[str, Any]:
        """The values the controls show: the defaults, or the lead's own (absent = default)."""
        if self.lead_id is None:
            return asdict(self.model.defaults)
        return self.model.own_options(self.lead_id)

    def draw(self) -> None:
        """Set every control from the model (without triggering `apply`)."""
        self._drawing = True
        try:
            offered = self._offer()
            values = self._values()
            per_lead = self.lead_id is not None
            for name, control in self.flags.items():
                value = values.get(name)
                control.value = DEFAULT if value is None else ("yes" if value else "no")
            self.flags["overwrite"].disabled = not offered.overwrite
            if "deal" in self.flags:
                self.flags["deal"].disabled = self.model.deal_unavailable() is not None
            self.flags["overwrite"].tooltip = offered.why_not.get("overwrite", "")
            first = (
                "as the selection's default" if per_lead else "the lead's owner (Zoho's default)"
            )
            self.owner.options = [(first, DEFAULT), *offered.users]
            ids = {i for _, i in offered.users}
            self.owner.value = (
                values.get("assign_to") if values.get("assign_to") in ids else DEFAULT
            )
            self.owner.disabled = not offered.users
            self.owner.tooltip = offered.why_not.get("assign_to", "")
            first = "as the selection's default" if per_lead else "Contacts (Zoho's default)"
            self.attachments.options = [(first, DEFAULT)] + [
                (t, t) for t in offered.attachment_targets
            ]
            keep = values.get("move_attachments_to")
            self.attachments.value = keep if keep in offered.attachment_targets else DEFAULT
            self.tag_modules.options = list(offered.tag_modules)
            chosen_modules = values.get("tag_modules") or ()
            self.tag_modules.value = tuple(m for m in chosen_modules if m in offered.tag_modules)
            self.tag_modules.disabled = not offered.tag_modules
            self.tags.options = list(offered.tags)
            own_tags = values.get("tags")
            chosen = offered.tags if own_tags is None else own_tags
            self.tags.value = tuple(t for t in chosen if t in offered.tags)
            self.tags.disabled = not offered.tags
            if not self.error.value:  # a text the model refused stays as typed, with why
                self.merge_policy.value = values.get("merge_policy") or ""
            self.merge_policy.disabled = "merge_policy" in offered.why_not
            self.why.value = "".join(
                f'<div class="crmkit-why-not">{html.escape(k)}: {html.escape(v)}</div>'
                for k, v in offered.why_not.items()
            )
        finally:
            self._drawing = False

    # ------------------------------------------------------------------ the one handler
    def apply(self) -> None:
        """A control changed: copy the controls into the model, then redraw the console."""
        if self._drawing:
            return
        values: dict[str, Any] = {
            name: None if c.value == DEFAULT else c.value == "yes" for name, c in self.flags.items()
        }
        values["assign_to"] = self.owner.value or None
        values["move_attachments_to"] = self.attachments.value or None
        values["tag_modules"] = tuple(self.tag_modules.value)
        values["merge_policy"] = str(self.merge_policy.value).strip() or None
        try:
            self._set(values)
        except ConsoleError as exc:
            self.error.value = f'<div style="color:#b3261e">{html.escape(str(exc))}</div>'
            return
        self.error.value = ""
        self.on_change()

    def _set(self, values: dict[str, Any]) -> None:
        if self.lead_id is None:
            self.model.set_defaults(**values)
        else:
            own = tuple(self.tags.value)
            values["tags"] = None if set(own) == set(self.tags.options) else own
            # no module picked for this lead: the selection's default applies
            values["tag_modules"] = values["tag_modules"] or None
            self.model.set_lead_options(self.lead_id, **values)
