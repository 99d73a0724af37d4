"""What a Bulk Read needs to know of a module: its fields, their types, where lookups point.

Built from the typed `Org` by the backend, so the job model (`bulk.py`) and the CSV writer
(`bulk_csv.py`) read plain data and not the org's representation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crmkit.sandbox import catalog, views
from crmkit.sandbox.org import Org

# Columns a Bulk Read may ask for besides the module's fields (decision: the record-level
# approval state the records API always sends, so an export can tell unapproved leads).
SYSTEM_COLUMNS = ("$approval_state",)


@dataclass(frozen=True)
class ModuleView:
    """A module's fields, their Zoho types and lookup targets (`users` for the owner)."""

    module: str
    module_id: str
    fields: tuple[str, ...]
    types: Mapping[str, str]
    lookups: Mapping[str, str]
    users: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def data_type(self, name: str) -> str:
        return self.types.get(name, "text")


def view_for(
    module: str,
    *,
    module_id: str,
    fields: Sequence[str],
    data_type: Callable[[str], str],
    lookup_of: Callable[[str], str | None],
    users: Sequence[Mapping[str, Any]],
) -> ModuleView:
    """A `ModuleView` from per-field callables (how the routes build it from the org)."""
    types = {f: data_type(f) for f in fields}
    lookups: dict[str, str] = {}
    for f in fields:
        target = lookup_of(f)
        if target is not None:
            lookups[f] = target
    return ModuleView(
        module=module,
        module_id=module_id,
        fields=tuple(fields),
        types=types,
        lookups=lookups,
        users={str(u["id"]): dict(u) for u in users},
    )


def module_view(org: Org, module: str) -> ModuleView:
    """The `ModuleView` of one of the org's modules (Zoho's error for one it lacks)."""
    views.check_module(org, module)

    def lookup_of(name: str) -> str | None:
        fd = catalog.standard_field(module, name)
        return fd.lookup if fd is not None else None

    return view_for(
        module,
        module_id=catalog.MODULE_IDS[module],
        fields=org.fields(module),
        data_type=lambda name: views.data_type(module, name),
        lookup_of=lookup_of,
        users=[u.to_json() for u in org.users],
    )
