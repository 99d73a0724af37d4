"""The facts a plan is validated against: the org's metadata, the lead records, their options.

Why apart from the rules: the same rules run offline on a snapshot (facts from files or frames)
and live right before executing (`live_facts` reads them fresh from the CRM); keeping how facts are
gathered out of `validate` keeps each rule a pure function of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from crmkit.api.errors import CRMError, NetworkError, RateLimitError, ServerError
from crmkit.conversion.client_like import ClientLike
from crmkit.frames import options_frames
from crmkit.mapping import ConversionMapping

__all__ = [
    "Facts",
    "OrgFacts",
    "lead_facts",
    "live_facts",
    "merged_contact_accounts",
    "org_facts",
    "role_map",
    "text",
    "truthy",
]


@dataclass(frozen=True)
class OrgFacts:
    """What the org's metadata says, as far as conversion cares.

    `pipelines` maps pipeline -> its stages (None when the metadata carries no `maps` for it; the
    pipeline then only has to exist and the stage to be in `stages`); `pipelines=None`: the org has
    no pipelines. `stages` is the Stage picklist. `unique_fields` per module from field metadata
    (`unique` non-empty). `users` maps active user ids -> names (None: unknown, not checked).
    `modules`: None = not checked. `contact_roles`: the org's Contact Roles, name -> id (None:
    not read, not checked).
    """

    modules: frozenset[str] | None = None
    unique_fields: Mapping[str, frozenset[str]] = field(default_factory=dict)
    pipelines: Mapping[str, frozenset[str] | None] | None = None
    stages: frozenset[str] | None = None
    deal_required: frozenset[str] = frozenset({"Deal_Name", "Closing_Date", "Stage"})
    users: Mapping[str, str] | None = None
    contact_roles: Mapping[str, str] | None = None  # role name -> role id
    # module -> field api name -> its metadata (None: not read; merge policies are then unchecked)
    field_defs: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None

    @classmethod
    def from_metadata(
        cls,
        *,
        modules: Iterable[Mapping[str, Any]] | None = None,
        fields: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        users: Iterable[Mapping[str, Any]] | None = None,
    ) -> OrgFacts:
        """Build from `settings/modules`, `settings/fields?module=X` and `users` answers."""
        mods: frozenset[str] | None = None
        if modules is not None:
            mods = frozenset(
                str(m.get("api_name"))
                for m in modules
                if m.get("api_supported", True) is not False
                and str(m.get("status", "visible")) not in ("system_hidden", "user_hidden")
                and m.get("visible", True) is not False
            )
        unique: dict[str, frozenset[str]] = {}
        pipelines: dict[str, frozenset[str] | None] | None = None
        stages: frozenset[str] | None = None
        required = {"Deal_Name", "Closing_Date", "Stage"}
        for module, defs in (fields or {}).items():
            unique[module] = frozenset(
                str(f.get("api_name"))
                for f in defs
                if isinstance(f.get("unique"), Mapping) and f.get("unique")
            )
            if module != "Deals":
                continue
            by_name = {str(f.get("api_name")): f for f in defs}
            required |= {str(f.get("api_name")) for f in defs if f.get("system_mandatory") is True}
            stage = by_name.get("Stage")
            if stage is not None:
                stages = frozenset(_picklist(stage))
            pipe = by_name.get("Pipeline")
            if pipe is not None and pipe.get("pick_list_values"):
                pipelines = {}
                for value in pipe.get("pick_list_values") or []:
                    name = str(value.get("actual_value") or value.get("display_value"))
                    maps = [m for m in value.get("maps") or [] if m.get("api_name") == "Stage"]
                    # Without `maps` the metadata names the pipelines but not their stages.
                    pipelines[name] = (
                        frozenset(s for m in maps for s in _picklist(m)) if maps else None
                    )
                required.add("Pipeline")
        user_map: dict[str, str] | None = None
        if users is not None:
            user_map = {
                str(u.get("id")): str(u.get("full_name") or u.get("email") or "")
                for u in users
                if str(u.get("status", "active")).lower() == "active"
            }
        return cls(
            modules=mods,
            unique_fields=unique,
            pipelines=pipelines,
            stages=stages,
            deal_required=frozenset(required),
            users=user_map,
            field_defs=None
            if fields is None
            else {m: {str(f.get("api_name")): f for f in defs} for m, defs in fields.items()},
        )

    @classmethod
    def from_org_json(cls, org: Mapping[str, Any]) -> OrgFacts:
        """Offline facts from a data directory's `org.json` (the sandbox reads the same keys).

        `pipelines` (name -> its stages) checks a Deal's stage against its own pipeline without a
        call; `removed_modules`, `unique_fields` and `users` as the sandbox serves them. Keys that
        are absent are not checked.
        """
        removed = {str(m) for m in org.get("removed_modules") or []}
        unique: dict[str, frozenset[str]] = {}
        raw_unique = org.get("unique_fields")
        for module, entries in (raw_unique if isinstance(raw_unique, Mapping) else {}).items():
            unique[str(module)] = frozenset(
                str(e.get("api_name")) if isinstance(e, Mapping) else str(e) for e in entries or []
            )
        raw_pipes = org.get("pipelines")
        pipelines: dict[str, frozenset[str] | None] | None = None
        required = {"Deal_Name", "Closing_Date", "Stage"}
        if isinstance(raw_pipes, Mapping) and raw_pipes:
            pipelines = {str(k): frozenset(str(s) for s in v or []) for k, v in raw_pipes.items()}
            required.add("Pipeline")
        stages = frozenset(s for v in (pipelines or {}).values() for s in v or ()) or None
        users = org.get("users")
        user_map = (
            {
                str(u.get("id")): str(u.get("full_name") or u.get("email") or "")
                for u in users
                if isinstance(u, Mapping) and str(u.get("status", "active")).lower() == "active"
            }
            if isinstance(users, list) and users
            else None
        )
        return cls(
            modules=frozenset({"Leads", "Contacts", "Accounts", "Deals"} - removed),
            unique_fields=unique,
            pipelines=pipelines,
            stages=stages,
            deal_required=frozenset(required),
            users=user_map,
        )


def _picklist(f: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for v in f.get("pick_list_values") or []:
        if isinstance(v, Mapping):
            out.append(str(v.get("actual_value") or v.get("display_value")))
        else:
            out.append(str(v))
    return out


@dataclass
class Facts:
    """Everything validation reads. Any part may be None (its rules are then not checked).

    `leads` maps lead id -> the lead record (raw API dict or a leads-frame row), None when the CRM
    has no such lead. `options` / `matches` are the crmkit.frames frames. `accounts` maps the
    Account ids of Contacts the plan merges into -> the Account record (the live re-check reads
    them: a locked one refuses the conversion although the plan never names it).
    """

    org: OrgFacts | None = None
    leads: Mapping[str, Mapping[str, Any] | None] | None = None
    options: pd.DataFrame | None = None
    matches: pd.DataFrame | None = None
    accounts: Mapping[str, Mapping[str, Any] | None] | None = None  # merged Contacts' Accounts
    # Leads whose facts could not be read for a transient reason (5xx, spent credits, network)
    # -> the reason: neither validated nor sent; the run leaves them for the next one.
    unavailable: Mapping[str, str] = field(default_factory=dict)
    # Where lead fields go (merge-policy picklist checks); None: those checks are not made.
    mapping: ConversionMapping | None = None


def role_map(roles: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Role name -> role id, from a `Contacts/roles` answer."""
    out: dict[str, str] = {}
    for role in roles:
        rid, name = text(role.get("id")), text(role.get("name"))
        if rid is not None and name is not None:
            out[name] = rid
    return out


def truthy(value: object) -> bool:
    """A CRM flag as a bool (`"true"`, True; None, NA, NaN and anything else are False)."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, str):
        return value.strip().lower() == "true"
    if isinstance(value, float) and value != value:
        return False
    return bool(value)


def text(value: object) -> str | None:
    """Stripped text, or None when empty/missing; a lookup `{name: ...}` gives its name."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Mapping):
        value = value.get("name")
        if value is None:
            return None
    text = str(value).strip()
    return text or None


def lead_facts(leads: pd.DataFrame | Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Lead records keyed by id, from a leads frame or raw API records."""
    rows: list[Mapping[Any, Any]] = (
        list(leads.to_dict("records")) if isinstance(leads, pd.DataFrame) else list(leads)
    )
    return {str(r["id"]): {str(k): v for k, v in r.items()} for r in rows}


def org_facts(client: ClientLike) -> OrgFacts:
    """Org metadata as conversion needs it (field metadata is cached by the client)."""
    modules = client.modules()
    present = OrgFacts.from_metadata(modules=modules).modules or frozenset()
    fields: dict[str, list[dict[str, Any]]] = {
        m: client.fields(m) for m in ("Contacts", "Accounts", "Deals") if m in present
    }
    return OrgFacts.from_metadata(modules=modules, fields=fields, users=client.users())


def transient(exc: BaseException) -> bool:
    """A failure that says nothing about the lead: 5xx, spent credits or 429, the network."""
    if isinstance(exc, ServerError | RateLimitError | NetworkError):
        return True
    return isinstance(exc, CRMError) and exc.status is not None and exc.status >= 500


def _fetch_leads(
    client: ClientLike, ids: Sequence[str], workers: int
) -> tuple[dict[str, dict[str, Any] | None], dict[str, str]]:
    def one(lead_id: str) -> dict[str, Any] | CRMError | None:
        try:
            return client.get_record("Leads", lead_id, converted="both")
        except CRMError as exc:
            if transient(exc):
                return exc
            raise

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        records = list(pool.map(one, ids))
    found = {i: r for i, r in zip(ids, records, strict=True) if not isinstance(r, CRMError)}
    failed = {i: str(r) for i, r in zip(ids, records, strict=True) if isinstance(r, CRMError)}
    return found, failed


def live_facts(client: ClientLike, plan: pd.DataFrame, *, progress: bool = False) -> Facts:
    """Fresh facts for every lead of the plan: the lead record and its conversion options.

    A lead whose record or options could not be read for a transient reason is in `unavailable`
    (not in `leads`): a 5xx must not read as "no such lead" or "options refused".
    """
    ids = [str(x) for x in plan["lead_id"].tolist()]
    org = org_facts(client)
    if any(text(v) is not None for v in plan["contact_role"].tolist()):
        org = replace(org, contact_roles=role_map(client.contact_roles()))
    leads, unavailable = _fetch_leads(client, ids, client.concurrency)
    if org.modules is not None and "Contacts" not in org.modules:
        return Facts(org=org, leads=leads, unavailable=unavailable)
    # Converted or missing leads have no options to ask about (Zoho refuses them).
    asked = [
        i for i, rec in leads.items() if rec is not None and not truthy(rec.get("Converted__s"))
    ]
    results = client.conversion_options_many(asked, progress=progress) if asked else []
    answered: dict[str, Any] = {}
    for lead_id, result in zip(asked, results, strict=True):
        if isinstance(result, CRMError) and transient(result):
            unavailable[lead_id] = str(result)
            leads.pop(lead_id, None)
        else:
            answered[lead_id] = result
    frames = options_frames(answered)
    accounts = _fetch_accounts(client, merged_contact_accounts(plan), client.concurrency)
    governed = any(  # a merging row with a policy: its picklist check needs the mapping
        isinstance(r.get("merge_policy"), str)
        and "merge" in (r.get("contact_action"), r.get("account_action"))
        for r in plan.to_dict("records")
    )
    return Facts(
        mapping=ConversionMapping.from_client(client) if governed else None,
        org=org,
        leads=leads,
        options=frames.options,
        matches=frames.matches,
        accounts=accounts,
        unavailable=unavailable,
    )


def merged_contact_accounts(plan: pd.DataFrame) -> list[str]:
    """Accounts the re-check reads: the `account_id` of rows merging a Contact and its Account.

    A merged Contact brings its Account along (a plan must name it, or validation says so), and
    Zoho refuses the conversion when that Account is locked — which the lead's own options show
    only when the Account is among its candidates.
    """
    ids = {
        str(r["account_id"])
        for r in plan.to_dict("records")
        if r.get("contact_action") == "merge"
        and r.get("account_action") == "merge"
        and text(r.get("account_id")) is not None
        and not str(r["account_id"]).startswith("lead:")  # a reference: read once resolved
    }
    return sorted(ids)


def _fetch_accounts(
    client: ClientLike, ids: Sequence[str], workers: int
) -> dict[str, dict[str, Any] | None]:
    if not ids:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        records = list(pool.map(lambda i: client.get_record("Accounts", i), ids))
    return dict(zip(ids, records, strict=True))
