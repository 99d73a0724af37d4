"""The org a rule reads: a frozen, typed view of the validated org.json settings.

The store keeps the settings as JSON (`normalize_org`'s shape, so a `--db` file survives restarts
and `configure()` re-validates them like org.json); the backend builds one `Org` from them each
time they change. Rules ask it questions (`has_field`, `unique_fields`, `lead_mapping`,
`active_user`) instead of reaching into nested dicts, so a typo is a type error, not a `KeyError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from crmkit.sandbox import catalog
from crmkit.sandbox.loader import Record, module_fields
from crmkit.sandbox.mapping import CONVERSION_TARGETS, MERGE_OVERWRITES
from crmkit.sandbox.roles import ContactRole

# Without pipelines in org.json the org has Zoho's one default pipeline.
DEFAULT_PIPELINES: Mapping[str, tuple[str, ...]] = {
    catalog.STANDARD_PIPELINE: catalog.DEFAULT_STAGES
}


@dataclass(frozen=True)
class UniqueField:
    """A field Zoho keeps unique within its module (and matches leads on)."""

    api_name: str
    casesensitive: bool


@dataclass(frozen=True)
class User:
    """A CRM user: owner of records, addressee of notifications."""

    id: str
    full_name: str
    email: str
    role: str
    status: str

    @property
    def active(self) -> bool:
        return self.status == "active"

    def owner_ref(self) -> dict[str, str]:
        """The `Owner` lookup of a record this user owns."""
        return {"name": self.full_name, "id": self.id, "email": self.email}

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "full_name": self.full_name,
            "email": self.email,
            "role": self.role,
            "status": self.status,
        }


@dataclass(frozen=True)
class LayoutMapping:
    """One Leads layout's conversion into a target module: the layout, the extra fields."""

    layout: str | None = None  # None: the target module's default layout
    fields: Mapping[str, str] = field(default_factory=dict)  # lead field -> target field

    def to_json(self) -> dict[str, Any]:
        return {"layout": self.layout, "fields": dict(self.fields)}


@dataclass(frozen=True)
class OrgCredentials:
    """The OAuth client the org accepts; the repr shows the client id only."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    code: str = field(repr=False)  # the self-client grant code, usable once until reset
    scopes: str = ""  # comma-separated scopes granted to tokens; empty: all crmkit needs

    def to_json(self) -> dict[str, str]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "code": self.code,
            "scopes": self.scopes,
        }


@dataclass(frozen=True)
class Org:
    """Everything the rules need from the org's configuration (zoho-api.md §4–§7)."""

    edition: str
    name: str
    users: tuple[User, ...]
    credentials: OrgCredentials
    unique: Mapping[str, tuple[UniqueField, ...]]  # as configured, removed fields included
    removed_modules: tuple[str, ...]
    removed_fields: Mapping[str, tuple[str, ...]]
    layouts: Mapping[str, tuple[str, ...]]  # every module; the first layout is the default
    pipelines: Mapping[str, tuple[str, ...]]  # pipeline -> its stages
    convert_mapping: Mapping[str, Mapping[str, str]]  # target module -> lead field -> field
    custom_fields: Mapping[str, tuple[str, ...]]  # columns of the data directory per module
    details: Mapping[str, Any] = field(default_factory=dict)  # org.json's `org` object
    tags: tuple[str, ...] = ()
    contact_roles: tuple[ContactRole, ...] = ()  # org.json's `contact_roles` (Zoho's by default)
    # Leads layout -> target module -> its mapping (org.json `layout_convert_mapping`)
    layout_mappings: Mapping[str, Mapping[str, LayoutMapping]] = field(default_factory=dict)
    merge_overwrites: str = MERGE_OVERWRITES[0]
    # module -> picklist field -> the values it offers, where org.json's `picklists` sets them
    picklists: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], custom_fields: Mapping[str, Any]) -> Org:
        """Build from `normalize_org`'s output (already validated) and the custom columns."""
        return cls(
            edition=raw["edition"],
            name=raw["org_name"],
            users=tuple(User(**u) for u in raw["users"]),
            credentials=OrgCredentials(**raw["credentials"]),
            unique={
                m: tuple(UniqueField(u["api_name"], u["casesensitive"]) for u in items)
                for m, items in raw["unique_fields"].items()
            },
            removed_modules=tuple(raw["removed_modules"]),
            removed_fields={m: tuple(v) for m, v in raw["removed_fields"].items()},
            layouts={m: tuple(v) for m, v in raw["layouts"].items()},
            pipelines={p: tuple(v) for p, v in raw["pipelines"].items()},
            convert_mapping={m: dict(v) for m, v in raw["convert_mapping"].items()},
            custom_fields={m: tuple(v) for m, v in custom_fields.items()},
            details=dict(raw["org"]),
            tags=tuple(raw["tags"]),
            contact_roles=tuple(ContactRole(**r) for r in raw.get("contact_roles", [])),
            layout_mappings={
                layout: {
                    t: LayoutMapping(m.get("layout"), dict(m.get("fields") or {}))
                    for t, m in targets.items()
                }
                for layout, targets in (raw.get("layout_convert_mapping") or {}).items()
            },
            merge_overwrites=raw.get("merge_overwrites") or MERGE_OVERWRITES[0],
            picklists={
                m: {f: tuple(v) for f, v in fields.items()}
                for m, fields in (raw.get("picklists") or {}).items()
            },
        )

    def to_json(self) -> dict[str, Any]:
        """The settings in `normalize_org`'s shape (what the store keeps and `state()` shows)."""
        return {
            "unique_fields": {
                m: [{"api_name": u.api_name, "casesensitive": u.casesensitive} for u in items]
                for m, items in self.unique.items()
            },
            "removed_modules": list(self.removed_modules),
            "removed_fields": {m: list(v) for m, v in self.removed_fields.items()},
            "layouts": {m: list(v) for m, v in self.layouts.items()},
            "pipelines": {p: list(v) for p, v in self.pipelines.items()},
            "edition": self.edition,
            "credentials": self.credentials.to_json(),
            "convert_mapping": {m: dict(v) for m, v in self.convert_mapping.items()},
            "org": dict(self.details),
            "org_name": self.name,
            "tags": list(self.tags),
            "contact_roles": [r.to_json() for r in self.contact_roles],
            "users": [u.to_json() for u in self.users],
            "layout_convert_mapping": {
                layout: {t: m.to_json() for t, m in targets.items()}
                for layout, targets in self.layout_mappings.items()
            },
            "merge_overwrites": self.merge_overwrites,
            "picklists": {m: {f: list(v) for f, v in p.items()} for m, p in self.picklists.items()},
        }

    # -- modules and fields ----------------------------------------------------------------------
    def removed(self, module: str) -> bool:
        """Whether the admin removed `module` (Contacts, Accounts or Deals) from the org."""
        return module in self.removed_modules

    @cached_property
    def _fields(self) -> dict[str, tuple[str, ...]]:
        out = {}
        for module in catalog.MODULES:
            gone = self.removed_fields.get(module, ())
            names = module_fields(module, list(self.custom_fields.get(module, ())))
            out[module] = tuple(n for n in names if n not in gone)
        return out

    @cached_property
    def _field_sets(self) -> dict[str, frozenset[str]]:
        return {m: frozenset(names) for m, names in self._fields.items()}

    def fields(self, module: str) -> tuple[str, ...]:
        """The module's fields in metadata order: standard, then custom, minus removed ones."""
        return self._fields[module]

    def has_field(self, module: str, api_name: str) -> bool:
        return api_name in self._field_sets[module]

    def field_ref(self, module: str, api_name: str) -> dict[str, str]:
        """`{"api_name", "id"}` as answers name a field (Zoho-shaped id, stable per org)."""
        custom = self.custom_fields.get(module, ())
        return {"api_name": api_name, "id": catalog.field_id(module, api_name, custom)}

    def unique_fields(self, module: str) -> tuple[UniqueField, ...]:
        """The module's unique fields in preference order, minus removed ones."""
        return tuple(u for u in self.unique.get(module, ()) if self.has_field(module, u.api_name))

    # -- conversion mapping ----------------------------------------------------------------------
    @cached_property
    def _mappings(self) -> dict[tuple[str, str | None], dict[str, str]]:
        layouts: list[str | None] = [None, *self.layouts.get("Leads", ())]
        return {(t, lay): self._mapping_to(t, lay) for t in CONVERSION_TARGETS for lay in layouts}

    def _mapping_to(self, target: str, leads_layout: str | None) -> dict[str, str]:
        """Zoho's standard map, then org.json's for every layout, then the layout's own."""
        out = {lf: m[target] for lf, m in catalog.DEFAULT_CONVERT_MAPPING.items() if target in m}
        out.update(self.convert_mapping.get(target, {}))
        if leads_layout is not None:
            own = self.layout_mappings.get(leads_layout, {}).get(target)
            out.update(own.fields if own is not None else {})
        return {
            lf: tf
            for lf, tf in out.items()
            if self.has_field("Leads", lf) and self.has_field(target, tf)
        }

    def lead_mapping(self, target: str, leads_layout: str | None = None) -> Mapping[str, str]:
        """Lead field -> `target` field for leads of `leads_layout` (None: every layout's part).

        Fields no mapping names are not copied by a conversion (custom fields included, even
        when a target field has the same name: Zoho maps only what the admin mapped).
        """
        if (target, leads_layout) not in self._mappings:
            leads_layout = None
        return self._mappings[(target, leads_layout)]

    def lead_layout(self, lead: Record) -> str:
        """The lead's Leads layout (its `Layout`, else the module's default)."""
        name = (lead.get("Layout") or {}).get("name")
        return name if name in self.layouts.get("Leads", ()) else self.default_layout("Leads")

    def target_layout(self, target: str, leads_layout: str | None = None) -> str:
        """The layout a lead of `leads_layout` converts into in `target`."""
        own = self.layout_mappings.get(leads_layout or "", {}).get(target)
        if own is not None and own.layout is not None:
            return own.layout
        return self.default_layout(target)

    def source_field(self, target: str, target_field: str) -> str | None:
        """The lead field mapped to `target.target_field`: what matching compares a unique field
        with. The default Leads layout's mapping — the one `settings/fields` shows on Leads."""
        for lf, tf in self.lead_mapping(target, self.default_layout("Leads")).items():
            if tf == target_field:
                return lf
        return None

    # -- users -----------------------------------------------------------------------------------
    @property
    def admin(self) -> User:
        """The first user: the API's current user, converter of leads, fallback owner."""
        return self.users[0]

    def active_user(self, user_id: str) -> User | None:
        for u in self.users:
            if u.id == user_id and u.active:
                return u
        return None

    def owner_of(self, record: Record) -> User:
        """The record's owner while an active user; else the admin (new records need an owner)."""
        return self.active_user((record.get("Owner") or {}).get("id", "")) or self.admin

    # -- layouts and pipelines -------------------------------------------------------------------
    def default_layout(self, module: str) -> str:
        return self.layouts[module][0]

    def layout_ref(self, module: str, name: str) -> dict[str, str]:
        """`{"name", "id"}` of one of the module's layouts (ids follow org.json's order)."""
        return catalog.layout_ref(module, name, self.layouts[module])

    def modules_with_layout_choice(self) -> list[str]:
        """Conversion targets with more than one layout (the options answer lists them)."""
        return [
            m
            for m in ("Contacts", "Accounts", "Deals")
            if not self.removed(m) and len(self.layouts.get(m, ())) > 1
        ]
