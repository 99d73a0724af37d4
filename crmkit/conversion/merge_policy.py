"""Merge policies: which value each field of a merged Contact or Account ends up with.

Why crmkit has its own: Zoho's conversion copies the lead's mapped values onto the record it merges
into and says nothing about which values win (its one knob, `overwrite`, renames the Account only).
A merge policy lets the user choose, per module and per field, and crmkit applies what Zoho's
mapping did not do with Update Records right after the convert (the applying step lives elsewhere;
this module only decides the values).

The order is fixed: Zoho converts and maps first; crmkit then restores or fills. Policies:

- `zoho`: what Zoho's mapping left (crmkit changes nothing);
- `keep`: the existing value wherever the record had one (restores what Zoho replaced; a field the
  record had empty keeps Zoho's fill);
- `fill_blanks`: the lead's value only where the record was empty, else the existing value;
- `prefer_lead`: the lead's value where the lead has one, else what Zoho left.

"Empty" is None, NaN/NA, "" or whitespace, and []. Names (a Contact's `First_Name`, `Last_Name`,
`Full_Name`; an Account's `Account_Name`, which is Zoho's `overwrite` flag) and lookups are never
governed by a policy: they are always what Zoho left.

Text form (the plan's `merge_policy` column, `crmkit plan --merge-policy`):
`Contacts=fill_blanks;Accounts=keep;Contacts.Phone=prefer_lead` — module defaults and
`Module.Field` overrides, `;`-separated; empty text means `zoho` everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import pandas as pd

from crmkit.errors import CrmkitError

__all__ = [
    "MODULES",
    "NAME_FIELDS",
    "POLICIES",
    "SOURCES",
    "MergePolicy",
    "MergePolicyError",
    "is_empty",
    "same_value",
    "updates_after_convert",
    "wanted_values",
]

POLICIES: Final = ("zoho", "keep", "fill_blanks", "prefer_lead")
MODULES: Final = ("Contacts", "Accounts")
SOURCES: Final = ("zoho", "existing", "lead")
# The record's name: what a merge never changes (Account_Name is Zoho's `overwrite` flag's).
NAME_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "Contacts": frozenset({"First_Name", "Last_Name", "Full_Name"}),
    "Accounts": frozenset({"Account_Name"}),
}
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_SYNTAX = "write Module=policy or Module.Field=policy, ';'-separated"


class MergePolicyError(CrmkitError, ValueError):
    """A merge policy that cannot be read; the message names the bad part and the fix."""


def _canonical_module(name: str, part: str) -> str:
    for module in MODULES:
        if name.lower() == module.lower():
            return module
    raise MergePolicyError(
        f"merge policy {part!r}: {name!r} is not a module a lead merges into; "
        f"use one of {', '.join(MODULES)}"
    )


def _canonical_policy(name: str, part: str) -> str:
    key = name.strip().lower()
    if key not in POLICIES:
        raise MergePolicyError(
            f"merge policy {part!r}: {name.strip()!r} is not a policy; "
            f"use one of {', '.join(POLICIES)}"
        )
    return key


@dataclass(frozen=True)
class MergePolicy:
    """Per module a default policy, per (module, field) an override; everything else `zoho`.

    Normalised on construction so that equal meaning is equal value: `zoho` defaults and overrides
    equal to their module's default are dropped (`Contacts=zoho` is the empty policy).
    """

    defaults: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        defaults: dict[str, str] = {}
        for module, policy in self.defaults.items():
            part = f"{module}={policy}"
            name = _canonical_module(str(module), part)
            value = _canonical_policy(str(policy), part)
            if value != "zoho":
                defaults[name] = value
        overrides: dict[tuple[str, str], str] = {}
        for (module, fname), policy in self.overrides.items():
            part = f"{module}.{fname}={policy}"
            name = _canonical_module(str(module), part)
            if not _FIELD_NAME.fullmatch(str(fname)):
                raise MergePolicyError(
                    f"merge policy {part!r}: {fname!r} is not a field API name "
                    "(letters, digits and _, e.g. Phone or Qualification__c)"
                )
            value = _canonical_policy(str(policy), part)
            if value != defaults.get(name, "zoho"):
                overrides[(name, str(fname))] = value
        object.__setattr__(self, "defaults", {m: defaults[m] for m in MODULES if m in defaults})
        object.__setattr__(
            self,
            "overrides",
            {k: overrides[k] for k in sorted(overrides, key=lambda k: (MODULES.index(k[0]), k[1]))},
        )

    def __hash__(self) -> int:
        return hash(str(self))

    @classmethod
    def parse(cls, text: str | None) -> MergePolicy:
        """`Contacts=fill_blanks;Accounts=keep;Contacts.Phone=prefer_lead`; None or "" -> zoho.

        Module and policy names are read case-insensitively; a key given twice is refused (which
        one was meant?). Whether a field exists and may be written is validation's question
        (`crmkit.conversion.validate_policy`): this reads the text only.
        """
        defaults: dict[str, str] = {}
        overrides: dict[tuple[str, str], str] = {}
        for raw in (text or "").split(";"):
            part = raw.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            key = key.strip()
            if not sep or not key or not value.strip():
                raise MergePolicyError(f"merge policy {part!r}: {_SYNTAX}")
            policy = _canonical_policy(value, part)
            module_name, dot, fname = key.partition(".")
            module = _canonical_module(module_name.strip(), part)
            if dot:
                fname = fname.strip()
                if not _FIELD_NAME.fullmatch(fname):
                    raise MergePolicyError(
                        f"merge policy {part!r}: {fname!r} is not a field API name "
                        "(letters, digits and _, e.g. Phone or Qualification__c)"
                    )
                if (module, fname) in overrides:
                    raise MergePolicyError(
                        f"merge policy {part!r}: {module}.{fname} is given twice; keep one"
                    )
                overrides[(module, fname)] = policy
            else:
                if module in defaults:
                    raise MergePolicyError(
                        f"merge policy {part!r}: {module} is given twice; keep one"
                    )
                defaults[module] = policy
        return cls(defaults, overrides)

    def __str__(self) -> str:
        """The canonical text: defaults (Contacts, Accounts) then overrides; "" when all zoho."""
        parts = [f"{m}={p}" for m, p in self.defaults.items()]
        parts += [f"{m}.{f}={p}" for (m, f), p in self.overrides.items()]
        return ";".join(parts)

    def for_field(self, module: str, field: str) -> str:
        """The policy governing `module.field` (names are always `zoho`: never governed)."""
        if field in NAME_FIELDS.get(module, frozenset()):
            return "zoho"
        return self.overrides.get((module, field), self.defaults.get(module, "zoho"))

    @property
    def is_zoho(self) -> bool:
        """True when there is nothing for crmkit to apply: every field is left to Zoho."""
        return all(p == "zoho" for p in self.defaults.values()) and all(
            p == "zoho" for p in self.overrides.values()
        )


def is_empty(value: Any) -> bool:
    """None, NaN/NA, "" or whitespace, or an empty list: a field that holds nothing."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))  # pd.NA, NaT


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None
    return None


def same_value(a: Any, b: Any) -> bool:
    """Equal as Zoho returns values: empties equal, a number equals its text ("5000" == 5000.0).

    Text is compared exactly after trimming (Zoho keeps case); as numbers only where one side is
    a number (two texts stay text: "0123" differs from "123"); lookups by id; lists element by
    element.
    """
    if is_empty(a) or is_empty(b):
        return is_empty(a) and is_empty(b)
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        ida = a.get("id") if isinstance(a, Mapping) else a
        idb = b.get("id") if isinstance(b, Mapping) else b
        return str(ida) == str(idb)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        la = list(a) if isinstance(a, (list, tuple)) else [a]
        lb = list(b) if isinstance(b, (list, tuple)) else [b]
        return len(la) == len(lb) and all(same_value(x, y) for x, y in zip(la, lb, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).strip().lower() == str(b).strip().lower()
    number_a, number_b = isinstance(a, (int, float, Decimal)), isinstance(b, (int, float, Decimal))
    if number_a or number_b:
        da, db = _decimal(a), _decimal(b)
        if da is not None and db is not None:
            return da == db
    return str(a).strip() == str(b).strip()


def _governed(module: str, name: str, *values: Any) -> bool:
    # Names and lookups (values Zoho returns as {"id", "name"}) are always Zoho's.
    if name in NAME_FIELDS.get(module, frozenset()):
        return False
    return not any(isinstance(v, Mapping) for v in values)


def wanted_values(
    policy: MergePolicy,
    module: str,
    existing: Mapping[str, Any],
    lead: Mapping[str, Any],
    zoho_after: Mapping[str, Any],
    fields: Iterable[str],
) -> dict[str, tuple[Any, str]]:
    """Per target field: (the value the record should hold after crmkit, its source).

    `existing` is the record before the conversion; `lead` the lead's values already mapped onto
    `module`'s field names (`crmkit.mapping.ConversionMapping`); `zoho_after` what the record
    holds after Zoho's conversion (predicted in a preview, read back in execution). The source
    is `zoho` (what Zoho's mapping left), `existing` or `lead` — see the module docstring.
    """
    out: dict[str, tuple[Any, str]] = {}
    for name in fields:
        old, new, after = existing.get(name), lead.get(name), zoho_after.get(name)
        rule = policy.for_field(module, name) if _governed(module, name, old, new, after) else ""
        if rule in ("keep", "fill_blanks") and not is_empty(old):
            out[name] = (old, "existing")
        elif rule in ("fill_blanks", "prefer_lead") and not is_empty(new):
            out[name] = (new, "lead")
        else:
            out[name] = (after, "zoho")
    return out


def updates_after_convert(
    policy: MergePolicy,
    module: str,
    existing: Mapping[str, Any],
    lead: Mapping[str, Any],
    zoho_after: Mapping[str, Any],
    fields: Iterable[str],
) -> dict[str, Any]:
    """The fields crmkit must write after the convert: where the wanted value differs from
    what Zoho left (compared by `same_value`). Empty when the policy is all `zoho`."""
    if policy.is_zoho:
        return {}
    wanted = wanted_values(policy, module, existing, lead, zoho_after, fields)
    return {
        name: value
        for name, (value, _source) in wanted.items()
        if not same_value(value, zoho_after.get(name))
    }
