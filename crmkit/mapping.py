"""Zoho's lead conversion mapping as crmkit reads it: which lead field lands where, per layout.

A conversion copies a lead's values onto the Contact, Account and Deal by the org's mapping, set
per Leads layout; a lead field no mapping names is dropped. crmkit needs the mapping to say which
lead field a unique field is matched against, and which lead values a conversion would lose.
Connected, it reads the mapping from the org's metadata (`ConversionMapping.from_client`: the
Leads layouts' sections, else the Leads fields' `convert_mapping`) — nothing hard-coded. Offline,
a data directory's org.json holds only what the admin added, so `from_org_json` starts from
Zoho's standard map (zoho-api.md §5), the one copy of it on crmkit's side.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from crmkit.errors import CrmkitError

TARGETS = ("Contacts", "Accounts", "Deals")
DEFAULT_LAYOUT = "Standard"
FieldMap = Mapping[str, Mapping[str, str]]  # target module -> {lead field: target field}

# Zoho's standard conversion map (zoho-api.md §5): for data directories, whose org.json lists only
# the admin's additions. Connected, crmkit reads the org's own map from metadata instead.
STANDARD_MAPPING: dict[str, dict[str, str]] = {
    "Contacts": {
        "First_Name": "First_Name",
        "Last_Name": "Last_Name",
        "Email": "Email",
        "Secondary_Email": "Secondary_Email",
        "Phone": "Phone",
        "Mobile": "Mobile",
        "Fax": "Fax",
        "Designation": "Title",
        "Lead_Source": "Lead_Source",
        "Description": "Description",
        "Street": "Mailing_Street",
        "City": "Mailing_City",
        "State": "Mailing_State",
        "Zip_Code": "Mailing_Zip",
        "Country": "Mailing_Country",
    },
    "Accounts": {
        "Company": "Account_Name",
        "Phone": "Phone",
        "Fax": "Fax",
        "Website": "Website",
        "Industry": "Industry",
        "Annual_Revenue": "Annual_Revenue",
        "No_of_Employees": "Employees",
        "Street": "Billing_Street",
        "City": "Billing_City",
        "State": "Billing_State",
        "Zip_Code": "Billing_Code",
        "Country": "Billing_Country",
    },
    "Deals": {"Lead_Source": "Lead_Source"},
}
# Lead fields that are no value to carry: the record's identity and state, kept by Zoho itself
# (`Owner` goes to every record unless `assign_to`; tags travel with `carry_over_tags`).
SYSTEM_FIELDS = frozenset(
    {
        "id",
        "Owner",
        "Created_Time",
        "Modified_Time",
        "Created_By",
        "Modified_By",
        "Tag",
        "Layout",
        "Locked__s",
        "Full_Name",
        "Converted__s",
        "Converted_Date_Time",
        "Record_Status__s",
        "Lead_Conversion_Time",
        "Last_Activity_Time",
    }
)


class ConversionMappingError(CrmkitError, ValueError):
    """Mapping metadata or org.json that cannot be read; the message names where and why."""


class LayoutsClient(Protocol):
    """The metadata calls of `crmkit.api.CRMClient` that `from_client` uses."""

    def fields(self, module: str) -> list[dict[str, Any]]: ...
    def layouts(self, module: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ConversionMapping:
    """Per Leads layout, where each lead field goes in Contacts, Accounts and Deals.

    `layouts` maps a Leads layout name to `{target: {lead field: target field}}`; the first
    layout is the default (the one leads without a layout use, and the one matching reads).
    `target_layouts` names, per Leads layout, the layout each target record gets.
    """

    layouts: Mapping[str, FieldMap]
    target_layouts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def standard(cls) -> ConversionMapping:
        """Zoho's standard map on one layout (an org with no mapping of its own)."""
        return cls({DEFAULT_LAYOUT: _copy(STANDARD_MAPPING)})

    @classmethod
    def from_client(cls, client: LayoutsClient) -> ConversionMapping:
        """The org's mapping from its metadata (`settings/layouts` and `settings/fields`).

        Each Leads layout's sections list its fields with their `convert_mapping`; a layout
        without sections takes the Leads fields' `convert_mapping` (Zoho's default layout's).
        """
        by_field = _from_fields(client.fields("Leads"), "settings/fields?module=Leads")
        layouts: dict[str, FieldMap] = {}
        targets: dict[str, dict[str, str]] = {}
        for i, lay in enumerate(client.layouts("Leads")):
            name = str(lay.get("name") or f"layout {i + 1}")
            fields = [f for s in lay.get("sections") or [] for f in s.get("fields") or []]
            where = f"settings/layouts?module=Leads: layout {name!r}"
            layouts[name] = _from_fields(fields, where) if fields else by_field
            conv = lay.get("convert_mapping") or {}
            targets[name] = {
                t: str(conv[t]["name"])
                for t in TARGETS
                if isinstance(conv.get(t), Mapping) and conv[t].get("name")
            }
        return cls(layouts or {DEFAULT_LAYOUT: by_field}, targets)

    @classmethod
    def from_org_json(
        cls, data: Mapping[str, Any], *, source: str = "org.json"
    ) -> ConversionMapping:
        """Zoho's standard map plus org.json's `convert_mapping` (every layout) and
        `layout_convert_mapping` (one layout's fields and target layouts)."""
        names = list((data.get("layouts") or {}).get("Leads") or [DEFAULT_LAYOUT])
        every = data.get("convert_mapping") or {}
        own = data.get("layout_convert_mapping") or {}
        if not isinstance(every, Mapping) or not isinstance(own, Mapping):
            raise ConversionMappingError(
                f"{source}: convert_mapping and layout_convert_mapping must be objects"
            )
        layouts: dict[str, FieldMap] = {}
        targets: dict[str, dict[str, str]] = {}
        for name in names:
            fmap = _copy(STANDARD_MAPPING)
            for target, part in every.items():
                fmap.setdefault(str(target), {}).update(
                    _pairs(part, f"{source}: convert_mapping.{target}")
                )
            targets[name] = {}
            for target, part in (own.get(name) or {}).items():
                where = f"{source}: layout_convert_mapping.{name}.{target}"
                if not isinstance(part, Mapping):
                    raise ConversionMappingError(f"{where} must be an object (layout, fields)")
                fmap.setdefault(str(target), {}).update(_pairs(part.get("fields") or {}, where))
                if part.get("layout"):
                    targets[name][str(target)] = str(part["layout"])
            layouts[name] = fmap
        return cls(layouts, targets)

    @classmethod
    def from_data_dir(cls, path: str | Path) -> ConversionMapping:
        """`DIR/org.json`'s mapping; a directory without one has Zoho's standard map."""
        file = Path(path) / "org.json"
        if not file.exists():
            return cls.standard()
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConversionMappingError(f"{file}: not valid JSON ({exc})") from exc
        if not isinstance(data, Mapping):
            raise ConversionMappingError(f"{file}: top level must be an object")
        return cls.from_org_json(data, source=str(file))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConversionMapping:
        """Read back `to_dict()` (a snapshot keeps the mapping so prediction needs no call)."""
        layouts = {str(k): _copy(v) for k, v in (data.get("layouts") or {}).items()}
        targets = {
            str(k): {str(t): str(n) for t, n in v.items()}
            for k, v in (data.get("target_layouts") or {}).items()
        }
        return cls(layouts or {DEFAULT_LAYOUT: {}}, targets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "layouts": {k: _copy(v) for k, v in self.layouts.items()},
            "target_layouts": {k: dict(v) for k, v in self.target_layouts.items()},
        }

    # -- questions ---------------------------------------------------------------------------
    @property
    def default_layout(self) -> str:
        return next(iter(self.layouts))

    def for_layout(self, layout: str | None = None) -> FieldMap:
        """`{target: {lead field: target field}}` of a Leads layout (None or unknown: default)."""
        if layout is None or layout not in self.layouts:
            layout = self.default_layout
        return self.layouts[layout]

    def targets(self, lead_field: str, layout: str | None = None) -> dict[str, str]:
        """Where `lead_field` goes: `{target module: target field}` (empty: nowhere)."""
        return {t: m[lead_field] for t, m in self.for_layout(layout).items() if lead_field in m}

    def lead_field_for(self, module: str, field_name: str, layout: str | None = None) -> str | None:
        """The lead field mapped onto `module.field_name` (None: no lead field is)."""
        for lead_field, target in self.for_layout(layout).get(module, {}).items():
            if target == field_name:
                return lead_field
        return None

    def carried(self, layout: str | None = None) -> frozenset[str]:
        """Lead fields a conversion of this layout copies to at least one module."""
        return frozenset(f for m in self.for_layout(layout).values() for f in m)

    def dropped_fields(self, leads: pd.DataFrame) -> pd.DataFrame:
        """Lead fields holding values that no mapping carries, with how many leads hold one.

        Per lead, by its layout (`Layout` column: a name or `{"name", …}`; absent: the default).
        Columns: `field`, `leads_with_value`, `share` (of all leads), most leads first. System
        fields (id, owner, timestamps, tags, states) and `$` keys are not values to carry.
        """
        n = len(leads)
        layout = _layout_names(leads, self.default_layout, list(self.layouts))
        rows = []
        for col in leads.columns:
            name = str(col)
            if name in SYSTEM_FIELDS or name.startswith("$") or "." in name:
                continue
            filled = _has_value(leads[col])
            lost = filled & ~layout.isin([lay for lay in self.layouts if name in self.carried(lay)])
            count = int(lost.sum())
            if count:
                rows.append({"field": name, "leads_with_value": count, "share": count / n})
        out = pd.DataFrame(rows, columns=["field", "leads_with_value", "share"])
        out = out.astype({"field": "string", "leads_with_value": "int64", "share": "float64"})
        return out.sort_values(
            ["leads_with_value", "field"], ascending=[False, True], ignore_index=True
        )


# -- helpers ------------------------------------------------------------------------------------
def _copy(fmap: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    return {str(t): {str(k): str(v) for k, v in m.items()} for t, m in fmap.items()}


def _pairs(part: Any, where: str) -> dict[str, str]:
    if not isinstance(part, Mapping) or not all(isinstance(v, str) for v in part.values()):
        raise ConversionMappingError(f"{where} must map lead field -> field name")
    return {str(k): v for k, v in part.items()}


def _from_fields(fields: Iterable[Mapping[str, Any]], where: str) -> FieldMap:
    """`{target: {lead field: target field}}` from fields carrying Zoho's `convert_mapping`."""
    out: dict[str, dict[str, str]] = {t: {} for t in TARGETS}
    for f in fields:
        name = f.get("api_name")
        conv = f.get("convert_mapping")
        if conv is None:
            continue
        if not isinstance(name, str) or not isinstance(conv, Mapping):
            raise ConversionMappingError(f"{where}: a field's convert_mapping is not an object")
        for target, to in conv.items():
            if isinstance(to, str) and to:
                out.setdefault(str(target), {})[name] = to
            elif isinstance(to, Mapping) and to.get("api_name"):  # {"api_name", "id"} form
                out.setdefault(str(target), {})[name] = str(to["api_name"])
    return out


def _has_value(col: pd.Series) -> pd.Series:
    """True where a cell holds a value a conversion could carry (not NA, not blank text)."""
    present = col.notna()
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        text = col.astype("string").str.strip()
        present = present & (text != "").fillna(False)
    return present.astype(bool)


def _layout_names(leads: pd.DataFrame, default: str, known: list[str]) -> pd.Series:
    """Each lead's Leads layout; blank or unknown names are the default layout's leads."""
    if "Layout" not in leads.columns:
        return pd.Series(default, index=leads.index, dtype="string")
    raw = leads["Layout"].map(lambda v: v.get("name") if isinstance(v, Mapping) else v)
    names = raw.astype("string").str.strip()
    return names.where(names.isin(known), default).astype("string")
