"""org.json `picklists`: one module's values of a standard picklist, where the org differs.

Why: a real org's picklists are edited per module, so a lead's `Lead_Source` may be a value the
Contacts field does not offer (a merge policy copying it would be refused). Without the key every
module offers the catalog's values (`catalog.PICKLISTS`, the same in every module).
Shape: `{"Contacts": {"Lead_Source": ["Advertisement", "Partner"]}}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crmkit.sandbox import catalog

__all__ = ["parse_picklists", "picklist_values"]

Fail = Callable[[str, str], Exception]


def parse_picklists(raw: Mapping[str, Any], fail: Fail) -> dict[str, dict[str, list[str]]]:
    """Check org.json's `picklists`: known module, a standard picklist field, non-empty text."""
    value = raw.get("picklists", {})
    if not isinstance(value, Mapping):
        raise fail("picklists", "picklists must be an object of module -> {field: [values]}")
    out: dict[str, dict[str, list[str]]] = {}
    for module, fields in value.items():
        if module not in catalog.MODULES or not isinstance(fields, Mapping):
            raise fail(str(module), f"picklists: {module!r} is not a module -> {{field: [values]}}")
        for name, values in fields.items():
            fd = catalog.standard_field(module, name)
            if fd is None or fd.data_type != "picklist":
                raise fail(str(name), f"picklists.{module}.{name} is not a picklist of {module}")
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) and v.strip() for v in values)
            ):
                raise fail(str(name), f"picklists.{module}.{name} must be a non-empty list of text")
            out.setdefault(str(module), {})[str(name)] = list(values)
    return out


def picklist_values(
    own: Mapping[str, Mapping[str, tuple[str, ...]]], module: str, name: str
) -> list[str]:
    """The values `module.name` offers: the org's own list, else the catalog's."""
    values = own.get(module, {}).get(name)
    return list(values) if values is not None else list(catalog.PICKLISTS.get(name, ()))
