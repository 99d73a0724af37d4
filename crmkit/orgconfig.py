"""The parts of an org's configuration that decide Zoho's conversion matching.

Prediction needs to know, per org: which Contacts/Accounts fields are unique (in preference order,
with their case flag), which modules and fields an admin removed, and which modules have several
layouts. The same facts come from two places — a data directory's ``org.json`` (the sandbox's
format) or a live client's metadata (``fields``/``modules``/``layouts``) — and land in one
immutable :class:`OrgConfig`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from crmkit.errors import CrmkitError
from crmkit.mapping import ConversionMapping, ConversionMappingError

MATCH_MODULES = ("Contacts", "Accounts")
# Field api names Zoho types as `phone` in the standard modules (compared as stored).
DEFAULT_PHONE_FIELDS = frozenset(
    {"Phone", "Mobile", "Fax", "Home_Phone", "Other_Phone", "Asst_Phone"}
)


class OrgConfigError(CrmkitError, ValueError):
    """org.json or field metadata that cannot be read; the message names file, key and cause."""


@dataclass(frozen=True)
class UniqueField:
    """An admin-defined unique field ("do not allow duplicate values")."""

    api_name: str
    casesensitive: bool = False


def _frozen_map(value: Mapping[str, Iterable[str]] | None) -> dict[str, frozenset[str]]:
    return {str(k): frozenset(str(v) for v in vs) for k, vs in (value or {}).items()}


@dataclass(frozen=True)
class OrgConfig:
    """Matching-relevant configuration of one org; the default is a plain org, nothing unique."""

    unique_fields: Mapping[str, tuple[UniqueField, ...]] = field(default_factory=dict)
    removed_modules: frozenset[str] = frozenset()
    removed_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    layouts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    phone_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    edition: str | None = None
    # Admin additions to the lead conversion mapping: target module -> {lead field: field}.
    convert_mapping: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    phone_region: str | None = None
    # org.json's per-layout additions: Leads layout -> target -> {"layout", "fields"}
    layout_convert_mapping: Mapping[str, Any] = field(default_factory=dict)
    # The org's whole mapping as its metadata states it (from_client); None: from the above
    mapping: ConversionMapping | None = None

    @cached_property
    def conversion_mapping(self) -> ConversionMapping:
        """Where each lead field goes: the org's metadata, else Zoho's standard map + org.json."""
        if self.mapping is not None:
            return self.mapping
        return ConversionMapping.from_org_json(
            {
                "layouts": {k: list(v) for k, v in self.layouts.items()},
                "convert_mapping": self.convert_mapping,
                "layout_convert_mapping": self.layout_convert_mapping,
            }
        )

    def unique(self, module: str) -> tuple[UniqueField, ...]:
        """Unique fields of ``module`` in preference order, without removed modules or fields."""
        if module in self.removed_modules:
            return ()
        return tuple(
            u for u in self.unique_fields.get(module, ()) if self.has_field(module, u.api_name)
        )

    def lead_field_for(self, module: str, api_name: str) -> str | None:
        """The lead field whose value a ``module`` field is compared with: the one the default
        Leads layout's conversion mapping carries onto it (None: no lead field is mapped there,
        so the field never matches — custom fields map only where the admin mapped them)."""
        return self.conversion_mapping.lead_field_for(module, api_name)

    def has_module(self, module: str) -> bool:
        return module not in self.removed_modules

    def has_field(self, module: str, api_name: str) -> bool:
        return api_name not in self.removed_fields.get(module, frozenset())

    def is_phone(self, module: str, api_name: str) -> bool:
        """Whether Zoho types the field as `phone` (compared as stored, not case-folded)."""
        return api_name in self.phone_fields.get(module, DEFAULT_PHONE_FIELDS)

    def multiple_layouts(self) -> tuple[str, ...]:
        """Modules (present in the org) with more than one layout: Contacts, Accounts, Deals."""
        order = ["Contacts", "Accounts", "Deals"]
        order += sorted(m for m in self.layouts if m not in order)
        return tuple(m for m in order if len(self.layouts.get(m, ())) > 1 and self.has_module(m))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "org.json") -> OrgConfig:
        """Build from the org.json structure (see docs/architecture.md, data directory)."""
        if not isinstance(data, Mapping):
            raise OrgConfigError(f"{source}: top level must be an object")
        uniques: dict[str, tuple[UniqueField, ...]] = {}
        raw_unique = data.get("unique_fields") or {}
        if not isinstance(raw_unique, Mapping):
            raise OrgConfigError(f"{source}: 'unique_fields' must map module -> list of fields")
        for module, entries in raw_unique.items():
            if not isinstance(entries, list):
                raise OrgConfigError(f"{source}: unique_fields.{module} must be a list")
            parsed = []
            for i, entry in enumerate(entries):
                if isinstance(entry, str):
                    parsed.append(UniqueField(entry))
                elif isinstance(entry, Mapping) and isinstance(entry.get("api_name"), str):
                    parsed.append(
                        UniqueField(entry["api_name"], _flag(entry.get("casesensitive", False)))
                    )
                else:
                    raise OrgConfigError(
                        f"{source}: unique_fields.{module}[{i}] needs an 'api_name' string"
                    )
            uniques[str(module)] = tuple(parsed)
        removed_modules = data.get("removed_modules") or []
        if not isinstance(removed_modules, list):
            raise OrgConfigError(f"{source}: 'removed_modules' must be a list of module names")
        removed_fields = data.get("removed_fields") or {}
        if not isinstance(removed_fields, Mapping):
            raise OrgConfigError(f"{source}: 'removed_fields' must map module -> list of fields")
        layouts = data.get("layouts") or {}
        if not isinstance(layouts, Mapping):
            raise OrgConfigError(f"{source}: 'layouts' must map module -> list of layout names")
        edition = data.get("edition")
        mapping = data.get("convert_mapping") or {}
        if not isinstance(mapping, Mapping) or not all(
            isinstance(v, Mapping) for v in mapping.values()
        ):
            raise OrgConfigError(
                f"{source}: 'convert_mapping' must map module -> {{lead field: field}}"
            )
        layout_mapping = data.get("layout_convert_mapping") or {}
        if not isinstance(layout_mapping, Mapping):
            raise OrgConfigError(f"{source}: 'layout_convert_mapping' must be an object")
        full = data.get("conversion_mapping")
        if full is not None and not isinstance(full, Mapping):
            raise OrgConfigError(f"{source}: 'conversion_mapping' must be an object")
        raw_org = data.get("org")
        org: Mapping[str, Any] = raw_org if isinstance(raw_org, Mapping) else {}
        region = org.get("phone_region") or org.get("country_code")
        phone_fields = data.get("phone_fields") or {}
        if not isinstance(phone_fields, Mapping):
            raise OrgConfigError(f"{source}: 'phone_fields' must map module -> list of fields")
        return cls(
            unique_fields=uniques,
            removed_modules=frozenset(str(m) for m in removed_modules),
            removed_fields=_frozen_map(removed_fields),
            layouts={str(k): tuple(str(x) for x in v) for k, v in layouts.items()},
            phone_fields=_frozen_map(phone_fields),
            edition=str(edition) if edition is not None else None,
            convert_mapping={
                str(m): {str(k): str(v) for k, v in fm.items()} for m, fm in mapping.items()
            },
            phone_region=str(region) if region else None,
            layout_convert_mapping=json.loads(json.dumps(layout_mapping)),
            mapping=ConversionMapping.from_dict(full) if full is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The configuration as JSON-ready data that :meth:`from_dict` reads back unchanged.

        The org.json structure, plus ``phone_fields`` (known from a live org's metadata); a
        snapshot keeps it so the prediction needs no API call later.
        """
        return {
            "unique_fields": {
                m: [{"api_name": u.api_name, "casesensitive": u.casesensitive} for u in fields]
                for m, fields in sorted(self.unique_fields.items())
            },
            "removed_modules": sorted(self.removed_modules),
            "removed_fields": {m: sorted(f) for m, f in sorted(self.removed_fields.items())},
            "layouts": {m: list(names) for m, names in sorted(self.layouts.items())},
            "phone_fields": {m: sorted(f) for m, f in sorted(self.phone_fields.items())},
            "edition": self.edition,
            "convert_mapping": {
                m: dict(sorted(fm.items())) for m, fm in sorted(self.convert_mapping.items())
            },
            "org": {"phone_region": self.phone_region} if self.phone_region else {},
            "layout_convert_mapping": dict(self.layout_convert_mapping),
            **({"conversion_mapping": self.mapping.to_dict()} if self.mapping else {}),
        }

    @classmethod
    def from_data_dir(cls, path: str | Path) -> OrgConfig:
        """Read ``DIR/org.json``; a directory without one is a plain org."""
        file = Path(path) / "org.json"
        if not file.exists():
            return cls()
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise OrgConfigError(f"{file}: not valid JSON ({exc})") from exc
        return cls.from_dict(data, source=str(file))

    @classmethod
    def from_client(cls, client: MetadataClient, *, edition: str | None = None) -> OrgConfig:
        """Read the configuration from a live org's metadata (fields, modules, layouts).

        A unique field carries ``"unique": {"casesensitive": "false"}``; ``{}`` means not unique.
        A module missing from ``modules()`` (or not visible) is removed; a field missing from a
        module's field list is removed.
        """
        present: set[str] = set()
        for m in client.modules():
            name = m.get("api_name")
            visible = m.get("visible", True) is not False and m.get("status", "visible") in (
                "visible",
                None,
            )
            if isinstance(name, str) and visible:
                present.add(name)
        removed_modules = {m for m in ("Leads", *MATCH_MODULES) if m not in present}
        uniques: dict[str, tuple[UniqueField, ...]] = {}
        phones: dict[str, frozenset[str]] = {}
        removed_fields: dict[str, frozenset[str]] = {}
        standard = {"Leads": ("Company", "Email", "First_Name", "Last_Name", "Designation")}
        for module in ("Leads", *MATCH_MODULES):
            if module in removed_modules:
                continue
            fields = client.fields(module)
            names = {str(f.get("api_name")) for f in fields}
            phones[module] = frozenset(
                str(f["api_name"]) for f in fields if f.get("data_type") == "phone"
            )
            if module in MATCH_MODULES:
                uniques[module] = tuple(
                    UniqueField(str(f["api_name"]), _flag(f["unique"].get("casesensitive", False)))
                    for f in fields
                    if isinstance(f.get("unique"), Mapping) and f["unique"]
                )
            missing = [n for n in standard.get(module, ()) if n not in names]
            if missing:
                removed_fields[module] = frozenset(missing)
        layouts: dict[str, tuple[str, ...]] = {}
        for module in MATCH_MODULES:
            if module not in removed_modules:
                layouts[module] = tuple(str(x.get("name")) for x in client.layouts(module))
        try:
            mapping = ConversionMapping.from_client(client)
        except ConversionMappingError as exc:
            raise OrgConfigError(str(exc)) from exc
        return cls(
            unique_fields=uniques,
            removed_modules=frozenset(removed_modules),
            removed_fields=removed_fields,
            layouts=layouts,
            phone_fields=phones,
            edition=edition,
            mapping=mapping,
        )


class MetadataClient(Protocol):
    """The metadata calls of ``crmkit.api.CRMClient`` that :meth:`OrgConfig.from_client` uses."""

    def fields(self, module: str) -> list[dict[str, Any]]: ...
    def modules(self) -> list[dict[str, Any]]: ...
    def layouts(self, module: str) -> list[dict[str, Any]]: ...


def _flag(value: object) -> bool:
    """Zoho writes flags as JSON booleans or as the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise OrgConfigError(f"casesensitive must be true/false, got {value!r}")
