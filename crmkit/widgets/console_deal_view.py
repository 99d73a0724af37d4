"""The Deal form's widgets, one per field of the org's Deals layout (`ConsoleModel.deal_layout`).

Mandatory fields carry a `*`; Stage offers the chosen Pipeline's stages only; Contact Role the
org's roles by name; a layout field no plan column carries is shown disabled with the reason.
`read()` gives the values `ConsoleModel.set_deal` takes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import ipywidgets as w

from crmkit.widgets.console_model import ConsoleModel

__all__ = ["DealView"]

_STYLE = {"description_width": "initial"}


class DealView:
    """The Deal checkbox and the form's field widgets (`widgets`: in the layout's order)."""

    def __init__(self, model: ConsoleModel) -> None:
        self.model = model
        why = model.deal_unavailable()
        self.enabled = w.Checkbox(
            value=False,
            description="Create a Deal with each lead" + (f" ({why})" if why else ""),
            disabled=why is not None,
            tooltip=why or "",
        )
        marks = {f.api_name: " *" if f.mandatory else "" for f in model.deal_layout}
        self.name = w.Text(
            value=model.deal.name, description="Deal name" + marks.get("Deal_Name", "")
        )
        self.name.tooltip = "May use {Company}, {Full_Name}, {First_Name}, {Last_Name}, {Email}"
        self.closing = w.DatePicker(description="Closing date" + marks.get("Closing_Date", ""))
        self.pipeline = w.Dropdown(
            options=["", *model.pipelines()], description="Pipeline" + marks.get("Pipeline", "")
        )
        self.stage = w.Dropdown(
            options=["", *model.stages()], description="Stage" + marks.get("Stage", "")
        )
        self.amount = w.FloatText(value=0.0, description="Amount" + marks.get("Amount", ""))
        roles = model.contact_roles()
        self.role = w.Dropdown(
            options=[("none", ""), *((r, r) for r in roles)],
            description="Contact Role",
            disabled=not roles,
            tooltip="" if roles else "the org has no Contact Roles",
        )
        by_field: dict[str, w.Widget] = {
            "Deal_Name": self.name,
            "Closing_Date": self.closing,
            "Pipeline": self.pipeline,
            "Stage": self.stage,
            "Amount": self.amount,
            "Contact_Role": self.role,
        }
        self.widgets: list[w.Widget] = []
        for f in model.deal_layout:
            widget = by_field.get(f.api_name)
            if widget is None:
                widget = w.Text(
                    description=f.label + (" *" if f.mandatory else ""),
                    placeholder=f.why_disabled or "",
                    disabled=True,
                    tooltip=f.why_disabled or "",
                    style=_STYLE,
                )
            widget.style = _STYLE
            self.widgets.append(widget)
        if self.pipeline not in self.widgets and model.pipelines():
            self.widgets.insert(0, self.pipeline)
        self.note = w.HTML(
            "<small>* mandatory in the org's Deals layout. "
            "Stage lists the Pipeline's stages.</small>"
        )
        self.fields = w.VBox([*self.widgets, self.note], layout=w.Layout(display="none"))

    def controls(self) -> list[w.Widget]:
        """Every widget whose value the model reads."""
        return [
            self.enabled,
            self.name,
            self.closing,
            self.pipeline,
            self.stage,
            self.amount,
            self.role,
        ]

    def read(self) -> dict[str, Any]:
        """Show the fields when enabled, offer the pipeline's stages; `set_deal`'s values."""
        self.fields.layout.display = "flex" if self.enabled.value else "none"
        stages = ["", *self.model.stages(self.pipeline.value or None)]
        if list(self.stage.options) != stages:
            keep = self.stage.value if self.stage.value in stages else ""
            self.stage.options = stages
            self.stage.value = keep
        closing = self.closing.value
        return {
            "enabled": bool(self.enabled.value),
            "name": str(self.name.value),
            "closing_date": closing if isinstance(closing, date) else None,
            "pipeline": self.pipeline.value or None,
            "stage": self.stage.value or None,
            "amount": float(self.amount.value) or None,
            "contact_role": self.role.value or None,
        }
