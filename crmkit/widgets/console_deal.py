"""The console's Deal form: the fields of the org's Deals layout, the mandatory ones marked.

Why from the layout: the fields an admin sees in Zoho's Convert dialog are the Deals layout's
(a conversion's required fields come from the Leads layout's `convert_mapping.Deals`, the others
from `system_mandatory`), and Stage is chosen within the Pipeline's own stages (the Pipeline
picklist's `maps`, read into `OrgFacts.pipelines`). A plan row carries the Deal columns
`deal_name`, `closing_date`, `pipeline`, `stage`, `amount` and `contact_role`; a layout field with
no plan column is listed as such (disabled, with the reason) instead of being silently dropped.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from crmkit.conversion import OrgFacts
from crmkit.widgets.console_candidates import text

__all__ = [
    "PLAN_DEAL_FIELDS",
    "TEMPLATE_FIELDS",
    "DealField",
    "DealForm",
    "deal_fields",
    "deal_required",
    "has_deals",
]

TEMPLATE_FIELDS = ("Full_Name", "First_Name", "Last_Name", "Company", "Email")
# Deals field -> the plan column that carries it (what reaches the Convert Lead request).
PLAN_DEAL_FIELDS: dict[str, str] = {
    "Deal_Name": "deal_name",
    "Closing_Date": "closing_date",
    "Pipeline": "pipeline",
    "Stage": "stage",
    "Amount": "amount",
    "Contact_Role": "contact_role",
}
# Fields Zoho fills itself at conversion (never offered): the lookups, owner, system fields.
_SYSTEM = {
    "Account_Name",
    "Contact_Name",
    "Owner",
    "Created_Time",
    "Modified_Time",
    "Created_By",
    "Modified_By",
    "Tag",
    "Locked__s",
    "Record_Status__s",
}


@dataclass(frozen=True)
class DealField:
    """A field of the Deals layout as the form shows it."""

    api_name: str
    label: str
    data_type: str
    mandatory: bool
    column: str | None  # the plan column carrying it; None: the plan has none (disabled)

    @property
    def why_disabled(self) -> str | None:
        """Why the form cannot set this field, or None when it can."""
        if self.column is not None:
            return None
        return f"{self.label}: a conversion plan has no column for it (Zoho leaves it empty)"


def deal_fields(
    layouts: Sequence[Mapping[str, Any]],
    required: Sequence[str] = (),
    org: OrgFacts | None = None,
) -> list[DealField]:
    """The form's fields: the Deals layout's (the first active one), mandatory ones marked.

    `required`: the fields the Leads layout's `convert_mapping.Deals` marks required; with the
    org's `deal_required` (system mandatory) they are the mandatory ones. Contact_Role is added
    after the layout's fields when the org has Contact Roles.
    """
    mandatory = set(required) | set(org.deal_required if org is not None else ())
    layout = next((x for x in layouts if str(x.get("status", "active")) == "active"), None)
    out: list[DealField] = []
    seen: set[str] = set()
    for section in (layout or {}).get("sections") or []:
        for f in section.get("fields") or []:
            name = str(f.get("api_name") or "")
            if not name or name in seen or name in _SYSTEM:
                continue
            seen.add(name)
            out.append(
                DealField(
                    api_name=name,
                    label=str(f.get("field_label") or name.replace("_", " ")),
                    data_type=str(f.get("data_type") or "text"),
                    mandatory=name in mandatory or f.get("system_mandatory") is True,
                    column=PLAN_DEAL_FIELDS.get(name),
                )
            )
    if layout is None:  # no layout metadata: the plan's own Deal fields
        for name, column in PLAN_DEAL_FIELDS.items():
            if name != "Contact_Role":
                out.append(
                    DealField(name, name.replace("_", " "), "text", name in mandatory, column)
                )
    if org is not None and org.contact_roles:
        out.append(DealField("Contact_Role", "Contact Role", "picklist", False, "contact_role"))
    return out


@dataclass(frozen=True)
class DealForm:
    """The optional Deal created with every converted lead; `name` may use `{Company}`,
    `{Full_Name}`, `{First_Name}`, `{Last_Name}`, `{Email}` (each lead's own values)."""

    enabled: bool = False
    name: str = "{Company}"
    closing_date: date | str | None = None
    pipeline: str | None = None
    stage: str | None = None
    amount: float | None = None
    contact_role: str | None = None

    def row(self, lead: Mapping[str, Any]) -> dict[str, Any]:
        """The plan columns this form gives one lead (empty when no Deal is wanted)."""
        if not self.enabled:
            return {}
        values = {k: text(lead.get(k)) or "" for k in TEMPLATE_FIELDS}
        name = string.Formatter().vformat(self.name, (), values).strip() if self.name else ""
        closing = self.closing_date
        return {
            "deal_name": name or None,
            "closing_date": closing.isoformat() if isinstance(closing, date) else closing or None,
            "pipeline": self.pipeline or None,
            "stage": self.stage or None,
            "amount": self.amount,
            "contact_role": self.contact_role or None,
        }

    def problem(self) -> str | None:
        """Why the form cannot make a Deal name (unknown placeholder), or None."""
        if not self.enabled or not self.name:
            return None
        try:
            string.Formatter().vformat(self.name, (), {k: "" for k in TEMPLATE_FIELDS})
        except (KeyError, IndexError, ValueError) as exc:
            return f"Deal name {self.name!r}: {exc} is not a placeholder; use " + ", ".join(
                "{" + k + "}" for k in TEMPLATE_FIELDS
            )
        return None


def has_deals(org: OrgFacts | None) -> bool:
    """Whether the org has the Deals module (unknown counts as yes: Zoho then says)."""
    return org is None or org.modules is None or "Deals" in org.modules


def deal_required(leads_layouts: Sequence[Mapping[str, Any]]) -> list[str]:
    """The Deal fields the default Leads layout's conversion requires (`convert_mapping.Deals`)."""
    out: list[str] = []
    for layout in leads_layouts[:1]:
        deals = (layout.get("convert_mapping") or {}).get("Deals") or {}
        out += [str(f.get("api_name")) for f in deals.get("fields") or [] if f.get("required")]
    return out
